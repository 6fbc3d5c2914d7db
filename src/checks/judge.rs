//! Turning what a check observed into a verdict per rule: the figure a test names, compared
//! with its limit, with Monit's wording of the message.

use super::file::FileInfo;
use super::filesystem::FsFigures;
use crate::config::model::{Comparison, Metric, Test, TimestampKind, Unit};
use crate::outcome::TestResult;
use crate::state::{ProcessData, SystemData};

/// What the checks of a service saw this cycle.
#[derive(Debug, Default)]
pub struct Observation<'a> {
    /// Whether the watched object exists; `None` when the type has no existence.
    pub exists: Option<bool>,
    /// Why it does not exist, or the positive message.
    pub existence_message: String,
    pub process: Option<&'a ProcessData>,
    /// The pid and ppid of the last cycle, for `changed pid/ppid`.
    pub previous_ids: Option<(i32, i32)>,
    pub system: Option<&'a SystemData>,
    /// Exit status of `check program`, when it finished this cycle.
    pub program_status: Option<i32>,
    pub previous_program_status: Option<i32>,
    pub program_output: Option<&'a str>,
    /// A file, fifo or directory this cycle and the last.
    pub file: Option<&'a FileInfo>,
    pub previous_file: Option<&'a FileInfo>,
    pub checksum: Option<&'a str>,
    pub previous_checksum: Option<&'a str>,
    pub checksum_baseline: Option<&'a str>,
    pub filesystem: Option<&'a FsFigures>,
    pub previous_fs_flags: Option<&'a str>,
    /// The path a file, fifo, directory or filesystem service watches (for messages).
    pub path: Option<&'a str>,
}

