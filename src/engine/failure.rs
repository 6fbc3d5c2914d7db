//! The texts of failed methods (start, stop, restart), in Monit's words, each naming why.

use std::fmt::Write;
use std::time::Duration;

use crate::exec::Exit;

/// Why a start (or restart) program did not bring its service up, in Monit's form
/// (`(exit status N) -- 'command': reason`), always naming the reason: the timeout, the
/// signal, the exit status, or a success whose process never appeared.
pub fn start_failure(command: &str, exit: Option<&Exit>, output: &str, timeout: Duration) -> String {
    let output = output.trim();
    let seconds = timeout.as_secs_f64();
    // Monit's -1 for a program it killed at its timeout.
    let status = match exit {
        None | Some(Exit::TimedOut) => -1,
        Some(exit) => exit.status(),
    };
    let reason = match exit {
        None | Some(Exit::TimedOut) => format!("Program timed out after {seconds} s"),
        Some(Exit::Signal(signal)) => format!("Program killed by signal {signal}"),
        Some(Exit::SpawnFailed(reason)) => format!("cannot start: {reason}"),
        Some(Exit::Code(0)) => format!("Program exited 0 but the process did not appear within {seconds} s"),
        Some(Exit::Code(code)) if output.is_empty() => format!("Program exited with status {code} and no output"),
        Some(Exit::Code(_)) => return format!("(exit status {status}) -- '{command}': {output}"),
    };
    if output.is_empty() {
        format!("(exit status {status}) -- '{command}': {reason}")
    } else {
        format!("(exit status {status}) -- '{command}': {reason} -- {output}")
    }
}

/// A start that ran but never reported `READY=1` (`with ready notification`).
pub fn not_ready(command: &str, exit: Option<&Exit>, output: &str, timeout: Duration, status: Option<&str>) -> String {
    let mut reason = format!("no READY=1 within {} s", timeout.as_secs_f64());
    match exit {
        Some(Exit::Code(0)) => reason.push_str(" (the program exited 0 before)"),
        Some(exit) if !matches!(exit, Exit::TimedOut) => {
            let _ = write!(reason, " (the program ended: {exit})");
        }
        _ => {}
    }
    if let Some(status) = status {
        let _ = write!(reason, ", its last STATUS: {status}");
    }
    let output = output.trim();
    if output.is_empty() {
        format!("(exit status -1) -- '{command}': {reason}")
    } else {
        format!("(exit status -1) -- '{command}': {reason} -- {output}")
    }
}

/// A failed method in Monit's words: `failed to start (exit status 1) -- '/bin/x': output`,
/// or `failed to stop -- reason` when no program ran.
pub fn failure_text(method: &str, error: &str) -> String {
    if error.starts_with("(exit status ") {
        format!("failed to {method} {error}")
    } else {
        format!("failed to {method} -- {error}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failed_start_names_its_reason() {
        let t = Duration::from_secs(2);
        assert_eq!(start_failure("/x", None, "", t), "(exit status -1) -- '/x': Program timed out after 2 s");
        assert_eq!(
            start_failure("/x", Some(&Exit::TimedOut), "starting\n", t),
            "(exit status -1) -- '/x': Program timed out after 2 s -- starting"
        );
        assert_eq!(
            start_failure("/x", Some(&Exit::Signal(15)), "", t),
            "(exit status -1) -- '/x': Program killed by signal 15"
        );
        assert_eq!(
            start_failure("/x", Some(&Exit::Code(0)), "", t),
            "(exit status 0) -- '/x': Program exited 0 but the process did not appear within 2 s"
        );
        assert_eq!(
            start_failure("/x", Some(&Exit::Code(3)), "", t),
            "(exit status 3) -- '/x': Program exited with status 3 and no output"
        );
        assert_eq!(
            start_failure("/x", Some(&Exit::Code(1)), "config error\n", t),
            "(exit status 1) -- '/x': config error"
        );
    }

    #[test]
    fn failure_text_follows_monit() {
        assert_eq!(failure_text("start", "(exit status 1) -- '/x': e"), "failed to start (exit status 1) -- '/x': e");
        assert_eq!(failure_text("stop", "no process"), "failed to stop -- no process");
    }
}
