//! The daemon with real processes: restarts after kill -9, dependency order, PID reuse,
//! state across restarts, a hung start program beside a healthy service, user actions.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::util::{
    Daemon, HEARTBEAT, KillOnDrop, header, header_with_cycle, live_pid, stdout, wait_until, write_monitrc, write_script,
};

/// A start script for `name`: a `sleep` in the background whose pid goes to `name.pid`,
/// and a line `name` appended to `starts.log`.
fn service_scripts(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let start = write_script(
        dir,
        &format!("start-{name}.sh"),
        &format!(
            "echo {name} >> {dir}/starts.log\nsleep 1000 > /dev/null 2>&1 &\necho $! > {dir}/{name}.pid.tmp\nmv {dir}/{name}.pid.tmp {dir}/{name}.pid",
            dir = dir.display()
        ),
    );
    let stop = write_script(
        dir,
        &format!("stop-{name}.sh"),
        &format!(
            "echo stop-{name} >> {dir}/starts.log\nkill $(cat {dir}/{name}.pid) 2>/dev/null\nrm -f {dir}/{name}.pid",
            dir = dir.display()
        ),
    );
    (start, stop)
}

fn process_block(dir: &Path, name: &str, extra: &str) -> String {
    let (start, stop) = service_scripts(dir, name);
    format!(
        "check process {name} with pidfile {dir}/{name}.pid\n  start program = \"{}\" with timeout 10 seconds\n  stop program = \"{}\"\n{extra}\n",
        start.display(),
        stop.display(),
        dir = dir.display()
    )
}

fn starts(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("starts.log")).unwrap_or_default().lines().map(str::to_owned).collect()
}

#[test]
fn a_killed_process_is_started_again_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Cycles of an hour: the first one starts the service, and no second one comes within
    // the test, so only the exit seen through the pidfd can explain the restart.
    let text = format!("{}{}", header_with_cycle(d, 3600), process_block(d, "web", ""));
    let config = write_monitrc(d, "monitrc", &text);
    let pidfile = d.join("web.pid");
    let _cleanup = KillOnDrop(vec![pidfile.clone()]);
    let daemon = Daemon::start(d, &config);
    assert!(wait_until(Duration::from_secs(10), || live_pid(&pidfile).is_some()), "the daemon started the service");
    let first = live_pid(&pidfile).unwrap();
    std::process::Command::new("kill").args(["-9", &first.to_string()]).status().unwrap();
    assert!(
        wait_until(Duration::from_secs(30), || live_pid(&pidfile).is_some_and(|p| p != first)),
        "restarted after kill -9, within the hour-long cycle: {}",
        daemon.log()
    );
    assert_eq!(starts(d).iter().filter(|s| *s == "web").count(), 2, "started once again: {}", daemon.log());
}

#[test]
fn dependencies_start_parents_first_and_each_service_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // a depends on b, b on c; all stopped at start. A heartbeat program counts cycles.
    let beat = write_script(d, "beat.sh", &format!("echo beat >> {}/beats.log", d.display()));
    let text = format!(
        "{}{}{}{}check program heartbeat with path \"{}\"\n  if status != 0 then alert\n",
        header(d),
        process_block(d, "a", "  depends on b"),
        process_block(d, "b", "  depends on c"),
        process_block(d, "c", ""),
        beat.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let pids: Vec<PathBuf> = ["a", "b", "c"].iter().map(|n| d.join(format!("{n}.pid"))).collect();
    let _cleanup = KillOnDrop(pids.clone());
    let daemon = Daemon::start(d, &config);
    assert!(wait_until(Duration::from_secs(15), || pids.iter().all(|p| live_pid(p).is_some())), "{}", daemon.log());
    // A few cycles later: each was started once, parents first, and nothing was stopped
    // (every service's own restart request at start was made stale by the first one).
    let beats = |d: &Path| std::fs::read_to_string(d.join("beats.log")).map_or(0, |t| t.lines().count());
    let later = beats(d) + 3;
    assert!(wait_until(Duration::from_secs(10), || beats(d) >= later), "{}", daemon.log());
    assert_eq!(starts(d), ["c", "b", "a"], "{}", daemon.log());
}

