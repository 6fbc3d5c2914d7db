//! Switching a host from Monit to rmonit: the real Debian monit (`/usr/bin/monit`, 5.33)
//! runs on a control file, a service is unmonitored through its CLI, monit stops and leaves
//! its binary state file; rmonit, started on the same control file, restores from it what
//! Monit would (the unmonitored service stays unmonitored, the file check keeps its
//! checksum baseline and read position), keeps the original as `<statefile>.monit` and saves
//! its own format; and rmonit's CLI pointed at the running Monit says so in one line.
//! Skipped, with a message, when /usr/bin/monit is not installed
//! (`apt-get install monit`; `.ci/run` installs it).

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use crate::util::{Daemon, Started, stderr, stdout, wait_until, write_monitrc};

const MONIT: &str = "/usr/bin/monit";

fn monit(dir: &Path, config: &Path, args: &[&str]) -> Output {
    Command::new(MONIT).arg("-c").arg(config).args(args).env("HOME", dir).output().expect("run /usr/bin/monit")
}

/// A control file both read: the state file, id file and pid file in the test's directory,
/// the control socket both CLIs use, a file check with a checksum baseline and a program;
/// alerts to a mail server that is down, so that Monit's event queue keeps them.
fn monitrc(dir: &Path) -> String {
    let d = dir.display();
    let closed = crate::util::free_port();
    format!(
        "set daemon 1\n\
         set pidfile {d}/daemon.pid\n\
         set idfile {d}/daemon.id\n\
         set statefile {d}/state\n\
         set mailserver 127.0.0.1 port {closed}\n\
         set eventqueue basedir {d}/events\n\
         set alert root@localhost\n\
         set httpd unixsocket {d}/monit.sock\n    allow admin:monit\n\
         check file watched with path {d}/watched\n    if changed checksum then alert\n\
         check program prog with path \"/bin/true\"\n    if status != 0 then alert\n"
    )
}

fn summary_line(text: &str, service: &str) -> String {
    text.lines().find(|l| l.split_whitespace().next() == Some(service)).unwrap_or_default().to_owned()
}

