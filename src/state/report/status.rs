//! `monit status`: every figure of every service, as `status_service_txt` and
//! `_printStatus` in Monit's cervlet.c print them: a bold cyan `Type 'name'` header, then
//! `  %-28s %s` lines, a blank line after each service.

use std::time::Duration;

use super::format::{bytes, bytes_f64, date, millis, percent_f32, uptime};
use super::{
    CYAN, DEFAULT, Filter, GREY, RED, RESET, StatusText, Style, finish, header, in_error, monitoring_text, select,
};
use crate::config::model::{EventKind, Mode, OnReboot};
use crate::state::board::Snapshot;
use crate::state::network::{ConnectionFigure, ConnectionKind};
use crate::state::status::{
    FileData, FilesystemData, IoCounter, IoFigures, Monitoring, ProcessData, ProgramData, ServiceData, ServiceStatus,
    SystemData,
};

/// Continuation lines of a multi-line value start under the value column.
const INDENT: &str = "                               ";
/// Monit prints at most this many characters of one line of a value (plus one).
const LINE_LIMIT: usize = 200;

/// `monit status [name]` / `monit -g group status`, in the order of [`select`]; the header
/// and a blank line alone when nothing matches.
pub fn status(snapshot: &Snapshot, filter: &Filter, style: Style) -> String {
    let mut out = format!("{}\n\n", header(snapshot));
    for service in select(snapshot, filter) {
        Block { out: &mut out, service, started: snapshot.started }.write();
    }
    finish(out, style)
}

/// One service's lines.
struct Block<'a> {
    out: &'a mut String,
    service: &'a ServiceStatus,
    /// When the daemon started: Monit's collection time of a service never checked.
    started: std::time::SystemTime,
}

