//! Alertmanager as an alert recipient, with Debian's `prometheus-alertmanager` (0.25) on
//! loopback: `set alert webhook ".../api/v2/alerts" format alertmanager` makes a failure a
//! firing alert with rmonit's labels and Monit's words, whose `endsAt` lies ahead; the
//! recovery resolves it.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use crate::util::{Daemon, Started, free_port, header, wait_until, write_monitrc};
use crate::web::exchange;

const ALERTMANAGER: &str = "/usr/bin/prometheus-alertmanager";

/// Alertmanager's active alerts (API v2), as JSON; `Null` while it does not answer.
fn alerts(port: u16) -> serde_json::Value {
    exchange(port, "GET /api/v2/alerts HTTP/1.0\r\n\r\n")
        .and_then(|a| serde_json::from_str(&a.body).ok())
        .unwrap_or_default()
}

#[test]
fn a_failure_fires_in_alertmanager_and_its_recovery_resolves_it() {
    if !Path::new(ALERTMANAGER).exists() {
        crate::util::skip("Debian's prometheus-alertmanager is not installed (bash .ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    std::fs::write(d.join("alertmanager.yml"), "route:\n  receiver: none\nreceivers:\n  - name: none\n").unwrap();
    let log = std::fs::File::create(d.join("alertmanager.log")).unwrap();
    let _alertmanager = Started(
        Command::new(ALERTMANAGER)
            .arg(format!("--config.file={}", d.join("alertmanager.yml").display()))
            .arg(format!("--storage.path={}", d.join("am-data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start prometheus-alertmanager"),
    );
    let am_log = || std::fs::read_to_string(d.join("alertmanager.log")).unwrap_or_default();
    assert!(wait_until(Duration::from_secs(20), || alerts(port).is_array()), "Alertmanager answers: {}", am_log());

    let text = format!(
        "{}set alert webhook \"http://127.0.0.1:{port}/api/v2/alerts\" format alertmanager\n\
         check file flag path {}/flag\n  group www\n  if does not exist then alert\n",
        header(d),
        d.display()
    );
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    let flag_alert =
        || alerts(port).as_array().and_then(|list| list.iter().find(|a| a["labels"]["service"] == "flag").cloned());
    assert!(
        wait_until(Duration::from_secs(30), || flag_alert().is_some()),
        "the failure fires: {}\n{}\n{}",
        alerts(port),
        daemon.log(),
        am_log()
    );
    let alert = flag_alert().unwrap();
    assert_eq!(alert["status"]["state"], "active", "{alert}");
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_owned();
    assert_eq!(alert["labels"]["alertname"], "rmonit_nonexist");
    assert_eq!(alert["labels"]["event"], "nonexist");
    assert_eq!(alert["labels"]["group"], "www");
    assert_eq!(alert["labels"]["host"], host.as_str());
    assert_eq!(alert["annotations"]["summary"], "Does not exist flag");
    assert_eq!(alert["annotations"]["description"], "file doesn't exist");
    let ends = alert["endsAt"].as_str().expect("endsAt");
    let in_a_minute = rmonit::timestamp::format(SystemTime::now() + Duration::from_secs(60));
    assert!(ends > in_a_minute.as_str(), "the alert is leased minutes ahead, not expiring: {ends}");

    std::fs::write(d.join("flag"), "here").unwrap();
    assert!(
        wait_until(Duration::from_secs(30), || flag_alert().is_none()),
        "the recovery resolves it: {}\n{}",
        alerts(port),
        daemon.log()
    );
}
