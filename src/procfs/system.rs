//! Host-wide figures from /proc: boot time, load, memory and swap, CPU time by kind,
//! uptime and file descriptors.

use std::fs;
use std::io;

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("unreadable {what}"))
}

/// Seconds since the epoch when the host booted (`btime` of /proc/stat).
pub fn boot_time() -> io::Result<u64> {
    let text = fs::read_to_string("/proc/stat")?;
    text.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| invalid("/proc/stat btime"))
}

/// The boot time, read once: it does not change while the host runs.
pub fn boot_time_cached() -> u64 {
    static BOOT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *BOOT.get_or_init(|| boot_time().unwrap_or(0))
}

/// Total memory, read once.
pub fn memory_total_cached() -> u64 {
    static TOTAL: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TOTAL.get_or_init(|| memory().map_or(0, |m| m.total))
}

/// Clock ticks per second (`USER_HZ`), the unit of /proc CPU times.
pub fn clock_ticks() -> u64 {
    rustix::param::clock_ticks_per_second().max(1)
}

pub fn page_size() -> u64 {
    rustix::param::page_size() as u64
}

/// Number of CPUs available, read once (std reads cgroup files on every call).
pub fn cpu_count() -> usize {
    static COUNT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *COUNT.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The 1, 5 and 15 minute load averages.
pub fn loadavg() -> io::Result<[f64; 3]> {
    let text = fs::read_to_string("/proc/loadavg")?;
    parse_loadavg(&text).ok_or_else(|| invalid("/proc/loadavg"))
}

pub fn parse_loadavg(text: &str) -> Option<[f64; 3]> {
    let mut it = text.split_whitespace().map(|v| v.parse::<f64>().ok());
    Some([it.next()??, it.next()??, it.next()??])
}

/// Memory and swap in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Memory {
    pub total: u64,
    /// In use: total minus available (what `free` calls used, counting caches as free).
    pub used: u64,
    pub swap_total: u64,
    pub swap_used: u64,
}

pub fn memory() -> io::Result<Memory> {
    let text = fs::read_to_string("/proc/meminfo")?;
    parse_meminfo(&text).ok_or_else(|| invalid("/proc/meminfo"))
}

pub fn parse_meminfo(text: &str) -> Option<Memory> {
    let kb = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(':')))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .map(|v| v * 1024)
    };
    let total = kb("MemTotal")?;
    let available = kb("MemAvailable").or_else(|| Some(kb("MemFree")? + kb("Buffers")? + kb("Cached")?))?;
    let swap_total = kb("SwapTotal").unwrap_or(0);
    let swap_free = kb("SwapFree").unwrap_or(0);
    Some(Memory {
        total,
        used: total.saturating_sub(available),
        swap_total,
        swap_used: swap_total.saturating_sub(swap_free),
    })
}

/// Cumulative CPU ticks by kind (the `cpu` line of /proc/stat).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CpuTimes {
    pub user: u64,
    pub nice: u64,
    pub system: u64,
    pub idle: u64,
    pub iowait: u64,
    pub irq: u64,
    pub softirq: u64,
    pub steal: u64,
    pub guest: u64,
    pub guest_nice: u64,
}

impl CpuTimes {
    pub fn total(&self) -> u64 {
        // guest and guest_nice are already counted in user and nice.
        self.user + self.nice + self.system + self.idle + self.iowait + self.irq + self.softirq + self.steal
    }
}

pub fn cpu_times() -> io::Result<CpuTimes> {
    let text = fs::read_to_string("/proc/stat")?;
    parse_cpu_times(&text).ok_or_else(|| invalid("/proc/stat cpu"))
}

pub fn parse_cpu_times(text: &str) -> Option<CpuTimes> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line.split_whitespace().skip(1).map(|f| f.parse().unwrap_or(0)).collect();
    let at = |i: usize| v.get(i).copied().unwrap_or(0);
    Some(CpuTimes {
        user: at(0),
        nice: at(1),
        system: at(2),
        idle: at(3),
        iowait: at(4),
        irq: at(5),
        softirq: at(6),
        steal: at(7),
        guest: at(8),
        guest_nice: at(9),
    })
}

/// Seconds since boot.
pub fn uptime() -> io::Result<f64> {
    let text = fs::read_to_string("/proc/uptime")?;
    text.split_whitespace().next().and_then(|v| v.parse().ok()).ok_or_else(|| invalid("/proc/uptime"))
}

/// Open file handles of the host and their limit (/proc/sys/fs/file-nr).
pub fn file_descriptors() -> io::Result<(u64, u64)> {
    let text = fs::read_to_string("/proc/sys/fs/file-nr")?;
    let v: Vec<u64> = text.split_whitespace().filter_map(|f| f.parse().ok()).collect();
    match v.as_slice() {
        [allocated, free, max] => Ok((allocated.saturating_sub(*free), *max)),
        _ => Err(invalid("/proc/sys/fs/file-nr")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsers() {
        assert_eq!(parse_loadavg("0.50 1.25 2.00 1/123 4567\n"), Some([0.5, 1.25, 2.0]));
        let mem = parse_meminfo(
            "MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 400 kB\nSwapTotal: 200 kB\nSwapFree: 50 kB\n",
        )
        .unwrap();
        assert_eq!(mem, Memory { total: 1_024_000, used: 614_400, swap_total: 204_800, swap_used: 153_600 });
        let cpu = parse_cpu_times("cpu  10 1 5 100 2 0 1 0 0 0\ncpu0 5 0 2 50 1 0 0 0 0 0\n").unwrap();
        assert_eq!((cpu.user, cpu.system, cpu.idle, cpu.total()), (10, 5, 100, 119));
    }

    #[test]
    fn this_host() {
        assert!(boot_time().unwrap() > 1_000_000_000);
        assert!(memory().unwrap().total > 0);
        assert!(loadavg().unwrap()[0] >= 0.0);
        assert!(uptime().unwrap() > 0.0);
        assert!(cpu_times().unwrap().total() > 0);
        assert!(file_descriptors().unwrap().1 > 0);
        assert!(clock_ticks() >= 100);
    }
}