/// The verdict of one test. Tests whose checks arrive in later work report `Skipped`.
pub fn judge(test: &Test, obs: &Observation) -> TestResult {
    match test {
        Test::NotExist => match obs.exists {
            Some(true) => TestResult::Succeeded(obs.existence_message.clone()),
            Some(false) => TestResult::Failed(obs.existence_message.clone()),
            None => TestResult::Skipped,
        },
        Test::Exist => match obs.exists {
            Some(true) => TestResult::Failed(obs.existence_message.clone()),
            Some(false) => TestResult::Succeeded(obs.existence_message.clone()),
            None => TestResult::Skipped,
        },
        Test::PidChanged | Test::PpidChanged => {
            let (Some(p), Some((pid, ppid))) = (obs.process, obs.previous_ids) else { return TestResult::Skipped };
            let (name, before, now) =
                if matches!(test, Test::PidChanged) { ("pid", pid, p.pid) } else { ("ppid", ppid, p.ppid) };
            if before != now {
                TestResult::Changed(format!("process {name} changed to {now}"))
            } else {
                TestResult::Unchanged(format!("process {name} has not changed since last cycle"))
            }
        }
        Test::Uid { user, effective } => {
            let actual = match (obs.file, obs.process) {
                (Some(f), _) => f.uid,
                (None, Some(p)) if *effective => p.euid,
                (None, Some(p)) => p.uid,
                _ => return TestResult::Skipped,
            };
            let which = if *effective { "euid" } else { "uid" };
            id_test(which, user, actual, resolve_user(user), obs.path)
        }
        Test::Gid { group } => {
            let actual = match (obs.file, obs.process) {
                (Some(f), _) => f.gid,
                (None, Some(p)) => p.gid,
                _ => return TestResult::Skipped,
            };
            id_test("gid", group, actual, resolve_group(group), obs.path)
        }
        Test::SecurityAttribute(want) => match obs.process {
            Some(p) => security_attribute(want, p.security_attribute.as_deref()),
            None => TestResult::Skipped,
        },
        Test::Uptime(limit) => {
            let secs = obs.process.map(|p| p.uptime_secs).or(obs.system.map(|s| s.uptime_secs));
            match secs {
                Some(secs) => compare("uptime", secs as f64 * 1000.0, limit, &format_duration_ms(secs as f64 * 1000.0)),
                None => TestResult::Skipped,
            }
        }
        Test::Resource { metric, limit } => match figure(*metric, limit, obs) {
            Some((value, shown)) => compare_metric(*metric, value, limit, &shown),
            None => TestResult::Skipped,
        },
        Test::Status(limit) => match obs.program_status {
            Some(status) => {
                let output = program_output(obs);
                if limit.op.holds(status as f64, limit.limit.value) {
                    TestResult::Failed(format!("status failed ({status}) -- {output}"))
                } else {
                    TestResult::Succeeded(format!("status succeeded ({status}) -- {output}"))
                }
            }
            None => TestResult::Skipped,
        },
        Test::StatusChanged => match (obs.program_status, obs.previous_program_status) {
            (Some(now), Some(before)) if now != before => {
                TestResult::Changed(format!("status changed ({before} -> {now}) -- {}", program_output(obs)))
            }
            (Some(now), _) => TestResult::Unchanged(format!("status didn't change ({now}) -- {}", program_output(obs))),
            _ => TestResult::Skipped,
        },
        Test::Checksum { expect, .. } => {
            let Some(now) = obs.checksum else { return TestResult::Skipped };
            match expect.as_deref().or(obs.checksum_baseline) {
                Some(want) if want.eq_ignore_ascii_case(now) => {
                    TestResult::Succeeded(format!("checksum succeeded [{now}]"))
                }
                Some(want) => TestResult::Failed(format!("checksum failed, expected {want} got {now}")),
                None => TestResult::Skipped,
            }
        }
        Test::ChecksumChanged { .. } => match (obs.checksum, obs.previous_checksum) {
            (Some(now), Some(before)) if now != before => TestResult::Changed(format!("checksum changed to {now}")),
            (Some(_), _) => TestResult::Unchanged("checksum has not changed".to_owned()),
            _ => TestResult::Skipped,
        },
        Test::Timestamp { kind, limit } => {
            let Some(f) = obs.file else { return TestResult::Skipped };
            let at = timestamp_of(f, *kind);
            let age_ms = (now_secs() - at).max(0) as f64 * 1000.0;
            let (name, path) = (timestamp_name(*kind), obs.path.unwrap_or(""));
            if limit.op.holds(age_ms, limit.limit.value) {
                TestResult::Failed(format!("{name} for {path} failed -- current {name} is {}", date_of(at)))
            } else {
                TestResult::Succeeded(format!("{name} test succeeded for {path}"))
            }
        }
        Test::TimestampChanged { kind } => {
            let (name, path) = (timestamp_name(*kind), obs.path.unwrap_or(""));
            match (obs.file, obs.previous_file) {
                (Some(f), Some(p)) if timestamp_of(f, *kind) != timestamp_of(p, *kind) => TestResult::Changed(format!(
                    "{name} for {path} changed from {} to {}",
                    date_of(timestamp_of(p, *kind)),
                    date_of(timestamp_of(f, *kind))
                )),
                (Some(_), _) => TestResult::Unchanged(format!("{name} was not changed for {path}")),
                _ => TestResult::Skipped,
            }
        }
        Test::Size(limit) => match obs.file {
            Some(f) if limit.op.holds(f.size as f64, limit.limit.value) => TestResult::Failed(format!(
                "size test failed for {} -- current size is {} B",
                obs.path.unwrap_or(""),
                f.size
            )),
            Some(f) => TestResult::Succeeded(format!("size check succeeded [current size = {} B]", f.size)),
            None => TestResult::Skipped,
        },
        Test::SizeChanged => match (obs.file, obs.previous_file) {
            (Some(f), Some(p)) if f.size != p.size => TestResult::Changed(format!("size was changed to {} B", f.size)),
            (Some(f), _) => TestResult::Unchanged(format!("size has not changed [{} B]", f.size)),
            _ => TestResult::Skipped,
        },
        Test::Permission(mode) => match obs.file.map(|f| f.mode) {
            Some(actual) if actual & 0o7777 == *mode => {
                TestResult::Succeeded(format!("permission test succeeded [current permission {actual:04o}]"))
            }
            Some(actual) => TestResult::Failed(format!(
                "permission test failed for {} [current permission {:04o}]",
                obs.path.unwrap_or(""),
                actual & 0o7777
            )),
            None => TestResult::Skipped,
        },
        Test::PermissionChanged => match (obs.file, obs.previous_file) {
            (Some(f), Some(p)) if f.mode != p.mode => {
                TestResult::Changed(format!("permission was changed to {:04o}", f.mode))
            }
            (Some(f), _) => TestResult::Unchanged(format!("permission has not changed [{:04o}]", f.mode)),
            _ => TestResult::Skipped,
        },
        Test::FsflagsChanged => match (obs.filesystem, obs.previous_fs_flags) {
            (Some(fs), Some(before)) if fs.mount.flags != before => {
                TestResult::Changed(format!("filesystem flags changed to {}", fs.mount.flags))
            }
            (Some(fs), _) => TestResult::Unchanged(format!("filesystem flags have not changed [{}]", fs.mount.flags)),
            _ => TestResult::Skipped,
        },
        _ => TestResult::Skipped,
    }
}

