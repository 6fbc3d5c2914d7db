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
    // `file:line:col: message`, warnings (`file:line:col: warning: ...`) left out.
    let first = text.lines().find_map(|l| {
        let rest = l.strip_prefix(&prefix)?;
        let (line, rest) = rest.split_once(':')?;
        let (_col, message) = rest.split_once(": ")?;
        (!message.starts_with("warning:")).then(|| (line.parse().ok(), message.to_owned()))
    });
    match first {
        Some((line, message)) => Verdict::Refused { line, message },
        None => Verdict::Refused { line: None, message: text.lines().next().unwrap_or_default().to_owned() },
    }
}
