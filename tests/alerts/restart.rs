//! Restart-safe events (issue 13): the state file keeps each rule's event state, so that a
//! daemon killed with SIGKILL and started again with the same configuration sends exactly
//! the alerts of the transitions, once each: a failure it knew is not alerted again, a
//! recovery while it was down is alerted once, and what was queued goes out once.

use std::path::Path;
use std::time::Duration;

use super::{SmtpServer, header, queued};
use crate::util::{Daemon, free_port, wait_until, write_monitrc};

/// Three file services that alert when their file is missing.
fn services(dir: &Path) -> String {
    ["flag", "other", "down"]
        .iter()
        .map(|name| format!("check file {name} path {}/{name}\n  if does not exist then alert\n", dir.display()))
        .collect()
}

/// The event state the state file keeps for `service`'s `does not exist` rule.
fn saved_state(dir: &Path, service: &str) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("rmonit.state")).ok()?;
    let state: serde_json::Value = serde_json::from_str(&text).ok()?;
    let service = state["services"].as_array()?.iter().find(|s| s["name"] == service)?;
    let event =
        service["events"].as_array()?.iter().find(|e| e["rule"].as_str().is_some_and(|r| r.starts_with("Nonexist")))?;
    event["state"].as_str().map(str::to_owned)
}

#[test]
fn a_restart_after_kill_9_sends_each_transition_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let text = format!(
        "{}set alert root@localhost not {{ instance }}\n{}",
        header(d, &format!("127.0.0.1 port {port} with timeout 5 seconds")),
        services(d)
    );
    let config = write_monitrc(d, "monitrc", &text);
    std::fs::write(d.join("other"), "here").unwrap();
    let smtp = SmtpServer::start(d, port, &[]);
    let mut daemon = Daemon::start(d, &config);
    // `flag` and `down` are missing: two failures, alerted.
    assert!(
        wait_until(Duration::from_secs(20), || smtp.messages().len() == 2 && queued(d) == 0),
        "the two failures were mailed: {}",
        daemon.log()
    );
    // The mail server goes down; `flag` recovers and `other` fails: both alerts wait.
    drop(smtp);
    std::fs::write(d.join("flag"), "here").unwrap();
    std::fs::remove_file(d.join("other")).unwrap();
    assert!(
        wait_until(Duration::from_secs(20), || queued(d) == 2
            && saved_state(d, "flag").as_deref() == Some("succeeded")
            && saved_state(d, "other").as_deref() == Some("failed")),
        "the recovery and the new failure are queued and saved: {}",
        daemon.log()
    );
    daemon.child.kill().unwrap();
    assert!(daemon.wait_exit(Duration::from_secs(5)));
    drop(daemon);
    // While the daemon is down, `down` recovers.
    std::fs::write(d.join("down"), "here").unwrap();
    let smtp = SmtpServer::start(d, port, &[]);
    let daemon = Daemon::start(d, &config);
    let before = ["Does not exist flag", "Does not exist down"];
    let expected = ["Exists flag", "Does not exist other", "Exists down"];
    assert!(
        wait_until(Duration::from_secs(30), || {
            queued(d) == 0 && expected.iter().all(|subject| !smtp.with_subject(subject).is_empty())
        }),
        "the queued alerts and the recovery while down were mailed: {}",
        daemon.log()
    );
    // A few more cycles: nothing else comes.
    assert!(daemon.wait_cycles("flag", 3, Duration::from_secs(20)), "cycles go on: {}", daemon.log());
    let mut subjects: Vec<String> = smtp.messages().iter().map(|m| m.subject().to_owned()).collect();
    subjects.sort();
    // The maildir is the port's: the two mails before the kill are in it too.
    let mut wanted: Vec<String> = before.iter().chain(&expected).map(|s| format!("monit alert --  {s}")).collect();
    wanted.sort();
    assert_eq!(subjects, wanted, "each transition once: {}", daemon.log());
}

