//! Shared helpers for the integration tests: the built binary, temporary control files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `rmonit` binary cargo built for these tests.
pub fn rmonit_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rmonit"))
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `rmonit` with these arguments and returns its output.
pub fn run_rmonit(args: &[&str]) -> Output {
    Command::new(rmonit_bin()).args(args).env("LC_ALL", "C").output().expect("run rmonit")
}

/// What [`run_rmonit_bounded`] saw: at most its limit (and one byte) of each stream, and the
/// exit status if it ended within the timeout.
pub struct BoundedOutput {
    pub status: Option<std::process::ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl BoundedOutput {
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Runs `rmonit` and reads at most `limit + 1` bytes of its stdout and of its stderr (a
/// runaway writer then meets a closed pipe); kills it if it runs longer than `timeout`.
pub fn run_rmonit_bounded(args: &[&str], limit: u64, timeout: std::time::Duration) -> BoundedOutput {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(rmonit_bin())
        .args(args)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rmonit");
    fn reader(pipe: impl Read + Send + 'static, limit: u64) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.take(limit + 1).read_to_end(&mut bytes);
            bytes
        })
    }
    let stdout = reader(child.stdout.take().expect("piped"), limit);
    let stderr = reader(child.stderr.take().expect("piped"), limit);
    let ended = wait_until(timeout, || matches!(child.try_wait(), Ok(Some(_))));
    if !ended {
        let _ = child.kill();
    }
    let status = child.wait().ok().filter(|_| ended);
    BoundedOutput {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

/// Says that a test cannot run here, for `reason`, and lets it return: a skip message on a
/// developer's machine, a failure under `CI=true`, where `.ci/run` provides every tool,
/// privilege and kernel feature the tests need.
pub fn skip(reason: &str) {
    assert!(std::env::var("CI").as_deref() != Ok("true"), "cannot run under CI=true: {reason}");
    eprintln!("skipped: {reason}");
}

/// A self-signed certificate valid 30 days and its key (`cert.pem`, `key.pem` in `dir`) for
/// localhost and 127.0.0.1, made with the openssl CLI (Debian package openssl; `.ci/run`
/// installs it).
pub fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl (Debian package openssl)");
    assert!(made.status.success(), "openssl made no certificate: {}", String::from_utf8_lossy(&made.stderr));
    (cert, key)
}

/// The head of a test's control file: one-second cycles, and the daemon's pid file, state
/// file and control socket in the test's directory.
pub fn header(dir: &Path) -> String {
    header_with_cycle(dir, 1)
}

/// [`header`] with cycles of `seconds` (a cycle far longer than a test's deadline makes
/// sure that what the test waits for is not done at the next cycle).
pub fn header_with_cycle(dir: &Path, seconds: u32) -> String {
    format!(
        "set daemon {seconds}\nset pidfile {d}/rmonit.pid\nset statefile {d}/rmonit.state\nset httpd unixsocket {d}/rmonit.sock\n",
        d = dir.display()
    )
}

/// A `check program heartbeat` that runs `/bin/true` at every cycle: with
/// [`Daemon::wait_cycles`], the evidence that the daemon's cycles go on.
pub const HEARTBEAT: &str = "check program heartbeat with path \"/bin/true\"\n  if status != 0 then alert\n";

/// Writes a control file with mode 0600 into `dir` and returns its path.
pub fn write_monitrc(dir: &Path, name: &str, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write control file");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod control file");
    path
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
pub fn wait_until(timeout: std::time::Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if std::time::Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A daemon started by a test; killed (by PID, with its process group) when dropped.
pub struct Daemon {
    pub child: std::process::Child,
    pub dir: PathBuf,
    pub config: PathBuf,
}

impl Daemon {
    /// Starts `rmonit -c <config> -I` with its log on stderr captured to `dir/daemon.log`.
    pub fn start(dir: &Path, config: &Path) -> Daemon {
        let log = std::fs::File::create(dir.join("daemon.log")).expect("log file");
        let child = Command::new(rmonit_bin())
            .args(["-c", config.to_str().expect("utf-8 path"), "-I"])
            .env("HOME", dir)
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start the daemon");
        Daemon { child, dir: dir.to_path_buf(), config: config.to_path_buf() }
    }

    /// Runs the CLI against this daemon's control file.
    pub fn cli(&self, args: &[&str]) -> Output {
        let mut all = vec!["-c", self.config.to_str().expect("utf-8 path")];
        all.extend_from_slice(args);
        Command::new(rmonit_bin()).args(&all).env("HOME", &self.dir).output().expect("run the CLI")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("daemon.log")).unwrap_or_default()
    }

    /// When the daemon last collected data for `service` (µs since the epoch), from
    /// `/_status?format=xml` over the control socket `dir/rmonit.sock`; `None` if the daemon
    /// does not answer or has not checked the service yet.
    pub fn collected(&self, service: &str) -> Option<u64> {
        use std::io::{Read, Write};
        let mut stream = std::os::unix::net::UnixStream::connect(self.dir.join("rmonit.sock")).ok()?;
        stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).ok()?;
        stream.write_all(b"GET /_status?format=xml HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).ok()?;
        let answer = String::from_utf8_lossy(&answer);
        let after = answer.split_once(&format!("<name>{service}</name>"))?.1;
        let field = |tag: &str| -> Option<u64> {
            let value = after.split_once(&format!("<{tag}>"))?.1.split_once('<')?.0;
            value.parse().ok()
        };
        let (secs, micros) = (field("collected_sec")?, field("collected_usec")?);
        (secs > 0).then_some(secs * 1_000_000 + micros)
    }

    /// Waits until the daemon has checked `service` in `cycles` more cycles (its collected
    /// time changed that often) within `timeout`; returns whether it did.
    pub fn wait_cycles(&self, service: &str, cycles: usize, timeout: std::time::Duration) -> bool {
        let mut last = self.collected(service);
        let mut seen = 0;
        wait_until(timeout, || {
            let now = self.collected(service);
            if now.is_some() && now != last {
                seen += 1;
                last = now;
            }
            seen >= cycles
        })
    }

    /// Starts the CLI against this daemon's control file without waiting for it; stopped by
    /// its pid when dropped.
    pub fn spawn_cli(&self, args: &[&str]) -> Started {
        let child = Command::new(rmonit_bin())
            .arg("-c")
            .arg(&self.config)
            .args(args)
            .env("HOME", &self.dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run the CLI");
        Started(child)
    }

    /// Sends a signal to the daemon.
    pub fn signal(&self, signal: &str) {
        let _ = Command::new("kill").args([&format!("-{signal}"), &self.child.id().to_string()]).status();
    }

    /// Waits for the daemon to exit within `timeout`.
    pub fn wait_exit(&mut self, timeout: std::time::Duration) -> bool {
        wait_until(timeout, || matches!(self.child.try_wait(), Ok(Some(_))))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Programs the daemon started and that outlive it (a start script still in its
        // delay when the test ends) carry the test's HOME: killed by their pids.
        kill_programs_with_home(&self.dir);
    }
}

/// Kills, by pid, every process whose environment has `HOME=dir` (the programs a test's
/// daemon started: each test has its own temporary HOME).
pub fn kill_programs_with_home(dir: &Path) {
    let wanted = format!("HOME={}", dir.display());
    // Again until a look finds none: a script killed mid-way may have forked meanwhile.
    for _ in 0..5 {
        let Ok(entries) = std::fs::read_dir("/proc") else { return };
        let mut found = false;
        for entry in entries.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else { continue };
            if pid == std::process::id() as i32 {
                continue;
            }
            let Ok(environ) = std::fs::read(entry.path().join("environ")) else { continue };
            if environ.split(|&b| b == 0).any(|var| var == wanted.as_bytes()) && crate::util::pid_alive(pid) {
                found = true;
                let _ =
                    Command::new("kill").args(["-9", &pid.to_string()]).stderr(std::process::Stdio::null()).status();
            }
        }
        if !found {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Runs `job` on a thread and waits for its result up to `limit`: `None` if it did not end
/// by then (a hang; the thread is left behind). Panics if the job panicked.
pub fn within<T: Send + 'static>(limit: std::time::Duration, job: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (send, receive) = std::sync::mpsc::channel();
    let handle = std::thread::spawn(move || {
        let _ = send.send(job());
    });
    match receive.recv_timeout(limit) {
        Ok(value) => Some(value),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(handle.join().expect_err("no result, so it panicked"))
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => None,
    }
}

/// Sets a file's (or directory's) modification time, as a change in a new second would.
pub fn set_mtime(path: &Path, time: std::time::SystemTime) {
    std::fs::File::open(path).and_then(|f| f.set_modified(time)).expect("set the modification time");
}

/// Whether process `pid` has `path` open (a file it is reading).
pub fn has_open(pid: u32, path: &Path) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else { return false };
    fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == path))
}

/// Kills the processes whose pids are in these files (the services a test started).
pub fn kill_pidfiles(paths: &[PathBuf]) {
    for path in paths {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Ok(pid) = text.trim().parse::<i32>()
            && pid > 1
        {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).stderr(std::process::Stdio::null()).status();
        }
    }
}

/// The pid in a pidfile, if it names a live process.
pub fn live_pid(path: &Path) -> Option<i32> {
    let pid: i32 = std::fs::read_to_string(path).ok()?.trim().parse().ok()?;
    pid_alive(pid).then_some(pid)
}

/// Whether a process exists and is not a zombie.
pub fn pid_alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat.rsplit(')').next()?.split_whitespace().next().map(|state| state != "Z"))
        .unwrap_or(false)
}

