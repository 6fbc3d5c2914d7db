//! Local resource checks with the real daemon on real objects in a temp dir: changes of a
//! file, a log watched across a rotation and a daemon restart, a fifo and a directory, the
//! root filesystem, a program's exit status, and a big checksum beside a heartbeat.

use std::path::Path;
use std::time::Duration;

use crate::util::{Daemon, HEARTBEAT, has_open, set_mtime, stdout, wait_until, write_monitrc, write_script};

/// The common head, and a system service.
fn header(dir: &Path) -> String {
    format!("{}check system box\n", crate::util::header(dir))
}

/// A script that appends its first argument and the event description to `events.log`.
fn recorder(dir: &Path) -> String {
    let script = write_script(
        dir,
        "record.sh",
        &format!(
            "printf '%s|%s\\n' \"$1\" \"$(printf '%s' \"$MONIT_DESCRIPTION\" | tr '\\n' ' ')\" >> {}/events.log",
            dir.display()
        ),
    );
    script.display().to_string()
}

fn events(dir: &Path, tag: &str) -> Vec<String> {
    std::fs::read_to_string(dir.join("events.log"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with(&format!("{tag}|")))
        .map(str::to_owned)
        .collect()
}

#[test]
fn each_change_of_a_file_is_one_changed_event() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = d.join("watched.conf");
    std::fs::write(&file, "a=1\n").unwrap();
    let rec = recorder(d);
    let text = format!(
        "{}check file watched with path {}\n  if changed checksum then exec \"{rec} checksum\"\n  if changed size then exec \"{rec} size\"\n  \
         if changed permission then exec \"{rec} permission\"\n  if changed mtime then exec \"{rec} mtime\"\n",
        header(d),
        file.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    assert!(
        wait_until(Duration::from_secs(10), || stdout(&daemon.cli(&["summary", "watched"])).contains(" OK ")),
        "{}",
        daemon.log()
    );
    // The new content in one step (a rename), with an mtime an hour before the old one: a
    // change of mtime whatever second it is now.
    let old = std::fs::metadata(&file).unwrap().modified().unwrap();
    let new = d.join("watched.conf.new");
    std::fs::write(&new, "a=22\n").unwrap();
    set_mtime(&new, old - Duration::from_secs(3600));
    std::fs::rename(&new, &file).unwrap();
    assert!(
        wait_until(Duration::from_secs(10), || events(d, "checksum").len() == 1 && events(d, "size").len() == 1),
        "{}",
        daemon.log()
    );
    assert!(wait_until(Duration::from_secs(10), || events(d, "mtime").len() == 1), "{}", daemon.log());
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(wait_until(Duration::from_secs(10), || events(d, "permission").len() == 1), "{}", daemon.log());
    // Nothing changes any more: no further events in the next cycles.
    assert!(daemon.wait_cycles("watched", 2, Duration::from_secs(10)), "{}", daemon.log());
    assert_eq!((events(d, "checksum").len(), events(d, "size").len(), events(d, "permission").len()), (1, 1, 1));
    let out = daemon.cli(&["status", "watched"]);
    let text = stdout(&out);
    assert!(text.contains("  permission                   600\n"), "{text}");
    assert!(text.contains("  size                         5 B\n"), "{text}");
    assert!(text.contains("(MD5)"), "{text}");
}

#[test]
fn a_log_is_read_once_across_rotation_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let log = d.join("app.log");
    std::fs::write(&log, "ERROR before the daemon started\n").unwrap();
    let rec = recorder(d);
    let text = format!(
        "{}check file applog with path {}\n  ignore content = \"ERROR ignored\"\n  if content = \"ERROR\" then exec \"{rec} content\"\n",
        header(d),
        log.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let append = |line: &str| {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        writeln!(f, "{line}").unwrap();
    };
    let matched = || events(d, "content").iter().map(|e| e.matches("ERROR").count()).sum::<usize>();
    {
        let mut daemon = Daemon::start(d, &config);
        assert!(
            wait_until(Duration::from_secs(10), || stdout(&daemon.cli(&["summary", "applog"])).contains(" OK ")),
            "{}",
            daemon.log()
        );
        append("info fine");
        append("ERROR one");
        append("ERROR ignored please");
        assert!(wait_until(Duration::from_secs(10), || matched() == 1), "{}", daemon.log());
        append("ERROR two");
        assert!(wait_until(Duration::from_secs(10), || matched() == 2), "{}", daemon.log());
        // Rotation: a new file is read from its start.
        std::fs::rename(&log, d.join("app.log.1")).unwrap();
        std::fs::write(&log, "ERROR three after rotation\n").unwrap();
        assert!(wait_until(Duration::from_secs(10), || matched() == 3), "{}", daemon.log());
        daemon.signal("TERM");
        assert!(daemon.wait_exit(Duration::from_secs(10)));
    }
    append("ERROR four while down");
    let daemon = Daemon::start(d, &config);
    // The line written while the daemon was down is read; the old ones are not again.
    assert!(wait_until(Duration::from_secs(10), || matched() == 4), "{}", daemon.log());
    assert!(daemon.wait_cycles("applog", 2, Duration::from_secs(10)), "{}", daemon.log());
    assert_eq!(matched(), 4, "no line re-alerted:\n{}", std::fs::read_to_string(d.join("events.log")).unwrap());
}

#[test]
fn fifos_and_directories() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fifo = d.join("pipe");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let sub = d.join("spool");
    std::fs::create_dir(&sub).unwrap();
    let rec = recorder(d);
    let text = format!(
        "{}check fifo pipe with path {}\n  if failed permission 0644 then exec \"{rec} fifo-perm\"\n\
         check directory spool with path {}\n  if changed timestamp then exec \"{rec} dir-changed\"\n\
         check fifo notafifo with path {}\n",
        header(d),
        fifo.display(),
        sub.display(),
        sub.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fifo, std::fs::Permissions::from_mode(0o600)).unwrap();
    let daemon = Daemon::start(d, &config);
    assert!(wait_until(Duration::from_secs(10), || events(d, "fifo-perm").len() == 1), "{}", daemon.log());
    assert!(daemon.wait_cycles("spool", 1, Duration::from_secs(10)), "{}", daemon.log());
    // A new entry, and the directory's mtime an hour on (a change whatever second it is now).
    std::fs::write(sub.join("new-entry"), "x").unwrap();
    set_mtime(&sub, std::time::SystemTime::now() + Duration::from_secs(3600));
    assert!(wait_until(Duration::from_secs(10), || events(d, "dir-changed").len() == 1), "{}", daemon.log());
    // A directory where a fifo should be: the invalid type event.
    assert!(
        wait_until(Duration::from_secs(10), || stdout(&daemon.cli(&["summary", "notafifo"])).contains("Invalid type")),
        "{}",
        daemon.log()
    );
}