#[test]
fn an_alert_queued_before_its_transition_was_saved_goes_out_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let text = format!(
        "{}set alert root@localhost not {{ instance }}\ncheck file flag path {}/flag\n  if does not exist then alert\n",
        header(d, &format!("127.0.0.1 port {port} with timeout 5 seconds")),
        d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    std::fs::write(d.join("flag"), "here").unwrap();
    let mut daemon = Daemon::start(d, &config);
    let statefile = d.join("rmonit.state");
    assert!(wait_until(Duration::from_secs(10), || statefile.exists()), "the state is saved: {}", daemon.log());
    // From now on no save succeeds (a directory is where the file goes), and no mail
    // server listens: the failure's alert is queued, its transition never saved.
    std::fs::remove_file(&statefile).unwrap();
    std::fs::create_dir(&statefile).unwrap();
    std::fs::write(statefile.join("keep"), "x").unwrap();
    std::fs::remove_file(d.join("flag")).unwrap();
    assert!(wait_until(Duration::from_secs(20), || queued(d) == 1), "the failure is queued: {}", daemon.log());
    assert!(daemon.wait_cycles("flag", 2, Duration::from_secs(20)), "cycles go on: {}", daemon.log());
    daemon.child.kill().unwrap();
    assert!(daemon.wait_exit(Duration::from_secs(5)));
    drop(daemon);
    std::fs::remove_dir_all(&statefile).unwrap();
    // The new daemon sees the failure as new: its alert is the one queued.
    let smtp = SmtpServer::start(d, port, &[]);
    let daemon = Daemon::start(d, &config);
    assert!(
        wait_until(Duration::from_secs(30), || queued(d) == 0 && !smtp.messages().is_empty()),
        "the queued alert was delivered: {}",
        daemon.log()
    );
    assert!(daemon.wait_cycles("flag", 3, Duration::from_secs(20)), "cycles go on: {}", daemon.log());
    let subjects: Vec<String> = smtp.messages().iter().map(|m| m.subject().to_owned()).collect();
    assert_eq!(subjects, ["monit alert --  Does not exist flag"], "{}", daemon.log());
    assert!(daemon.log().contains("is queued or sent already"), "{}", daemon.log());
}

#[test]
fn an_alert_delivered_before_its_transition_was_saved_is_not_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let text = format!(
        "{}set alert root@localhost not {{ instance }}\ncheck file flag path {}/flag\n  if does not exist then alert\n",
        header(d, &format!("127.0.0.1 port {port} with timeout 5 seconds")),
        d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    std::fs::write(d.join("flag"), "here").unwrap();
    let smtp = SmtpServer::start(d, port, &[]);
    let mut daemon = Daemon::start(d, &config);
    let statefile = d.join("rmonit.state");
    assert!(wait_until(Duration::from_secs(10), || statefile.exists()), "the state is saved: {}", daemon.log());
    // No save succeeds from now on: the failure is mailed, its transition never saved.
    std::fs::remove_file(&statefile).unwrap();
    std::fs::create_dir(&statefile).unwrap();
    std::fs::write(statefile.join("keep"), "x").unwrap();
    std::fs::remove_file(d.join("flag")).unwrap();
    assert!(
        wait_until(Duration::from_secs(20), || smtp.messages().len() == 1 && queued(d) == 0),
        "the failure is mailed: {}",
        daemon.log()
    );
    daemon.child.kill().unwrap();
    assert!(daemon.wait_exit(Duration::from_secs(5)));
    drop(daemon);
    std::fs::remove_dir_all(&statefile).unwrap();
    // The new daemon sees the failure as new; its alert was sent already.
    let daemon = Daemon::start(d, &config);
    assert!(
        wait_until(Duration::from_secs(20), || daemon.log().contains("is queued or sent already")),
        "the alert is known: {}",
        daemon.log()
    );
    assert!(daemon.wait_cycles("flag", 3, Duration::from_secs(20)), "cycles go on: {}", daemon.log());
    let subjects: Vec<String> = smtp.messages().iter().map(|m| m.subject().to_owned()).collect();
    assert_eq!(subjects, ["monit alert --  Does not exist flag"], "{}", daemon.log());
}