#[test]
fn rmonit_carries_over_monits_state_file() {
    if !Path::new(MONIT).is_file() {
        crate::util::skip(&format!("{MONIT} is not installed (apt-get install monit)"));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("watched"), "some content\n").unwrap();
    let config = write_monitrc(d, "monitrc", &monitrc(d));
    let statefile = d.join("state");

    // Monit: up, `prog` unmonitored through its CLI, stopped with SIGTERM (it saves then).
    let log = std::fs::File::create(d.join("monit.log")).unwrap();
    let mut theirs = Started(
        Command::new(MONIT)
            .args(["-c", config.to_str().unwrap(), "-I"])
            .env("HOME", d)
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start /usr/bin/monit"),
    );
    let monit_log = || std::fs::read_to_string(d.join("monit.log")).unwrap_or_default();
    let answers = wait_until(Duration::from_secs(20), || {
        let out = monit(d, &config, &["-B", "summary"]);
        out.status.success() && summary_line(&stdout(&out), "watched").contains("OK")
    });
    assert!(answers, "monit did not come up:\n{}", monit_log());
    let unmonitor = monit(d, &config, &["unmonitor", "prog"]);
    assert!(unmonitor.status.success(), "{}{}", stdout(&unmonitor), stderr(&unmonitor));
    let off = wait_until(Duration::from_secs(20), || {
        summary_line(&stdout(&monit(d, &config, &["-B", "summary"])), "prog").contains("Not monitored")
    });
    assert!(off, "monit did not unmonitor prog:\n{}", monit_log());
    // rmonit's CLI pointed at the Monit still running: its error page as one line, and why.
    let ours_cli =
        Command::new(crate::util::rmonit_bin()).arg("-c").arg(&config).args(["status", "nosuch"]).output().unwrap();
    assert!(!ours_cli.status.success());
    let said = stderr(&ours_cli);
    assert!(said.contains("is Monit, not rmonit: stop it before rmonit takes over"), "{said}");
    assert!(!said.contains("<html>") && !said.contains("</h2>"), "{said}");
    let pid = nix::unistd::Pid::from_raw(theirs.pid() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    assert!(wait_until(Duration::from_secs(20), || !theirs.alive()), "monit did not stop:\n{}", monit_log());
    let monit_bytes = std::fs::read(&statefile).expect("monit left its state file");
    assert_eq!(&monit_bytes[..8], [0, 0, 0, 0, 4, 0, 0, 0], "Monit's binary format, version 4");
    assert_eq!((monit_bytes.len() - 16) % 392, 0, "whole version 4 records");
    let monits_events = crate::util::wait_until(Duration::from_secs(10), || {
        std::fs::read_dir(d.join("events"))
            .is_ok_and(|e| e.flatten().any(|f| f.file_name().to_string_lossy().contains('_')))
    });
    assert!(monits_events, "Monit queued the alerts it could not mail:\n{}", monit_log());

    // `import-state` on demand: what the file holds, and rmonit's state file written.
    let imported = d.join("imported.state");
    let import = Command::new(crate::util::rmonit_bin())
        .arg("-c")
        .arg(&config)
        .arg("-s")
        .arg(&imported)
        .args(["import-state", statefile.to_str().unwrap()])
        .output()
        .unwrap();
    let said = stdout(&import);
    assert!(import.status.success(), "{said}{}", stderr(&import));
    assert!(said.starts_with(&format!("Monit state file {}: format version 4, ", statefile.display())), "{said}");
    assert!(said.contains("  Program 'prog': not monitored, 0 restarts\n"), "{said}");
    assert!(said.contains("  File 'watched': monitored, 0 restarts, content read to byte "), "{said}");
    assert!(said.contains("3 of 3 services of the control file have a record\n"), "{said}");
    assert!(said.contains(&format!("Written to {}\n", imported.display())), "{said}");
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(&imported).unwrap()).unwrap();
    assert_eq!(written["format"], "rmonit-state");
    assert_eq!(std::fs::read(&statefile).unwrap(), monit_bytes, "the file imported from is left as it is");

    // rmonit on the same control file and state file.
    let mut ours = Daemon::start(d, &config);
    let summary = || stdout(&ours.cli(&["-B", "summary"]));
    let up = wait_until(Duration::from_secs(20), || summary_line(&summary(), "watched").contains("OK"));
    assert!(up, "rmonit did not come up:\n{}\n{}", summary(), ours.log());
    let text = summary();
    assert!(summary_line(&text, "prog").contains("Not monitored"), "{text}");
    assert!(!summary_line(&text, "watched").contains("Not monitored"), "{text}");
    let log = ours.log();
    assert!(
        log.contains("state carried over from Monit's state file") && log.contains("3 of 3 services matched"),
        "{log}"
    );
    assert!(!d.join("state.corrupt").exists());
    assert!(
        log.contains("events of Monit's own queue are in") && log.contains("left in place, not delivered"),
        "{log}"
    );
    assert_eq!(std::fs::read(d.join("state.monit")).unwrap(), monit_bytes, "the original is kept");

    // rmonit saves (at the latest when it stops): its own format, with what was carried over.
    ours.signal("TERM");
    assert!(ours.wait_exit(Duration::from_secs(20)), "rmonit did not stop:\n{}", ours.log());
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&statefile).unwrap()).expect("rmonit's JSON");
    assert_eq!(saved["format"], "rmonit-state");
    let service = |name: &str| {
        saved["services"].as_array().unwrap().iter().find(|s| s["name"] == name).cloned().unwrap_or_default()
    };
    assert_eq!(service("prog")["monitored"], false, "{saved}");
    assert_eq!(service("watched")["monitored"], true, "{saved}");
    let md5 = Command::new("md5sum").arg(d.join("watched")).output().unwrap();
    let md5 = stdout(&md5).split_whitespace().next().unwrap_or_default().to_owned();
    assert_eq!(service("watched")["checksum_baseline"], md5.as_str(), "Monit's checksum baseline: {saved}");
    use std::os::unix::fs::MetadataExt;
    let inode = std::fs::metadata(d.join("watched")).unwrap().ino();
    assert_eq!(service("watched")["content_position"]["inode"], inode, "Monit's read position: {saved}");
    assert_eq!(std::fs::read(d.join("state.monit")).unwrap(), monit_bytes);
    let left = std::fs::read_dir(d.join("events"))
        .unwrap()
        .flatten()
        .filter(|f| !f.file_name().to_string_lossy().ends_with(".alert"))
        .count();
    assert!(left > 0, "Monit's queued events are never deleted unread");
}
