//! Debian's monit CLI (`/usr/bin/monit`, 5.33) driving an rmonit daemon over TCP: both read
//! the same control file (plain Monit syntax, with `set httpd port N` and a cleartext
//! credential on loopback), monit's `summary`, `status` and `report` print what rmonit's
//! own CLI prints, and its `unmonitor`/`monitor` take effect. Skipped, with a message, when
//! /usr/bin/monit is not installed (`apt-get install monit`; `.ci/run` installs it).

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use regex::Regex;

use crate::util::{Daemon, free_port, live_pid, stderr, stdout, wait_until, write_monitrc};

const MONIT: &str = "/usr/bin/monit";

fn monit_installed() -> bool {
    if Path::new(MONIT).is_file() {
        return true;
    }
    crate::util::skip(&format!("{MONIT} is not installed (apt-get install monit)"));
    false
}

/// Runs Debian's monit CLI on the daemon's control file.
fn monit(daemon: &Daemon, args: &[&str]) -> Output {
    Command::new(MONIT)
        .arg("-c")
        .arg(&daemon.config)
        .args(args)
        .env("HOME", &daemon.dir)
        .output()
        .expect("run /usr/bin/monit")
}

/// Starts rmonit on the control file and waits until monit would find it: its pid file
/// names it (monit checks that first) and it has checked every service.
fn start(dir: &Path, config: &Path) -> Daemon {
    let daemon = Daemon::start(dir, config);
    let ready = wait_until(Duration::from_secs(15), || {
        live_pid(&dir.join("daemon.pid")).is_some() && stdout(&daemon.cli(&["report", "initializing"])) == "0\n"
    });
    assert!(ready, "the daemon did not come up:\n{}", daemon.log());
    daemon
}

/// The header's uptime may tick between two calls.
fn without_uptime(text: &str) -> String {
    Regex::new(r"(?m)^(Monit 5\.33\.0 uptime: ).*$").expect("regex").replace_all(text, "${1}-").into_owned()
}

/// A control file both read: a long cycle, so the figures stay put between two calls. With
/// a port and a unix socket, monit's CLI takes the port and rmonit's the socket.
fn monitrc(dir: &Path, port: u16) -> String {
    let d = dir.display();
    format!(
        "set daemon 300\n\
         set pidfile {d}/daemon.pid\n\
         set idfile {d}/daemon.id\n\
         set statefile {d}/daemon.state\n\
         set httpd port {port} and use address 127.0.0.1\n    unixsocket {d}/rmonit.sock\n    allow admin:monit\n\
         check process web with pidfile {d}/web.pid\n    mode passive\n    group www\n\
         check process webmatch with pidfile {d}/webmatch.pid\n    mode passive\n\
         check directory spool with path {d}\n    group www\n"
    )
}

#[test]
fn monits_cli_reads_and_acts_on_an_rmonit_daemon() {
    if !monit_installed() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let config = write_monitrc(dir.path(), "monitrc", &monitrc(dir.path(), port));
    let daemon = start(dir.path(), &config);

    for args in [
        &["summary"][..],
        &["summary", "WEB"],
        &["summary", "web.*"],
        &["-g", "www", "summary"],
        &["status", "web"],
        &["status", "spool"],
        &["report"],
        &["report", "down"],
    ] {
        let theirs = monit(&daemon, args);
        assert!(theirs.status.success(), "monit {args:?}: {}{}", stdout(&theirs), stderr(&theirs));
        let mut ours_args = vec!["-B"];
        ours_args.extend_from_slice(args);
        let ours = daemon.cli(&ours_args);
        assert_eq!(without_uptime(&stdout(&theirs)), without_uptime(&stdout(&ours)), "monit {args:?}");
        assert_eq!(stderr(&theirs), "", "monit {args:?}");
    }

    // Actions: names matched as Monit matches them, carried out by rmonit.
    let unmonitor = monit(&daemon, &["unmonitor", "web.*"]);
    assert!(unmonitor.status.success(), "{}", stderr(&unmonitor));
    let off = |name: &str| stdout(&daemon.cli(&["-B", "summary", name])).contains("Not monitored");
    assert!(wait_until(Duration::from_secs(10), || off("web") && off("webmatch")), "{}", daemon.log());
    assert!(!off("spool"));
    let monitor = monit(&daemon, &["monitor", "webmatch"]);
    assert!(monitor.status.success(), "{}", stderr(&monitor));
    assert!(wait_until(Duration::from_secs(10), || !off("webmatch")), "{}", daemon.log());
    assert!(off("web"));
    assert!(daemon.log().contains("unmonitor on user request by admin from 127.0.0.1"), "{}", daemon.log());

    // monit's validate wakes the daemon (SIGUSR1 through the pid file), prints the status
    // and exits 1, as it always does.
    let validate = monit(&daemon, &["validate"]);
    assert_eq!(validate.status.code(), Some(1), "{}", stderr(&validate));
    let pid = daemon.child.id();
    let text = stdout(&validate);
    assert!(text.starts_with(&format!("Monit daemon with PID {pid} awakened\nMonit 5.33.0 uptime: ")), "{text}");
    assert!(text.contains("\nDirectory 'spool'\n  status                       OK\n"), "{text}");
    let woken = || daemon.log().contains("awakened by User defined signal 1");
    assert!(wait_until(Duration::from_secs(5), woken), "{}", daemon.log());

    // Errors exit 1, as with Monit's own daemon.
    // Monit's CLI prints the message of rmonit's error page, as it does its own daemon's.
    for (args, message) in [
        (&["status", "nosuch"][..], "Service 'nosuch' not found"),
        (&["-g", "nogroup", "summary"], "Service group 'nogroup' not found"),
        (&["report", "bogus"], "Invalid report type: 'bogus'"),
        (&["stop", "nosuch"], "There is no service named \"nosuch\""),
    ] {
        let output = monit(&daemon, args);
        assert_eq!(output.status.code(), Some(1), "monit {args:?}: {}", stdout(&output));
        assert_eq!(stdout(&output), "", "monit {args:?}");
        assert!(stderr(&output).contains(message), "monit {args:?}: {}", stderr(&output));
    }
}

#[test]
fn monits_cli_is_refused_with_the_wrong_password() {
    if !monit_installed() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let config = write_monitrc(dir.path(), "monitrc", &monitrc(dir.path(), port));
    let _daemon = start(dir.path(), &config);
    // monit reads its credential from its own copy of the file, with another password.
    let other = write_monitrc(
        dir.path(),
        "monitrc.other",
        &monitrc(dir.path(), port).replace("allow admin:monit", "allow admin:wrong"),
    );
    let output =
        Command::new(MONIT).arg("-c").arg(&other).arg("summary").env("HOME", dir.path()).output().expect("run monit");
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert_eq!(stdout(&output), "");
    // Monit's CLI prints the text after `</h2>` of rmonit's HTML error page.
    assert!(stderr(&output).contains("You are not authorized to access rmonit"), "{}", stderr(&output));
}
