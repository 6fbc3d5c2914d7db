//! Logging in Monit's line format — `[2026-11-23T19:36:49+0000] info     : 'web' message` —
//! to `set log <file>`, syslog, or stderr under `-I`. Control characters in a line are
//! escaped ([`crate::escape`]), so every event is exactly one line. A reload that changes
//! `set log` moves the log to its new target ([`retarget`]). On stderr under systemd (its
//! `JOURNAL_STREAM` names our stderr) each line starts with its syslog priority (`<3>` for
//! an error, as `sd-daemon(3)` prefixes), so journald files it at the right level, and goes
//! without the timestamp journald adds itself.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicI16, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::SystemTime;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Formats events as Monit does; the `service` field becomes the `'name'` prefix. When the
/// log goes to syslog, lines are syslog datagrams (`<PRI>rmonit[PID]: ...`) instead.
pub struct MonitFormat;

/// The syslog facility of the current target, or -1 when the log does not go to syslog.
static SYSLOG_FACILITY: AtomicI16 = AtomicI16::new(-1);

/// Whether the log is stderr and stderr is journald's stream.
static JOURNAL: AtomicBool = AtomicBool::new(false);

/// Where the lines go now; [`retarget`] replaces it.
static SINK: OnceLock<Mutex<Sink>> = OnceLock::new();

#[derive(Default)]
struct Fields {
    service: Option<String>,
    message: String,
    extra: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "service" => self.service = Some(value.to_owned()),
            "message" => self.message = value.to_owned(),
            name => {
                let _ = write!(self.extra, " {name}={value}");
            }
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "service" => self.service = Some(format!("{value:?}").trim_matches('"').to_owned()),
            "message" => self.message = format!("{value:?}"),
            name => {
                let _ = write!(self.extra, " {name}={value:?}");
            }
        }
    }
}

impl<S, N> FormatEvent<S, N> for MonitFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, _ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> std::fmt::Result {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let level = match *event.metadata().level() {
            Level::ERROR => "error",
            Level::WARN => "warning",
            Level::INFO => "info",
            Level::DEBUG | Level::TRACE => "debug",
        };
        let severity = match *event.metadata().level() {
            Level::ERROR => 3,
            Level::WARN => 4,
            Level::INFO => 6,
            Level::DEBUG | Level::TRACE => 7,
        };
        match u8::try_from(SYSLOG_FACILITY.load(Ordering::Relaxed)).ok() {
            Some(facility) => {
                write!(writer, "<{}>rmonit[{}]: ", u16::from(facility) * 8 + severity, std::process::id())?;
            }
            None if JOURNAL.load(Ordering::Relaxed) => write!(writer, "<{severity}>")?,
            None => write!(writer, "[{}] {level:<8} : ", timestamp(SystemTime::now()))?,
        }
        // One event, one line: nothing a message carries (a client's user name, a program's
        // output) can start a line of its own.
        use crate::escape::control_chars;
        if let Some(service) = fields.service {
            write!(writer, "'{}' ", control_chars(&service))?;
        }
        writeln!(writer, "{}{}", control_chars(&fields.message), control_chars(&fields.extra))
    }
}

/// `2026-11-23T19:36:49+0000`, local time with its offset.
pub fn timestamp(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(time).format("%Y-%m-%dT%H:%M:%S%z").to_string()
}

/// Where the log goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Stderr,
    File(std::path::PathBuf),
    /// The local syslog daemon (`/dev/log`), with a facility such as `log_local0`.
    Syslog(Option<String>),
    Discard,
}

impl Target {
    /// Where the lines go, for a log line: a path, `syslog`, `stderr` or `nowhere`.
    pub fn describe(&self) -> String {
        match self {
            Target::Stderr => "stderr".to_owned(),
            Target::File(path) => path.display().to_string(),
            Target::Syslog(_) => "syslog".to_owned(),
            Target::Discard => "nowhere".to_owned(),
        }
    }
}

/// The syslog facility number of a name (`log_local0` = 16, `log_daemon` = 3; default
/// `log_user` = 1, as Monit).
pub fn facility(name: Option<&str>) -> u8 {
    match name.map(str::to_ascii_lowercase).as_deref() {
        Some(n) if n.starts_with("log_local") => n[9..].parse::<u8>().map_or(1, |i| 16 + i.min(7)),
        Some("log_daemon") => 3,
        _ => 1,
    }
}

/// Sends each formatted event as one datagram to /dev/log.
struct SyslogWriter {
    socket: std::os::unix::net::UnixDatagram,
}

impl std::io::Write for SyslogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let line = buf.strip_suffix(b"\n").unwrap_or(buf);
        // A full or absent syslog must never stop the daemon: drop the line.
        let _ = self.socket.send(line);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The `set log` file: its directory is created when missing, and it is opened again when
/// logrotate has moved it away (one stat per line), so no reload is needed after
/// a rotation.
struct LogFile {
    path: std::path::PathBuf,
    file: std::fs::File,
    inode: u64,
}

impl LogFile {
    fn open(path: std::path::PathBuf) -> Result<LogFile, String> {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o750)
                .create(dir)
                .map_err(|e| format!("cannot create the log directory {}: {e}", dir.display()))?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o640)
            .open(&path)
            .map_err(|e| format!("cannot open the log file {}: {e}", path.display()))?;
        let inode = file.metadata().map(|m| m.ino()).unwrap_or(0);
        Ok(LogFile { path, file, inode })
    }

    /// Reopens the file when the path no longer names the open inode.
    fn follow_rotation(&mut self) {
        use std::os::unix::fs::MetadataExt;
        let current = std::fs::metadata(&self.path).map(|m| m.ino()).ok();
        if current != Some(self.inode)
            && let Ok(reopened) = LogFile::open(self.path.clone())
        {
            *self = reopened;
        }
    }
}

