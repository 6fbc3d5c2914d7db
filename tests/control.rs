//! The control plane's acting side, with a real daemon and the real CLI: user actions
//! queued and never lost, their audit lines, `--wait`/`--no-wait`/`--timeout`,
//! `unmonitor --for`, dependants enabled again by `monitor`, read-only callers, and
//! `reload` through `/_reload`.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use crate::util::{Daemon, KillOnDrop, header, live_pid, stderr, stdout, wait_until, write_monitrc, write_script};

/// A process service whose start script runs `sleep` in the background (pid in
/// `name.pid`), when `gated` only once the file `go` exists (it touches `name.waiting`
/// first), and whose stop script kills it.
fn process_block(dir: &Path, name: &str, gated: bool, extra: &str) -> String {
    let gate = if gated {
        format!("touch {d}/{name}.waiting\nwhile [ ! -e {d}/go ]; do sleep 0.05; done", d = dir.display())
    } else {
        String::new()
    };
    let start = write_script(
        dir,
        &format!("start-{name}.sh"),
        &format!(
            "{gate}\nsleep 1000 > /dev/null 2>&1 &\necho $! > {d}/{name}.pid.tmp\nmv {d}/{name}.pid.tmp {d}/{name}.pid",
            d = dir.display()
        ),
    );
    let stop = write_script(
        dir,
        &format!("stop-{name}.sh"),
        &format!("kill $(cat {d}/{name}.pid) 2>/dev/null\nrm -f {d}/{name}.pid", d = dir.display()),
    );
    format!(
        "check process {name} with pidfile {d}/{name}.pid\n  start program = \"{}\" with timeout 20 seconds\n  stop program = \"{}\"\n{extra}\n",
        start.display(),
        stop.display(),
        d = dir.display()
    )
}

/// A daemon watching `text`, once its control socket answers.
fn daemon(dir: &Path, text: &str) -> Daemon {
    let config = write_monitrc(dir, "monitrc", &format!("{}{text}", header(dir)));
    let daemon = Daemon::start(dir, &config);
    assert!(wait_until(Duration::from_secs(10), || daemon.cli(&["summary"]).status.success()), "{}", daemon.log());
    daemon
}

