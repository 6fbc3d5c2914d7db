//! Starting a program in its own session, collecting its output, waiting for it under its
//! deadline, and killing its whole process group when the deadline passes.

use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rustix::process::{Gid, Resource, Rlimit, Uid};
use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};

use super::{Exit, Finished, KILL_GRACE, OutputTail, ProgramSpec};

/// How long, after a program exits, we wait for its output pipes to close (a daemon it
/// started may keep them open for ever).
const OUTPUT_SETTLE: Duration = Duration::from_millis(100);

/// The open-files limit programs run with, when the daemon changed its own.
static PROGRAM_OPEN_FILES: OnceLock<Rlimit> = OnceLock::new();

/// Programs started from now on get this open-files limit (the daemon's limit before it
/// raised its own); set once.
pub fn set_program_open_files(limit: Rlimit) {
    let _ = PROGRAM_OPEN_FILES.set(limit);
}

/// A started program.
#[derive(Debug)]
pub struct Running {
    child: Child,
    pid: i32,
    started: Instant,
    deadline: Instant,
    // A std Mutex: held only to append or copy bytes, never across an await.
    stdout: Arc<Mutex<OutputTail>>,
    stderr: Arc<Mutex<OutputTail>>,
    readers: Vec<tokio::task::JoinHandle<()>>,
}

/// Where a streamed program's output goes, chunk by chunk as it comes (stdout and stderr
/// merged).
pub type OutputSink = tokio::sync::mpsc::UnboundedSender<Vec<u8>>;

/// Starts a program. Errors are the reason it could not start.
pub async fn spawn(spec: &ProgramSpec) -> Result<Running, String> {
    spawn_off_thread(spec, None).await
}

/// Starts a program whose output also goes to `sink` as it comes (custom actions run from
/// the CLI); the tail is kept as with [`spawn`].
pub async fn spawn_streaming(spec: &ProgramSpec, sink: OutputSink) -> Result<Running, String> {
    spawn_off_thread(spec, Some(sink)).await
}

/// Starting a program waits until it has been executed, which a program or working
/// directory on a hung filesystem can make last for ever: that wait runs off the async
/// threads, bounded by the program's timeout.
async fn spawn_off_thread(spec: &ProgramSpec, sink: Option<OutputSink>) -> Result<Running, String> {
    let owned = spec.clone();
    let started = tokio::task::spawn_blocking(move || spawn_with(&owned, sink));
    match tokio::time::timeout(spec.timeout, started).await {
        Ok(Ok(result)) => result,
        Ok(Err(e)) => Err(format!("cannot start: {e}")),
        Err(_) => Err(format!(
            "{}: not started within {} s (on a hung filesystem?)",
            spec.argv.first().map_or("", String::as_str),
            spec.timeout.as_secs_f64()
        )),
    }
}

fn spawn_with(spec: &ProgramSpec, sink: Option<OutputSink>) -> Result<Running, String> {
    let Some(program) = spec.argv.first() else {
        return Err("empty command".to_owned());
    };
    // A path that is not a program gets its own words, not exec's "permission denied".
    if program.contains('/')
        && let Ok(meta) = std::fs::metadata(program)
        && !meta.is_file()
    {
        use std::os::unix::fs::MetadataExt;
        let kind = crate::files::type_name(rustix::fs::FileType::from_raw_mode(meta.mode()));
        return Err(format!("{program} is a {kind}, not a program"));
    }
    let mut command = Command::new(program);
    command.args(&spec.argv[1..]).env_clear().envs(spec.env.iter().map(|(k, v)| (k, v)));
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    command.kill_on_drop(false);
    if let Some(cwd) = &spec.cwd {
        command.current_dir(cwd);
    }
    // Everything the child needs is built here: after the fork it must not allocate.
    let ids = spec.credentials.as_ref().map(|c| {
        let groups: Vec<Gid> = c.groups.iter().map(|&g| Gid::from_raw(g)).collect();
        (groups, Gid::from_raw(c.gid), Uid::from_raw(c.uid))
    });
    let open_files = PROGRAM_OPEN_FILES.get().copied();
    // SAFETY: the closure runs in the forked child before exec and only makes
    // async-signal-safe system calls (setsid, setrlimit, setgroups, setgid, setuid) through
    // rustix's raw syscalls, on data prepared before the fork; it allocates nothing.
    unsafe {
        command.pre_exec(move || {
            rustix::process::setsid()?;
            if let Some(limit) = open_files {
                rustix::process::setrlimit(Resource::Nofile, limit)?;
            }
            if let Some((groups, gid, uid)) = &ids {
                // Groups and group first: after setuid nothing else is allowed.
                rustix::thread::set_thread_groups(groups)?;
                rustix::thread::set_thread_gid(*gid)?;
                rustix::thread::set_thread_uid(*uid)?;
            }
            Ok(())
        });
    }
    let mut child = command.spawn().map_err(|e| spawn_error(program, &e))?;
    let pid = child.id().map_or(0, |p| p as i32);
    super::children::register(pid);
    let stdout = Arc::new(Mutex::new(OutputTail::new(spec.output_kept)));
    let stderr = Arc::new(Mutex::new(OutputTail::new(spec.output_kept)));
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        readers.push(tokio::spawn(drain(out, stdout.clone(), sink.clone())));
    }
    if let Some(err) = child.stderr.take() {
        readers.push(tokio::spawn(drain(err, stderr.clone(), sink)));
    }
    let started = Instant::now();
    Ok(Running { child, pid, started, deadline: started + spec.timeout, stdout, stderr, readers })
}

