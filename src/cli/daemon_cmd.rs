//! The read verbs that talk to the running daemon: `status`, `summary`, `report` (Monit's
//! text, or with `--json` the JSON API's answer) and `validate`, over the control socket;
//! `procmatch` locally. The acting verbs are in `action_cmd`.

use std::io::IsTerminal;
use std::time::Duration;

use super::target::Target;
use super::{Cli, exit};
use crate::config::{self, Config, LoadOptions};
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

fn batch(cli: &Cli, target: &Target) -> bool {
    cli.batch || target.terminal_batch() || !std::io::stdout().is_terminal()
}

/// Sends one request and prints the answer; the exit code follows the HTTP status.
pub(super) fn request(
    cli: &Cli,
    target: &mut Target,
    path: &str,
    mut form: Vec<(&str, String)>,
    timeout: Duration,
) -> Result<u8, String> {
    let batch = batch(cli, target);
    if batch {
        form.push(("batch", "1".to_owned()));
    }
    if let Some(group) = &cli.group {
        // As Monit: with -g the group is shown, and a service name is ignored.
        form.retain(|(key, _)| *key != "service");
        form.push(("group", group.clone()));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = target.post(path, &pairs, timeout);
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
        Err(e) => Err(e.to_string()),
    }
}

/// Splits `--json` off a verb's arguments.
fn json_flag(args: &[String]) -> (bool, Vec<String>) {
    let json = args.iter().any(|a| a == "--json");
    (json, args.iter().filter(|a| *a != "--json").cloned().collect())
}