fn summary_line(daemon: &Daemon, name: &str) -> String {
    let out = stdout(&daemon.cli(&["summary", name]));
    out.lines().find(|l| l.starts_with(&format!(" {name} "))).unwrap_or_default().to_owned()
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn a_thousand_alternating_actions_are_all_carried_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("watched"), "x").unwrap();
    let daemon = daemon(d, &format!("check file watched with path {}/watched\n", d.display()));
    let mut failures = Vec::new();
    for i in 0..1000 {
        let verb = if i % 2 == 0 { "unmonitor" } else { "monitor" };
        let out = daemon.cli(&[verb, "watched"]);
        if !out.status.success() || !out.stdout.is_empty() {
            failures.push(format!("{i} {verb}: {:?} {}", out.status.code(), stderr(&out)));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
    let log = daemon.log();
    assert_eq!(count(&log, "'watched' unmonitor action done"), 500);
    assert_eq!(count(&log, "'watched' monitor action done"), 500);
    assert_eq!(count(&log, "'watched' unmonitor on user request by uid "), 500);
    assert_eq!(count(&log, "'watched' monitor on user request by uid "), 500);
    // The last one was `monitor`: watched again and checked.
    assert!(
        wait_until(Duration::from_secs(5), || summary_line(&daemon, "watched").contains(" OK ")),
        "{}",
        summary_line(&daemon, "watched")
    );
}

#[test]
fn an_action_waits_for_its_outcome_and_shows_pending_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pidfile = d.join("web.pid");
    let _cleanup = KillOnDrop(vec![pidfile.clone()]);
    // The start script waits at a gate (the file `go`) that the test opens: a restart
    // cannot be done while the gate is closed, whatever the time.
    let gate = d.join("go");
    let waiting = d.join("web.waiting");
    std::fs::write(&gate, "").unwrap();
    let daemon = daemon(d, &process_block(d, "web", true, ""));
    assert!(wait_until(Duration::from_secs(10), || live_pid(&pidfile).is_some()), "{}", daemon.log());
    let first = live_pid(&pidfile).unwrap();
    // --no-wait: back while the restart is held at the gate, shown as pending.
    std::fs::remove_file(&gate).unwrap();
    let out = daemon.cli(&["restart", "web", "--no-wait"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(summary_line(&daemon, "web").contains(" - restart pending"), "{}", summary_line(&daemon, "web"));
    std::fs::write(&gate, "").unwrap();
    assert!(wait_until(Duration::from_secs(10), || live_pid(&pidfile).is_some_and(|p| p != first)));
    assert!(wait_until(Duration::from_secs(5), || !summary_line(&daemon, "web").contains("pending")));
    // Waiting (the default): the CLI has not returned while the start script is held at
    // the gate; it returns once the restart is done, printing nothing.
    let second = live_pid(&pidfile).unwrap();
    std::fs::remove_file(&gate).unwrap();
    std::fs::remove_file(&waiting).unwrap();
    let mut cli = daemon.spawn_cli(&["restart", "web"]);
    assert!(wait_until(Duration::from_secs(10), || waiting.exists()), "the restart reached the gate: {}", daemon.log());
    assert!(cli.alive(), "the CLI waits while the restart is held");
    std::fs::write(&gate, "").unwrap();
    assert!(wait_until(Duration::from_secs(20), || !cli.alive()), "the CLI returned: {}", daemon.log());
    let (mut printed, mut complaint) = (String::new(), String::new());
    cli.0.stdout.take().unwrap().read_to_string(&mut printed).unwrap();
    cli.0.stderr.take().unwrap().read_to_string(&mut complaint).unwrap();
    assert!(cli.0.wait().unwrap().success(), "{complaint}");
    assert_eq!(printed, "");
    assert!(live_pid(&pidfile).is_some_and(|p| p != second), "restarted when the CLI returned");
    // --timeout while the restart is held: exit 1, saying it goes on.
    std::fs::remove_file(&gate).unwrap();
    let out = daemon.cli(&["restart", "web", "--timeout", "1s"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("'web' restart is still running after 1 s"), "{}", stderr(&out));
    std::fs::write(&gate, "").unwrap();
    let log = daemon.log();
    assert!(log.contains("'web' restart on user request by uid "), "{log}");
    assert!(log.contains("'web' restart action done by uid "), "{log}");
    assert!(wait_until(Duration::from_secs(10), || !summary_line(&daemon, "web").contains("pending")));
}

#[test]
fn a_failing_start_program_makes_the_cli_exit_1_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let failing = write_script(d, "fail.sh", "echo 'cannot start: config error' >&2\nexit 3");
    let text = format!(
        "check process bad with pidfile {d}/bad.pid\n  start program = \"{}\"\n  onreboot nostart\n",
        failing.display(),
        d = d.display()
    );
    let daemon = daemon(d, &text);
    let out = daemon.cli(&["start", "bad"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("'bad' start failed") && err.contains("cannot start: config error"), "{err}");
    assert!(daemon.log().contains("'bad' start action failed by uid "), "{}", daemon.log());
}

#[test]
fn a_read_only_socket_may_look_but_not_act() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = format!(
        "set daemon 1\nset pidfile {d}/rmonit.pid\nset statefile {d}/rmonit.state\n\
         set httpd unixsocket {d}/rmonit.sock read-only\ncheck system box\n",
        d = d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    assert!(wait_until(Duration::from_secs(10), || daemon.cli(&["summary"]).status.success()), "{}", daemon.log());
    for args in [&["unmonitor", "box"][..], &["reload"][..], &["run", "box", "anything"][..]] {
        let out = daemon.cli(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&out).trim(), "You do not have sufficient privileges to access this page");
    }
    assert!(!daemon.log().contains("on user request"), "{}", daemon.log());
    assert!(!summary_line(&daemon, "box").contains("Not monitored"));
}

#[test]
fn unmonitor_for_a_while_comes_back_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("watched"), "x").unwrap();
    let daemon = daemon(d, &format!("check file watched with path {}/watched\n", d.display()));
    let out = daemon.cli(&["unmonitor", "watched", "--for", "3s"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let status = stdout(&daemon.cli(&["status", "watched"]));
    assert!(status.contains("  monitoring status            Not monitored (until "), "{status}");
    assert!(summary_line(&daemon, "watched").contains(" Not monitored "), "the summary keeps Monit's text");
    assert!(
        wait_until(Duration::from_secs(8), || summary_line(&daemon, "watched").contains(" OK ")),
        "{}",
        daemon.log()
    );
    assert!(daemon.log().contains("'watched' monitor action done (the time of the unmonitor is up)"));
    assert!(!stdout(&daemon.cli(&["status", "watched"])).contains("until"));
}

#[test]
fn the_deadline_of_unmonitor_for_survives_a_daemon_restart() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("watched"), "x").unwrap();
    let text = format!("check file watched with path {}/watched\n", d.display());
    let mut first = daemon(d, &text);
    assert!(first.cli(&["unmonitor", "watched", "--for", "4s"]).status.success());
    first.signal("TERM");
    assert!(first.wait_exit(Duration::from_secs(10)));
    let state = std::fs::read_to_string(d.join("rmonit.state")).unwrap();
    assert!(state.contains("monitor_again_at"), "{state}");
    let second = daemon(d, &text);
    let status = stdout(&second.cli(&["status", "watched"]));
    assert!(status.contains("Not monitored (until "), "{status}");
    assert!(
        wait_until(Duration::from_secs(8), || summary_line(&second, "watched").contains(" OK ")),
        "{}",
        second.log()
    );
}

