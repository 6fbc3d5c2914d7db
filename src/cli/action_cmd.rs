//! The verbs that act: `start|stop|restart|monitor|unmonitor <name|all> [flags]` and
//! `reload` over the control socket, `quit` through the pid file.
//!
//! Actions wait for their outcome (`--wait`, the default) and exit 1 with the reason on
//! stderr if it failed; nothing is printed on success, as with Monit, so scripts see the
//! same output. `--no-wait` returns once the daemon has queued the actions (Monit's
//! behaviour), `--timeout D` bounds the wait (exit 1: still running), `--for D` makes an
//! `unmonitor` last only that long. Durations: `90s`, `15m`, `2h`, `1d`, or seconds.

use std::time::Duration;

use super::daemon_cmd::{READ_TIMEOUT, load_config};
use super::target::Target;
use super::{Cli, exit};
use crate::config::paths;
use crate::control::client;

/// How an action verb was asked to run.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ActionArgs {
    names: Vec<String>,
    wait: bool,
    timeout: Option<Duration>,
    monitor_for: Option<Duration>,
}

/// `90s`, `15m`, `2h`, `1d`, or a number of seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("Invalid duration '{text}' (use 90s, 15m, 2h or 1d)");
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let number: u64 = number.parse().map_err(|_| invalid())?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(invalid()),
    };
    number.checked_mul(scale).map(Duration::from_secs).ok_or_else(invalid)
}

/// Splits the words after the verb into service names and flags (`--flag value` or
/// `--flag=value`, anywhere among the names).
fn parse_action_args(verb: &str, words: &[String]) -> Result<ActionArgs, String> {
    let mut parsed = ActionArgs { names: Vec::new(), wait: true, timeout: None, monitor_for: None };
    let mut words = words.iter();
    while let Some(word) = words.next() {
        let (flag, inline) = match word.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (word.as_str(), None),
        };
        let mut value = |flag: &str| {
            inline.clone().or_else(|| words.next().cloned()).ok_or_else(|| format!("{flag} needs a duration"))
        };
        match flag {
            "--wait" => parsed.wait = true,
            "--no-wait" => parsed.wait = false,
            "--timeout" => parsed.timeout = Some(parse_duration(&value(flag)?)?),
            "--for" if verb == "unmonitor" => parsed.monitor_for = Some(parse_duration(&value(flag)?)?),
            "--for" => return Err(format!("--for goes with unmonitor, not {verb}")),
            other if other.starts_with("--") => {
                return Err(format!("Invalid argument -- {other}  (-h will show valid arguments)"));
            }
            name => parsed.names.push(name.to_owned()),
        }
    }
    Ok(parsed)
}

/// `start|stop|restart|monitor|unmonitor <name|all> [--no-wait] [--timeout D] [--for D]`.
pub fn action(cli: &Cli, verb: &str, args: &[String]) -> Result<u8, String> {
    let parsed = parse_action_args(verb, args)?;
    let mut target = Target::find(cli)?;
    let mut form = vec![("action", verb.to_owned())];
    if parsed.wait {
        form.push(("wait", "yes".to_owned()));
    }
    let wait = parsed.timeout.unwrap_or(crate::http::ACTION_WAIT).min(crate::http::ACTION_WAIT);
    if let Some(timeout) = parsed.timeout {
        form.push(("timeout", timeout.as_secs().to_string()));
    }
    if let Some(how_long) = parsed.monitor_for {
        form.push(("for", how_long.as_secs().to_string()));
    }
    if let Some(group) = &cli.group {
        // The group is expanded here; the daemon gets explicit names.
        let members: Vec<String> = target
            .config()?
            .services
            .iter()
            .filter(|s| s.groups.iter().any(|g| g.eq_ignore_ascii_case(group)))
            .map(|s| s.name.clone())
            .collect();
        if members.is_empty() {
            return Err(format!("Group '{group}' not found"));
        }
        form.extend(members.into_iter().map(|m| ("service", m)));
    } else if parsed.names.is_empty() {
        return Err(format!("Please specify a service name or 'all' after {verb}"));
    } else {
        form.extend(parsed.names.iter().map(|a| ("service", a.clone())));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = match target.post("/_doaction", &pairs, wait + READ_TIMEOUT) {
        Ok(answer) => answer,
        // No daemon: carried out here, as Monit does (monitor/unmonitor change nothing
        // that would last, since nothing is saved).
        Err(client::ClientError::NotRunning) => {
            let names: Vec<String> = form.iter().filter(|(k, _)| *k == "service").map(|(_, v)| v.clone()).collect();
            return match super::offline_cmd::act(target.into_config()?, verb, &names, wait) {
                Ok(()) => Ok(exit::OK),
                Err(message) => {
                    eprintln!("{message}");
                    Ok(exit::FAILURE)
                }
            };
        }
        Err(e) => return Err(e.to_string()),
    };
    if answer.status < 300 || answer.status == 302 {
        Ok(exit::OK)
    } else {
        eprint!("{}", answer.body);
        Ok(exit::FAILURE)
    }
}

/// POSTs a form to the daemon over the control socket.
fn post(
    config: &crate::config::Config,
    path: &str,
    form: &[(&str, String)],
    timeout: Duration,
) -> Result<client::Answer, String> {
    let socket = paths::control_socket(config);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    client::post(&socket, path, &pairs, timeout).map_err(|e| e.to_string())
}

/// `reload`: the daemon reads its control file again. A broken file is refused with its
/// errors (exit 1) and the running configuration stays; otherwise the changes are printed.
pub fn reload(cli: &Cli) -> Result<u8, String> {
    let config = load_config(cli)?;
    let answer = post(&config, "/_reload", &[], RELOAD_TIMEOUT)?;
    if answer.status < 300 {
        print!("{}", answer.body);
        Ok(exit::OK)
    } else {
        eprint!("{}", answer.body);
        Ok(exit::FAILURE)
    }
}

/// How long a reload may take: stopping the engine and starting the new one.
const RELOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// `quit` (SIGTERM through the pid file). Without a daemon: exit 1 (Monit exits 0).
pub fn quit(cli: &Cli) -> Result<u8, String> {
    let config = load_config(cli)?;
    let pidfile = cli.pidfile.clone().unwrap_or_else(|| paths::pidfile(&config));
    let Some(pid) = crate::daemon::running_daemon(&pidfile) else {
        return Err("rmonit daemon is not running".to_owned());
    };
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGTERM)
        .map_err(|e| format!("cannot signal pid {pid}: {e}"))?;
    println!("rmonit daemon with pid [{pid}] killed");
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("42"), Ok(Duration::from_secs(42)));
        for bad in ["", "m", "15x", "1.5h", "-3s", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn flags_mix_with_names() {
        let parsed = parse_action_args("unmonitor", &words("web --for 15m db --no-wait --timeout=30s")).unwrap();
        assert_eq!(
            parsed,
            ActionArgs {
                names: words("web db"),
                wait: false,
                timeout: Some(Duration::from_secs(30)),
                monitor_for: Some(Duration::from_secs(900)),
            }
        );
        assert!(parse_action_args("restart", &words("web")).unwrap().wait, "waiting is the default");
        assert!(parse_action_args("restart", &words("web --for 1h")).unwrap_err().contains("unmonitor"));
        assert!(parse_action_args("restart", &words("web --timeout")).unwrap_err().contains("needs a duration"));
        assert!(parse_action_args("restart", &words("web --bogus")).unwrap_err().contains("Invalid argument"));
    }
}