/// Writes an executable script.
pub fn write_script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod script");
    path
}

/// Kills the processes named in these pidfiles when dropped, also when a test fails.
pub struct KillOnDrop(pub Vec<PathBuf>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        kill_pidfiles(&self.0);
    }
}

/// A process a test started itself (a server, a bystander), stopped by its pid and reaped
/// when dropped, also when the test fails: SIGTERM first, so a server takes its own
/// children down (PostgreSQL's backends), SIGKILL if it is still there after
/// [`STOP_GRACE`].
pub struct Started(pub std::process::Child);

/// How long a [`Started`] process has between SIGTERM and SIGKILL.
pub const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

impl Started {
    /// Starts `program` with `args`, stdin closed.
    pub fn spawn(program: &str, args: &[&str]) -> Started {
        let child = Command::new(program).args(args).stdin(std::process::Stdio::null()).spawn();
        Started(child.unwrap_or_else(|e| panic!("start {program}: {e}")))
    }

    pub fn pid(&self) -> u32 {
        self.0.id()
    }

    pub fn alive(&mut self) -> bool {
        matches!(self.0.try_wait(), Ok(None))
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        if self.alive() {
            let pid = nix::unistd::Pid::from_raw(self.0.id() as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
            if wait_until(STOP_GRACE, || !self.alive()) {
                return;
            }
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("bind 127.0.0.1:0").port()
}

/// The children of a process (from /proc, all its threads).
pub fn children_of(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return Vec::new() };
    tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|text| text.split_whitespace().filter_map(|c| c.parse::<u32>().ok()).collect::<Vec<_>>())
        .collect()
}

/// Raises this process's soft open-files limit to the hard one (tests that hold hundreds
/// of connections); returns the new soft limit.
pub fn raise_fd_limit() -> u64 {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let _ = setrlimit(Resource::Nofile, Rlimit { current: limit.maximum, ..limit });
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

/// A TCP connection to 127.0.0.1:`port` from `source` (any 127.x.y.z works on Linux's
/// loopback, so one test can be many clients).
pub fn connect_from(source: std::net::Ipv4Addr, port: u16) -> std::io::Result<std::net::TcpStream> {
    use rustix::net::{AddressFamily, SocketType, bind, connect, socket};
    let fd = socket(AddressFamily::INET, SocketType::STREAM, None)?;
    bind(&fd, &std::net::SocketAddrV4::new(source, 0))?;
    connect(&fd, &std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, port))?;
    Ok(std::net::TcpStream::from(fd))
}