#[test]
fn monitor_enables_again_the_dependants_its_unmonitor_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in ["base", "app", "other"] {
        std::fs::write(d.join(name), "x").unwrap();
    }
    let text = format!(
        "check file base with path {d}/base\ncheck file app with path {d}/app\n  depends on base\n\
         check file other with path {d}/other\n  depends on base\n",
        d = d.display()
    );
    let daemon = daemon(d, &text);
    assert!(daemon.cli(&["unmonitor", "other"]).status.success());
    assert!(daemon.cli(&["unmonitor", "base"]).status.success());
    for name in ["base", "app", "other"] {
        assert!(summary_line(&daemon, name).contains("Not monitored"), "{name}");
    }
    assert!(daemon.cli(&["monitor", "base"]).status.success());
    assert!(wait_until(Duration::from_secs(5), || summary_line(&daemon, "app").contains(" OK ")), "{}", daemon.log());
    // `other` was unmonitored by hand before: it stays so.
    assert!(summary_line(&daemon, "other").contains("Not monitored"));
}

/// Runs the CLI with another control file than the daemon's (same socket).
fn cli_with(daemon: &Daemon, config: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(crate::util::rmonit_bin())
        .args(["-c", config.to_str().unwrap()])
        .args(args)
        .env("HOME", &daemon.dir)
        .output()
        .unwrap()
}