fn spawn_error(program: &str, error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => format!("{program}: no such file or directory"),
        std::io::ErrorKind::PermissionDenied => format!("{program}: permission denied"),
        _ => format!("{program}: {error}"),
    }
}

async fn drain(mut stream: impl tokio::io::AsyncRead + Unpin, tail: Arc<Mutex<OutputTail>>, sink: Option<OutputSink>) {
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if let Ok(mut t) = tail.lock() {
                    t.push(&buf[..n]);
                }
                if let Some(sink) = &sink {
                    // A reader that went away stops the stream, not the program.
                    let _ = sink.send(buf[..n].to_vec());
                }
            }
        }
    }
}

impl Running {
    pub fn pid(&self) -> i32 {
        self.pid
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Moves the deadline (a program that asked for more time, `EXTEND_TIMEOUT_USEC`).
    pub fn extend_deadline(&mut self, deadline: Instant) {
        self.deadline = self.deadline.max(deadline);
    }

    /// Waits until the program exits or its deadline passes (then its process group is
    /// killed). Cancel-safe: dropping the future leaves the program running.
    pub async fn exited(&mut self) -> Exit {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        let waited = tokio::time::timeout(remaining, self.child.wait()).await;
        if matches!(waited, Ok(Ok(_))) {
            super::children::forget(self.pid);
        }
        match waited {
            Ok(Ok(status)) => match (status.code(), status.signal()) {
                (Some(code), _) => Exit::Code(code),
                (None, Some(signal)) => Exit::Signal(signal),
                (None, None) => Exit::Code(-1),
            },
            Ok(Err(e)) => Exit::SpawnFailed(e.to_string()),
            Err(_) => {
                self.kill_group().await;
                Exit::TimedOut
            }
        }
    }

    /// SIGTERM to the program's process group, SIGKILL after a short grace.
    pub async fn kill_group(&mut self) {
        signal_group(self.pid, rustix::process::Signal::TERM);
        let mut waited = tokio::time::timeout(KILL_GRACE, self.child.wait()).await;
        if waited.is_err() {
            signal_group(self.pid, rustix::process::Signal::KILL);
            waited = tokio::time::timeout(KILL_GRACE, self.child.wait()).await;
        }
        if matches!(waited, Ok(Ok(_))) {
            super::children::forget(self.pid);
        }
    }

    /// The output so far: stderr first, then stdout, one after the other as Monit shows
    /// them (a line break between them only if stderr lacks its last one).
    pub fn output(&self) -> String {
        let mut err = self.stderr.lock().map(|t| t.text()).unwrap_or_default();
        let out = self.stdout.lock().map(|t| t.text()).unwrap_or_default();
        if !err.is_empty() && !out.is_empty() && !err.ends_with('\n') {
            err.push('\n');
        }
        err + &out
    }

    /// Waits for the end (or the deadline) and collects the output.
    pub async fn wait(mut self) -> Finished {
        let exit = self.exited().await;
        self.finish(exit).await
    }

    /// The result of a program that has exited: lets its output pipes settle briefly
    /// (readers keep draining in the background if a grandchild holds them open).
    pub async fn finish(mut self, exit: Exit) -> Finished {
        let settle = tokio::time::sleep(OUTPUT_SETTLE);
        tokio::pin!(settle);
        for reader in &mut self.readers {
            tokio::select! {
                _ = reader => {}
                _ = &mut settle => break,
            }
        }
        Finished { exit, output: self.output(), duration: self.started.elapsed() }
    }
}

/// Sends a signal to a process group, ignoring a group that is already gone.
pub fn signal_group(pid: i32, signal: rustix::process::Signal) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid) {
        let _ = rustix::process::kill_process_group(pid, signal);
    }
}