/// A program's output as Monit's messages end: the text, or `no output`.
fn program_output<'a>(obs: &Observation<'a>) -> &'a str {
    match obs.program_output.map(str::trim) {
        Some(text) if !text.is_empty() => text,
        _ => "no output",
    }
}

/// A uid or gid test: the owner is the expected one (a name must exist on this host).
fn id_test(which: &str, name: &str, actual: u32, expected: Option<u32>, path: Option<&str>) -> TestResult {
    let of = path.map(|p| format!(" for {p}")).unwrap_or_default();
    match expected {
        Some(expected) if expected == actual => {
            TestResult::Succeeded(format!("{which} test succeeded [current {which} = {actual}]"))
        }
        // Monit's words, the expected id added.
        Some(expected) => {
            TestResult::Failed(format!("{which} test failed{of} -- current {which} is {actual}, expected {expected}"))
        }
        None => TestResult::Failed(format!("{which} test failed: '{name}' does not exist on this host")),
    }
}

/// Monit's security attribute test: the label, compared without regard to case with the
/// one the rule names; a process without a label (no LSM) has the empty one, so the test
/// fails there, as Monit's does.
fn security_attribute(want: &str, actual: Option<&str>) -> TestResult {
    let actual = actual.unwrap_or("");
    if actual.eq_ignore_ascii_case(want) {
        TestResult::Succeeded(format!("Security attribute test succeeded [current attribute = '{actual}']"))
    } else {
        // Monit's words, the expected label added.
        TestResult::Failed(format!(
            "Security attribute test failed -- current attribute is '{actual}', expected '{want}'"
        ))
    }
}

/// Monit's name of a timestamp in messages.
fn timestamp_name(kind: TimestampKind) -> &'static str {
    match kind {
        TimestampKind::Timestamp => "modify/change time",
        TimestampKind::Atime => "access time",
        TimestampKind::Ctime => "change time",
        TimestampKind::Mtime => "modify time",
    }
}

/// Seconds since the epoch as Monit prints a date (local time).
fn date_of(secs: i64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs.max(0) as u64);
    crate::state::report::format::date(at)
}

fn timestamp_of(f: &FileInfo, kind: TimestampKind) -> i64 {
    match kind {
        TimestampKind::Timestamp => f.ctime.max(f.mtime),
        TimestampKind::Atime => f.atime,
        TimestampKind::Ctime => f.ctime,
        TimestampKind::Mtime => f.mtime,
    }
}

fn now_secs() -> i64 {
    crate::checks::process::now_secs() as i64
}

/// A rule fails when `value <op> limit` holds (Monit's resource semantics).
pub fn compare(name: &str, value: f64, limit: &Comparison, shown: &str) -> TestResult {
    let limit_shown = show_quantity(limit.limit.value, limit.limit.unit);
    if limit.op.holds(value, limit.limit.value) {
        TestResult::Failed(format!("{name} of {shown} matches resource limit [{name} {} {limit_shown}]", limit.op))
    } else {
        TestResult::Succeeded(format!("{name} check succeeded [current {name} = {shown}]"))
    }
}

