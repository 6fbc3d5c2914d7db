//! rmonit under systemd, without systemd: the daemon is given a `NOTIFY_SOCKET` the test
//! listens on and says READY, STATUS, RELOADING, WATCHDOG and STOPPING as a `Type=notify`
//! unit must; with `JOURNAL_STREAM` naming its stderr, its lines carry syslog priorities
//! for journald; and `systemd-analyze verify` accepts `dist/rmonit.service`.

use std::os::unix::net::UnixDatagram;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::util::{header, rmonit_bin, wait_until, write_monitrc};

/// The datagrams received until one contains `wanted`, or `timeout`.
fn until(socket: &UnixDatagram, wanted: &str, timeout: Duration, seen: &mut Vec<String>) -> bool {
    let deadline = Instant::now() + timeout;
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        socket.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        if let Ok(n) = socket.recv(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            let found = text.contains(wanted);
            seen.push(text);
            if found {
                return true;
            }
        }
    }
    false
}

#[test]
fn the_daemon_speaks_sd_notify_and_journald_priorities() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let socket_path = d.join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    let text = format!(
        "{}check file here path {}/monitrc\ncheck file gone path {}/gone\n",
        header(d),
        d.display(),
        d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let stderr = std::fs::File::create(d.join("stderr.log")).unwrap();
    use std::os::unix::fs::MetadataExt;
    let meta = stderr.metadata().unwrap();
    let mut child = crate::util::Started(
        Command::new(rmonit_bin())
            .args(["-c", config.to_str().unwrap(), "-I"])
            .env("HOME", d)
            .env("NOTIFY_SOCKET", &socket_path)
            .env("WATCHDOG_USEC", "1000000")
            .env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()))
            .stdout(std::process::Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap(),
    );
    let mut seen = Vec::new();
    assert!(until(&socket, "READY=1", Duration::from_secs(10), &mut seen), "READY: {seen:?}");
    let ready = seen.last().unwrap().clone();
    assert!(ready.contains("STATUS=3 services: "), "{ready}");
    assert!(
        until(&socket, "failed (gone)", Duration::from_secs(10), &mut seen),
        "the status line follows the services: {seen:?}"
    );
    assert!(until(&socket, "WATCHDOG=1", Duration::from_secs(5), &mut seen), "watchdog: {seen:?}");

    let reload =
        Command::new(rmonit_bin()).args(["-c", config.to_str().unwrap(), "reload"]).env("HOME", d).output().unwrap();
    assert!(reload.status.success(), "{reload:?}");
    seen.clear();
    assert!(until(&socket, "READY=1", Duration::from_secs(10), &mut seen), "READY after the reload: {seen:?}");
    let reloading = seen.iter().position(|m| m.starts_with("RELOADING=1\nMONOTONIC_USEC="));
    let ready = seen.iter().position(|m| m.starts_with("READY=1"));
    assert!(reloading.is_some() && reloading < ready, "RELOADING before READY: {seen:?}");

    let pid = nix::unistd::Pid::from_raw(child.pid() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    assert!(until(&socket, "STOPPING=1", Duration::from_secs(10), &mut seen), "STOPPING: {seen:?}");
    assert!(wait_until(Duration::from_secs(10), || !child.alive()));

    // journald's priorities, without the timestamp journald adds itself.
    let log = std::fs::read_to_string(d.join("stderr.log")).unwrap();
    assert!(log.lines().any(|l| l.starts_with("<6>Starting rmonit ")), "{log}");
    assert!(log.lines().any(|l| l.starts_with("<3>'gone' ")), "an error at priority 3: {log}");
    assert!(log.lines().all(|l| l.starts_with('<')), "{log}");
}

