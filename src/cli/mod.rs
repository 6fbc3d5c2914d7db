//! The command line: Monit's options and verbs (reference §5), plus `config show|convert`.
//!
//! Options come first, then a verb and its arguments, as with `monit`; no verb runs the
//! daemon. The verbs that act on services or read their status talk to the running daemon
//! over the control socket (`control::client`); with no daemon running, an action is carried
//! out in-process (`offline_cmd`). `-t`, `config`, `procmatch` and the small tools need no
//! daemon.

mod action_cmd;
mod args;
mod config_cmd;
mod daemon_cmd;
mod help_cmd;
mod offline_cmd;
mod run_cmd;
mod state_cmd;
mod target;
mod tools_cmd;

use std::ffi::OsString;
use std::io::Write;

pub use args::Cli;
use clap::Parser;

/// Exit codes (documented in the README).
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// A failure: invalid control file, unknown service, daemon not reachable, bad argument.
    pub const FAILURE: u8 = 1;
    /// A usage error caught by the argument parser.
    pub const USAGE: u8 = 2;
}

/// Runs the command line and returns the exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> u8 {
    let cli = match Cli::try_parse_from(args::hoist_options(args.into_iter().collect())) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { exit::OK };
            let _ = e.print();
            return code;
        }
    };
    match dispatch(&cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            exit::FAILURE
        }
    }
}

/// The verbs that only talk to the daemon over its control socket: no TLS in this
/// process, so no crypto provider is set up for them (a faster start).
const SOCKET_VERBS: &[&str] =
    &["status", "summary", "report", "start", "stop", "restart", "monitor", "unmonitor", "reload", "quit", "validate"];

/// Installs the one TLS crypto provider of the process (ring): web interface, network
/// checks, mail. Idempotent.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn dispatch(cli: &Cli) -> Result<u8, String> {
    if cli.version {
        print_version();
        return Ok(exit::OK);
    }
    if !cli.command.first().is_some_and(|verb| SOCKET_VERBS.contains(&verb.as_str())) || cli.test {
        install_crypto_provider();
    }
    if cli.test {
        return config_cmd::test(cli);
    }
    let verb = cli.command.first().map(String::as_str);
    match verb {
        Some("config") => config_cmd::run(cli, &cli.command[1..]),
        Some(verb @ ("start" | "stop" | "restart" | "monitor" | "unmonitor")) => {
            action_cmd::action(cli, verb, &cli.command[1..])
        }
        Some("status") => daemon_cmd::status(cli, &cli.command[1..]),
        Some("summary") => daemon_cmd::summary(cli, &cli.command[1..]),
        Some("report") => daemon_cmd::report(cli, &cli.command[1..]),
        Some("reload") => action_cmd::reload(cli),
        Some("quit") => action_cmd::quit(cli),
        Some("run") => run_cmd::run(cli, &cli.command[1..]),
        Some("procmatch") => daemon_cmd::procmatch(&cli.command[1..]),
        Some("validate") => daemon_cmd::validate(cli, &cli.command[1..]),
        Some("hash-password") => tools_cmd::hash_password(),
        Some("import-state") => state_cmd::import_state(cli, &cli.command[1..]),
        Some("completions") => help_cmd::completions(&cli.command[1..]),
        Some("man") => help_cmd::man(&cli.command[1..]),
        Some(other) => Err(format!("Invalid argument -- {other}  (-h will show valid arguments)")),
        None if cli.id => tools_cmd::print_id(cli),
        None if cli.resetid => tools_cmd::reset_id(cli),
        None if cli.hash.is_some() => tools_cmd::hash_file(cli.hash.as_ref().and_then(|f| f.as_ref())),
        // No verb: run the daemon.
        None => {
            let config_path = crate::config::find_control_file(cli.conf.as_deref())?;
            let options = crate::daemon::DaemonOptions {
                config_path,
                foreground: cli.interactive,
                interval: cli.daemon.map(std::time::Duration::from_secs),
                logfile: cli.logfile.clone(),
                pidfile: cli.pidfile.clone(),
                statefile: cli.statefile.clone(),
                verbose: cli.verbose > 0,
            };
            crate::daemon::run(options)?;
            Ok(exit::OK)
        }
    }
}

fn print_version() {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "This is rmonit version {} (compatible with Monit {})", crate::VERSION, crate::MONIT_VERSION);
    let _ = writeln!(out, "Built with rustls (ring), with ipv6, for Linux");
}
