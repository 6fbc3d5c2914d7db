//! Actions when no daemon runs: as Monit does, the CLI carries them out itself. An engine
//! is started in-process with every service unmonitored (no checks run), the action goes
//! through it (dependencies, start programs, waiting for the process), and the CLI exits
//! when it is done. Nothing is saved: the next daemon starts from its own state file.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::daemon_cmd::runtime;
use crate::config::Config;
use crate::engine::{EngineOptions, Requester, UserAction};
use crate::state::status::Monitoring;

/// Runs `verb` on `names` (names, patterns, `all`) without a daemon; the failures, if any.
pub fn act(config: Config, verb: &str, names: &[String], wait: Duration) -> Result<(), String> {
    let action = UserAction::parse(verb).ok_or_else(|| format!("Invalid action \"{verb}\""))?;
    let config = Arc::new(crate::daemon::with_system_service(config));
    runtime()?.block_on(async move {
        let initial = config.services.iter().map(|s| (s.name.clone(), Monitoring::NotMonitored)).collect();
        let options = EngineOptions { initial_monitoring: initial, ..EngineOptions::default() };
        let (cancel, mut tasks) = (CancellationToken::new(), JoinSet::new());
        let engine = crate::engine::spawn(config, options, cancel.clone(), &mut tasks);
        let targets = resolve(engine.names(), names)?;
        let by = Requester { who: format!("uid {}", rustix::process::getuid().as_raw()), from: "command line".into() };
        let receivers = engine.act_together(&targets, action, by, None);
        let deadline = tokio::time::Instant::now() + wait;
        let mut failures = Vec::new();
        for (service, rx) in targets.iter().zip(receivers) {
            let name = &engine.names()[*service];
            match tokio::time::timeout_at(deadline, rx).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => failures.push(format!("'{name}' {verb} failed: {e}")),
                Ok(Err(_)) => failures.push(format!("'{name}' {verb} failed: the engine stopped")),
                Err(_) => failures.push(format!("'{name}' {verb} still running after {}s", wait.as_secs())),
            }
        }
        cancel.cancel();
        while tasks.join_next().await.is_some() {}
        if failures.is_empty() { Ok(()) } else { Err(failures.join("\n")) }
    })
}

/// The services the names select, in the configuration's order, each once.
fn resolve(all: &[String], names: &[String]) -> Result<Vec<usize>, String> {
    let mut chosen = Vec::new();
    for name in names {
        let matching: Vec<&str> = if name.eq_ignore_ascii_case("all") {
            all.iter().map(String::as_str).collect()
        } else {
            crate::state::report::matching_names(name, all.iter().map(String::as_str))
        };
        if matching.is_empty() {
            return Err(format!("There is no service named \"{name}\""));
        }
        for found in matching {
            if let Some(index) = all.iter().position(|n| n == found)
                && !chosen.contains(&index)
            {
                chosen.push(index);
            }
        }
    }
    chosen.sort_unstable();
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_patterns_and_all_resolve_in_order() {
        let all: Vec<String> = ["web", "webmatch", "db"].iter().map(|s| s.to_string()).collect();
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(resolve(&all, &words(&["db", "web"])).unwrap(), [0, 2]);
        assert_eq!(resolve(&all, &words(&["web.*"])).unwrap(), [0, 1]);
        assert_eq!(resolve(&all, &words(&["all", "db"])).unwrap(), [0, 1, 2]);
        assert!(resolve(&all, &words(&["nosuch"])).unwrap_err().contains("no service named \"nosuch\""));
    }
}
