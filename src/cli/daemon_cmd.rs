//! The read verbs that talk to the running daemon: `status`, `summary`, `report`, over the
//! control socket; `procmatch` locally. The acting verbs are in `action_cmd`.

use std::io::IsTerminal;
use std::time::Duration;

use super::{Cli, exit};
use crate::config::{self, Config, LoadOptions};
use crate::control::client::{self, ClientError};
use crate::daemon::paths;
use crate::state::report::strip_terminal;

/// How long a read verb waits for the daemon.
pub(super) const READ_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) fn load_config(cli: &Cli) -> Result<Config, String> {
    let path = config::find_control_file(cli.conf.as_deref())?;
    let loaded = config::load(&path, LoadOptions::default()).map_err(|e| e.to_string())?;
    Ok(loaded.config)
}

pub(super) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())
}

fn batch(cli: &Cli, config: &Config) -> bool {
    cli.batch || config.terminal_batch || !std::io::stdout().is_terminal()
}

/// Sends one request and prints the answer; the exit code follows the HTTP status.
pub(super) fn request(
    cli: &Cli,
    config: &Config,
    path: &str,
    mut form: Vec<(&str, String)>,
    timeout: Duration,
) -> Result<u8, String> {
    let batch = batch(cli, config);
    if batch {
        form.push(("batch", "1".to_owned()));
    }
    if let Some(group) = &cli.group {
        form.push(("group", group.clone()));
    }
    let socket = paths::control_socket(config);
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = runtime()?.block_on(client::post(&socket, path, &pairs, timeout));
    match answer {
        Ok(answer) if answer.status < 300 || answer.status == 302 => {
            if path != "/_doaction" {
                let body = if batch { strip_terminal(&answer.body) } else { answer.body };
                print!("{body}");
            }
            Ok(exit::OK)
        }
        Ok(answer) => {
            eprint!("{}", answer.body);
            Ok(exit::FAILURE)
        }
        Err(ClientError::NotRunning) => Err("rmonit: the rmonit daemon is not running".to_owned()),
        Err(ClientError::Failed(e)) => Err(format!("rmonit: {e}")),
    }
}

pub fn status(cli: &Cli, args: &[String]) -> Result<u8, String> {
    let config = load_config(cli)?;
    let mut form = vec![("format", "text".to_owned())];
    if let Some(name) = args.first() {
        form.push(("service", name.clone()));
    }
    request(cli, &config, "/_status", form, READ_TIMEOUT)
}

pub fn summary(cli: &Cli, args: &[String]) -> Result<u8, String> {
    let config = load_config(cli)?;
    let mut form = Vec::new();
    if let Some(name) = args.first() {
        form.push(("service", name.clone()));
    }
    request(cli, &config, "/_summary", form, READ_TIMEOUT)
}

pub fn report(cli: &Cli, args: &[String]) -> Result<u8, String> {
    let config = load_config(cli)?;
    let mut form = Vec::new();
    if let Some(kind) = args.first() {
        form.push(("type", kind.clone()));
    }
    request(cli, &config, "/_report", form, READ_TIMEOUT)
}

/// `procmatch <regex>`: the processes a `matching` pattern finds, the chosen one starred.
pub fn procmatch(args: &[String]) -> Result<u8, String> {
    let Some(pattern) = args.first() else {
        return Err("Please specify a pattern after procmatch".to_owned());
    };
    let regex = regex::Regex::new(pattern).map_err(|e| format!("Regex {pattern} parsing error: {e}"))?;
    let table = crate::procfs::table::ProcessTable::scan();
    let me = std::process::id() as i32;
    let chosen = table.find_matching(&regex, me).map(|e| e.pid);
    let all = table.all_matching(&regex, me);
    println!("List of processes matching pattern \"{pattern}\":");
    println!("    PID       PPID      Command                                            ");
    for entry in &all {
        let mark = if Some(entry.pid) == chosen { '*' } else { ' ' };
        println!(" {mark} {:>9} {:>9}  {:<50} ", entry.pid, entry.ppid, entry.cmdline);
    }
    println!("Total matches: {}", all.len());
    Ok(exit::OK)
}
