//! What `monit -t` and `rmonit -t` say of a control file, reduced to a verdict: accepted,
//! or refused with the line of the first error.
//!
//! Monit 5.33 resolves some host facts while it parses: programs named by `start`/`stop`/
//! `exec` and `check program` must exist, `uid`/`gid` names must be accounts, certificate,
//! htpasswd and pattern files must be readable, a `checksum` file must be a regular file, the
//! `set log` file must be writable, an `address` in a port test must resolve, and `include`
//! globs that match nothing are reported. rmonit reports those as warnings (a control
//! file written on one host for another is not wrong), so Monit's messages about them are not
//! counted as errors here.

use std::path::Path;
use std::process::Command;

/// A tool's judgement of one control file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// The first error's line (none when the tool names no line) and its message.
    Refused {
        line: Option<u32>,
        message: String,
    },
}

impl Verdict {
    pub fn line(&self) -> Option<u32> {
        match self {
            Verdict::Refused { line, .. } => *line,
            Verdict::Accepted => None,
        }
    }
}

/// Messages of `monit -t` about the host rather than the file (see the module docs).
const MONIT_HOST_FACTS: &[&str] = &[
    "Program does not exist",
    "A 'check program' statement requires the program to exist",
    "Requested user not found",
    "Requested group not found",
    "Requested uid not found",
    "Requested gid not found",
    "IP address parsing failed",
    "Error opening the log file",
    "doesn't exist",
    "Include failed",
    "Cannot read",
    "checksum: file",
    "Cannot compute a checksum",
    "is not regular file",
    "New Monit id",
    "Stored in",
    "Control file syntax OK",
];

/// rmonit's messages for what Monit checks after a service or the whole file is read.
const AFTER_THE_FILE: &[&str] = &["is not defined in the control file", "is incomplete", "depends on itself"];

/// Runs `monit -t -c FILE` in the file's directory (relative includes then match nothing).
pub fn monit(path: &Path) -> Verdict {
    let output = Command::new("/usr/bin/monit")
        .arg("-t")
        .arg("-c")
        .arg(path)
        .current_dir(path.parent().expect("a directory"))
        .env("LC_ALL", "C")
        .output()
        .expect("run monit");
    let text = String::from_utf8_lossy(&output.stderr).into_owned() + &String::from_utf8_lossy(&output.stdout);
    let prefix = format!("{}:", path.display());
    let errors: Vec<&str> =
        text.lines().filter(|l| !l.trim().is_empty() && !MONIT_HOST_FACTS.iter().any(|f| l.contains(f))).collect();
    // Monit prints warnings (yywarning) with the same form as errors; only the exit status
    // tells them apart, so a file that exits 0 is accepted whatever it printed.
    if output.status.success() || errors.is_empty() {
        return Verdict::Accepted;
    }
    let first = errors[0];
    match first.strip_prefix(&prefix).and_then(|rest| rest.split_once(": ")) {
        Some((line, message)) => Verdict::Refused { line: line.parse().ok(), message: message.to_owned() },
        None => Verdict::Refused { line: None, message: first.to_owned() },
    }
}

/// The line Monit names for line `line` of `text`. In some of its lexer's states a newline
/// is read but not counted: the one that ends a URL (`set mmonit http://h/collector`), an
/// `include` or `group ` with nothing after it, and a `from:` or `reply-to:` address that runs
/// to the end of its line. After each such line Monit's line numbers are one lower.
pub fn monit_line(text: &str, line: u32) -> u32 {
    let before = text.lines().take(line.saturating_sub(1) as usize);
    line - before.filter(|l| loses_its_newline(l)).count() as u32
}

