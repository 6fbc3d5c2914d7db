//! Filesystems: the mount a path, mount point or device names (/proc/self/mountinfo), its
//! space and inodes (statvfs), mount flags, and I/O from /proc/diskstats turned into rates
//! between two readings.

use std::path::Path;
use std::time::Instant;

use crate::state::{FilesystemData, IoCounter, IoFigures, ServiceTime};

/// One line of /proc/self/mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub major: u32,
    pub minor: u32,
    pub mount_point: String,
    pub fs_type: String,
    pub source: String,
    /// Mount options and superblock options, as Monit shows them (`rw,relatime,...`).
    pub flags: String,
}

pub fn parse_mountinfo(text: &str) -> Vec<Mount> {
    text.lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let l: Vec<&str> = left.split_whitespace().collect();
            let r: Vec<&str> = right.split_whitespace().collect();
            let (major, minor) = l.get(2)?.split_once(':')?;
            let options = l.get(5)?;
            let super_options = r.get(2).copied().unwrap_or("");
            let mut flags: Vec<&str> = options.split(',').collect();
            for o in super_options.split(',') {
                if !flags.contains(&o) {
                    flags.push(o);
                }
            }
            Some(Mount {
                major: major.parse().ok()?,
                minor: minor.parse().ok()?,
                mount_point: unescape(l.get(4)?),
                fs_type: r.first()?.to_string(),
                source: unescape(r.get(1)?),
                flags: flags.join(","),
            })
        })
        .collect()
}

/// mountinfo escapes blanks as octal (`\040`).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            let code: String = chars.by_ref().take(3).collect();
            match u8::from_str_radix(&code, 8) {
                Ok(b) => out.push(b as char),
                Err(_) => {
                    out.push('\\');
                    out.push_str(&code);
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The mount a filesystem service names: its mount point, its device, or the mount that
/// holds the path (the longest mount point that is a prefix).
pub fn find_mount(path: &str) -> Option<Mount> {
    let mounts = parse_mountinfo(&std::fs::read_to_string("/proc/self/mountinfo").ok()?);
    if let Some(m) = mounts.iter().rev().find(|m| m.mount_point == path) {
        return Some(m.clone());
    }
    if let Some(m) = mounts.iter().rev().find(|m| m.source == path) {
        return Some(m.clone());
    }
    let canonical = std::fs::canonicalize(path).ok()?;
    mounts.iter().filter(|m| canonical.starts_with(&m.mount_point)).max_by_key(|m| m.mount_point.len()).cloned()
}

/// Space and inodes of a mounted filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub block_size: u64,
    pub blocks: u64,
    pub blocks_free: u64,
    /// Free for unprivileged users.
    pub blocks_available: u64,
    pub inodes: u64,
    pub inodes_free: u64,
}

pub fn usage(mount_point: &Path) -> std::io::Result<Usage> {
    let s = rustix::fs::statvfs(mount_point)?;
    let block_size = if s.f_frsize > 0 { s.f_frsize } else { s.f_bsize };
    Ok(Usage {
        block_size,
        blocks: s.f_blocks,
        blocks_free: s.f_bfree,
        blocks_available: s.f_bavail,
        inodes: s.f_files,
        inodes_free: s.f_ffree,
    })
}

/// Cumulative I/O of a block device (/proc/diskstats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DiskStats {
    pub reads: u64,
    pub read_bytes: u64,
    pub read_ms: u64,
    pub writes: u64,
    pub write_bytes: u64,
    pub write_ms: u64,
}

pub fn disk_stats(major: u32, minor: u32) -> Option<DiskStats> {
    let text = std::fs::read_to_string("/proc/diskstats").ok()?;
    text.lines().find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 11 || f[0].parse::<u32>().ok()? != major || f[1].parse::<u32>().ok()? != minor {
            return None;
        }
        let n = |i: usize| f[i].parse::<u64>().unwrap_or(0);
        Some(DiskStats {
            reads: n(3),
            read_bytes: n(5) * 512,
            read_ms: n(6),
            writes: n(7),
            write_bytes: n(9) * 512,
            write_ms: n(10),
        })
    })
}

