//! Hostile inputs: pidfiles that name what is not the service (PID 1, rmonit itself, its
//! parent, an older or a foreign process), FIFOs where files are expected, start programs
//! that fail without a word, and client text that would forge log lines. Each test fails
//! on the code before the hardening (issue 11).

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::util::{
    Daemon, KillOnDrop, Started, free_port, header, rmonit_bin, stdout, wait_until, write_monitrc, write_script,
};

/// Whether the test may run: it needs root. Under CI it must (CI runs as root), elsewhere
/// it says why it skips.
fn privileged(what: &str) -> bool {
    if rustix::process::geteuid().is_root() {
        return true;
    }
    crate::util::skip(&format!("{what} needs root"));
    false
}

/// Runs the CLI, killed (by its pid) if it has not answered within `limit`: `None` then.
fn cli_within(config: &Path, home: &Path, args: &[&str], limit: Duration) -> Option<Output> {
    let mut child = Command::new(rmonit_bin())
        .arg("-c")
        .arg(config)
        .args(args)
        .env("HOME", home)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the CLI");
    if wait_until(limit, || matches!(child.try_wait(), Ok(Some(_)))) {
        return Some(child.wait_with_output().expect("the CLI's output"));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

fn status(daemon: &Daemon, service: &str) -> String {
    stdout(&daemon.cli(&["status", service]))
}

#[test]
fn in_a_pid_namespace_a_pidfile_naming_pid_1_rmonit_or_its_parent_signals_nothing() {
    if !privileged("a PID namespace") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = format!(
        "{}check process init with pidfile {d}/init.pid\n\
         check process itself with pidfile {d}/rmonit.pid\n\
         check process parent with pidfile {d}/parent.pid\n\
         check process byname matching \"parent[.]pid\"\n",
        header(d),
        d = d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    // PID 1 of the namespace, a bystander and rmonit's parent note every SIGTERM they get.
    let init = write_script(
        d,
        "init.sh",
        &format!(
            "trap 'echo init >> {d}/signalled' TERM\n\
             sh -c 'trap \"echo bystander >> {d}/signalled; exit 0\" TERM; while :; do sleep 0.1; done' &\n\
             echo 1 > {d}/init.pid\n\
             sh -c 'echo $$ > {d}/parent.pid; trap \"echo parent >> {d}/signalled\" TERM; {rmonit} -c {d}/monitrc -I > {d}/daemon.log 2>&1; echo \"rmonit exited $?\" >> {d}/signalled' &\n\
             while :; do sleep 0.1; done\n",
            d = d.display(),
            rmonit = rmonit_bin().display()
        ),
    );
    // --kill-child: when the test kills unshare, the namespace's init and all in it die.
    let _namespace = Started(
        Command::new("unshare")
            .args(["--pid", "--fork", "--mount-proc", "--kill-child", "sh"])
            .arg(&init)
            .env("HOME", d)
            .stdin(Stdio::null())
            .spawn()
            .expect("unshare"),
    );
    let log = || std::fs::read_to_string(d.join("daemon.log")).unwrap_or_default();
    let cli = |args: &[&str]| cli_within(&config, d, args, Duration::from_secs(20)).expect("the CLI answered");
    let status = |name: &str| stdout(&cli(&["status", name]));
    for (name, reason) in [("init", "names PID 1"), ("itself", "rmonit itself"), ("parent", "an ancestor of rmonit")] {
        assert!(
            wait_until(Duration::from_secs(20), || status(name).contains(reason)),
            "'{name}': {}\n{}",
            status(name),
            log()
        );
    }
    // `matching` passes over rmonit's parent, the one process whose command line matches.
    assert!(
        wait_until(Duration::from_secs(10), || status("byname").contains("Does not exist")),
        "{}",
        status("byname")
    );
    let _ = cli(&["stop", "byname"]);
    for name in ["init", "itself", "parent"] {
        let stopped = cli(&["stop", name]);
        assert!(!stopped.status.success(), "stop '{name}' failed: {}", stdout(&stopped));
    }
    assert!(
        wait_until(Duration::from_secs(10), || log().matches("not stopped: pidfile").count() >= 3),
        "every stop was refused: {}",
        log()
    );
    // The daemon still answers, and nobody got a signal.
    let summary = cli(&["summary"]);
    assert!(stdout(&summary).contains(" itself "), "{}\n{}", stdout(&summary), log());
    let signalled = std::fs::read_to_string(d.join("signalled")).unwrap_or_default();
    assert_eq!(signalled, "", "signals sent: {signalled}\n{}", log());
}

/// A start script whose service is `sleep 1000`, its pid in `svc.pid` and `real.pid`.
fn sleeping_service(d: &Path) -> (std::path::PathBuf, KillOnDrop) {
    let start = write_script(
        d,
        "start.sh",
        &format!("sleep 1000 >/dev/null 2>&1 &\necho $! > {d}/real.pid\necho $! > {d}/svc.pid\n", d = d.display()),
    );
    (start, KillOnDrop(vec![d.join("real.pid")]))
}

#[test]
fn a_pidfile_rewritten_to_name_an_older_unrelated_process_is_not_adopted_nor_signalled() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Older than the service, another program.
    let mut bystander = Started::spawn("tail", &["-f", "/dev/null"]);
    let (start, _cleanup) = sleeping_service(d);
    let text = format!(
        "{}check process svc with pidfile {d}/svc.pid\n  start program = \"{}\"\n",
        header(d),
        start.display(),
        d = d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    let real = || std::fs::read_to_string(d.join("real.pid")).unwrap_or_default().trim().to_owned();
    assert!(
        wait_until(Duration::from_secs(15), || !real().is_empty()
            && status(&daemon, "svc").contains(&format!("pid                          {}", real()))),
        "{}\n{}",
        status(&daemon, "svc"),
        daemon.log()
    );
    std::fs::write(d.join("svc.pid"), format!("{}\n", bystander.pid())).unwrap();
    assert!(
        wait_until(Duration::from_secs(10), || status(&daemon, "svc").contains("which started before pid")),
        "{}\n{}",
        status(&daemon, "svc"),
        daemon.log()
    );
    let stopped = daemon.cli(&["stop", "svc"]);
    assert!(!stopped.status.success(), "{}", stdout(&stopped));
    assert!(wait_until(Duration::from_secs(10), || daemon.log().contains("not stopped: pidfile")), "{}", daemon.log());
    assert!(bystander.alive(), "the unrelated process was signalled: {}", daemon.log());
    // Still not adopted a few cycles later.
    let adopted = format!("pid                          {}\n", bystander.pid());
    assert!(!wait_until(Duration::from_secs(3), || status(&daemon, "svc").contains(&adopted)), "{}", daemon.log());
}

#[test]
fn a_pidfile_owned_by_nobody_cannot_name_a_process_of_root() {
    if !privileged("chown of a pidfile") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut bystander = Started::spawn("tail", &["-f", "/dev/null"]);
    let pidfile = d.join("svc.pid");
    std::fs::write(&pidfile, format!("{}\n", bystander.pid())).unwrap();
    std::os::unix::fs::chown(&pidfile, Some(65534), Some(65534)).unwrap();
    let text = format!("{}check process svc with pidfile {}\n", header(d), pidfile.display());
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    assert!(
        wait_until(Duration::from_secs(10), || status(&daemon, "svc").contains("belongs to uid 65534 but names pid")),
        "{}\n{}",
        status(&daemon, "svc"),
        daemon.log()
    );
    let stopped = daemon.cli(&["stop", "svc"]);
    assert!(!stopped.status.success(), "{}", stdout(&stopped));
    assert!(bystander.alive(), "root's process was signalled: {}", daemon.log());
}

fn mkfifo(path: &Path) {
    rustix::fs::mknodat(rustix::fs::CWD, path, rustix::fs::FileType::Fifo, rustix::fs::Mode::from_raw_mode(0o644), 0)
        .expect("mkfifo");
}

#[test]
fn fifos_where_files_are_expected_stall_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in ["svc.pid", "watched", "program"] {
        mkfifo(&d.join(name));
    }
    let text = format!(
        "{}check process svc with pidfile {d}/svc.pid\n\
         check file watched with path {d}/watched\n  if content = \"panic\" then alert\n\
         check process prog with pidfile {d}/none.pid\n  start program = \"{d}/program\"\n{}",
        header(d),
        crate::util::HEARTBEAT,
        d = d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    let quick = |args: &[&str]| cli_within(&config, d, args, Duration::from_secs(3));
    assert!(
        wait_until(Duration::from_secs(15), || quick(&["status", "svc"])
            .is_some_and(|o| stdout(&o).contains("is a fifo, not a regular file"))),
        "{}",
        daemon.log()
    );
    // Every call answers within its bound, cycle after cycle: summaries through three cycles.
    let mut last = daemon.collected("heartbeat");
    let mut cycles = 0;
    let three_cycles = wait_until(Duration::from_secs(30), || {
        let summary = quick(&["summary"]).expect("summary answered within 3 s with a FIFO pidfile");
        assert!(stdout(&summary).contains("svc"), "{}", stdout(&summary));
        let now = daemon.collected("heartbeat");
        if now.is_some() && now != last {
            (cycles, last) = (cycles + 1, now);
        }
        cycles >= 3
    });
    assert!(three_cycles, "{}", daemon.log());
    assert!(
        wait_until(Duration::from_secs(10), || daemon.log().contains("is a fifo, not a program")),
        "{}",
        daemon.log()
    );
    let watched = stdout(&quick(&["status", "watched"]).expect("status answered"));
    assert!(watched.contains("Invalid type"), "the FIFO file was checked: {watched}");
    // The FIFOs go away: the daemon carries on.
    for name in ["svc.pid", "watched", "program"] {
        std::fs::remove_file(d.join(name)).unwrap();
    }
    assert!(
        wait_until(Duration::from_secs(10), || quick(&["status", "svc"])
            .is_some_and(|o| stdout(&o).contains("Does not exist"))),
        "{}",
        daemon.log()
    );
}

#[test]
fn every_failed_start_names_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let killed = write_script(d, "killed.sh", "kill -9 $$\n");
    let text = format!(
        "{}check process quiet with pidfile {d}/quiet.pid\n  start program = \"/bin/true\" with timeout 1 second\n\
         check process killed with pidfile {d}/killed.pid\n  start program = \"{}\" with timeout 5 seconds\n",
        header(d),
        killed.display(),
        d = d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    for reason in [
        "'quiet' failed to start (exit status 0) -- '/bin/true': Program exited 0 but the process did not appear within 1 s",
        "': Program killed by signal 9",
    ] {
        assert!(wait_until(Duration::from_secs(20), || daemon.log().contains(reason)), "{reason}\n{}", daemon.log());
    }
    assert!(!daemon.log().contains("': \n"), "a failure without its reason: {}", daemon.log());
}

#[test]
fn a_newline_in_a_basic_auth_user_forges_no_log_line() {
    use base64ct::{Base64, Encoding};
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let text = format!(
        "set daemon 1\nset pidfile {d}/rmonit.pid\nset statefile {d}/rmonit.state\nset idfile {d}/rmonit.id\n\
         set log {d}/rmonit.log\nset httpd port {port} unixsocket {d}/rmonit.sock\n  allow admin:monit\n",
        d = d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let _daemon = Daemon::start(d, &config);
    // A Basic-auth user name ends at its first colon: the forged line has none.
    let forged = "[Wed Dec  2 10.00.00 2026] error    forged line";
    let user = format!("eve\n{forged}\r\u{1b}[2K");
    let request = format!(
        "GET /_status HTTP/1.0\r\nAuthorization: Basic {}\r\n\r\n",
        Base64::encode_string(format!("{user}:secret").as_bytes())
    );
    let answered = wait_until(Duration::from_secs(10), || {
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let mut answer = Vec::new();
        let _ = stream.write_all(request.as_bytes());
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.0 401")
    });
    assert!(answered, "the forged user was refused");
    let log = || std::fs::read_to_string(d.join("rmonit.log")).unwrap_or_default();
    assert!(wait_until(Duration::from_secs(5), || log().contains("unknown user")), "{}", log());
    assert!(
        log().contains("unknown user 'eve\\n[Wed Dec  2 10.00.00 2026] error    forged line\\r\\x1b[2K'"),
        "{}",
        log()
    );
    assert!(!log().lines().any(|line| line.starts_with(forged)), "a forged line: {}", log());
    assert!(!log().contains('\u{1b}'), "a raw escape: {}", log());
}