#[test]
fn reload_refuses_a_broken_file_and_reports_the_changes_of_a_good_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let web = process_block(d, "web", false, "");
    let pidfile = d.join("web.pid");
    let _cleanup = KillOnDrop(vec![pidfile.clone()]);
    let daemon = daemon(d, &web);
    assert!(wait_until(Duration::from_secs(10), || live_pid(&pidfile).is_some()), "{}", daemon.log());
    let pid = live_pid(&pidfile).unwrap();
    // The CLI reads a good copy (to find the socket); the daemon's own file is broken: the
    // daemon refuses it with file:line:col errors, the CLI exits 1, the old config stays.
    let good = write_monitrc(d, "cli-monitrc", &format!("{}{web}", header(d)));
    write_monitrc(d, "monitrc", &format!("{}{web}check system box\n  if cpu > lots then alert\n", header(d)));
    let out = cli_with(&daemon, &good, &["reload"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains(&format!("{}:", d.join("monitrc").display())) && err.contains("lots"), "{err}");
    assert!(daemon.log().contains("keeping the running configuration"));
    assert!(stdout(&cli_with(&daemon, &good, &["summary"])).contains(" web "));
    let starts_before = count(&daemon.log(), "'web' start: ");
    // Good: the changes are printed, and the unchanged `web` keeps its process.
    std::fs::write(d.join("log"), "x").unwrap();
    write_monitrc(d, "monitrc", &format!("{}{web}check file log with path {}/log\n", header(d), d.display()));
    let out = daemon.cli(&["reload"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "added: log\n");
    assert!(wait_until(Duration::from_secs(5), || summary_line(&daemon, "web").contains(" OK ")), "{}", daemon.log());
    assert!(wait_until(Duration::from_secs(5), || summary_line(&daemon, "log").contains(" OK ")));
    assert_eq!(live_pid(&pidfile), Some(pid), "web was not restarted");
    assert_eq!(count(&daemon.log(), "'web' start: "), starts_before, "{}", daemon.log());
    // SIGHUP takes the same path.
    write_monitrc(d, "monitrc", &format!("{}{web}", header(d)));
    daemon.signal("HUP");
    assert!(wait_until(Duration::from_secs(5), || daemon.log().contains("reload: removed: log")), "{}", daemon.log());
}

#[test]
fn reload_and_quit_without_a_daemon_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = write_monitrc(d, "monitrc", &format!("{}check system box\n", header(d)));
    for verb in ["reload", "quit"] {
        let out = std::process::Command::new(crate::util::rmonit_bin())
            .args(["-c", config.to_str().unwrap(), verb])
            .env("HOME", d)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{verb}");
        assert!(stderr(&out).contains("not running"), "{verb}: {}", stderr(&out));
    }
}

#[test]
fn a_custom_action_streams_its_output_and_passes_its_exit_code_through() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("watched"), "x").unwrap();
    // Prints a line, waits for the test to have read it, prints another and exits 3.
    let script = write_script(
        d,
        "configtest.sh",
        &format!(
            "echo \"first $MONIT_SERVICE in $(pwd) as $APP_ENV\"\nwhile [ ! -e {d}/go ]; do sleep 0.05; done\necho second >&2\nexit 3",
            d = d.display()
        ),
    );
    let text = format!(
        "check file watched with path {d}/watched\n  environment APP_ENV = \"staging\"\n  working directory \"{d}\"\n  action configtest = \"{}\"\n",
        script.display(),
        d = d.display()
    );
    let daemon = daemon(d, &text);
    let mut child = std::process::Command::new(crate::util::rmonit_bin())
        .args(["-c", daemon.config.to_str().unwrap(), "run", "watched", "configtest"])
        .env("HOME", d)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert_eq!(first, format!("first watched in {} as staging", d.display()));
    // The first line came while the program was still running.
    std::fs::write(d.join("go"), "").unwrap();
    assert_eq!(lines.next().unwrap().unwrap(), "second");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(3));
    let log = daemon.log();
    assert!(log.contains("'watched' configtest on user request by uid "), "{log}");
    assert!(log.contains("'watched' configtest action failed by uid ") && log.contains("exit status 3"), "{log}");
    // An action the service does not have: exit 1 with the reason.
    let out = daemon.cli(&["run", "watched", "nosuch"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).trim(), "'watched' has no action 'nosuch'");
}

#[test]
fn actions_take_names_and_patterns_as_monit_matches_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in ["web", "webmatch"] {
        std::fs::write(d.join(name), "x").unwrap();
    }
    let text =
        format!("check file web with path {d}/web\ncheck file webmatch with path {d}/webmatch\n", d = d.display());
    let daemon = daemon(d, &text);
    assert!(daemon.cli(&["unmonitor", "web.*"]).status.success());
    assert!(summary_line(&daemon, "web").contains("Not monitored"));
    assert!(summary_line(&daemon, "webmatch").contains("Not monitored"));
    assert!(daemon.cli(&["monitor", "WEB"]).status.success());
    assert!(wait_until(Duration::from_secs(5), || summary_line(&daemon, "web").contains(" OK ")));
    assert!(summary_line(&daemon, "webmatch").contains("Not monitored"), "WEB is web only");
}