/// I/O rates between two readings.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rates {
    pub read_bytes: f64,
    pub read_ops: f64,
    pub write_bytes: f64,
    pub write_ops: f64,
    /// Milliseconds per operation.
    pub service_time: f64,
    /// Milliseconds spent reading and writing, per second.
    pub read_ms: f64,
    pub write_ms: f64,
    /// Reads and writes between the two readings.
    pub operations: u64,
    /// The later reading: the totals.
    pub totals: DiskStats,
}

pub fn rates(before: (DiskStats, Instant), after: (DiskStats, Instant)) -> Option<Rates> {
    let secs = after.1.duration_since(before.1).as_secs_f64();
    if secs <= 0.0 {
        return None;
    }
    let (b, a) = (before.0, after.0);
    let ops = (a.reads + a.writes).saturating_sub(b.reads + b.writes);
    let ms = (a.read_ms + a.write_ms).saturating_sub(b.read_ms + b.write_ms);
    Some(Rates {
        read_bytes: a.read_bytes.saturating_sub(b.read_bytes) as f64 / secs,
        read_ops: a.reads.saturating_sub(b.reads) as f64 / secs,
        write_bytes: a.write_bytes.saturating_sub(b.write_bytes) as f64 / secs,
        write_ops: a.writes.saturating_sub(b.writes) as f64 / secs,
        service_time: if ops > 0 { ms as f64 / ops as f64 } else { 0.0 },
        read_ms: a.read_ms.saturating_sub(b.read_ms) as f64 / secs,
        write_ms: a.write_ms.saturating_sub(b.write_ms) as f64 / secs,
        operations: ops,
        totals: a,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_lines() {
        let text = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n\
                    30 22 0:26 / /mnt/my\\040disk rw,nosuid - tmpfs tmpfs rw,size=1024k\n";
        let mounts = parse_mountinfo(text);
        assert_eq!(mounts[0].mount_point, "/");
        assert_eq!(mounts[0].source, "/dev/sda1");
        assert_eq!(mounts[0].flags, "rw,relatime,errors=remount-ro");
        assert_eq!((mounts[0].major, mounts[0].minor), (8, 1));
        assert_eq!(mounts[1].mount_point, "/mnt/my disk");
        assert_eq!(mounts[1].fs_type, "tmpfs");
    }

    #[test]
    fn the_root_filesystem_is_found_and_measured() {
        let root = find_mount("/").expect("/ is mounted");
        assert_eq!(root.mount_point, "/");
        let u = usage(Path::new(&root.mount_point)).unwrap();
        assert!(u.blocks > 0 && u.blocks_free <= u.blocks && u.block_size > 0);
        assert!(find_mount("/etc").is_some_and(|m| !m.mount_point.is_empty()));
    }

    #[test]
    fn rates_between_readings() {
        let t0 = Instant::now();
        let t1 = t0 + std::time::Duration::from_secs(2);
        let a = DiskStats { reads: 10, read_bytes: 1000, read_ms: 10, writes: 0, write_bytes: 0, write_ms: 0 };
        let b = DiskStats { reads: 30, read_bytes: 5000, read_ms: 30, writes: 20, write_bytes: 2000, write_ms: 20 };
        let r = rates((a, t0), (b, t1)).unwrap();
        assert_eq!((r.read_bytes, r.read_ops, r.write_ops), (2000.0, 10.0, 10.0));
        assert!((r.service_time - 1.0).abs() < 1e-9);
        assert_eq!((r.read_ms, r.write_ms, r.operations, r.totals), (10.0, 10.0, 40, b));
    }

    #[test]
    fn status_data_carries_totals_and_the_owner() {
        let t0 = Instant::now();
        let t1 = t0 + std::time::Duration::from_secs(2);
        let a = DiskStats { reads: 10, read_bytes: 1000, read_ms: 10, writes: 0, write_bytes: 0, write_ms: 0 };
        let b = DiskStats { reads: 30, read_bytes: 5000, read_ms: 30, writes: 20, write_bytes: 2000, write_ms: 20 };
        let figures = FsFigures {
            mount: parse_mountinfo("22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard\n").remove(0),
            usage: Usage {
                block_size: 4096,
                blocks: 100,
                blocks_free: 50,
                blocks_available: 40,
                inodes: 10,
                inodes_free: 5,
            },
            rates: rates((a, t0), (b, t1)),
        };
        let device = crate::checks::file::FileInfo { mode: 0o600, uid: 0, gid: 6, ..Default::default() };
        let data = figures.status_data(Some(&device));
        assert_eq!((data.fs_type.as_str(), data.flags.as_str()), ("ext4", "rw,relatime,discard"));
        assert_eq!((data.mode, data.uid, data.gid), (Some(0o600), Some(0), Some(6)));
        assert_eq!(data.read.bytes, Some(IoCounter { per_second: 2000.0, total: 5000 }));
        assert_eq!(data.write.operations, Some(IoCounter { per_second: 10.0, total: 20 }));
        assert_eq!(data.read.disk_bytes, None);
        let time = data.service_time.expect("two readings");
        assert_eq!((time.read_ms_per_second, time.write_ms_per_second, time.operations), (10.0, 10.0, 40.0));
        let first = FsFigures { rates: None, ..figures }.status_data(None);
        assert_eq!((first.read, first.service_time, first.mode), (IoFigures::default(), None, None));
    }
}

/// What one look at a filesystem found.
#[derive(Debug, Clone, PartialEq)]
pub struct FsFigures {
    pub mount: Mount,
    pub usage: Usage,
    pub rates: Option<Rates>,
}

impl FsFigures {
    pub fn space_total(&self) -> u64 {
        self.usage.blocks * self.usage.block_size
    }

    /// Used space in percent of the space unprivileged users can have (as `df`).
    pub fn space_used_percent(&self) -> f64 {
        let u = &self.usage;
        let used = u.blocks.saturating_sub(u.blocks_free);
        let whole = used + u.blocks_available;
        if whole == 0 { 0.0 } else { used as f64 * 100.0 / whole as f64 }
    }

    pub fn space_used_bytes(&self) -> u64 {
        self.usage.blocks.saturating_sub(self.usage.blocks_free) * self.usage.block_size
    }

    pub fn space_free_bytes(&self) -> u64 {
        self.usage.blocks_available * self.usage.block_size
    }

    /// The figures `status` and the XML show. `owner` is the stat of the path the service
    /// names (the mount point or the device node), for permission, uid and gid.
    pub fn status_data(&self, owner: Option<&crate::checks::file::FileInfo>) -> FilesystemData {
        let u = &self.usage;
        let (read, write, service_time) = match &self.rates {
            Some(r) => {
                let counter = |per_second, total| Some(IoCounter { per_second, total });
                (
                    IoFigures {
                        bytes: counter(r.read_bytes, r.totals.read_bytes),
                        disk_bytes: None,
                        operations: counter(r.read_ops, r.totals.reads),
                    },
                    IoFigures {
                        bytes: counter(r.write_bytes, r.totals.write_bytes),
                        disk_bytes: None,
                        operations: counter(r.write_ops, r.totals.writes),
                    },
                    Some(ServiceTime {
                        read_ms_per_second: r.read_ms,
                        write_ms_per_second: r.write_ms,
                        operations: r.operations as f64,
                    }),
                )
            }
            None => (IoFigures::default(), IoFigures::default(), None),
        };
        FilesystemData {
            fs_type: self.mount.fs_type.clone(),
            flags: self.mount.flags.clone(),
            mode: owner.map(|i| i.mode),
            uid: owner.map(|i| i.uid),
            gid: owner.map(|i| i.gid),
            block_size: u.block_size,
            blocks: u.blocks,
            blocks_free: u.blocks_free,
            blocks_available: u.blocks_available,
            inodes: u.inodes,
            inodes_free: u.inodes_free,
            read,
            write,
            service_time,
        }
    }

    pub fn inodes_used_percent(&self) -> f64 {
        let u = &self.usage;
        if u.inodes == 0 { 0.0 } else { u.inodes.saturating_sub(u.inodes_free) as f64 * 100.0 / u.inodes as f64 }
    }
}