impl std::io::Write for LogFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.follow_rotation();
        self.file.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// An open log target.
enum Sink {
    File(LogFile),
    Syslog(SyslogWriter),
    Stderr,
    Discard,
}

impl Sink {
    /// Opens `target`, with its syslog facility (or none).
    fn open(target: &Target) -> Result<(Sink, Option<u8>), String> {
        Ok(match target {
            Target::Syslog(name) => {
                let socket =
                    std::os::unix::net::UnixDatagram::unbound().and_then(|s| s.connect("/dev/log").map(|()| s));
                match socket {
                    Ok(socket) => (Sink::Syslog(SyslogWriter { socket }), Some(facility(name.as_deref()))),
                    Err(e) => {
                        // No syslog daemon (a container): log to stderr rather than nowhere.
                        eprintln!("cannot reach syslog at /dev/log ({e}); logging to stderr");
                        (Sink::Stderr, None)
                    }
                }
            }
            Target::Stderr => (Sink::Stderr, None),
            Target::Discard => (Sink::Discard, None),
            Target::File(path) => (Sink::File(LogFile::open(path.clone())?), None),
        })
    }
}

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::File(file) => file.write(buf),
            Sink::Syslog(syslog) => syslog.write(buf),
            Sink::Stderr => std::io::stderr().write(buf),
            Sink::Discard => Ok(buf.len()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::File(file) => file.flush(),
            Sink::Stderr => std::io::stderr().flush(),
            Sink::Syslog(_) | Sink::Discard => Ok(()),
        }
    }
}

/// The subscriber's writer: the current [`SINK`], one line at a time.
struct CurrentSink;

/// The sink, held for one line.
struct SinkLine(MutexGuard<'static, Sink>);

impl std::io::Write for SinkLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for CurrentSink {
    type Writer = Box<dyn std::io::Write + 'a>;

    fn make_writer(&'a self) -> Self::Writer {
        match SINK.get() {
            Some(sink) => Box::new(SinkLine(sink.lock().unwrap_or_else(|p| p.into_inner()))),
            None => Box::new(std::io::sink()),
        }
    }
}

/// Installs the global subscriber; `verbose` adds debug lines.
pub fn init(target: Target, verbose: bool) -> Result<(), String> {
    let level = if verbose { tracing::Level::DEBUG } else { tracing::Level::INFO };
    let (sink, facility) = Sink::open(&target)?;
    SYSLOG_FACILITY.store(facility.map_or(-1, i16::from), Ordering::Relaxed);
    JOURNAL.store(target == Target::Stderr && stderr_is_the_journal(), Ordering::Relaxed);
    if SINK.set(Mutex::new(sink)).is_err() {
        return Err("the log is already set up".to_owned());
    }
    tracing_subscriber::fmt()
        .event_format(MonitFormat)
        .with_max_level(level)
        .with_writer(CurrentSink)
        .try_init()
        .map_err(|e| e.to_string())
}

/// Moves the log to `target` (a reload that changed `set log`). When the new target
/// cannot be opened, the log stays where it is and the reason is returned.
pub fn retarget(target: &Target) -> Result<(), String> {
    let (sink, facility) = Sink::open(target)?;
    let Some(current) = SINK.get() else { return Err("the log is not set up".to_owned()) };
    let mut current = current.lock().unwrap_or_else(|p| p.into_inner());
    *current = sink;
    SYSLOG_FACILITY.store(facility.map_or(-1, i16::from), Ordering::Relaxed);
    JOURNAL.store(*target == Target::Stderr && stderr_is_the_journal(), Ordering::Relaxed);
    Ok(())
}

/// Whether `JOURNAL_STREAM` (`device:inode`, set by systemd) names the stderr we have.
pub fn stderr_is_the_journal() -> bool {
    use std::os::unix::fs::MetadataExt;
    let Some(stream) = std::env::var("JOURNAL_STREAM").ok() else { return false };
    let Ok(stderr) = std::fs::metadata("/proc/self/fd/2") else { return false };
    stream_matches(&stream, stderr.dev(), stderr.ino())
}

fn stream_matches(stream: &str, dev: u64, ino: u64) -> bool {
    stream.split_once(':').is_some_and(|(d, i)| d.parse() == Ok(dev) && i.parse() == Ok(ino))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_stream_names_a_device_and_an_inode() {
        assert!(stream_matches("64768:1234", 64768, 1234));
        assert!(!stream_matches("64768:1235", 64768, 1234));
        assert!(!stream_matches("garbage", 1, 2));
    }

    #[test]
    fn facilities() {
        assert_eq!(facility(Some("LOG_LOCAL0")), 16);
        assert_eq!(facility(Some("log_local7")), 23);
        assert_eq!(facility(Some("log_daemon")), 3);
        assert_eq!(facility(None), 1);
    }

    #[test]
    fn timestamps_are_iso_with_offset() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_795_462_609);
        let text = timestamp(t);
        assert_eq!(text.len(), "2026-11-23T19:36:49+0000".len(), "{text}");
        assert!(text.starts_with("2026-11-2"), "{text}");
    }
}
