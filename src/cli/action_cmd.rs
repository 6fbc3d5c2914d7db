//! The verbs that act: `start|stop|restart|monitor|unmonitor <name|all>` over the control
//! socket, and `reload` and `quit` through the pid file.

use super::daemon_cmd::{READ_TIMEOUT, load_config, request};
use super::{Cli, exit};
use crate::daemon::paths;

/// `start|stop|restart|monitor|unmonitor <name|all>`: waits until the action has been
/// carried out and exits 1 with the reason if it failed (Monit returns as soon as the
/// request is queued, whatever happens next). Nothing is printed on success, as in Monit.
pub fn action(cli: &Cli, verb: &str, args: &[String]) -> Result<u8, String> {
    let config = load_config(cli)?;
    let mut form = vec![("action", verb.to_owned()), ("wait", "yes".to_owned())];
    if let Some(group) = &cli.group {
        let members: Vec<String> = config
            .services
            .iter()
            .filter(|s| s.groups.iter().any(|g| g.eq_ignore_ascii_case(group)))
            .map(|s| s.name.clone())
            .collect();
        if members.is_empty() {
            return Err(format!("Service group '{group}' not found"));
        }
        form.extend(members.into_iter().map(|m| ("service", m)));
    } else if args.is_empty() {
        return Err(format!("Please specify a service name or 'all' after {verb}"));
    } else {
        form.extend(args.iter().map(|a| ("service", a.clone())));
    }
    // The group was expanded here; the daemon gets explicit names.
    let cli = Cli { group: None, ..cli.clone() };
    request(&cli, &config, "/_doaction", form, crate::http::ACTION_WAIT + READ_TIMEOUT)
}

/// `reload` (SIGHUP) and `quit` (SIGTERM) through the pid file.
pub fn signal(cli: &Cli, verb: &str) -> Result<u8, String> {
    let config = load_config(cli)?;
    let pidfile = cli.pidfile.clone().unwrap_or_else(|| paths::pidfile(&config));
    let Some(pid) = crate::daemon::running_daemon(&pidfile) else {
        println!("rmonit daemon is not running");
        return Ok(exit::OK);
    };
    let (signal, message) = match verb {
        "reload" => (nix::sys::signal::Signal::SIGHUP, "Reinitializing rmonit daemon".to_owned()),
        _ => (nix::sys::signal::Signal::SIGTERM, format!("rmonit daemon with pid [{pid}] killed")),
    };
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal)
        .map_err(|e| format!("cannot signal pid {pid}: {e}"))?;
    println!("{message}");
    Ok(exit::OK)
}