#[test]
fn a_group_restart_restarts_each_member_once_parents_first() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // a depends on b, both in g1: b's restart restarts a as its dependant; a's own is not
    // done again (Monit skips members whose parent is in the same group action).
    let text = format!(
        "{}{}{}",
        header(d),
        process_block(d, "a", "  depends on b\n  group g1"),
        process_block(d, "b", "  group g1")
    );
    let config = write_monitrc(d, "monitrc", &text);
    let pids: Vec<PathBuf> = ["a", "b"].iter().map(|n| d.join(format!("{n}.pid"))).collect();
    let _cleanup = KillOnDrop(pids.clone());
    let daemon = Daemon::start(d, &config);
    assert!(wait_until(Duration::from_secs(15), || pids.iter().all(|p| live_pid(p).is_some())), "{}", daemon.log());
    assert_eq!(starts(d), ["b", "a"]);
    let out = daemon.cli(&["-g", "g1", "restart"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    assert_eq!(starts(d)[2..], ["stop-a", "stop-b", "b", "a"], "{}", daemon.log());
}

#[test]
fn a_reused_pid_in_a_pidfile_is_not_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = write_monitrc(d, "monitrc", &format!("{}{}", header(d), process_block(d, "web", "")));
    let pidfile = d.join("web.pid");
    let _cleanup = KillOnDrop(vec![pidfile.clone()]);
    let daemon = Daemon::start(d, &config);
    assert!(wait_until(Duration::from_secs(10), || live_pid(&pidfile).is_some()));
    let first = live_pid(&pidfile).unwrap();
    // Stop watching while we fake a reused pid: the pidfile names an unrelated, younger
    // process (as if the pid had been recycled), written before that process started.
    let out = daemon.cli(&["unmonitor", "web"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    std::process::Command::new("kill").args(["-9", &first.to_string()]).status().unwrap();
    let old = std::time::SystemTime::now() - Duration::from_secs(60);
    let mut unrelated = std::process::Command::new("sleep").arg("1000").spawn().unwrap();
    std::fs::write(&pidfile, format!("{}\n", unrelated.id())).unwrap();
    std::fs::File::options().write(true).open(&pidfile).unwrap().set_modified(old).unwrap();
    let out = daemon.cli(&["monitor", "web"]);
    assert_eq!(out.status.code(), Some(0));
    // The daemon sees through the stale pidfile and starts the service again.
    let restarted =
        wait_until(Duration::from_secs(10), || live_pid(&pidfile).is_some_and(|p| p != unrelated.id() as i32));
    unrelated.kill().unwrap();
    unrelated.wait().unwrap();
    assert!(restarted, "{}", daemon.log());
}

#[test]
fn unmonitored_state_survives_a_daemon_restart() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = format!("{}{}{HEARTBEAT}", header(d), process_block(d, "web", ""));
    let config = write_monitrc(d, "monitrc", &text);
    let pidfile = d.join("web.pid");
    let _cleanup = KillOnDrop(vec![pidfile.clone()]);
    {
        let mut daemon = Daemon::start(d, &config);
        assert!(wait_until(Duration::from_secs(10), || live_pid(&pidfile).is_some()));
        let out = daemon.cli(&["unmonitor", "web"]);
        assert_eq!(out.status.code(), Some(0));
        daemon.signal("TERM");
        assert!(daemon.wait_exit(Duration::from_secs(10)), "orderly shutdown");
    }
    crate::util::kill_pidfiles(std::slice::from_ref(&pidfile));
    let state = std::fs::read_to_string(d.join("rmonit.state")).unwrap();
    assert!(state.contains("\"monitored\": false"), "{state}");
    let daemon = Daemon::start(d, &config);
    // Unmonitored after the restart: the killed service is not started again, cycles later.
    assert!(daemon.wait_cycles("heartbeat", 3, Duration::from_secs(15)), "{}", daemon.log());
    assert!(live_pid(&pidfile).is_none(), "{}", daemon.log());
    let out = daemon.cli(&["summary", "web"]);
    assert!(stdout(&out).contains("Not monitored"), "{}", stdout(&out));
}

#[test]
fn a_hung_start_program_does_not_delay_a_healthy_service() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hung = write_script(d, "hang.sh", &format!("echo $$ > {}/hang.pid\nexec sleep 1000", d.display()));
    let _cleanup = KillOnDrop(vec![d.join("hang.pid")]);
    let text = format!(
        "{}check process stuck with pidfile {d}/stuck.pid\n  start program = \"{}\" with timeout 3600 seconds\n{HEARTBEAT}",
        header(d),
        hung.display(),
        d = d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    let hang = d.join("hang.pid");
    assert!(wait_until(Duration::from_secs(10), || live_pid(&hang).is_some()), "{}", daemon.log());
    // The start program hangs for an hour: heartbeat cycles meanwhile prove it holds no one.
    assert!(daemon.wait_cycles("heartbeat", 4, Duration::from_secs(30)), "{}", daemon.log());
    assert!(live_pid(&hang).is_some(), "the start program was still hanging: {}", daemon.log());
}

#[test]
fn a_start_program_that_times_out_is_an_execution_failure() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hung = write_script(d, "hang.sh", &format!("echo $$ > {}/program.pid\nexec sleep 1000", d.display()));
    let _cleanup = KillOnDrop(vec![d.join("program.pid")]);
    let text = format!(
        "{}check process hang with pidfile {d}/hang.pid\n  start program = \"{}\" with timeout 1 second\n",
        header(d),
        hung.display(),
        d = d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    // Killed at its timeout (with its group), then an exec failure in the status, between
    // attempts without a pending action (the next attempt comes a cycle later, as Monit's).
    let status = || stdout(&daemon.cli(&["status", "hang"]));
    assert!(
        wait_until(Duration::from_secs(15), || status().contains("Execution failed | Does not exist\n")),
        "{}\n{}",
        status(),
        daemon.log()
    );
    assert!(daemon.log().contains("failed to start (exit status -1) -- '"), "{}", daemon.log());
    assert!(daemon.log().contains("': Program timed out after 1 s"), "{}", daemon.log());
}

#[test]
fn a_check_program_that_times_out_exits_with_9_and_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let slow = write_script(d, "slow.sh", &format!("echo $$ > {}/program.pid\nexec sleep 30", d.display()));
    let _cleanup = KillOnDrop(vec![d.join("program.pid")]);
    let text = format!(
        "{}check program tmo with path \"{}\" with timeout 1 second\n  if status != 0 then alert\n",
        header(d),
        slow.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    // Monit: `last exit value 9`, `program timed out after ... Killing program with pid N`,
    // `status failed (9) -- no output`.
    assert!(
        wait_until(Duration::from_secs(15), || daemon.log().contains("'tmo' status failed (9) -- no output")),
        "{}",
        daemon.log()
    );
    assert!(daemon.log().contains("'tmo' program timed out after 1 s. Killing program with pid"), "{}", daemon.log());
    let status = stdout(&daemon.cli(&["status", "tmo"]));
    assert!(status.contains("last exit value              9\n"), "{status}");
}

#[test]
fn a_check_program_is_not_waiting_between_its_runs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let beat = write_script(d, "beat.sh", &format!("echo beat >> {}/beats.log", d.display()));
    let text = format!(
        "{}check program every2 with path \"{}\"\n  every 2 cycles\n  if status != 0 then alert\n",
        header(d),
        beat.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    // Sampled over three runs (six cycles): Monit shows `Monitored` between the runs of a
    // program; skipped cycles read `Waiting` only for the other types.
    let mut samples = Vec::new();
    let ran_three_times = wait_until(Duration::from_secs(15), || {
        let status = stdout(&daemon.cli(&["status", "every2"]));
        if let Some(line) = status.lines().find(|l| l.trim_start().starts_with("monitoring status")) {
            samples.push(line.split_whitespace().last().unwrap_or_default().to_owned());
        }
        std::fs::read_to_string(d.join("beats.log")).is_ok_and(|t| t.lines().count() >= 3)
    });
    assert!(ran_three_times, "{}", daemon.log());
    assert!(samples.iter().any(|s| s == "Monitored"), "{samples:?}");
    assert!(samples.iter().all(|s| s == "Monitored" || s == "Initializing"), "{samples:?}");
}

#[test]
fn a_reload_with_a_broken_configuration_keeps_the_running_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = write_monitrc(d, "monitrc", &format!("{}{}", header(d), process_block(d, "web", "")));
    let pidfile = d.join("web.pid");
    let _cleanup = KillOnDrop(vec![pidfile.clone()]);
    let daemon = Daemon::start(d, &config);
    assert!(wait_until(Duration::from_secs(10), || live_pid(&pidfile).is_some()));
    // Break the file, reload: the daemon logs the error and keeps watching `web`.
    std::fs::write(&config, format!("{}check process web with pidfile\n  if cpu > lots then alert\n", header(d)))
        .unwrap();
    daemon.signal("HUP");
    assert!(
        wait_until(Duration::from_secs(5), || daemon.log().contains("keeping the running configuration")),
        "{}",
        daemon.log()
    );
    let before = live_pid(&pidfile).unwrap();
    std::process::Command::new("kill").args(["-9", &before.to_string()]).status().unwrap();
    assert!(wait_until(Duration::from_secs(5), || live_pid(&pidfile).is_some_and(|p| p != before)), "{}", daemon.log());
    // A valid new configuration replaces it: `web` gone, `db` watched.
    let text = format!("{}{}", header(d), process_block(d, "db", ""));
    write_monitrc(d, "monitrc", &text);
    daemon.signal("HUP");
    let db = d.join("db.pid");
    let _cleanup_db = KillOnDrop(vec![db.clone()]);
    assert!(wait_until(Duration::from_secs(10), || live_pid(&db).is_some()), "{}", daemon.log());
    let out = daemon.cli(&["summary"]);
    let text = stdout(&out);
    assert!(text.contains(" db ") && !text.contains(" web "), "{text}");
}