impl Block<'_> {
    fn write(&mut self) {
        let s = self.service;
        self.out.push_str(&format!("{CYAN}{} '{}'{RESET}\n", s.type_name, s.name));
        self.plain("status", &StatusText::of(s).coloured());
        let (monitoring, colour) = monitoring_text(s);
        let monitoring = if colour.is_empty() { monitoring.to_owned() } else { format!("{colour}{monitoring}{RESET}") };
        // rmonit's addition, only after `unmonitor --for`: when monitoring comes back.
        let monitoring = match s.monitor_again_at {
            Some(at) if s.monitoring == Monitoring::NotMonitored => format!("{monitoring} (until {})", date(at)),
            _ => monitoring,
        };
        self.plain("monitoring status", &monitoring);
        self.plain("monitoring mode", mode_name(s.mode));
        self.plain("on reboot", onreboot_name(s.onreboot));
        // rmonit's addition, only while data cannot be had: why (a pidfile that names PID 1
        // or a FIFO, a file that cannot be read). Monit's text says nothing but the status.
        if let Some(reason) = s.failed.get(&EventKind::Data) {
            self.value("data error", Some(EventKind::Data), Some(reason.clone()));
        }
        if has_figures(s) {
            match &s.data {
                ServiceData::None => {}
                ServiceData::Process(p) => self.process(p),
                ServiceData::System(sys) => self.system(sys),
                ServiceData::Program(p) => self.program(p),
                ServiceData::File(f) => self.file(f),
                ServiceData::Filesystem(f) => self.filesystem(f),
                ServiceData::Network(n) => self.network(n),
                ServiceData::Generic(fields) => self.generic(fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
            }
            for figure in crate::state::network::in_monit_order(&s.connections) {
                self.connection(figure);
            }
        }
        // The last action's outcome is not printed: Monit's text has no such line, and
        // scripts parse it. The dashboard and the JSON API show it.
        // Monit stamps a service when it creates it, so one never checked (not monitored,
        // or initializing) shows when the daemon started or reloaded.
        self.value("data collected", None, Some(date(s.collected_at.unwrap_or(self.started))));
        self.out.push('\n');
    }

    /// A line of Monit's first four, printed without colour handling.
    fn plain(&mut self, label: &str, value: &str) {
        self.out.push_str(&format!("  {label:<28} {value}\n"));
    }

    /// A figure line (`_formatStatus`): grey `-` when not collected, red when the event the
    /// figure belongs to is failed or changed. Carriage returns are dropped, further lines
    /// indented under the value, a trailing newline dropped, each line cut after 201
    /// characters.
    fn value(&mut self, label: &str, event: Option<EventKind>, value: Option<String>) {
        self.out.push_str(&format!("  {label:<28} "));
        match value {
            None => self.out.push_str(&format!("{GREY}-{RESET}")),
            Some(text) => {
                let red = event.is_some_and(|kind| in_error(self.service, kind));
                self.out.push_str(if red { RED } else { DEFAULT });
                let mut column = 0;
                let mut chars = text.chars().filter(|c| *c != '\r').peekable();
                while let Some(c) = chars.next() {
                    if c == '\n' {
                        if chars.peek().is_some() {
                            self.out.push('\n');
                            self.out.push_str(INDENT);
                        }
                        column = 0;
                    } else if column <= LINE_LIMIT {
                        self.out.push(c);
                        column += 1;
                    }
                }
                self.out.push_str(RESET);
            }
        }
        self.out.push('\n');
    }

    fn process(&mut self, p: &ProcessData) {
        use EventKind::{Gid, Invalid, Pid, Ppid, Resource, Uid, Uptime};
        self.value("pid", Some(Pid), (p.pid >= 0).then(|| p.pid.to_string()));
        self.value("parent pid", Some(Ppid), (p.ppid >= 0).then(|| p.ppid.to_string()));
        self.value("uid", Some(Uid), Some(p.uid.to_string()));
        self.value("effective uid", Some(Uid), Some(p.euid.to_string()));
        self.value("gid", Some(Gid), Some(p.gid.to_string()));
        self.value("uptime", Some(Uptime), Some(uptime(Duration::from_secs(p.uptime_secs))));
        self.value("threads", Some(Resource), Some(p.threads.to_string()));
        self.value("children", Some(Resource), Some(p.children.to_string()));
        self.value("cpu", Some(Resource), p.cpu_percent.map(|v| format!("{v:.1}%")));
        self.value("cpu total", Some(Resource), p.cpu_total_percent.map(|v| format!("{v:.1}%")));
        self.value("memory", Some(Resource), Some(format!("{:.1}% [{}]", p.memory_percent, bytes(p.memory_bytes))));
        self.value(
            "memory total",
            Some(Resource),
            Some(format!("{:.1}% [{}]", p.memory_total_percent, bytes(p.memory_total_bytes))),
        );
        self.value("security attribute", Some(Invalid), p.security_attribute.clone());
        let limit = p.filedescriptors_limit.map_or(0, |(soft, hard)| soft.min(hard));
        self.value(
            "filedescriptors",
            Some(Resource),
            p.filedescriptors.map(|open| {
                if limit > 0 {
                    format!("{open} [{:.1}% of {limit} limit]", percent_f32(open, limit))
                } else {
                    "N/A".to_owned()
                }
            }),
        );
        self.value("total filedescriptors", Some(Resource), p.filedescriptors_total.map(|n| n.to_string()));
        self.io("read", &p.read);
        self.io("write", &p.write);
    }

    /// One direction of I/O (`_printIOStatistics`): a line per figure known.
    fn io(&mut self, name: &str, io: &IoFigures) {
        let resource = Some(EventKind::Resource);
        let rate = |c: &IoCounter| format!("{}/s [{} total]", bytes_f64(c.per_second), bytes(c.total));
        if let Some(c) = &io.bytes {
            self.value(&format!("{name} bytes"), resource, Some(rate(c)));
        }
        if let Some(c) = &io.disk_bytes {
            self.value(&format!("disk {name} bytes"), resource, Some(rate(c)));
        }
        if let Some(c) = &io.operations {
            let text = format!("{:.1} {name}s/s [{} {name}s total]", c.per_second, c.total);
            self.value(&format!("disk {name} operations"), resource, Some(text));
        }
    }

    fn system(&mut self, s: &SystemData) {
        use EventKind::{Resource, Uptime};
        self.value(
            "load average",
            Some(Resource),
            Some(format!("[{:.2}] [{:.2}] [{:.2}]", s.load[0], s.load[1], s.load[2])),
        );
        let cpu = s.cpu.map(|c| {
            [
                (c.user, "usr"),
                (c.system, "sys"),
                (c.nice, "nice"),
                (c.iowait, "iowait"),
                (c.hardirq, "hardirq"),
                (c.softirq, "softirq"),
                (c.steal, "steal"),
                (c.guest, "guest"),
                (c.guest_nice, "guestnice"),
            ]
            .iter()
            .map(|(v, name)| format!("{:.1}%{name} ", v.max(0.0)))
            .collect::<String>()
        });
        self.value("cpu", Some(Resource), cpu);
        self.value(
            "memory usage",
            Some(Resource),
            Some(format!("{} [{:.1}%]", bytes(s.memory_bytes), s.memory_percent)),
        );
        self.value("swap usage", Some(Resource), Some(format!("{} [{:.1}%]", bytes(s.swap_bytes), s.swap_percent)));
        let booted = s.boot_time > 0;
        self.value("uptime", Some(Uptime), booted.then(|| uptime(Duration::from_secs(s.uptime_secs))));
        self.value("boot time", None, Some(date(std::time::UNIX_EPOCH + Duration::from_secs(s.boot_time))));
        let fds = if s.filedescriptors_limit > 0 {
            format!(
                "{} [{:.1}% of {} limit]",
                s.filedescriptors,
                percent_f32(s.filedescriptors, s.filedescriptors_limit),
                s.filedescriptors_limit
            )
        } else {
            "N/A".to_owned()
        };
        self.value("filedescriptors", Some(Resource), Some(fds));
    }

    /// A file, fifo or directory (`size`, `content match` and `checksum` as they apply).
    fn file(&mut self, f: &FileData) {
        use EventKind::{Checksum, Content, Gid, Permission, Size, Timestamp, Uid};
        self.value("permission", Some(Permission), Some(format!("{:o}", f.mode & 0o7777)));
        self.value("uid", Some(Uid), Some(f.uid.to_string()));
        self.value("gid", Some(Gid), Some(f.gid.to_string()));
        if let Some(size) = f.size {
            self.value("size", Some(Size), Some(bytes(size)));
        }
        let stamp = |secs: i64| (secs > 0).then(|| date(std::time::UNIX_EPOCH + Duration::from_secs(secs as u64)));
        self.value("access timestamp", Some(Timestamp), stamp(f.access));
        self.value("change timestamp", Some(Timestamp), stamp(f.change));
        self.value("modify timestamp", Some(Timestamp), stamp(f.modify));
        if f.content_rules {
            let matched = in_error(self.service, Content);
            self.value("content match", Some(Content), Some(if matched { "yes" } else { "no" }.to_owned()));
        }
        if let Some((sum, hash)) = &f.checksum {
            self.value("checksum", Some(Checksum), (!sum.is_empty()).then(|| format!("{sum} ({hash})")));
        }
    }

    fn filesystem(&mut self, f: &FilesystemData) {
        use EventKind::{Fsflags, Gid, Permission, Resource, Uid};
        self.value("filesystem type", None, (!f.fs_type.is_empty()).then(|| f.fs_type.clone()));
        self.value("filesystem flags", Some(Fsflags), (!f.flags.is_empty()).then(|| f.flags.clone()));
        self.value("permission", Some(Permission), f.mode.map(|m| format!("{:o}", m & 0o7777)));
        self.value("uid", Some(Uid), f.uid.map(|u| u.to_string()));
        self.value("gid", Some(Gid), f.gid.map(|g| g.to_string()));
        self.value("block size", None, Some(bytes(f.block_size)));
        let space = |blocks: u64| if f.block_size > 0 { bytes(blocks * f.block_size) } else { "0 MB".to_owned() };
        let reserved = f.blocks_free.saturating_sub(f.blocks_available);
        self.value(
            "space total",
            None,
            Some(format!(
                "{} (of which {:.1}% is reserved for root user)",
                space(f.blocks),
                percent_f32(reserved, f.blocks)
            )),
        );
        self.value(
            "space free for non superuser",
            None,
            Some(format!("{} [{:.1}%]", space(f.blocks_available), percent_f32(f.blocks_available, f.blocks))),
        );
        self.value(
            "space free total",
            Some(Resource),
            Some(format!("{} [{:.1}%]", space(f.blocks_free), percent_f32(f.blocks_free, f.blocks))),
        );
        if f.inodes > 0 {
            self.value("inodes total", None, Some(f.inodes.to_string()));
            if f.inodes_free > 0 {
                self.value(
                    "inodes free",
                    Some(Resource),
                    Some(format!("{} [{:.1}%]", f.inodes_free, percent_f32(f.inodes_free, f.inodes))),
                );
            }
        }
        self.io("read", &f.read);
        self.io("write", &f.write);
        if let Some(t) = f.service_time {
            // As Monit: time per second divided by the operations of the whole cycle.
            let per_operation = |ms: f64| if t.operations > 0.0 { ms / t.operations } else { 0.0 };
            let (read, write) = (per_operation(t.read_ms_per_second), per_operation(t.write_ms_per_second));
            self.value(
                "service time",
                None,
                Some(format!("{:.3} ms/operation (of which read {read:.3} ms, write {write:.3} ms)", read + write)),
            );
        }
    }

    /// Nothing until the program has run once.
    fn program(&mut self, p: &ProgramData) {
        if p.started.is_none() {
            return;
        }
        self.value("last exit value", Some(EventKind::Status), p.exit_status.map(|code| code.to_string()));
        self.value("last output", Some(EventKind::Status), (!p.output.is_empty()).then(|| p.output.clone()));
    }

    /// A ping, port or unix socket test's line, as `_printStatus` writes it: the response
    /// time and where, `FAILED to ...` in red when the test failed, `-` when not tested.
    fn connection(&mut self, f: &ConnectionFigure) {
        let tls = if f.tls { "using TLS " } else { "" };
        let time = f.response_time.map(|secs| millis(secs * 1000.0));
        let (label, ok, failed) = match f.kind {
            ConnectionKind::Ping => ("ping response time", time.unwrap_or_default(), "connection failed".to_owned()),
            ConnectionKind::Port => {
                let place = format!(
                    "{}:{}{} type {} {tls}protocol {}",
                    f.target,
                    f.port,
                    f.request,
                    f.type_description(),
                    f.protocol
                );
                let failed = format!(
                    "FAILED to [{}]:{}{} type {} {tls}protocol {}",
                    f.target,
                    f.port,
                    f.request,
                    f.type_description(),
                    f.protocol
                );
                ("port response time", format!("{} to {place}", time.unwrap_or_default()), failed)
            }
            ConnectionKind::Unix => (
                "unix socket response time",
                format!("{} to {} type {} protocol {}", time.unwrap_or_default(), f.target, f.socket_type, f.protocol),
                format!("FAILED to {} type {} protocol {}", f.target, f.socket_type, f.protocol),
            ),
        };
        match f.available {
            None => self.value(label, None, None),
            Some(true) => self.value(label, None, Some(ok)),
            Some(false) => {
                let event = if f.kind == ConnectionKind::Ping { EventKind::Icmp } else { EventKind::Connection };
                self.value(label, Some(event), Some(failed))
            }
        }
    }

    /// Figures other checks report as `label -> text`: the labels Monit prints come in
    /// Monit's order (and turn red with their event), any others after them.
    /// A network interface as Monit prints it: `link N errors`, the capacity when the
    /// speed is known, then the rates; every line `-` while the link is down.
    fn network(&mut self, n: &crate::state::status::NetworkData) {
        let lines: Vec<(&str, String)> = if !n.up {
            ["link", "download bytes", "upload bytes", "download packets", "upload packets"]
                .into_iter()
                .map(|label| (label, "-".to_owned()))
                .collect()
        } else {
            let mut lines =
                vec![("link", format!("{:.0} errors", n.download.errors_per_second + n.upload.errors_per_second))];
            if let Some(speed) = n.speed_mbps {
                let duplex = if n.full_duplex == Some(false) { "half-duplex" } else { "full-duplex" };
                lines.push(("capacity", format!("{speed} Mb/s {duplex}")));
            }
            lines.push(("download bytes", format!("{}/s", bytes(n.download.bytes_per_second as u64))));
            lines.push(("upload bytes", format!("{}/s", bytes(n.upload.bytes_per_second as u64))));
            lines.push(("download packets", format!("{:.0} per second", n.download.packets_per_second)));
            lines.push(("upload packets", format!("{:.0} per second", n.upload.packets_per_second)));
            lines
        };
        self.generic(lines.iter().map(|(label, text)| (*label, text.as_str())));
    }

    fn generic<'f>(&mut self, fields: impl Iterator<Item = (&'f str, &'f str)>) {
        let mut fields: Vec<(&str, &str)> = fields.collect();
        let rank = |label: &str| GENERIC_LABELS.iter().position(|(l, _)| *l == label).unwrap_or(GENERIC_LABELS.len());
        fields.sort_by_key(|(label, _)| rank(label));
        for (label, text) in fields {
            let event = GENERIC_LABELS.iter().find(|(l, _)| *l == label).and_then(|(_, e)| *e);
            let value = (text != "-").then(|| text.to_owned());
            self.value(label, event, value);
        }
    }
}

