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
