//! Logging in Monit's line format — `[2026-11-23T19:36:49+0000] info     : 'web' message` —
//! to `set log <file>`, syslog, or stderr under `-I`.

use std::fmt::Write as _;
use std::time::SystemTime;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use crate::engine::programs::civil_from_days;

/// Formats events as Monit does; the `service` field becomes the `'name'` prefix.
pub struct MonitFormat;

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
        write!(writer, "[{}] {level:<8} : ", timestamp(SystemTime::now()))?;
        if let Some(service) = fields.service {
            write!(writer, "'{service}' ")?;
        }
        writeln!(writer, "{}{}", fields.message, fields.extra)
    }
}

/// `2026-11-23T19:36:49+0000` (UTC).
pub fn timestamp(time: SystemTime) -> String {
    let secs = time.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+0000", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Where the log goes.
pub enum Target {
    Stderr,
    File(std::path::PathBuf),
    Discard,
}

/// Installs the global subscriber; `verbose` adds debug lines.
pub fn init(target: Target, verbose: bool) -> Result<(), String> {
    let level = if verbose { tracing::Level::DEBUG } else { tracing::Level::INFO };
    let builder = tracing_subscriber::fmt().event_format(MonitFormat).with_max_level(level);
    let result = match target {
        Target::Stderr => builder.with_writer(std::io::stderr).try_init(),
        Target::Discard => builder.with_writer(std::io::sink).try_init(),
        Target::File(path) => {
            use std::os::unix::fs::OpenOptionsExt;
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o640)
                .open(&path)
                .map_err(|e| format!("cannot open the log file {}: {e}", path.display()))?;
            builder.with_writer(std::sync::Mutex::new(file)).try_init()
        }
    };
    result.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_iso_utc() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_795_462_609);
        assert_eq!(timestamp(t), "2026-11-23T19:36:49+0000");
    }
}