/// The figure labels of files, fifos, directories, filesystems, networks and hosts in the
/// order Monit prints them (each type uses a subsequence), with the event that turns the
/// figure red.
const GENERIC_LABELS: [(&str, Option<EventKind>); 34] = [
    ("filesystem type", None),
    ("filesystem flags", Some(EventKind::Fsflags)),
    ("permission", Some(EventKind::Permission)),
    ("uid", Some(EventKind::Uid)),
    ("gid", Some(EventKind::Gid)),
    ("size", Some(EventKind::Size)),
    ("hardlink", Some(EventKind::Resource)),
    ("access timestamp", Some(EventKind::Timestamp)),
    ("change timestamp", Some(EventKind::Timestamp)),
    ("modify timestamp", Some(EventKind::Timestamp)),
    ("content match", Some(EventKind::Content)),
    ("checksum", Some(EventKind::Checksum)),
    ("block size", None),
    ("space total", None),
    ("space free for non superuser", None),
    ("space free total", Some(EventKind::Resource)),
    ("inodes total", None),
    ("inodes free", Some(EventKind::Resource)),
    ("read bytes", Some(EventKind::Resource)),
    ("disk read bytes", Some(EventKind::Resource)),
    ("disk read operations", Some(EventKind::Resource)),
    ("write bytes", Some(EventKind::Resource)),
    ("disk write bytes", Some(EventKind::Resource)),
    ("disk write operations", Some(EventKind::Resource)),
    ("service time", None),
    ("link", Some(EventKind::Link)),
    ("capacity", Some(EventKind::Speed)),
    ("download bytes", Some(EventKind::Bytein)),
    ("upload bytes", Some(EventKind::Byteout)),
    ("download packets", Some(EventKind::Packetin)),
    ("upload packets", Some(EventKind::Packetout)),
    ("ping response time", Some(EventKind::Icmp)),
    ("port response time", Some(EventKind::Connection)),
    ("unix socket response time", Some(EventKind::Connection)),
];

/// Monit prints figures only for a monitored service that exists and could be read
/// (`Util_hasServiceStatus`).
pub(super) fn has_figures(s: &ServiceStatus) -> bool {
    s.monitoring == Monitoring::Monitored
        && !s.failed.contains_key(&EventKind::Nonexist)
        && !s.failed.contains_key(&EventKind::Data)
}

pub(super) fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Active => "active",
        Mode::Passive => "passive",
        Mode::Manual => "manual",
    }
}

pub(super) fn onreboot_name(onreboot: OnReboot) -> &'static str {
    match onreboot {
        OnReboot::Start => "start",
        OnReboot::Nostart => "nostart",
        OnReboot::Laststate => "laststate",
    }
}

#[cfg(test)]
mod tests;
