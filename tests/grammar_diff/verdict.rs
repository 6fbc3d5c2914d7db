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

/// The line Monit names for line `line` of `text`. Monit's lexer does not count the newline
/// that ends a URL (`set mmonit http://h/collector` at the end of a line), so after each such
/// line its line numbers are one lower than the file's.
pub fn monit_line(text: &str, line: u32) -> u32 {
    let ends_in_url = |l: &str| {
        let code = l.split('#').next().unwrap_or_default();
        code.len() == l.len()
            && l.rsplit(char::is_whitespace).next().is_some_and(|last| {
                last.split_once("://")
                    .is_some_and(|(scheme, _)| !scheme.is_empty() && scheme.bytes().all(|b| b.is_ascii_alphanumeric()))
            })
    };
    let before = text.lines().take(line.saturating_sub(1) as usize);
    line - before.filter(|l| ends_in_url(l)).count() as u32
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
    let first = text
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(&prefix)?;
            let (line, rest) = rest.split_once(':')?;
            let (_col, message) = rest.split_once(": ")?;
            let line = line.parse::<u32>().ok()?;
            (!message.starts_with("warning:")).then(|| (line, message.to_owned()))
        })
        .min_by_key(|(line, _)| *line)
        .map(|(line, message)| (Some(line), message));
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