#[test]
fn the_root_filesystem_is_measured_and_judged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rec = recorder(d);
    let text = format!(
        "{}check filesystem rootfs with path /\n  if space usage > 0.001% then exec \"{rec} space\"\n  if inode usage > 100% then alert\n",
        header(d)
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    assert!(wait_until(Duration::from_secs(10), || events(d, "space").len() == 1), "{}", daemon.log());
    let out = daemon.cli(&["status", "rootfs"]);
    let text = stdout(&out);
    for label in
        ["filesystem type", "filesystem flags", "space total", "space free total", "inodes total", "block size"]
    {
        assert!(text.contains(&format!("  {label:<28} ")), "no {label}:\n{text}");
    }
    assert!(stdout(&daemon.cli(&["summary", "rootfs"])).contains("Resource limit matched"));
}

#[test]
fn a_program_exits_0_then_3_then_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let counter = d.join("runs");
    let prog = write_script(
        d,
        "prog.sh",
        &format!(
            "n=$(cat {c} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {c}\n\
             case $n in 1) echo fine; exit 0;; 2) echo broken >&2; exit 3;; *) echo $$ > {h}; exec sleep 30;; esac",
            c = counter.display(),
            h = d.join("hung.pid").display()
        ),
    );
    // The run hanging when the test ends is killed with the test, by its pid.
    let _cleanup = crate::util::KillOnDrop(vec![d.join("hung.pid")]);
    let text = format!(
        "{}check program prog with path \"{}\" with timeout 2 seconds\n  if status != 0 then alert\n",
        header(d),
        prog.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    let status = || stdout(&daemon.cli(&["status", "prog"]));
    assert!(
        wait_until(Duration::from_secs(10), || status().contains("  last exit value              3\n")),
        "{}",
        daemon.log()
    );
    assert!(status().contains("broken"), "{}", status());
    assert!(stdout(&daemon.cli(&["summary", "prog"])).contains("Status failed"));
    // The third run hangs: killed at its 2 s timeout, exit value 9 (Monit's SIGKILL).
    assert!(
        wait_until(Duration::from_secs(15), || status().contains("  last exit value              9\n")),
        "{}",
        daemon.log()
    );
}