#[test]
fn a_reload_moves_the_log_to_a_new_set_log() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (first, second) = (d.join("first.log"), d.join("second.log"));
    let text = |log: &Path| format!("{}set log {}\n{HEARTBEAT}", header(d), log.display());
    let config = write_monitrc(d, "monitrc", &text(&first));
    let daemon = Daemon::start(d, &config);
    let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
    let up = wait_until(Duration::from_secs(10), || stdout(&daemon.cli(&["summary"])).contains("heartbeat"));
    assert!(up && !read(&first).is_empty(), "{}", read(&first));
    write_monitrc(d, "monitrc", &text(&second));
    let reload = daemon.cli(&["reload"]);
    assert!(reload.status.success(), "{}", stdout(&reload));
    let moved = format!("the log moves to {}", second.display());
    assert!(wait_until(Duration::from_secs(10), || read(&first).contains(&moved)), "{}", read(&first));
    let arrived = format!("the log moved here from {}", first.display());
    let here = wait_until(Duration::from_secs(10), || {
        read(&second).contains(&arrived) && read(&second).contains("rmonit reloaded")
    });
    assert!(here, "{}", read(&second));
    let before = read(&first).len();
    assert!(daemon.wait_cycles("heartbeat", 2, Duration::from_secs(20)));
    assert_eq!(read(&first).len(), before, "nothing more goes to the old log");
}

