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
    // The checks of an action carried out here may speak TLS.
    super::install_crypto_provider();
    runtime()?.block_on(async move {
        let initial = config.services.iter().map(|s| (s.name.clone(), Monitoring::NotMonitored)).collect();
        let options = EngineOptions { initial_monitoring: initial, ..EngineOptions::default() };
        let (cancel, mut tasks) = (CancellationToken::new(), JoinSet::new());
        let engine = crate::engine::spawn(config, options, cancel.clone(), &mut tasks);
        let targets = crate::state::report::action_targets(engine.names(), names.iter().map(String::as_str))?;
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
