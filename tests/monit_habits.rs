//! The small differences a Monit user notices, matched to Monit 5.33: the start line, an
//! uptime that a reload keeps, a service checked as soon as it is monitored again, `-t`'s
//! errors in line order.

use std::time::Duration;

use crate::util::{Daemon, header, header_with_cycle, stderr, stdout, wait_until, write_monitrc};

/// The daemon's uptime in seconds, from the JSON API over the control socket.
fn uptime(daemon: &Daemon) -> Option<u64> {
    let output = daemon.cli(&["summary", "--json"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).ok()?;
    value["daemon"]["uptime_secs"].as_u64()
}

#[test]
fn the_daemon_says_monits_start_line_and_a_reload_keeps_its_uptime() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = format!("{}check file here path {}/monitrc\n", header(d), d.display());
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    let banner = format!(
        "Starting rmonit {} daemon with http interface at {}/rmonit.sock",
        env!("CARGO_PKG_VERSION"),
        d.display()
    );
    assert!(wait_until(Duration::from_secs(10), || daemon.log().contains(&banner)), "{}", daemon.log());
    assert!(wait_until(Duration::from_secs(10), || uptime(&daemon).is_some_and(|u| u >= 2)), "{}", daemon.log());
    let reload = daemon.cli(&["reload"]);
    assert!(reload.status.success(), "{}", stderr(&reload));
    assert!(wait_until(Duration::from_secs(10), || daemon.log().contains("rmonit reloaded")), "{}", daemon.log());
    // Monit keeps counting from its start; rmonit's uptime used to start again at 0.
    let after = uptime(&daemon).expect("the daemon answers after the reload");
    assert!(after >= 2, "uptime after the reload: {after} s");
}

#[test]
fn a_tcp_listener_is_named_in_the_start_line_as_monit_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = crate::util::free_port();
    let text = format!(
        "set daemon 1\nset pidfile {d}/rmonit.pid\nset statefile {d}/rmonit.state\n\
         set httpd port {port} address 127.0.0.1\n  allow admin:s3cret\n",
        d = d.display()
    );
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    let banner =
        format!("Starting rmonit {} daemon with http interface at [127.0.0.1]:{port}", env!("CARGO_PKG_VERSION"));
    assert!(wait_until(Duration::from_secs(10), || daemon.log().contains(&banner)), "{}", daemon.log());
}

#[test]
fn a_service_monitored_again_is_checked_at_once_not_at_the_next_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Hour-long cycles: only a check right after `monitor` can make the service OK in time.
    let text = format!("{}check file here path {}/monitrc\n", header_with_cycle(d, 3600), d.display());
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    let status = || stdout(&daemon.cli(&["summary"]));
    assert!(
        wait_until(Duration::from_secs(10), || status().contains("here") && status().contains(" OK ")),
        "{}",
        status()
    );
    assert!(daemon.cli(&["unmonitor", "here"]).status.success());
    assert!(status().contains("Not monitored"), "{}", status());
    assert!(daemon.cli(&["monitor", "here"]).status.success());
    assert!(
        wait_until(Duration::from_secs(10), || status().lines().any(|l| l.contains("here") && l.contains(" OK "))),
        "still {}",
        status()
    );
}

#[test]
fn dash_t_lists_the_errors_in_line_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A syntax error below a service-name conflict: the parser finds the syntax error,
    // the checks after it the conflict.
    let text = "set daemon 30\ncheck file a path /etc/hostname\ncheck file A path /etc/hosts\ncheck file b path /etc/hosts\n  if sizes > 1 then alert\n";
    let config = write_monitrc(d, "monitrc", text);
    let output = crate::util::run_rmonit(&["-t", "-c", config.to_str().unwrap()]);
    assert!(!output.status.success());
    let text = stderr(&output) + &stdout(&output);
    let lines: Vec<u32> = text
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("{}:", config.display())))
        .filter_map(|rest| rest.split(':').next()?.parse().ok())
        .collect();
    assert!(lines.len() >= 2, "two errors: {text}");
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "in line order: {lines:?}\n{text}");
}
