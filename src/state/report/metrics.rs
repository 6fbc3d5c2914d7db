//! `/metrics`: the status as Prometheus reads it, in the text exposition format 0.0.4 or,
//! when the scraper asks for it, OpenMetrics 1.0. Names, units and labels follow
//! Prometheus's conventions: base units (`_seconds`, `_bytes`, `_ratio` for 0..1), `_total`
//! on counters, and labels whose values come only from the control file (`service`, `type`,
//! `group`, `event`, `test`), never from what a check read, so the number of series is
//! bounded by the configuration. A figure a service has not collected yet is left out
//! rather than written as 0.

use std::fmt::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use super::super::alerts::AlertQueueStatus;
use super::super::board::{ActivityFigures, Snapshot};
use super::super::network::ConnectionKind;
use super::super::status::{IoFigures, Monitoring, ServiceData, ServiceStatus};
use crate::config::Config;

/// Which exposition format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsFormat {
    /// `text/plain; version=0.0.4`.
    Prometheus,
    /// `application/openmetrics-text; version=1.0.0`.
    OpenMetrics,
}

impl MetricsFormat {
    /// OpenMetrics when the `Accept` header names it, as Prometheus's scraper does.
    pub fn negotiate(accept: Option<&str>) -> MetricsFormat {
        match accept {
            Some(accept) if accept.contains("application/openmetrics-text") => MetricsFormat::OpenMetrics,
            _ => MetricsFormat::Prometheus,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            MetricsFormat::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            MetricsFormat::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// What the metrics are made of besides the board.
pub struct MetricsContext<'a> {
    pub config: &'a Config,
    pub alerts: &'a AlertQueueStatus,
    pub activity: ActivityFigures,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gauge,
    Counter,
}

/// One metric family and its samples.
struct Family {
    name: &'static str,
    help: &'static str,
    kind: Kind,
    samples: Vec<(Vec<(&'static str, String)>, f64)>,
}

/// The families, in the order they are declared and written.
#[derive(Default)]
struct Families(Vec<Family>);

impl Families {
    fn add(
        &mut self,
        kind: Kind,
        name: &'static str,
        help: &'static str,
        labels: Vec<(&'static str, String)>,
        value: f64,
    ) {
        match self.0.iter_mut().find(|f| f.name == name) {
            Some(family) => family.samples.push((labels, value)),
            None => self.0.push(Family { name, help, kind, samples: vec![(labels, value)] }),
        }
    }

    fn gauge(&mut self, name: &'static str, help: &'static str, labels: Vec<(&'static str, String)>, value: f64) {
        self.add(Kind::Gauge, name, help, labels, value);
    }

    fn counter(&mut self, name: &'static str, help: &'static str, labels: Vec<(&'static str, String)>, value: f64) {
        self.add(Kind::Counter, name, help, labels, value);
    }

    fn render(&self, format: MetricsFormat) -> String {
        let mut out = String::new();
        for family in &self.0 {
            // OpenMetrics names a counter family without its `_total`; the samples keep it.
            let family_name = match (format, family.kind) {
                (MetricsFormat::OpenMetrics, Kind::Counter) => family.name.trim_end_matches("_total"),
                _ => family.name,
            };
            let kind = if family.kind == Kind::Counter { "counter" } else { "gauge" };
            let _ = writeln!(out, "# HELP {family_name} {}", family.help);
            let _ = writeln!(out, "# TYPE {family_name} {kind}");
            for (labels, value) in &family.samples {
                out.push_str(family.name);
                if !labels.is_empty() {
                    out.push('{');
                    for (i, (key, text)) in labels.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        let _ = write!(out, "{key}=\"{}\"", escape_label(text));
                    }
                    out.push('}');
                }
                let _ = writeln!(out, " {}", number(*value));
            }
        }
        if format == MetricsFormat::OpenMetrics {
            out.push_str("# EOF\n");
        }
        out
    }
}

/// A label value with `\`, `"` and newlines escaped, as both formats want.
fn escape_label(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// A sample value: integers without a fraction, the special values by their names.
fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

fn seconds_since_epoch(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

/// The whole exposition.
pub fn metrics(snapshot: &Snapshot, context: &MetricsContext, format: MetricsFormat) -> String {
    let mut f = Families::default();
    daemon_families(&mut f, snapshot, context.alerts);
    activity_families(&mut f, context.activity);
    for service in &snapshot.services {
        service_families(&mut f, service, context.config);
    }
    f.render(format)
}

fn daemon_families(f: &mut Families, snapshot: &Snapshot, alerts: &AlertQueueStatus) {
    let versions = vec![("version", crate::VERSION.to_owned()), ("monit_version", crate::MONIT_VERSION.to_owned())];
    f.gauge("rmonit_build_info", "rmonit's version and the Monit version it is compatible with.", versions, 1.0);
    f.gauge(
        "rmonit_start_time_seconds",
        "When the daemon started, in seconds since the epoch (a reload keeps it).",
        Vec::new(),
        seconds_since_epoch(snapshot.started),
    );
    f.gauge(
        "rmonit_poll_interval_seconds",
        "The cycle of `set daemon`.",
        Vec::new(),
        snapshot.poll_interval_ms as f64 / 1000.0,
    );
    f.gauge("rmonit_services", "Services in the configuration.", Vec::new(), snapshot.services.len() as f64);
    f.gauge(
        "rmonit_alerts_queued",
        "Alerts waiting in the durable queue for their server.",
        Vec::new(),
        alerts.queued as f64,
    );
    f.gauge(
        "rmonit_alerts_queued_in_memory",
        "Of the queued alerts, those held in memory because the queue directory refuses writes.",
        Vec::new(),
        alerts.in_memory as f64,
    );
    f.counter(
        "rmonit_alerts_delivered_total",
        "Alerts their server accepted since the daemon started.",
        Vec::new(),
        alerts.delivered as f64,
    );
    f.counter(
        "rmonit_alerts_dropped_total",
        "Alerts dropped since the daemon started because the queue was full.",
        Vec::new(),
        alerts.dropped as f64,
    );
    f.counter(
        "rmonit_alert_delivery_errors_total",
        "Failed delivery attempts since the daemon started (each is retried or, when refused, dropped).",
        Vec::new(),
        alerts.delivery_errors as f64,
    );
}

fn activity_families(f: &mut Families, activity: ActivityFigures) {
    f.gauge("rmonit_checks_in_flight", "Service checks running now.", Vec::new(), activity.in_flight as f64);
    f.counter(
        "rmonit_checks_total",
        "Service checks done since the engine started (a reload starts a new engine).",
        Vec::new(),
        activity.checks as f64,
    );
    f.counter(
        "rmonit_check_overruns_total",
        "Service checks that took longer than their cycle, since the engine started.",
        Vec::new(),
        activity.overruns as f64,
    );
}

/// `service` and `type` (lower case, `remote_host` for Monit's `Remote Host`).
fn identity(service: &ServiceStatus) -> Vec<(&'static str, String)> {
    vec![("service", service.name.clone()), ("type", service.type_name.to_ascii_lowercase().replace(' ', "_"))]
}

fn with(
    mut labels: Vec<(&'static str, String)>,
    key: &'static str,
    value: impl Into<String>,
) -> Vec<(&'static str, String)> {
    labels.push((key, value.into()));
    labels
}

fn service_families(f: &mut Families, s: &ServiceStatus, config: &Config) {
    let id = identity(s);
    let configured = config.services.iter().find(|c| c.name == s.name);
    f.gauge(
        "rmonit_service_info",
        "One per service, with its monitoring mode and onreboot choice.",
        with(
            with(id.clone(), "mode", super::status::mode_name(s.mode)),
            "onreboot",
            super::status::onreboot_name(s.onreboot),
        ),
        1.0,
    );
    for group in configured.map(|c| c.groups.as_slice()).unwrap_or_default() {
        f.gauge(
            "rmonit_service_group_info",
            "One per service and group it belongs to.",
            with(id.clone(), "group", group.clone()),
            1.0,
        );
    }
    let monitored = s.monitoring != Monitoring::NotMonitored;
    f.gauge(
        "rmonit_service_monitored",
        "1 when the service is monitored (or initializing), 0 when not.",
        id.clone(),
        f64::from(u8::from(monitored)),
    );
    for (state, on) in [
        ("monitored", s.monitoring == Monitoring::Monitored),
        ("initializing", s.monitoring == Monitoring::Initializing),
        ("not_monitored", s.monitoring == Monitoring::NotMonitored),
    ] {
        f.gauge(
            "rmonit_service_monitoring_state",
            "The monitoring state, one series per state (1 for the current one).",
            with(id.clone(), "state", state),
            f64::from(u8::from(on)),
        );
    }
    if s.monitoring == Monitoring::Monitored {
        f.gauge(
            "rmonit_service_up",
            "1 when the monitored service has no failed event (Monit's OK), 0 when one failed.",
            id.clone(),
            f64::from(u8::from(s.failed.is_empty())),
        );
    }
    let mut events: Vec<crate::config::model::EventKind> =
        configured.map(|c| c.rules.iter().map(|r| r.test.event()).collect()).unwrap_or_default();
    events.extend(s.failed.keys().copied());
    events.sort();
    events.dedup();
    for event in events {
        f.gauge(
            "rmonit_service_event_failed",
            "1 while the service's event of this kind is failed, 0 otherwise.",
            with(id.clone(), "event", event.keyword()),
            f64::from(u8::from(s.failed.contains_key(&event))),
        );
    }
    f.gauge(
        "rmonit_service_restarts",
        "Restarts that count against the service's restart limits.",
        id.clone(),
        f64::from(s.restarts),
    );
    if let Some(at) = s.collected_at {
        f.gauge(
            "rmonit_service_last_check_timestamp_seconds",
            "When the service was last checked, in seconds since the epoch.",
            id.clone(),
            seconds_since_epoch(at),
        );
    }
    if let Some(millis) = s.check_millis.get("cycle") {
        f.gauge(
            "rmonit_service_check_duration_seconds",
            "How long the service's last check took.",
            id.clone(),
            *millis as f64 / 1000.0,
        );
    }
    if let Some(action) = &s.last_action {
        f.gauge(
            "rmonit_service_last_action_success",
            "1 when the service's last action succeeded, 0 when it failed.",
            with(id.clone(), "action", action.action.clone()),
            f64::from(u8::from(action.success)),
        );
    }
    connection_families(f, s, &id);
    data_families(f, s, &id);
}

/// Per connection test: available, and the response time of the last passed test. `test`
/// names the test as the control file does (`port 127.0.0.1:80/index`, `unix /run/x.sock`,
/// `ping host`).
fn connection_families(f: &mut Families, s: &ServiceStatus, id: &[(&'static str, String)]) {
    for c in &s.connections {
        let test = match c.kind {
            ConnectionKind::Port => format!("port {}:{}{}", c.target, c.port, c.request),
            ConnectionKind::Unix => format!("unix {}", c.target),
            ConnectionKind::Ping => format!("ping {}", c.target),
        };
        let labels = with(with(id.to_vec(), "test", test), "protocol", c.protocol.to_ascii_lowercase());
        if let Some(available) = c.available {
            f.gauge(
                "rmonit_connection_up",
                "1 when the connection test passed in the last cycle, 0 when it failed.",
                labels.clone(),
                f64::from(u8::from(available)),
            );
        }
        if let Some(seconds) = c.response_time {
            f.gauge(
                "rmonit_connection_response_time_seconds",
                "The response time of the connection test's last pass.",
                labels,
                seconds,
            );
        }
    }
}

fn io_families(f: &mut Families, prefix: Prefix, read: &IoFigures, write: &IoFigures, id: &[(&'static str, String)]) {
    for (direction, figures) in [("read", read), ("write", write)] {
        let labels = with(id.to_vec(), "direction", direction);
        if let Some(bytes) = figures.bytes {
            f.counter(prefix.bytes, "Bytes read or written, by direction.", labels.clone(), bytes.total as f64);
        }
        if let Some(ops) = figures.operations {
            f.counter(prefix.operations, "Read or write operations, by direction.", labels.clone(), ops.total as f64);
        }
        if let (Some(disk), Some(name)) = (figures.disk_bytes, prefix.disk_bytes) {
            f.counter(name, "Bytes read from or written to disk, by direction.", labels, disk.total as f64);
        }
    }
}

/// The names of one kind of service's I/O families.
#[derive(Clone, Copy)]
struct Prefix {
    bytes: &'static str,
    operations: &'static str,
    disk_bytes: Option<&'static str>,
}

fn data_families(f: &mut Families, s: &ServiceStatus, id: &[(&'static str, String)]) {
    let id = id.to_vec();
    match &s.data {
        ServiceData::Process(p) => {
            f.gauge("rmonit_process_pid", "The process's pid.", id.clone(), f64::from(p.pid));
            f.gauge("rmonit_process_uptime_seconds", "How long the process has run.", id.clone(), p.uptime_secs as f64);
            f.gauge("rmonit_process_threads", "The process's threads.", id.clone(), f64::from(p.threads));
            f.gauge("rmonit_process_children", "The process's child processes.", id.clone(), f64::from(p.children));
            if let Some(cpu) = p.cpu_percent {
                f.gauge(
                    "rmonit_process_cpu_ratio",
                    "The process's CPU use over the last cycle, of all CPUs (0..1).",
                    id.clone(),
                    cpu / 100.0,
                );
            }
            if let Some(cpu) = p.cpu_total_percent {
                f.gauge(
                    "rmonit_process_cpu_total_ratio",
                    "CPU use of the process and its children (0..1).",
                    id.clone(),
                    cpu / 100.0,
                );
            }
            f.gauge("rmonit_process_memory_bytes", "The process's resident memory.", id.clone(), p.memory_bytes as f64);
            f.gauge(
                "rmonit_process_memory_total_bytes",
                "Resident memory of the process and its children.",
                id.clone(),
                p.memory_total_bytes as f64,
            );
            if let Some(fds) = p.filedescriptors {
                f.gauge("rmonit_process_open_fds", "The process's open file descriptors.", id.clone(), fds as f64);
            }
            if let Some((soft, _)) = p.filedescriptors_limit {
                f.gauge(
                    "rmonit_process_max_fds",
                    "The process's soft limit of open file descriptors.",
                    id.clone(),
                    soft as f64,
                );
            }
            let prefix = Prefix {
                bytes: "rmonit_process_io_bytes_total",
                operations: "rmonit_process_io_operations_total",
                disk_bytes: Some("rmonit_process_disk_bytes_total"),
            };
            io_families(f, prefix, &p.read, &p.write, &id);
        }
        ServiceData::System(sys) => {
            for (window, load) in ["1m", "5m", "15m"].into_iter().zip(sys.load) {
                f.gauge("rmonit_system_load", "The load average, by window.", with(id.clone(), "window", window), load);
            }
            f.gauge("rmonit_system_cpus", "CPUs of the host.", id.clone(), sys.cpu_count as f64);
            if let Some(cpu) = &sys.cpu {
                for (mode, percent) in [
                    ("user", cpu.user),
                    ("system", cpu.system),
                    ("nice", cpu.nice),
                    ("iowait", cpu.iowait),
                    ("hardirq", cpu.hardirq),
                    ("softirq", cpu.softirq),
                    ("steal", cpu.steal),
                    ("guest", cpu.guest),
                    ("guest_nice", cpu.guest_nice),
                ] {
                    f.gauge(
                        "rmonit_system_cpu_ratio",
                        "CPU time over the last cycle, by mode (0..1).",
                        with(id.clone(), "mode", mode),
                        percent / 100.0,
                    );
                }
            }
            f.gauge("rmonit_system_memory_used_bytes", "Memory in use.", id.clone(), sys.memory_bytes as f64);
            f.gauge(
                "rmonit_system_memory_used_ratio",
                "Memory in use, of the total (0..1).",
                id.clone(),
                sys.memory_percent / 100.0,
            );
            f.gauge("rmonit_system_swap_used_bytes", "Swap in use.", id.clone(), sys.swap_bytes as f64);
            f.gauge(
                "rmonit_system_swap_used_ratio",
                "Swap in use, of the total (0..1).",
                id.clone(),
                sys.swap_percent / 100.0,
            );
            f.gauge(
                "rmonit_system_boot_time_seconds",
                "When the host booted, in seconds since the epoch.",
                id.clone(),
                sys.boot_time as f64,
            );
            f.gauge(
                "rmonit_system_open_fds",
                "File descriptors open on the host.",
                id.clone(),
                sys.filedescriptors as f64,
            );
        }
        ServiceData::Program(p) => {
            if let Some(status) = p.exit_status {
                f.gauge(
                    "rmonit_program_exit_status",
                    "The exit status of the program's last run.",
                    id.clone(),
                    f64::from(status),
                );
            }
            if let Some(started) = p.started {
                f.gauge(
                    "rmonit_program_last_run_timestamp_seconds",
                    "When the program last started, in seconds since the epoch.",
                    id.clone(),
                    seconds_since_epoch(started),
                );
            }
        }
        ServiceData::File(file) => {
            if let Some(size) = file.size {
                f.gauge("rmonit_file_size_bytes", "The file's size.", id.clone(), size as f64);
            }
            f.gauge(
                "rmonit_file_modify_timestamp_seconds",
                "The file's modification time, in seconds since the epoch.",
                id.clone(),
                file.modify as f64,
            );
            f.gauge(
                "rmonit_file_change_timestamp_seconds",
                "The file's inode change time, in seconds since the epoch.",
                id.clone(),
                file.change as f64,
            );
            f.gauge(
                "rmonit_file_mode",
                "The file's permission bits (as a number: 0644 is 420).",
                id.clone(),
                f64::from(file.mode),
            );
            let changes = s.events.iter().filter(|e| e.event == crate::config::model::EventKind::Checksum).count();
            if file.checksum.is_some() {
                f.gauge(
                    "rmonit_file_checksum_changes",
                    "Checksum events among the service's recent events (the last 20).",
                    id.clone(),
                    changes as f64,
                );
            }
        }
        ServiceData::Filesystem(fs) => {
            let size = fs.blocks as f64 * fs.block_size as f64;
            let free = fs.blocks_free as f64 * fs.block_size as f64;
            let available = fs.blocks_available as f64 * fs.block_size as f64;
            f.gauge("rmonit_filesystem_size_bytes", "The filesystem's size.", id.clone(), size);
            f.gauge("rmonit_filesystem_free_bytes", "Free space, the superuser's reserve included.", id.clone(), free);
            f.gauge("rmonit_filesystem_available_bytes", "Space free for unprivileged users.", id.clone(), available);
            if fs.blocks > 0 {
                let used = (fs.blocks - fs.blocks_free.min(fs.blocks)) as f64 / fs.blocks as f64;
                f.gauge(
                    "rmonit_filesystem_used_ratio",
                    "Space in use, of the size (0..1), as Monit's space usage.",
                    id.clone(),
                    used,
                );
            }
            f.gauge("rmonit_filesystem_inodes", "The filesystem's inodes.", id.clone(), fs.inodes as f64);
            f.gauge("rmonit_filesystem_inodes_free", "Free inodes.", id.clone(), fs.inodes_free as f64);
            let prefix = Prefix {
                bytes: "rmonit_filesystem_io_bytes_total",
                operations: "rmonit_filesystem_io_operations_total",
                disk_bytes: None,
            };
            io_families(f, prefix, &fs.read, &fs.write, &id);
        }
        ServiceData::Network(net) => {
            f.gauge("rmonit_network_up", "1 when the interface's link is up.", id.clone(), f64::from(u8::from(net.up)));
            if let Some(speed) = net.speed_mbps {
                f.gauge("rmonit_network_speed_bits_per_second", "The link's speed.", id.clone(), speed as f64 * 1e6);
            }
            for (direction, link) in [("receive", &net.download), ("transmit", &net.upload)] {
                let labels = with(id.clone(), "direction", direction);
                f.counter(
                    "rmonit_network_bytes_total",
                    "Bytes through the interface, by direction.",
                    labels.clone(),
                    link.bytes_total as f64,
                );
                f.counter(
                    "rmonit_network_packets_total",
                    "Packets through the interface, by direction.",
                    labels.clone(),
                    link.packets_total as f64,
                );
                f.counter(
                    "rmonit_network_errors_total",
                    "Errors on the interface, by direction.",
                    labels,
                    link.errors_total as f64,
                );
            }
        }
        ServiceData::None | ServiceData::Generic(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_lose_their_total_in_openmetrics_family_names_and_labels_are_escaped() {
        let mut f = Families::default();
        f.counter("rmonit_x_total", "An x.", vec![("service", "a\"b\\c\nd".to_owned())], 3.0);
        f.gauge("rmonit_y_ratio", "A y.", Vec::new(), 0.25);
        let text = f.render(MetricsFormat::Prometheus);
        assert_eq!(
            text,
            "# HELP rmonit_x_total An x.\n# TYPE rmonit_x_total counter\nrmonit_x_total{service=\"a\\\"b\\\\c\\nd\"} 3\n\
             # HELP rmonit_y_ratio A y.\n# TYPE rmonit_y_ratio gauge\nrmonit_y_ratio 0.25\n"
        );
        let open = f.render(MetricsFormat::OpenMetrics);
        assert!(open.contains("# TYPE rmonit_x counter\nrmonit_x_total{"), "{open}");
        assert!(open.ends_with("# EOF\n"));
    }

    #[test]
    fn the_scraper_gets_openmetrics_when_it_asks() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(MetricsFormat::negotiate(Some(prometheus)), MetricsFormat::OpenMetrics);
        assert_eq!(MetricsFormat::negotiate(Some("text/plain")), MetricsFormat::Prometheus);
        assert_eq!(MetricsFormat::negotiate(None), MetricsFormat::Prometheus);
    }

    #[test]
    fn values_are_written_as_prometheus_reads_them() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(f64::INFINITY), "+Inf");
    }
}