#[test]
fn without_dash_i_the_daemon_detaches_and_a_second_start_wakes_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = write_monitrc(d, "monitrc", &header(d));
    let status = std::process::Command::new(crate::util::rmonit_bin())
        .args(["-c", config.to_str().unwrap()])
        .env("HOME", d)
        .status()
        .unwrap();
    assert!(status.success());
    let pidfile = d.join("rmonit.pid");
    let _cleanup = KillOnDrop(vec![pidfile.clone()]);
    assert!(wait_until(Duration::from_secs(5), || live_pid(&pidfile).is_some()), "the daemon wrote its pid file");
    let out = std::process::Command::new(crate::util::rmonit_bin())
        .args(["-c", config.to_str().unwrap()])
        .env("HOME", d)
        .output()
        .unwrap();
    let pid = live_pid(&pidfile).unwrap();
    assert_eq!(stdout(&out).trim(), format!("rmonit daemon with PID {pid} awakened"));
    let out = std::process::Command::new(crate::util::rmonit_bin())
        .args(["-c", config.to_str().unwrap(), "quit"])
        .env("HOME", d)
        .output()
        .unwrap();
    assert_eq!(stdout(&out).trim(), format!("rmonit daemon with pid [{pid}] killed"));
    assert!(wait_until(Duration::from_secs(5), || live_pid(&pidfile).is_none()));
}