#[test]
fn a_big_checksum_does_not_delay_a_heartbeat() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let big = d.join("big.img");
    // A sparse terabyte: its checksum takes far longer than the test.
    std::fs::File::create(&big).unwrap().set_len(1 << 40).unwrap();
    let text = format!(
        "{}check file big with path {}\n  if changed checksum then alert\n{HEARTBEAT}",
        header(d),
        big.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    let reading = || has_open(daemon.child.id(), &big);
    assert!(wait_until(Duration::from_secs(15), reading), "the checksum began: {}", daemon.log());
    // Heartbeat cycles while the daemon still reads the file prove the sum delays no one.
    assert!(daemon.wait_cycles("heartbeat", 4, Duration::from_secs(30)), "{}", daemon.log());
    assert!(reading(), "the checksum was still being computed: {}", daemon.log());
}

#[test]
fn a_small_tmpfs_filled_past_a_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mnt = d.join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "rmonit-test", mnt.to_str().unwrap()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        crate::util::skip("mounting a tmpfs is not allowed here (needs root)");
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(mnt.clone());
    let rec = recorder(d);
    let text = format!(
        "{}check filesystem small with path {}\n  if space usage > 50% then exec \"{rec} full\" else if succeeded then exec \"{rec} ok\"\n",
        header(d),
        mnt.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    assert!(
        wait_until(Duration::from_secs(10), || stdout(&daemon.cli(&["summary", "small"])).contains(" OK ")),
        "{}",
        daemon.log()
    );
    std::fs::write(mnt.join("fill"), vec![7u8; 700 * 1024]).unwrap();
    assert!(wait_until(Duration::from_secs(10), || events(d, "full").len() == 1), "{}", daemon.log());
    std::fs::remove_file(mnt.join("fill")).unwrap();
    assert!(wait_until(Duration::from_secs(10), || events(d, "ok").len() == 1), "{}", daemon.log());
}

#[test]
fn system_figures_are_sane() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = write_monitrc(d, "monitrc", &header(d));
    let daemon = Daemon::start(d, &config);
    // The CPU figure needs two readings: wait for it.
    assert!(
        wait_until(Duration::from_secs(10), || stdout(&daemon.cli(&["status", "box"])).contains("%usr ")),
        "{}",
        daemon.log()
    );
    let text = stdout(&daemon.cli(&["status", "box"]));
    let value = |label: &str| {
        text.lines().find(|l| l.trim_start().starts_with(label)).map(|l| l[30..].trim().to_owned()).unwrap_or_default()
    };
    let memory: f64 =
        value("memory usage").split('[').nth(1).and_then(|p| p.trim_end_matches("%]").parse().ok()).unwrap();
    assert!(memory > 0.0 && memory <= 100.0, "{text}");
    let load: f64 = value("load average").trim_start_matches('[').split(']').next().unwrap().parse().unwrap();
    assert!((0.0..1000.0).contains(&load), "{text}");
    assert!(value("boot time").len() > 10, "{text}");
}