/// A resource rule in Monit's words: `cpu usage of 85.0% matches resource limit [...]`,
/// `mem amount of ...`, `children count 3 matches ...`, `space usage 91.0% matches ...`
/// (filesystem figures without "of").
fn compare_metric(metric: Metric, value: f64, limit: &Comparison, shown: &str) -> TestResult {
    let percent = limit.limit.unit == Unit::Percent;
    let usage_or_amount = |name: &str| format!("{name} {}", if percent { "usage" } else { "amount" });
    let (subject, name) = match metric {
        Metric::Cpu => ("cpu usage of".to_owned(), "cpu usage".to_owned()),
        Metric::TotalCpu => ("total cpu usage of".to_owned(), "total cpu usage".to_owned()),
        Metric::CpuUser
        | Metric::CpuSystem
        | Metric::CpuWait
        | Metric::CpuNice
        | Metric::CpuHardirq
        | Metric::CpuSoftirq
        | Metric::CpuSteal
        | Metric::CpuGuest
        | Metric::CpuGuestNice => {
            let name = format!("{} usage", metric.keyword());
            (format!("{name} of"), name)
        }
        Metric::Memory => (format!("{} of", usage_or_amount("mem")), usage_or_amount("mem")),
        Metric::TotalMemory => (format!("{} of", usage_or_amount("total mem")), usage_or_amount("total mem")),
        Metric::Swap => (format!("{} of", usage_or_amount("swap")), usage_or_amount("swap")),
        Metric::Children | Metric::Threads => (format!("{} count", metric.keyword()), metric.keyword().to_owned()),
        Metric::Load1PerCore | Metric::Load5PerCore | Metric::Load15PerCore => {
            let minutes = match metric {
                Metric::Load1PerCore => "1min",
                Metric::Load5PerCore => "5min",
                _ => "15min",
            };
            let name = format!("loadavg per core ({minutes})");
            (format!("{name} of"), name)
        }
        Metric::Space | Metric::SpaceFree | Metric::Inode | Metric::InodeFree => {
            (metric.keyword().to_owned(), metric.keyword().to_owned())
        }
        _ => (format!("{} of", metric.keyword()), metric.keyword().to_owned()),
    };
    let limit_shown = show_quantity(limit.limit.value, limit.limit.unit);
    if limit.op.holds(value, limit.limit.value) {
        TestResult::Failed(format!("{subject} {shown} matches resource limit [{name} {} {limit_shown}]", limit.op))
    } else {
        TestResult::Succeeded(format!("{name} check succeeded [current {name} = {shown}]"))
    }
}