#[test]
fn cli_verbs_report_errors_with_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = write_monitrc(d, "monitrc", &format!("{}check system box\n", header(d)));
    let out = std::process::Command::new(crate::util::rmonit_bin())
        .args(["-c", config.to_str().unwrap(), "summary"])
        .env("HOME", d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), "rmonit: the rmonit daemon is not running");
    let daemon = Daemon::start(d, &config);
    assert!(wait_until(Duration::from_secs(5), || daemon.cli(&["summary"]).status.success()));
    assert!(wait_until(Duration::from_secs(5), || stdout(&daemon.cli(&["summary"]))
        .contains(" box                              OK ")));
    let out = daemon.cli(&["unmonitor", "nosuch"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), "There is no service named \"nosuch\"");
    let out = daemon.cli(&["report", "bogus"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), "Invalid report type: 'bogus'");
    let out = daemon.cli(&["report", "up"]);
    assert_eq!(stdout(&out), "1\n");
    let out = daemon.cli(&["status", "nosuch"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_restart_limit_unmonitors_a_service_that_will_not_start() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let failing = write_script(
        d,
        "fail.sh",
        &format!("echo attempt >> {}/attempts.log\necho 'config error' >&2\nexit 1", d.display()),
    );
    let text = format!(
        "{}check process failer with pidfile {d}/failer.pid\n  start program = \"{}\" with timeout 5 seconds\n  if 2 restarts within 3 cycles then unmonitor\n",
        header(d),
        failing.display(),
        d = d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    wait_not_monitored(&daemon);
    assert!(daemon.log().contains("service restarted 2 times within 2 cycles(s) - unmonitor"), "{}", daemon.log());
    let attempts = std::fs::read_to_string(d.join("attempts.log")).unwrap().lines().count();
    assert_eq!(attempts, 2, "two attempts, then the limit");
    let out = daemon.cli(&["status", "failer"]);
    assert!(stdout(&out).contains("  status                       Not monitored\n"), "{}", stdout(&out));
    // Monit's words for the failed start.
    assert!(daemon.log().contains("failed to start (exit status 1) -- '"), "{}", daemon.log());
}

#[test]
fn passive_mode_alerts_instead_of_starting_but_still_unmonitors() {
    // Monit's passive mode turns start, stop and restart into alerts; a rule's unmonitor
    // is carried out.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let start = write_script(d, "start.sh", &format!("echo started >> {}/starts.log", d.display()));
    let text = format!(
        "{}check process gone with pidfile {d}/gone.pid\n  start program = \"{}\"\n  mode passive\n  if does not exist for 2 cycles then unmonitor\n",
        header(d),
        start.display(),
        d = d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    wait_not_monitored(&daemon);
    assert!(!d.join("starts.log").exists(), "passive: never started\n{}", daemon.log());
}

/// Waits until the summary shows a service not monitored; fails with the daemon's log.
fn wait_not_monitored(daemon: &Daemon) {
    let seen = wait_until(Duration::from_secs(20), || stdout(&daemon.cli(&["summary"])).contains("Not monitored"));
    assert!(seen, "{}", daemon.log());
}

/// Spawns `sleep` processes until one gets `pid` (recycled through ns_last_pid, as root).
fn spawn_with_pid(pid: i32) -> Option<std::process::Child> {
    for _ in 0..50 {
        if std::fs::write("/proc/sys/kernel/ns_last_pid", (pid - 1).to_string()).is_err() {
            return None;
        }
        let mut child = std::process::Command::new("sleep").arg("1000").spawn().ok()?;
        if child.id() as i32 == pid {
            return Some(child);
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    None
}

#[test]
fn a_really_recycled_pid_is_not_taken_for_the_service() {
    if !std::fs::metadata("/proc/sys/kernel/ns_last_pid").is_ok_and(|m| !m.permissions().readonly())
        || effective_uid() != 0
    {
        // Recycling a pid needs root and a writable ns_last_pid; the pidfile-age test covers
        // the logic elsewhere.
        crate::util::skip("recycling a pid needs root and a writable /proc/sys/kernel/ns_last_pid");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = write_monitrc(d, "monitrc", &format!("{}{}", header(d), process_block(d, "web", "")));
    let pidfile = d.join("web.pid");
    let _cleanup = KillOnDrop(vec![pidfile.clone()]);
    let daemon = Daemon::start(d, &config);
    assert!(wait_until(Duration::from_secs(10), || live_pid(&pidfile).is_some()));
    assert_eq!(daemon.cli(&["unmonitor", "web"]).status.code(), Some(0));
    let old = live_pid(&pidfile).unwrap();
    std::process::Command::new("kill").args(["-9", &old.to_string()]).status().unwrap();
    assert!(wait_until(Duration::from_secs(5), || live_pid(&pidfile).is_none()));
    // Reaped (not a zombie any more), so the pid is free. The service daemonized, so its
    // parent is the namespace's init; an init that never reaps orphans (a bare `unshare
    // --pid`, some CI runners) leaves a zombie holding the pid, and nothing can recycle it.
    let reaped = wait_until(Duration::from_secs(10), || !std::path::Path::new(&format!("/proc/{old}")).exists());
    if !reaped {
        let state = std::fs::read_to_string(format!("/proc/{old}/stat")).unwrap_or_default();
        let state = state.rsplit_once(") ").map(|(_, rest)| rest.chars().next()).unwrap_or_default();
        assert_eq!(state, Some('Z'), "pid {old} still runs after kill -9");
        crate::util::skip(&format!("pid {old} stays a zombie under an init that does not reap orphans"));
        return;
    }
    let Some(mut unrelated) = spawn_with_pid(old) else {
        panic!("could not recycle pid {old} through ns_last_pid");
    };
    assert_eq!(daemon.cli(&["monitor", "web"]).status.code(), Some(0));
    let restarted = wait_until(Duration::from_secs(10), || live_pid(&pidfile).is_some_and(|p| p != old));
    let _ = unrelated.kill();
    let _ = unrelated.wait();
    assert!(restarted, "the recycled pid {old} was taken for the service:\n{}", daemon.log());
}

fn effective_uid() -> u32 {
    // The effective uid without a libc dependency in the tests: /proc/self/status.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).and_then(|l| l.split_whitespace().nth(2)?.parse().ok()))
        .unwrap_or(u32::MAX)
}

#[test]
fn the_demo_http_server_is_restarted_after_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let script = crate::util::repo_root().join("demo/demo-service.sh");
    let text = format!(
        "{}check process demo with pidfile {d}/demo.pid\n  start program = \"{s} start\" with timeout 20 seconds\n  stop program = \"{s} stop\"\n  environment DEMO_PORT = \"{port}\"\n  environment DEMO_DIR = \"{d}\"\n",
        header(d),
        s = script.display(),
        d = d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let pidfile = d.join("demo.pid");
    let _cleanup = KillOnDrop(vec![pidfile.clone()]);
    let daemon = Daemon::start(d, &config);
    let answers = || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
    assert!(wait_until(Duration::from_secs(15), answers), "{}", daemon.log());
    let first = live_pid(&pidfile).unwrap();
    std::process::Command::new("kill").args(["-9", &first.to_string()]).status().unwrap();
    assert!(
        wait_until(Duration::from_secs(15), || live_pid(&pidfile).is_some_and(|p| p != first) && answers()),
        "{}",
        daemon.log()
    );
}

#[test]
fn a_rewritten_pidfile_is_followed_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Long cycles: only the pidfile watch can notice the change in time.
    let text = format!(
        "set daemon 60\nset pidfile {d}/rmonit.pid\nset statefile {d}/rmonit.state\nset httpd unixsocket {d}/rmonit.sock\n\
         check process web with pidfile {d}/web.pid\n",
        d = d.display()
    );
    let mut first = std::process::Command::new("sleep").arg("1000").spawn().unwrap();
    let mut second = std::process::Command::new("sleep").arg("1001").spawn().unwrap();
    std::fs::write(d.join("web.pid"), format!("{}\n", first.id())).unwrap();
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    let shows = |pid: u32| {
        let out = daemon.cli(&["status", "web"]);
        stdout(&out).lines().any(|l| l.trim_start().starts_with("pid") && l.trim_end().ends_with(&format!(" {pid}")))
    };
    let ok1 = wait_until(Duration::from_secs(10), || shows(first.id()));
    // Rewrite the pidfile the way daemons do: a new file moved into place.
    std::fs::write(d.join("web.pid.new"), format!("{}\n", second.id())).unwrap();
    std::fs::rename(d.join("web.pid.new"), d.join("web.pid")).unwrap();
    let ok2 = wait_until(Duration::from_secs(3), || shows(second.id()));
    let log = daemon.log();
    for child in [&mut first, &mut second] {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(ok1, "{log}");
    assert!(ok2, "the new pid was not seen within 3 s of the rewrite:\n{log}");
}

#[test]
fn the_log_directory_is_created_and_a_rotated_log_is_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let log = d.join("logs/sub/rmonit.log");
    let text = format!("{}set log {}\n{}", header(d), log.display(), process_block(d, "web", ""));
    let config = write_monitrc(d, "monitrc", &text);
    let _cleanup = KillOnDrop(vec![d.join("web.pid")]);
    let daemon = Daemon::start(d, &config);
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    assert!(wait_until(Duration::from_secs(10), || read(&log).contains("started")), "{}", daemon.log());
    // logrotate without copytruncate: the file is moved away, the next lines go to a new one.
    std::fs::rename(&log, d.join("rotated.log")).unwrap();
    assert!(wait_until(Duration::from_secs(10), || live_pid(&d.join("web.pid")).is_some()));
    let pid = live_pid(&d.join("web.pid")).unwrap();
    std::process::Command::new("kill").args(["-9", &pid.to_string()]).status().unwrap();
    assert!(
        wait_until(Duration::from_secs(10), || read(&log).contains("'web'")),
        "new log: {:?}; rotated: {:?}",
        read(&log),
        read(&d.join("rotated.log"))
    );
}

/// The zombie children of a process, read from outside its PID namespace.
fn zombie_children(pid: u32) -> Vec<u32> {
    let zombie = |child: &u32| {
        std::path::Path::new(&format!("/proc/{child}")).exists() && !crate::util::pid_alive(*child as i32)
    };
    crate::util::children_of(pid).into_iter().filter(zombie).collect()
}

#[test]
fn as_the_init_of_a_pid_namespace_it_reaps_orphans() {
    let probe = std::process::Command::new("unshare").args(["--pid", "--fork", "--mount-proc", "true"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        crate::util::skip("no PID namespaces here (unshare --pid needs root)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = write_monitrc(d, "monitrc", &format!("{}{}", header(d), process_block(d, "web", "")));
    let log = std::fs::File::create(d.join("daemon.log")).unwrap();
    // --kill-child: when the test drops unshare, rmonit (the namespace's init) and with it
    // every process of the namespace are killed.
    let unshare = std::process::Command::new("unshare")
        .args(["--pid", "--fork", "--mount-proc", "--kill-child", "--"])
        .arg(crate::util::rmonit_bin())
        .args(["-c", config.to_str().unwrap(), "-I"])
        .env("HOME", d)
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let daemon = Daemon { child: unshare, dir: d.to_path_buf(), config: config.clone() };
    let mut rmonit = None;
    assert!(
        wait_until(Duration::from_secs(10), || {
            rmonit = crate::util::children_of(daemon.child.id()).first().copied();
            rmonit.is_some() && d.join("web.pid").exists()
        }),
        "{}",
        daemon.log()
    );
    let rmonit = rmonit.unwrap();
    assert!(daemon.log().contains("orphaned processes are reaped"), "{}", daemon.log());
    // The stop script kills the service's sleep, an orphan whose parent is now rmonit.
    assert_eq!(daemon.cli(&["stop", "web"]).status.code(), Some(0), "{}", daemon.log());
    assert!(wait_until(Duration::from_secs(10), || !d.join("web.pid").exists()), "{}", daemon.log());
    assert!(
        wait_until(Duration::from_secs(10), || zombie_children(rmonit).is_empty()),
        "zombies left: {:?}\n{}",
        zombie_children(rmonit),
        daemon.log()
    );
}

#[test]
fn the_dashboard_history_is_saved_at_exit_and_read_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = write_monitrc(d, "monitrc", &format!("{}{}", header(d), process_block(d, "web", "")));
    let pidfile = d.join("web.pid");
    let _cleanup = KillOnDrop(vec![pidfile.clone()]);
    let history = d.join("rmonit.state.history");
    let mut daemon = Daemon::start(d, &config);
    assert!(wait_until(Duration::from_secs(10), || live_pid(&pidfile).is_some()), "{}", daemon.log());
    daemon.signal("TERM");
    assert!(daemon.wait_exit(Duration::from_secs(10)), "{}", daemon.log());
    let saved = std::fs::read(&history).unwrap_or_default();
    let has = |part: &[u8]| saved.windows(part.len()).any(|w| w == part);
    assert!(saved.starts_with(b"RMHIST2\n") && has(b"\x03\x00web"), "{saved:?}");
    // A damaged file is reported and ignored, not fatal.
    std::fs::write(&history, "garbage").unwrap();
    let daemon = Daemon::start(d, &config);
    assert!(
        wait_until(Duration::from_secs(10), || daemon.log().contains("rmonit.state.history is ignored")),
        "{}",
        daemon.log()
    );
    assert_eq!(daemon.cli(&["summary"]).status.code(), Some(0));
}

#[test]
fn two_daemons_with_their_own_pid_files_have_their_own_control_sockets() {
    let dir = tempfile::tempdir().unwrap();
    let mut daemons = Vec::new();
    for name in ["one", "two"] {
        let d = dir.path().join(name);
        std::fs::create_dir(&d).unwrap();
        let text = format!(
            "set daemon 1\nset pidfile {d}/rmonit.pid\nset statefile {d}/rmonit.state\nset idfile {d}/rmonit.id\n\
             check file only_{name} path {d}/rmonit.pid\n",
            d = d.display()
        );
        let config = write_monitrc(&d, "monitrc", &text);
        daemons.push((name, Daemon::start(&d, &config), d));
    }
    for (name, daemon, d) in &daemons {
        assert!(wait_until(Duration::from_secs(10), || d.join("rmonit.sock").exists()), "{}", daemon.log());
        let summary = stdout(&daemon.cli(&["summary"]));
        assert!(summary.contains(&format!("only_{name}")), "{summary}");
        let other = if *name == "one" { "only_two" } else { "only_one" };
        assert!(!summary.contains(other), "{summary}");
    }
}

#[test]
fn descriptors_the_daemon_inherited_do_not_reach_its_programs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let probe = write_script(
        d,
        "probe.sh",
        &format!("if [ -e /proc/$$/fd/7 ]; then echo leaked; else echo clean; fi > {}/fds", d.display()),
    );
    let text =
        format!("{}check program probe with path \"{}\"\n  if status != 0 then alert\n", header(d), probe.display());
    let config = write_monitrc(d, "monitrc", &text);
    let log = std::fs::File::create(d.join("daemon.log")).unwrap();
    // A launcher that leaves descriptor 7 open, as a deploy script's pipe would be.
    let child = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(format!(
            "exec 7>/dev/null; exec \"{}\" -c \"{}\" -I",
            crate::util::rmonit_bin().display(),
            config.display()
        ))
        .env("HOME", d)
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let daemon = Daemon { child, dir: d.to_path_buf(), config: config.clone() };
    assert!(
        wait_until(Duration::from_secs(10), || std::fs::read_to_string(d.join("fds")).is_ok_and(|t| !t.is_empty())),
        "{}",
        daemon.log()
    );
    assert_eq!(std::fs::read_to_string(d.join("fds")).unwrap().trim(), "clean");
}

#[test]
fn without_a_stop_program_stop_ends_the_process_and_its_children() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let start = write_script(
        d,
        "start.sh",
        &format!(
            "( sleep 1001 & echo $! > {d}/child.pid; exec sleep 1000 ) > /dev/null 2>&1 &\necho $! > {d}/svc.pid",
            d = d.display()
        ),
    );
    let text = format!(
        "{}check process svc with pidfile {}/svc.pid\n  start program = \"{}\"\n",
        header(d),
        d.display(),
        start.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let (svc, child) = (d.join("svc.pid"), d.join("child.pid"));
    let _cleanup = KillOnDrop(vec![svc.clone(), child.clone()]);
    let daemon = Daemon::start(d, &config);
    assert!(
        wait_until(Duration::from_secs(10), || live_pid(&svc).is_some() && live_pid(&child).is_some()),
        "{}",
        daemon.log()
    );
    let (main, worker) = (live_pid(&svc).unwrap(), live_pid(&child).unwrap());
    assert_eq!(daemon.cli(&["stop", "svc"]).status.code(), Some(0), "{}", daemon.log());
    let gone = |pid: i32| !crate::util::pid_alive(pid);
    assert!(wait_until(Duration::from_secs(10), || gone(main) && gone(worker)), "{}", daemon.log());
    assert!(daemon.log().contains("and its 1 descendants"), "{}", daemon.log());
}

#[test]
fn without_a_daemon_the_cli_carries_out_start_and_stop_itself() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = format!("{}{}{}", header(d), process_block(d, "db", ""), process_block(d, "web", "  depends on db\n"));
    let config = write_monitrc(d, "monitrc", &text);
    let (web, db) = (d.join("web.pid"), d.join("db.pid"));
    let _cleanup = KillOnDrop(vec![web.clone(), db.clone()]);
    let cli = |args: &[&str]| {
        let mut all = vec!["-c", config.to_str().unwrap()];
        all.extend_from_slice(args);
        std::process::Command::new(crate::util::rmonit_bin()).args(&all).env("HOME", d).output().unwrap()
    };
    // As Monit: no daemon, so the CLI runs the start programs itself, parents first.
    let out = cli(&["start", "web"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(live_pid(&db).is_some() && live_pid(&web).is_some());
    assert_eq!(starts(d), ["db", "web"]);
    let out = cli(&["stop", "all"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(live_pid(&db).is_none() && live_pid(&web).is_none());
    assert!(!d.join("rmonit.sock").exists(), "no daemon was left running");
    let out = cli(&["start", "nosuch"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("There is no service named \"nosuch\""));
}

#[test]
fn without_set_daemon_one_pass_runs_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The header's `set daemon 1` left out: Monit then makes one pass and exits (cron use).
    let text = format!(
        "set pidfile {d}/rmonit.pid\nset statefile {d}/rmonit.state\n{}",
        process_block(d, "web", ""),
        d = d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let pidfile = d.join("web.pid");
    let _cleanup = KillOnDrop(vec![pidfile.clone()]);
    let mut child = std::process::Command::new(crate::util::rmonit_bin())
        .args(["-c", config.to_str().unwrap()])
        .env("HOME", d)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let exited = wait_until(Duration::from_secs(30), || matches!(child.try_wait(), Ok(Some(_))));
    if !exited {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(exited, "the pass ended");
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert!(live_pid(&pidfile).is_some(), "the pass started the missing service");
    assert!(!d.join("rmonit.sock").exists() && !d.join("rmonit.pid").exists(), "no daemon stayed");
    assert!(d.join("rmonit.state").exists(), "the state was saved");
}

#[test]
fn the_daemon_raises_its_open_files_limit_but_its_programs_get_the_one_it_was_given() {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let hard = getrlimit(Resource::Nofile).maximum;
    if hard.is_some_and(|h| h <= 256) {
        crate::util::skip(&format!("the hard open-files limit is {hard:?}"));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let script = write_script(d, "limit", &format!("ulimit -n > {}/limit.txt", d.display()));
    let text =
        format!("{}check program limit with path \"{}\"\n  if status != 0 then alert\n", header(d), script.display());
    let config = write_monitrc(d, "monitrc", &text);
    let log = std::fs::File::create(d.join("daemon.log")).unwrap();
    let mut command = std::process::Command::new(crate::util::rmonit_bin());
    command.args(["-c", config.to_str().unwrap(), "-I"]).env("HOME", d).stdout(log.try_clone().unwrap()).stderr(log);
    // SAFETY: runs in the forked child before exec; setrlimit is a plain system call.
    unsafe {
        use std::os::unix::process::CommandExt;
        command.pre_exec(move || Ok(setrlimit(Resource::Nofile, Rlimit { current: Some(256), maximum: hard })?));
    }
    let daemon = Daemon { child: command.spawn().unwrap(), dir: d.to_path_buf(), config };
    let limit = || std::fs::read_to_string(d.join("limit.txt")).unwrap_or_default().trim().to_owned();
    assert!(wait_until(Duration::from_secs(10), || !limit().is_empty()), "{}", daemon.log());
    assert_eq!(limit(), "256", "the program runs with the limit the daemon was started with");
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", daemon.child.id())).unwrap();
    let open_files: Vec<&str> = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .map(|l| l.split_whitespace().skip(3).take(2).collect())
        .unwrap_or_default();
    let hard = hard.map_or("unlimited".to_owned(), |h| h.to_string());
    assert_eq!(open_files, [hard.as_str(), hard.as_str()], "the daemon's soft limit is raised to the hard one");
}
