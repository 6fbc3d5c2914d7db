//! `check system`: load, CPU usage by kind (from two readings of /proc/stat), memory,
//! swap, uptime and file descriptors of the host.

use crate::procfs::system::{self, CpuTimes};
use crate::state::{CpuUsage, SystemData};

/// Measures the host; `previous` is the CPU reading of the last cycle (none the first time,
/// so the first cycle has no CPU figure, as in Monit).
pub fn measure(previous: Option<CpuTimes>) -> Result<(SystemData, CpuTimes), String> {
    let load = system::loadavg().map_err(|e| e.to_string())?;
    let memory = system::memory().map_err(|e| e.to_string())?;
    let times = system::cpu_times().map_err(|e| e.to_string())?;
    let cpu = previous.and_then(|before| usage(before, times));
    let pct = |part: u64, whole: u64| if whole > 0 { part as f64 * 100.0 / whole as f64 } else { 0.0 };
    let (fds, fd_limit) = system::file_descriptors().unwrap_or((0, 0));
    let data = SystemData {
        load,
        cpu_count: system::cpu_count(),
        cpu,
        memory_bytes: memory.used,
        memory_percent: pct(memory.used, memory.total),
        swap_bytes: memory.swap_used,
        swap_percent: pct(memory.swap_used, memory.swap_total),
        uptime_secs: system::uptime().map_or(0, |u| u as u64),
        boot_time: system::boot_time().unwrap_or(0),
        filedescriptors: fds,
        filedescriptors_limit: fd_limit,
    };
    Ok((data, times))
}

/// CPU usage between two readings, in percent of all CPUs.
pub fn usage(before: CpuTimes, after: CpuTimes) -> Option<CpuUsage> {
    let total = after.total().checked_sub(before.total()).filter(|&t| t > 0)? as f64;
    let pct = |a: u64, b: u64| a.saturating_sub(b) as f64 * 100.0 / total;
    Some(CpuUsage {
        user: pct(after.user, before.user),
        system: pct(after.system, before.system),
        nice: pct(after.nice, before.nice),
        iowait: pct(after.iowait, before.iowait),
        hardirq: pct(after.irq, before.irq),
        softirq: pct(after.softirq, before.softirq),
        steal: pct(after.steal, before.steal),
        guest: pct(after.guest, before.guest),
        guest_nice: pct(after.guest_nice, before.guest_nice),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_is_the_share_of_the_delta() {
        let before = CpuTimes { user: 100, system: 50, idle: 850, ..CpuTimes::default() };
        let after = CpuTimes { user: 130, system: 60, idle: 910, ..CpuTimes::default() };
        let u = usage(before, after).unwrap();
        assert!((u.user - 30.0).abs() < 1e-9);
        assert!((u.system - 10.0).abs() < 1e-9);
        assert!(usage(after, after).is_none());
    }

    #[test]
    fn this_host_measures() {
        let (first, times) = measure(None).unwrap();
        assert!(first.cpu.is_none());
        assert!(first.memory_percent > 0.0 && first.memory_percent <= 100.0);
        let (second, _) = measure(Some(times)).unwrap();
        assert!(second.uptime_secs > 0);
        assert!(second.cpu_count >= 1);
    }
}