/// The figure a metric names, in the limit's unit, and how it is shown.
fn figure(metric: Metric, limit: &Comparison, obs: &Observation) -> Option<(f64, String)> {
    let percent = limit.limit.unit == Unit::Percent;
    let pct = |v: f64| (v, format!("{v:.1}%"));
    let bytes = |v: u64| (v as f64, show_quantity(v as f64, Unit::Bytes));
    let count = |v: f64| (v, format!("{v}"));
    let operations = |v: f64| (v, format!("{v:.1} operations/s"));
    let byte_rate = |c: Option<crate::state::IoCounter>| {
        c.map(|c| (c.per_second, format!("{}/s", show_quantity(c.per_second, Unit::Bytes))))
    };
    if let Some(p) = obs.process {
        return match metric {
            Metric::Cpu => p.cpu_percent.map(pct),
            Metric::TotalCpu => p.cpu_total_percent.map(pct),
            Metric::Memory if percent => Some(pct(p.memory_percent)),
            Metric::Memory => Some(bytes(p.memory_bytes)),
            Metric::TotalMemory if percent => Some(pct(p.memory_total_percent)),
            Metric::TotalMemory => Some(bytes(p.memory_total_bytes)),
            Metric::Threads => Some(count(f64::from(p.threads))),
            Metric::Children => Some(count(f64::from(p.children))),
            Metric::Filedescriptors if percent => {
                let (soft, _) = p.filedescriptors_limit?;
                p.filedescriptors.map(|n| pct(n as f64 * 100.0 / soft.max(1) as f64))
            }
            Metric::Filedescriptors => p.filedescriptors.map(|n| count(n as f64)),
            Metric::TotalFiledescriptors => p.filedescriptors_total.map(|n| count(n as f64)),
            // `/proc/PID/io` over the last cycle: any I/O (`read`, `write`), the disk's share
            // (`disk read`, `disk write`), and calls (`read 100 operations/s`).
            Metric::ReadBytes => byte_rate(p.read.bytes),
            Metric::WriteBytes => byte_rate(p.write.bytes),
            Metric::DiskReadBytes => byte_rate(p.read.disk_bytes),
            Metric::DiskWriteBytes => byte_rate(p.write.disk_bytes),
            Metric::ReadOperations => p.read.operations.map(|c| operations(c.per_second)),
            Metric::WriteOperations => p.write.operations.map(|c| operations(c.per_second)),
            Metric::Load1
            | Metric::Load5
            | Metric::Load15
            | Metric::Load1PerCore
            | Metric::Load5PerCore
            | Metric::Load15PerCore => {
                load(metric, crate::procfs::system::loadavg().ok()?, crate::procfs::system::cpu_count())
            }
            _ => None,
        };
    }
    if let Some(fs) = obs.filesystem {
        let rates = fs.rates;
        return match metric {
            Metric::Space if percent => Some(pct(fs.space_used_percent())),
            Metric::Space => Some(bytes(fs.space_used_bytes())),
            Metric::SpaceFree if percent => Some(pct(100.0 - fs.space_used_percent())),
            Metric::SpaceFree => Some(bytes(fs.space_free_bytes())),
            Metric::Inode if percent => Some(pct(fs.inodes_used_percent())),
            Metric::Inode => Some(count(fs.usage.inodes.saturating_sub(fs.usage.inodes_free) as f64)),
            Metric::InodeFree if percent => Some(pct(100.0 - fs.inodes_used_percent())),
            Metric::InodeFree => Some(count(fs.usage.inodes_free as f64)),
            Metric::ReadBytes => {
                rates.map(|r| (r.read_bytes, format!("{}/s", show_quantity(r.read_bytes, Unit::Bytes))))
            }
            Metric::WriteBytes => {
                rates.map(|r| (r.write_bytes, format!("{}/s", show_quantity(r.write_bytes, Unit::Bytes))))
            }
            Metric::ReadOperations => rates.map(|r| (r.read_ops, format!("{:.1} operations/s", r.read_ops))),
            Metric::WriteOperations => rates.map(|r| (r.write_ops, format!("{:.1} operations/s", r.write_ops))),
            Metric::ServiceTime => rates.map(|r| (r.service_time, format!("{:.3} ms", r.service_time))),
            _ => None,
        };
    }
    let s = obs.system?;
    let cpu = s.cpu;
    match metric {
        Metric::Cpu => cpu.map(|c| pct(c.total())),
        Metric::CpuUser => cpu.map(|c| pct(c.user)),
        Metric::CpuSystem => cpu.map(|c| pct(c.system)),
        Metric::CpuWait => cpu.map(|c| pct(c.iowait)),
        Metric::CpuNice => cpu.map(|c| pct(c.nice)),
        Metric::CpuHardirq => cpu.map(|c| pct(c.hardirq)),
        Metric::CpuSoftirq => cpu.map(|c| pct(c.softirq)),
        Metric::CpuSteal => cpu.map(|c| pct(c.steal)),
        Metric::CpuGuest => cpu.map(|c| pct(c.guest)),
        Metric::CpuGuestNice => cpu.map(|c| pct(c.guest_nice)),
        Metric::Memory if percent => Some(pct(s.memory_percent)),
        Metric::Memory => Some(bytes(s.memory_bytes)),
        Metric::Swap if percent => Some(pct(s.swap_percent)),
        Metric::Swap => Some(bytes(s.swap_bytes)),
        Metric::Filedescriptors if percent => {
            Some(pct(s.filedescriptors as f64 * 100.0 / s.filedescriptors_limit.max(1) as f64))
        }
        Metric::Filedescriptors => Some(count(s.filedescriptors as f64)),
        Metric::Load1
        | Metric::Load5
        | Metric::Load15
        | Metric::Load1PerCore
        | Metric::Load5PerCore
        | Metric::Load15PerCore => load(metric, s.load, s.cpu_count),
        _ => None,
    }
}