#[test]
fn network_interfaces_link_traffic_and_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let record = recorder(d);
    let text = format!(
        "{}check network loop with interface lo\n  if failed link then alert\n  \
         if download > 10 kB/s then exec \"{record} busy\"\n  \
         if total downloaded > 100 kB in last 1 hours then exec \"{record} total\"\n\
         check network byaddr with address 127.0.0.1\n  if saturation > 90% then alert\n\
         check network ghost with interface nosuch0\n",
        header(d)
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    // Traffic on the loopback: a local sink taking 64 kB writes.
    let sink = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = sink.local_addr().unwrap().port();
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let (mut stream, _) = sink.accept().unwrap();
        let mut buffer = vec![0u8; 65536];
        while matches!(stream.read(&mut buffer), Ok(n) if n > 0) {}
    });
    let mut writer = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let busy = wait_until(Duration::from_secs(15), || {
        use std::io::Write;
        let _ = writer.write_all(&[7u8; 65536]);
        !events(d, "busy").is_empty() && !events(d, "total").is_empty()
    });
    drop(writer);
    reader.join().unwrap();
    assert!(busy, "traffic seen: {:?} {}", std::fs::read_to_string(d.join("events.log")), daemon.log());
    assert!(events(d, "busy")[0].contains("download of"), "{:?}", events(d, "busy"));
    let summary = stdout(&daemon.cli(&["summary"]));
    assert!(summary.contains(" loop ") && summary.contains(" byaddr "), "{summary}");
    assert!(
        wait_until(Duration::from_secs(10), || stdout(&daemon.cli(&["summary", "ghost"])).contains("Link down")),
        "{}",
        stdout(&daemon.cli(&["summary"]))
    );
    let status = stdout(&daemon.cli(&["status", "loop"]));
    // Monit's lines: errors on the link line, rates without totals.
    assert!(status.contains("  link                         0 errors\n"), "{status}");
    assert!(status.contains("  download bytes               ") && status.contains("/s\n"), "{status}");
    assert!(!status.contains("total]"), "{status}");
}

/// A mounted filesystem named by its block device (`/dev/vda`), if this host has one.
fn device_backed_mount() -> Option<String> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    mounts
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        // A real device node, not a symlink such as /dev/root.
        .find(|source| {
            source.starts_with("/dev/")
                && std::fs::symlink_metadata(source).is_ok_and(|m| !m.file_type().is_symlink() && !m.is_dir())
        })
        .map(str::to_owned)
}

#[test]
fn a_filesystem_by_device_shows_the_device_and_a_file_its_content_match() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("app.log"), "all quiet\n").unwrap();
    let device = device_backed_mount();
    let mut text = format!(
        "{}check file applog with path {}/app.log\n  if content = \"ERROR\" then alert\n",
        header(d),
        d.display()
    );
    if let Some(device) = &device {
        text.push_str(&format!("check filesystem disk with path {device}\n"));
    }
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    let status = |name: &str| stdout(&daemon.cli(&["status", name]));
    assert!(
        wait_until(Duration::from_secs(10), || status("applog").contains("  content match                no\n")),
        "{}",
        status("applog")
    );
    let Some(device) = device else {
        crate::util::skip("the device half: no mount names a block device here");
        return;
    };
    // Permission and owner of the device node, as Monit shows them, not of the mount point.
    let meta = std::fs::metadata(&device).unwrap();
    let want = format!("  permission                   {:o}\n", meta.mode() & 0o7777);
    assert!(wait_until(Duration::from_secs(10), || status("disk").contains(&want)), "{want}{}", status("disk"));
}

#[test]
fn a_lasting_failure_is_logged_at_every_cycle_as_monit_does() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = format!("{}check file gone path {}/gone\n  if does not exist then alert\n", header(d), d.display());
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    let logged = || daemon.log().matches("'gone' file doesn't exist").count();
    assert!(wait_until(Duration::from_secs(10), || logged() >= 3), "{}", daemon.log());
}

/// The label `/proc/PID/attr/current` gives `pid`, as the test reads it: trailing NUL and
/// newline cut; `None` without an LSM (the read fails) or with an empty label.
fn lsm_label(pid: u32) -> Option<String> {
    let bytes = std::fs::read(format!("/proc/{pid}/attr/current")).ok()?;
    let text = String::from_utf8_lossy(&bytes).trim_end_matches(['\0', '\n']).to_owned();
    (!text.is_empty()).then_some(text)
}