#[test]
fn systemd_analyze_accepts_the_unit() {
    let analyze = std::path::Path::new("/usr/bin/systemd-analyze");
    if !analyze.exists() {
        crate::util::skip("systemd-analyze is not installed (Debian package systemd)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let unit = std::fs::read_to_string(crate::util::repo_root().join("dist/rmonit.service")).unwrap();
    assert!(unit.contains("Type=notify") && unit.contains("ExecReload=") && unit.contains("WatchdogSec="));
    // The unit names the installed binary; verify wants it to exist.
    let path = dir.path().join("rmonit.service");
    std::fs::write(&path, unit.replace("/usr/bin/rmonit", rmonit_bin().to_str().unwrap())).unwrap();
    let output = Command::new(analyze).args(["verify", "--man=no"]).arg(&path).output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success() && said.trim().is_empty(), "systemd-analyze verify: {said}");
}

/// `with ready notification`: rmonit is systemd to the programs it starts. A start program
/// that says READY=1 (through Debian's `systemd-notify`) is started only then, not when its
/// pid file appears; one that never says it fails its start at the timeout, named with its
/// last STATUS, and is killed; a datagram from another user does not count.
#[test]
fn a_start_with_ready_notification_waits_for_ready() {
    let notify = "/usr/bin/systemd-notify";
    if !std::path::Path::new(notify).exists() {
        crate::util::skip("systemd-notify is not installed (Debian package systemd)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ds = d.display();
    let root = rustix::process::geteuid().is_root();
    // The pid file first, READY=1 two seconds later: a start judged by the pid file alone
    // would succeed before the marker exists.
    crate::util::write_script(
        d,
        "ready.sh",
        &format!(
            "echo $$ > {ds}/ready.pid\nsleep 2\n{notify} --status='warming up'\ntouch {ds}/said-ready\n\
             {notify} --ready --status=serving\nexec sleep 600"
        ),
    );
    // Never ready; with root, a READY=1 from the nobody account that must be dropped.
    let spoof = if root {
        format!("setpriv --reuid=65534 --regid=65534 --clear-groups {notify} --ready\n")
    } else {
        String::new()
    };
    crate::util::write_script(
        d,
        "never.sh",
        &format!("echo $$ > {ds}/never.pid\n{notify} --status='still loading'\n{spoof}exec sleep 600"),
    );
    let _kill = crate::util::KillOnDrop(vec![d.join("ready.pid"), d.join("never.pid")]);
    let text = format!(
        "{}check process ready with pidfile {ds}/ready.pid\n  start program = \"{ds}/ready.sh\" with timeout 20 seconds with ready notification\n\
         check process never with pidfile {ds}/never.pid\n  start program = \"{ds}/never.sh\" with timeout 3 seconds and ready notification\n",
        header(d)
    );
    let config = write_monitrc(d, "monitrc", &text);
    let check = Command::new(rmonit_bin()).args(["-c", config.to_str().unwrap(), "-t"]).output().unwrap();
    assert!(check.status.success(), "{check:?}");
    let daemon = crate::util::Daemon::start(d, &config);

    assert!(
        wait_until(Duration::from_secs(20), || daemon.log().contains("'ready' start succeeded")),
        "{}",
        daemon.log()
    );
    assert!(d.join("said-ready").exists(), "started before READY=1: {}", daemon.log());
    let pid = crate::util::live_pid(&d.join("ready.pid")).expect("the ready service runs");
    assert!(crate::util::pid_alive(pid));

    assert!(wait_until(Duration::from_secs(20), || daemon.log().contains("no READY=1 within 3 s")), "{}", daemon.log());
    let log = daemon.log();
    let line = log.lines().find(|l| l.contains("no READY=1")).unwrap();
    assert!(line.contains("'never' failed to start") && line.contains("its last STATUS: still loading"), "{line}");
    if root {
        assert!(log.contains("dropped: only root and uid 0 may send"), "{log}");
    }
    // Killed at its timeout, as systemd kills a unit that never gets ready.
    let never = std::fs::read_to_string(d.join("never.pid")).unwrap().trim().parse::<i32>().unwrap();
    assert!(wait_until(Duration::from_secs(5), || !crate::util::pid_alive(never)), "{log}");
}