fn load(metric: Metric, load: [f64; 3], cpus: usize) -> Option<(f64, String)> {
    let (index, per_core) = match metric {
        Metric::Load1 => (0, false),
        Metric::Load5 => (1, false),
        Metric::Load15 => (2, false),
        Metric::Load1PerCore => (0, true),
        Metric::Load5PerCore => (1, true),
        _ => (2, true),
    };
    let value = if per_core { load[index] / cpus.max(1) as f64 } else { load[index] };
    Some((value, format!("{value:.2}")))
}

/// A quantity as Monit prints a limit (`80.0%`, `200.0 MB`, `5`).
pub fn show_quantity(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Percent => format!("{value:.1}%"),
        Unit::Bytes => {
            let units = ["B", "kB", "MB", "GB", "TB"];
            let mut v = value;
            let mut i = 0;
            while v >= 1024.0 && i < units.len() - 1 {
                v /= 1024.0;
                i += 1;
            }
            if i == 0 { format!("{v:.0} B") } else { format!("{v:.1} {}", units[i]) }
        }
        Unit::Milliseconds => format_duration_ms(value),
        _ => format!("{value}"),
    }
}

fn format_duration_ms(ms: f64) -> String {
    let secs = (ms / 1000.0) as u64;
    match secs {
        s if s >= 86_400 => format!("{}d {}h {}m", s / 86_400, s % 86_400 / 3600, s % 3600 / 60),
        s if s >= 3600 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn resolve_user(user: &str) -> Option<u32> {
    user.parse().ok().or_else(|| nix::unistd::User::from_name(user).ok().flatten().map(|u| u.uid.as_raw()))
}

fn resolve_group(group: &str) -> Option<u32> {
    group.parse().ok().or_else(|| nix::unistd::Group::from_name(group).ok().flatten().map(|g| g.gid.as_raw()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{Operator, Quantity};

    fn process() -> ProcessData {
        ProcessData {
            pid: 10,
            ppid: 1,
            memory_bytes: 300 << 20,
            memory_percent: 3.0,
            cpu_percent: Some(85.0),
            ..Default::default()
        }
    }

    #[test]
    fn resource_limits_compare_in_the_limit_unit() {
        let p = process();
        let obs = Observation { process: Some(&p), ..Default::default() };
        let over = Test::Resource {
            metric: Metric::Memory,
            limit: Comparison::new(Operator::Gt, Quantity::bytes((200 << 20) as f64)),
        };
        assert_eq!(
            judge(&over, &obs),
            TestResult::Failed("mem amount of 300.0 MB matches resource limit [mem amount > 200.0 MB]".into())
        );
        let pct =
            Test::Resource { metric: Metric::Memory, limit: Comparison::new(Operator::Gt, Quantity::percent(5.0)) };
        assert!(matches!(judge(&pct, &obs), TestResult::Succeeded(_)));
        let cpu = Test::Resource { metric: Metric::Cpu, limit: Comparison::new(Operator::Gt, Quantity::percent(80.0)) };
        assert_eq!(
            judge(&cpu, &obs),
            TestResult::Failed("cpu usage of 85.0% matches resource limit [cpu usage > 80.0%]".into())
        );
    }

    #[test]
    fn process_io_rates_are_judged() {
        use crate::state::{IoCounter, IoFigures};
        let rate = |per_second: f64| Some(IoCounter { per_second, total: 0 });
        let p = ProcessData {
            read: IoFigures { bytes: rate(3.0 * 1024.0 * 1024.0), disk_bytes: rate(0.0), operations: rate(40.0) },
            write: IoFigures { bytes: rate(10.0), disk_bytes: rate(2048.0), operations: rate(1.0) },
            ..process()
        };
        let obs = Observation { process: Some(&p), ..Default::default() };
        let over = |metric: Metric, unit: Unit, value: f64| {
            judge(&Test::Resource { metric, limit: Comparison::new(Operator::Gt, Quantity { value, unit }) }, &obs)
        };
        let read = over(Metric::ReadBytes, Unit::BytesPerSecond, 1024.0 * 1024.0);
        assert!(matches!(&read, TestResult::Failed(m) if m.contains("3.0 MB/s")), "{read:?}");
        assert!(matches!(over(Metric::WriteBytes, Unit::BytesPerSecond, 1024.0), TestResult::Succeeded(_)));
        assert!(matches!(over(Metric::DiskWriteBytes, Unit::BytesPerSecond, 1024.0), TestResult::Failed(_)));
        assert!(matches!(over(Metric::DiskReadBytes, Unit::BytesPerSecond, 1024.0), TestResult::Succeeded(_)));
        let ops = over(Metric::ReadOperations, Unit::OperationsPerSecond, 20.0);
        assert!(matches!(&ops, TestResult::Failed(m) if m.contains("40.0 operations/s")), "{ops:?}");
        assert!(matches!(over(Metric::WriteOperations, Unit::OperationsPerSecond, 20.0), TestResult::Succeeded(_)));
        // Unknown figures (no /proc/PID/io): no verdict.
        let unknown = ProcessData { read: IoFigures::default(), ..process() };
        let obs = Observation { process: Some(&unknown), ..Default::default() };
        let limit = Comparison::new(Operator::Gt, Quantity { value: 1.0, unit: Unit::BytesPerSecond });
        assert_eq!(judge(&Test::Resource { metric: Metric::ReadBytes, limit }, &obs), TestResult::Skipped);
    }

    #[test]
    fn security_attribute_is_the_label_compared_without_case() {
        let label = |l: Option<&str>| ProcessData { security_attribute: l.map(str::to_owned), ..process() };
        let test = Test::SecurityAttribute("system_u:system_r:httpd_t:s0".into());
        let judged = |p: &ProcessData| judge(&test, &Observation { process: Some(p), ..Default::default() });
        assert!(matches!(judged(&label(Some("SYSTEM_U:system_r:httpd_t:s0"))), TestResult::Succeeded(_)));
        let other = judged(&label(Some("unconfined")));
        assert!(
            matches!(&other, TestResult::Failed(m) if m.contains("current attribute is 'unconfined'")),
            "{other:?}"
        );
        // No label (no LSM): Monit compares the empty string, so the test fails.
        let none = judged(&label(None));
        assert!(matches!(&none, TestResult::Failed(m) if m.contains("current attribute is ''")), "{none:?}");
        assert_eq!(judge(&test, &Observation::default()), TestResult::Skipped);
    }

    #[test]
    fn missing_figures_skip_the_cycle() {
        let p = ProcessData { cpu_percent: None, ..process() };
        let obs = Observation { process: Some(&p), ..Default::default() };
        let cpu = Test::Resource { metric: Metric::Cpu, limit: Comparison::new(Operator::Gt, Quantity::percent(80.0)) };
        assert_eq!(judge(&cpu, &obs), TestResult::Skipped);
        assert_eq!(judge(&Test::NotExist, &Observation::default()), TestResult::Skipped);
    }

    #[test]
    fn existence_and_pid_changes() {
        let p = process();
        let obs = Observation {
            exists: Some(true),
            existence_message: "process is running with pid 10".into(),
            process: Some(&p),
            previous_ids: Some((9, 1)),
            ..Default::default()
        };
        assert_eq!(judge(&Test::NotExist, &obs), TestResult::Succeeded("process is running with pid 10".into()));
        assert!(matches!(judge(&Test::Exist, &obs), TestResult::Failed(_)));
        assert_eq!(judge(&Test::PidChanged, &obs), TestResult::Changed("process pid changed to 10".into()));
        assert!(matches!(judge(&Test::PpidChanged, &obs), TestResult::Unchanged(_)));
    }

    #[test]
    fn program_status() {
        let obs = Observation {
            program_status: Some(3),
            program_output: Some("boom\n"),
            previous_program_status: Some(0),
            ..Default::default()
        };
        let t = Test::Status(Comparison::new(Operator::Ne, Quantity::count(0.0)));
        assert_eq!(judge(&t, &obs), TestResult::Failed("status failed (3) -- boom".into()));
        assert!(matches!(judge(&Test::StatusChanged, &obs), TestResult::Changed(_)));
        // Killed at its timeout, silent: Monit's words.
        let obs = Observation { program_status: Some(9), program_output: Some(""), ..Default::default() };
        assert_eq!(judge(&t, &obs), TestResult::Failed("status failed (9) -- no output".into()));
    }
}