#[test]
fn a_process_security_attribute_is_its_lsm_label() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sleeper = crate::util::Started::spawn("sleep", &["300"]);
    let pidfile = d.join("sleeper.pid");
    std::fs::write(&pidfile, format!("{}\n", sleeper.pid())).unwrap();
    let label = lsm_label(sleeper.pid());
    let rec = recorder(d);
    // `own` names the label the process has (in other case: Monit compares without case);
    // `other` names one it has not. Without an LSM the process has none, and Monit compares
    // the empty string: both rules fail there.
    let own = label.as_deref().map_or("unconfined".to_owned(), str::to_uppercase);
    let text = format!(
        "{}check process own with pidfile {p}\n  if failed security attribute \"{own}\" then exec \"{rec} own\"\n\
         check process other with pidfile {p}\n  if failed security attribute \"rmonit_t:no-such-label\" then exec \"{rec} other\"\n",
        header(d),
        p = pidfile.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let check = crate::util::run_rmonit(&["-t", "-c", config.to_str().unwrap()]);
    assert!(!crate::util::stderr(&check).contains("security attribute"), "{}", crate::util::stderr(&check));
    let daemon = Daemon::start(d, &config);
    let shown = label.clone().unwrap_or_else(|| "-".to_owned());
    let want = format!("  security attribute           {shown}\n");
    assert!(
        wait_until(Duration::from_secs(10), || stdout(&daemon.cli(&["status", "own"])).contains(&want)),
        "{want}{}",
        stdout(&daemon.cli(&["status", "own"]))
    );
    let current = label.clone().unwrap_or_default();
    assert!(wait_until(Duration::from_secs(10), || events(d, "other").len() == 1), "{}", daemon.log());
    assert!(events(d, "other")[0].contains(&format!("current attribute is '{current}'")), "{:?}", events(d, "other"));
    match label {
        Some(_) => {
            assert!(daemon.wait_cycles("own", 2, Duration::from_secs(10)), "{}", daemon.log());
            assert_eq!(events(d, "own"), Vec::<String>::new());
        }
        None => {
            // No LSM here: the empty label fails a rule naming "unconfined", as in Monit.
            assert!(wait_until(Duration::from_secs(10), || events(d, "own").len() == 1), "{}", daemon.log());
        }
    }
}

/// A TCP server on loopback that answers every connection with `reply` once it has read
/// something, then closes it; stopped when dropped.
struct Answering {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Answering {
    fn start(reply: Vec<u8>) -> Answering {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(&reply);
            }
        });
        Answering { port, stop, thread: Some(thread) }
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn set_limits_sizes_are_what_the_checks_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rec = recorder(d);
    // Each answer has the word looked for past the default size (and past what rmonit kept
    // before these limits were applied): 600 bytes for an expect (Monit reads 255), a 2 MB
    // HTTP body (1 MB), 5005 bytes of a program's output (512 B).
    let mut expect_reply = vec![b'x'; 597];
    expect_reply.extend_from_slice(b"END");
    let expect_server = Answering::start(expect_reply);
    let body = 2 << 20;
    let mut http_reply = format!("HTTP/1.1 200 OK\r\nContent-Length: {body}\r\nConnection: close\r\n\r\n").into_bytes();
    http_reply.extend(std::iter::repeat_n(b'x', body - 3));
    http_reply.extend_from_slice(b"END");
    let http_server = Answering::start(http_reply);
    let program = write_script(d, "long.sh", "printf START; head -c 5000 /dev/zero | tr '\\0' x");
    let text = format!(
        "{}set expectbuffer 1 kB\nset limits {{ httpContentBuffer: 4 MB, programOutput: 8 kB }}\n\
         check host local with address 127.0.0.1\n\
           if succeeded port {e} send \"hi\\r\\n\" expect \"END\" then exec \"{rec} expect\"\n\
           if succeeded port {h} protocol http request \"/\" content = \"END\" then exec \"{rec} http\"\n\
         check program long with path \"{program}\"\n  if content = \"START\" then exec \"{rec} program\"\n",
        header(d),
        e = expect_server.port,
        h = http_server.port,
        program = program.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let check = crate::util::run_rmonit(&["-t", "-c", config.to_str().unwrap()]);
    assert!(
        check.status.success() && !crate::util::stderr(&check).contains("warning"),
        "{}",
        crate::util::stderr(&check)
    );
    let daemon = Daemon::start(d, &config);
    for tag in ["expect", "http", "program"] {
        assert!(wait_until(Duration::from_secs(20), || !events(d, tag).is_empty()), "{tag}: {}", daemon.log());
    }
}