fn loses_its_newline(line: &str) -> bool {
    let code = line.split('#').next().unwrap_or_default();
    let last = line.rsplit(char::is_whitespace).next().unwrap_or_default();
    let url = code.len() == line.len()
        && last
            .split_once("://")
            .is_some_and(|(scheme, _)| !scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_alphanumeric()));
    let words: Vec<&str> = code.split_whitespace().collect();
    // `include include` names a file `include`: only an odd run of them ends bare.
    let includes = words.iter().rev().take_while(|w| w.eq_ignore_ascii_case("include")).count();
    // `check system include` names a service `include`, `group include` a group.
    let first = |k: &str| words.first().is_some_and(|w| w.eq_ignore_ascii_case(k));
    let named = (first("check") && words.len() <= 3) || (first("group") && words.len() == 2);
    let bare_include = includes % 2 == 1 && !named;
    let bare_group = words.last().is_some_and(|w| w.eq_ignore_ascii_case("group")) && line.ends_with([' ', '\t']);
    let lower = line.to_ascii_lowercase();
    let open_address =
        ["from:", "reply-to:"].iter().any(|k| lower.rfind(k).is_some_and(|at| !line[at..].contains('}')));
    url || bare_include || bare_group || open_address
}

/// Runs `rmonit -t -c FILE`.
pub fn rmonit(binary: &Path, path: &Path) -> Verdict {
    let output = Command::new(binary)
        .arg("-t")
        .arg("-c")
        .arg(path)
        .current_dir(path.parent().expect("a directory"))
        .env("LC_ALL", "C")
        .output()
        .expect("run rmonit");
    if output.status.success() {
        return Verdict::Accepted;
    }
    let text = String::from_utf8_lossy(&output.stderr);
    let prefix = format!("{}:", path.display());
    // `file:line:col: message`, warnings (`file:line:col: warning: ...`) left out. rmonit
    // reports syntax errors, then what it checks once the file is read (unknown custom
    // actions, dependencies), so the first error in the file is the one on the lowest line.
    let errors: Vec<(u32, String)> = text
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(&prefix)?;
            let (line, rest) = rest.split_once(':')?;
            let (_col, message) = rest.split_once(": ")?;
            let line = line.parse::<u32>().ok()?;
            (!message.starts_with("warning:")).then(|| (line, message.to_owned()))
        })
        .collect();
    // What Monit checks only once a service or the file is complete, and reports without a
    // line, it never reaches past a syntax error; rmonit reports it beside the syntax error
    // (a host whose port test was the broken line is incomplete too), so it counts as the
    // first error only when it is the only kind.
    let consequential = |m: &str| AFTER_THE_FILE.iter().any(|f| m.contains(f));
    let first = errors
        .iter()
        .filter(|(_, m)| !consequential(m))
        .min_by_key(|(line, _)| *line)
        .or_else(|| errors.iter().min_by_key(|(line, _)| *line))
        .map(|(line, message)| (Some(*line), message.clone()));
    match first {
        Some((line, message)) => Verdict::Refused { line, message },
        None => Verdict::Refused { line: None, message: text.lines().next().unwrap_or_default().to_owned() },
    }
}

#[test]
fn monit_loses_a_line_after_each_url_that_ends_one() {
    let text =
        "set mmonit http://h/c\nset daemon 5\ncheck host h address h\n  if failed url http://h/ then alert # x\nx\n";
    assert_eq!(monit_line(text, 1), 1);
    assert_eq!(monit_line(text, 2), 1);
    assert_eq!(monit_line(text, 5), 4, "a URL followed by a comment ends no line");
}

#[test]
fn monit_loses_a_line_after_a_bare_include_group_or_open_address() {
    let text = "include\n  group \nset mail-format { from: a@b\n}\nx\n";
    assert_eq!(monit_line(text, 5), 2);
    assert_eq!(monit_line("  group\nx\n", 2), 2, "`group` without a blank is a word");
    assert_eq!(monit_line("include include\nx\n", 2), 2, "the second `include` is the file");
    assert_eq!(monit_line("check system include\nx\n", 2), 2, "a service named `include`");
    assert_eq!(monit_line("  group include\nx\n", 2), 2, "a group named `include`");
}
