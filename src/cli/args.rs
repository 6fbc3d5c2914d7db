//! The clap definition of the command line: Monit's short options with their long names.

use std::path::PathBuf;

use clap::{ArgAction, Parser};

/// rmonit: a Monit-compatible host health monitor.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "rmonit",
    disable_version_flag = true,
    override_usage = "rmonit [options]+ [command]",
    after_help = "Commands:
  start <name|all>       Start the named service (or all) and enable monitoring
  stop <name|all>        Stop the named service (or all) and disable monitoring
  restart <name|all>     Stop and start the named service (or all)
  monitor <name|all>     Enable monitoring of the named service (or all)
  unmonitor <name|all>   Disable monitoring of the named service (or all)
  reload                 Reinitialize the running daemon
  status [name]          Print full status information
  summary [name]         Print short status information
  report [up|down|..]    Report the state of services
  quit                   Kill the running daemon
  validate               Check all services and start them if not running
  run <name> <action>    Run a custom action of the service in the daemon
  procmatch <pattern>    Test a process match pattern
  hash-password          Print an argon2id hash of a password for `allow user:\"hash\"`
  import-state FILE      Read a state file of Monit's and write it as rmonit's
  completions SHELL      Print shell completions (bash, zsh, fish, elvish, powershell)
  man                    Print the rmonit(1) man page
  config show [--format monitrc|yaml|json]
                         Print the effective configuration
  config convert FILE --to yaml|monitrc
                         Convert a control file to the other syntax"
)]
pub struct Cli {
    /// Use this control file.
    #[arg(short = 'c', long = "conf", value_name = "file")]
    pub conf: Option<PathBuf>,
    /// Run as a daemon once per n seconds.
    #[arg(short = 'd', long = "daemon", value_name = "n")]
    pub daemon: Option<u64>,
    /// Set the group name for start, stop, restart, monitor, unmonitor, status, summary, report.
    #[arg(short = 'g', long = "group", value_name = "name")]
    pub group: Option<String>,
    /// Print log information to this file ('syslog' for syslog).
    #[arg(short = 'l', long = "logfile", value_name = "logfile")]
    pub logfile: Option<String>,
    /// Use this lock file in daemon mode.
    #[arg(short = 'p', long = "pidfile", value_name = "pidfile")]
    pub pidfile: Option<PathBuf>,
    /// Set the file rmonit should write state information to.
    #[arg(short = 's', long = "statefile", value_name = "statefile")]
    pub statefile: Option<PathBuf>,
    /// Do not run in the background (needed when run from init).
    #[arg(short = 'I', long = "interactive")]
    pub interactive: bool,
    /// Batch command line mode (no tables, no colours).
    #[arg(short = 'B', long = "batch")]
    pub batch: bool,
    /// Run syntax check for the control file.
    #[arg(short = 't', long = "test")]
    pub test: bool,
    /// Verbose mode, work noisy (diagnostic output); with -t, print the configuration.
    #[arg(short = 'v', long = "verbose", action = ArgAction::Count)]
    pub verbose: u8,
    /// Print the version number and patch level.
    #[arg(short = 'V', long = "version")]
    pub version: bool,
    /// Print SHA1 and MD5 hashes of the file or of stdin if the filename is omitted.
    #[arg(short = 'H', long = "hash", value_name = "file", num_args = 0..=1)]
    pub hash: Option<Option<PathBuf>>,
    /// Print the rmonit unique ID.
    #[arg(short = 'i', long = "id")]
    pub id: bool,
    /// Reset the rmonit unique ID.
    #[arg(short = 'r', long = "resetid")]
    pub resetid: bool,
    /// With -t: missing or non-executable programs are errors, not warnings.
    #[arg(long = "strict")]
    pub strict: bool,
    /// The command and its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "command")]
    pub command: Vec<String>,
}

/// Monit's options that take no value, which GNU getopt lets come after the command too.
const FLAGS: &[&str] = &[
    "-B",
    "-I",
    "-t",
    "-v",
    "-vv",
    "-V",
    "-i",
    "-r",
    "--batch",
    "--interactive",
    "--test",
    "--verbose",
    "--id",
    "--resetid",
];
/// Monit's options that take a value (the next argument).
const WITH_VALUE: &[&str] =
    &["-c", "-d", "-g", "-l", "-p", "-s", "--conf", "--daemon", "--group", "--logfile", "--pidfile", "--statefile"];

/// Moves Monit's own options written after the command (`rmonit summary -B`, `rmonit
/// status web -c /etc/monitrc`) in front of it, as Monit's getopt permutes them. The
/// command's own options (`--json`, `--for`, `--no-wait`, `--timeout`) stay with it, and
/// nothing after `--` moves.
pub fn hoist_options(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    // The command is the first argument that is neither an option nor an option's value.
    let mut command_at = 1;
    while command_at < args.len() {
        let arg = args[command_at].to_string_lossy();
        if WITH_VALUE.contains(&arg.as_ref()) {
            command_at += 2;
        } else if arg.starts_with('-') {
            command_at += 1;
        } else {
            break;
        }
    }
    if command_at >= args.len() {
        return args;
    }
    let (mut front, mut rest) = (args[..command_at].to_vec(), Vec::new());
    let mut tail = args[command_at..].iter();
    while let Some(arg) = tail.next() {
        let text = arg.to_string_lossy();
        if text == "--" {
            rest.push(arg.clone());
            rest.extend(tail.by_ref().cloned());
            break;
        }
        if FLAGS.contains(&text.as_ref()) {
            front.push(arg.clone());
        } else if WITH_VALUE.contains(&text.as_ref()) {
            front.push(arg.clone());
            if let Some(value) = tail.next() {
                front.push(value.clone());
            }
        } else {
            rest.push(arg.clone());
        }
    }
    front.extend(rest);
    front
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hoisted(line: &str) -> String {
        let args = line.split(' ').map(std::ffi::OsString::from).collect();
        hoist_options(args).iter().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn options_after_the_command_move_in_front_of_it() {
        assert_eq!(hoisted("rmonit summary -B"), "rmonit -B summary");
        assert_eq!(hoisted("rmonit -c rc status web -B -g g1"), "rmonit -c rc -B -g g1 status web");
        assert_eq!(hoisted("rmonit unmonitor web --for 15m -B"), "rmonit -B unmonitor web --for 15m");
        assert_eq!(hoisted("rmonit status --json"), "rmonit status --json");
        assert_eq!(hoisted("rmonit procmatch -- -B"), "rmonit procmatch -- -B");
        assert_eq!(hoisted("rmonit -I"), "rmonit -I");
        assert_eq!(hoisted("rmonit -c summary"), "rmonit -c summary");
    }
}