/// The answer of the JSON API, or why there is none: the daemon's `{"error": ...}`
/// message for a 4xx or 5xx.
fn fetch_json(
    cli: &Cli,
    target: &mut Target,
    path: &str,
    mut form: Vec<(&str, String)>,
    timeout: Duration,
) -> Result<serde_json::Value, String> {
    if let Some(group) = &cli.group {
        form.retain(|(key, _)| *key != "service");
        form.push(("group", group.clone()));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = target.post(path, &pairs, timeout).map_err(|e| e.to_string())?;
    let value: serde_json::Value = serde_json::from_str(&answer.body)
        .map_err(|e| format!("rmonit: the daemon's answer to {path} is no JSON ({e}): {}", answer.body.trim_end()))?;
    if answer.status >= 300 {
        let message = value.get("error").and_then(|e| e.as_str()).map_or_else(|| value.to_string(), str::to_owned);
        return Err(message);
    }
    Ok(value)
}

/// `status|summary|report --json`: the JSON API's answer, indented.
fn print_json(cli: &Cli, target: &mut Target, path: &str, form: Vec<(&str, String)>) -> Result<u8, String> {
    let value = fetch_json(cli, target, path, form, READ_TIMEOUT)?;
    let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(exit::OK)
}

/// `status [name] [--json]`.
pub fn status(cli: &Cli, args: &[String]) -> Result<u8, String> {
    let (json, args) = json_flag(args);
    let mut target = Target::find(cli)?;
    let name = args.first().map(|name| ("service", name.clone()));
    if json {
        return print_json(cli, &mut target, "/api/v1/services", name.into_iter().collect());
    }
    let mut form = vec![("format", "text".to_owned())];
    form.extend(name);
    request(cli, &mut target, "/_status", form, READ_TIMEOUT)
}

/// `summary [name] [--json]`; the JSON holds the summary's columns (`name`, `status`,
/// `type`), as `/api/v1/summary` answers them.
pub fn summary(cli: &Cli, args: &[String]) -> Result<u8, String> {
    let (json, args) = json_flag(args);
    let mut target = Target::find(cli)?;
    let form: Vec<_> = args.first().map(|name| ("service", name.clone())).into_iter().collect();
    if json {
        return print_json(cli, &mut target, "/api/v1/summary", form);
    }
    request(cli, &mut target, "/_summary", form, READ_TIMEOUT)
}

/// `report [up|down|initialising|initializing|unmonitored|total] [--json]`.
pub fn report(cli: &Cli, args: &[String]) -> Result<u8, String> {
    let (json, args) = json_flag(args);
    let mut target = Target::find(cli)?;
    let form: Vec<_> = args.first().map(|kind| ("type", kind.clone())).into_iter().collect();
    if json {
        return print_json(cli, &mut target, "/api/v1/report", form);
    }
    request(cli, &mut target, "/_report", form, READ_TIMEOUT)
}

/// `validate`: the daemon checks every service now and the full status after that pass is
/// printed (Monit prints it before the pass). Exits 0 when no watched service has a failed
/// event, 1 otherwise, naming the failing services on stderr (Monit always exits 1).
/// Without a daemon: says so and exits 1 (Monit runs a pass in the CLI process instead).
pub fn validate(cli: &Cli, args: &[String]) -> Result<u8, String> {
    if let Some(extra) = args.first() {
        return Err(format!("validate takes no argument, not '{extra}'"));
    }
    let mut target = Target::find(cli)?;
    let batch = batch(cli, &target);
    let form = if batch { vec![("batch", "1".to_owned())] } else { Vec::new() };
    let cli = Cli { group: None, ..cli.clone() };
    let wait = crate::http::api::VALIDATE_WAIT + READ_TIMEOUT;
    let answer = fetch_json(&cli, &mut target, "/api/v1/validate", form, wait)?;
    let text = answer.get("status").and_then(|s| s.as_str()).unwrap_or_default();
    print!("{}", if batch { strip_terminal(text) } else { text.to_owned() });
    let names = |key: &str| -> Vec<String> {
        let list = answer.get(key).and_then(|v| v.as_array()).cloned().unwrap_or_default();
        list.iter().filter_map(|n| n.as_str().map(str::to_owned)).collect()
    };
    let unchecked = names("unchecked");
    if !unchecked.is_empty() {
        eprintln!(
            "rmonit: not checked within {} s (a parent failed, or the check is slow): {}",
            crate::http::api::VALIDATE_WAIT.as_secs(),
            unchecked.join(", ")
        );
    }
    let failing = names("failing");
    if answer.get("ok").and_then(|ok| ok.as_bool()) == Some(true) {
        Ok(exit::OK)
    } else {
        eprintln!("rmonit: failing: {}", failing.join(", "));
        Ok(exit::FAILURE)
    }
}

/// The one-line reason of a regex error (`unclosed group`), as Monit prints the C
/// library's (`Unmatched ( or \(`); the regex crate's own text spans several lines.
fn regex_reason(error: &regex::Error) -> String {
    let text = error.to_string();
    let reason = text.lines().rev().find_map(|line| line.strip_prefix("error: ")).unwrap_or(text.as_str());
    reason.to_owned()
}

/// `procmatch <regex>`: the processes a `matching` pattern finds, the chosen one starred.
pub fn procmatch(args: &[String]) -> Result<u8, String> {
    let Some(pattern) = args.first() else {
        return Err("Invalid syntax - usage: procmatch \"<pattern>\"".to_owned());
    };
    let regex =
        regex::Regex::new(pattern).map_err(|e| format!("Regex {pattern} parsing error: {}", regex_reason(&e)))?;
    let table = crate::procfs::table::ProcessTable::scan();
    let me = std::process::id() as i32;
    let chosen = table.find_matching(|e| e.pid != me && regex.is_match(&e.cmdline)).map(|e| e.pid);
    let all = table.all_matching(&regex, me);
    print!("{}", procmatch_text(pattern, &all, chosen));
    Ok(exit::OK)
}

/// What `procmatch` prints (Monit's `ProcessTree_testMatch`): the matches, the one a
/// `matching` rule would pick starred, the count, and a warning when there are several.
fn procmatch_text(pattern: &str, all: &[&crate::procfs::table::Entry], chosen: Option<i32>) -> String {
    let mut out = format!("List of processes matching pattern \"{pattern}\":\n");
    if !all.is_empty() {
        out.push_str("    PID       PPID      Command                                            \n");
    }
    for entry in all {
        let mark = if Some(entry.pid) == chosen { '*' } else { ' ' };
        out.push_str(&format!(" {mark} {:>9} {:>9}  {:<50} \n", entry.pid, entry.ppid, entry.cmdline));
    }
    out.push_str(&format!("Total matches: {}\n", all.len()));
    if all.len() > 1 {
        out.push_str(
            "\nWARNING:\nMultiple processes match the pattern. Monit will select the process with the\n\
             highest uptime, the one highlighted.\n",
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn procmatch_warns_of_several_matches_as_monit() {
        use crate::procfs::table::Entry;
        let entry = |pid, cmdline: &str| Entry {
            pid,
            ppid: 1,
            start_ticks: pid as u64,
            cpu_ticks: 0,
            rss_pages: 0,
            threads: 1,
            zombie: false,
            cmdline: cmdline.into(),
        };
        let (a, b) = (entry(2082, "worker mmm 300"), entry(2084, "worker mmm two 300"));
        // Recorded from Debian's monit 5.33 (`monit procmatch "worker mmm"`).
        let expected = concat!(
            "List of processes matching pattern \"worker mmm\":\n",
            "    PID       PPID      Command                                            \n",
            " *      2082         1  worker mmm 300                                     \n",
            "        2084         1  worker mmm two 300                                 \n",
            "Total matches: 2\n",
            "\n",
            "WARNING:\n",
            "Multiple processes match the pattern. Monit will select the process with the\n",
            "highest uptime, the one highlighted.\n",
        );
        assert_eq!(procmatch_text("worker mmm", &[&a, &b], Some(2082)), expected);
        let one = procmatch_text("worker mmm", &[&a], Some(2082));
        assert!(one.ends_with("Total matches: 1\n"), "{one}");
    }

    #[test]
    fn regex_errors_fit_on_one_line() {
        // Patterns as a user types them, not literals clippy would check.
        let (unclosed, huge) = ("(".to_owned(), "a{99999999}".to_owned());
        let error = regex::Regex::new(&unclosed).expect_err("an unclosed group");
        assert_eq!(regex_reason(&error), "unclosed group");
        let error = regex::Regex::new(&huge).expect_err("too big");
        assert!(!regex_reason(&error).contains('\n'), "{}", regex_reason(&error));
    }

    #[test]
    fn json_is_split_off_anywhere() {
        let args: Vec<String> = ["web", "--json"].iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(json_flag(&args), (true, vec!["web".to_owned()]));
        assert_eq!(json_flag(&args[..1]), (false, vec!["web".to_owned()]));
    }
}
