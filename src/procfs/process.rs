//! One process as /proc shows it: identity (pid + start time), parent, owner, state, CPU
//! ticks, memory, threads, file descriptors, I/O, command line. Reads only the files the
//! caller asks for, so a per-PID check each cycle costs a few small reads.

use std::fs;
use std::io;
use std::path::PathBuf;

/// The fields of `/proc/PID/stat` rmonit uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub pid: i32,
    /// The executable's name (at most 15 bytes), without the parentheses.
    pub comm: String,
    /// R, S, D, Z, T, ...
    pub state: char,
    pub ppid: i32,
    pub utime: u64,
    pub stime: u64,
    /// Children's CPU, once reaped.
    pub cutime: u64,
    pub cstime: u64,
    pub threads: u32,
    /// Clock ticks after boot when the process started: with the pid, its identity.
    pub start_ticks: u64,
    /// Resident set size in pages.
    pub rss_pages: u64,
}

impl Stat {
    pub fn is_zombie(&self) -> bool {
        self.state == 'Z'
    }

    /// Total CPU time in ticks (the process itself, not its children).
    pub fn cpu_ticks(&self) -> u64 {
        self.utime + self.stime
    }
}

/// Parses `/proc/PID/stat`. The name may hold spaces and parentheses, so the fields are
/// counted from the last `)`.
pub fn parse_stat(text: &str) -> Option<Stat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let pid = text[..open].trim().parse().ok()?;
    let comm = text.get(open + 1..close)?.to_owned();
    let fields: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // fields[0] is field 3 (state) of proc(5).
    let field = |n: usize| fields.get(n - 3).copied();
    let num = |n: usize| field(n).and_then(|f| f.parse::<u64>().ok());
    Some(Stat {
        pid,
        comm,
        state: field(3)?.chars().next()?,
        ppid: field(4)?.parse().ok()?,
        utime: num(14)?,
        stime: num(15)?,
        cutime: field(16)?.parse::<i64>().ok()?.max(0) as u64,
        cstime: field(17)?.parse::<i64>().ok()?.max(0) as u64,
        threads: num(20)? as u32,
        start_ticks: num(22)?,
        rss_pages: num(24)?,
    })
}

fn proc_path(pid: i32, file: &str) -> PathBuf {
    PathBuf::from(format!("/proc/{pid}/{file}"))
}

/// Reads a small file (a /proc file, a pidfile) with one buffer: no size query first, as
/// `fs::read_to_string` does, which /proc files cannot answer anyway.
pub fn read_small(path: &std::path::Path) -> io::Result<String> {
    use std::io::Read;
    let mut file = fs::File::open(path)?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = file.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > 1 << 20 {
            break;
        }
    }
    String::from_utf8(buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

pub fn read_stat(pid: i32) -> io::Result<Stat> {
    let text = read_small(&proc_path(pid, "stat"))?;
    parse_stat(&text).ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("unreadable /proc/{pid}/stat")))
}

/// Real and effective user and group ids, from `/proc/PID/status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ids {
    pub uid: u32,
    pub euid: u32,
    /// The saved set-user-id: with the real uid, whose signals the process takes.
    pub suid: u32,
    pub gid: u32,
    pub egid: u32,
}

pub fn parse_ids(status: &str) -> Option<Ids> {
    let line = |key: &str| status.lines().find_map(|l| l.strip_prefix(key)).map(str::split_whitespace);
    let mut uids = line("Uid:")?;
    let mut gids = line("Gid:")?;
    Some(Ids {
        uid: uids.next()?.parse().ok()?,
        euid: uids.next()?.parse().ok()?,
        suid: uids.next()?.parse().ok()?,
        gid: gids.next()?.parse().ok()?,
        egid: gids.next()?.parse().ok()?,
    })
}

pub fn read_ids(pid: i32) -> io::Result<Ids> {
    let text = fs::read_to_string(proc_path(pid, "status"))?;
    parse_ids(&text).ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("unreadable /proc/{pid}/status")))
}

/// The command line, arguments joined by spaces; a kernel thread (empty cmdline) gives its
/// name in brackets as `ps` does.
pub fn read_cmdline(pid: i32) -> io::Result<String> {
    let bytes = fs::read(proc_path(pid, "cmdline"))?;
    let text: String =
        String::from_utf8_lossy(&bytes).split('\0').filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
    Ok(text)
}

/// Open file descriptors (entries of `/proc/PID/fd`); permission denied for others'
/// processes when not root.
pub fn count_fds(pid: i32) -> io::Result<u64> {
    count_entries(&proc_path(pid, "fd"))
}

/// Entries of a directory, without `.` and `..`, read with one buffer and no allocation
/// per entry (this runs for every process service every cycle).
fn count_entries(path: &std::path::Path) -> io::Result<u64> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::open(path, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())?;
    let mut dir = rustix::fs::Dir::read_from(&fd)?;
    let mut count = 0;
    while let Some(entry) = dir.read() {
        let entry = entry?;
        let name = entry.file_name().to_bytes();
        if name != b"." && name != b".." {
            count += 1;
        }
    }
    Ok(count)
}

/// The soft and hard limits of open files, from `/proc/PID/limits`.
pub fn read_fd_limits(pid: i32) -> io::Result<(u64, u64)> {
    let text = fs::read_to_string(proc_path(pid, "limits"))?;
    parse_fd_limits(&text).ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no 'Max open files' line"))
}

pub fn parse_fd_limits(text: &str) -> Option<(u64, u64)> {
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let mut values = line["Max open files".len()..].split_whitespace();
    let parse = |v: &str| if v == "unlimited" { Some(u64::MAX) } else { v.parse().ok() };
    Some((parse(values.next()?)?, parse(values.next()?)?))
}

/// Bytes read and written: through any I/O (`rchar`, `wchar`) and from disk (`read_bytes`,
/// `write_bytes`), plus the number of read and write calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Io {
    pub rchar: u64,
    pub wchar: u64,
    pub syscr: u64,
    pub syscw: u64,
    pub read_bytes: u64,
    pub write_bytes: u64,
}

pub fn parse_io(text: &str) -> Io {
    let mut io = Io::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else { continue };
        let value: u64 = value.trim().parse().unwrap_or(0);
        match key {
            "rchar" => io.rchar = value,
            "wchar" => io.wchar = value,
            "syscr" => io.syscr = value,
            "syscw" => io.syscw = value,
            "read_bytes" => io.read_bytes = value,
            "write_bytes" => io.write_bytes = value,
            _ => {}
        }
    }
    io
}

pub fn read_io(pid: i32) -> io::Result<Io> {
    Ok(parse_io(&read_small(&proc_path(pid, "io"))?))
}

/// The process's LSM label (`/proc/PID/attr/current`: AppArmor's `unconfined` or
/// `/usr/sbin/cupsd (enforce)`, SELinux's `system_u:system_r:httpd_t:s0`), without the
/// trailing NUL or newline. `None` when there is none: no LSM (the read fails with EINVAL),
/// no such file, or an empty label.
pub fn read_security_label(pid: i32) -> Option<String> {
    let bytes = fs::read(proc_path(pid, "attr/current")).ok()?;
    label_text(&bytes)
}

/// The label of `attr/current`'s bytes: trailing NULs and newlines cut, empty as `None`.
pub fn label_text(bytes: &[u8]) -> Option<String> {
    let end = bytes.iter().rposition(|b| !matches!(b, 0 | b'\n')).map_or(0, |i| i + 1);
    (end > 0).then(|| String::from_utf8_lossy(&bytes[..end]).into_owned())
}

/// The children of a process, from `/proc/PID/task/*/children` (one small read per thread;
/// no walk of the whole table).
pub fn children_of(pid: i32) -> Vec<i32> {
    children_of_threads(pid, None)
}

/// As [`children_of`]; a single-threaded process (`threads == Some(1)`) has only its main
/// thread's file to read.
pub fn children_of_threads(pid: i32, threads: Option<u32>) -> Vec<i32> {
    if threads == Some(1) {
        return read_small(std::path::Path::new(&format!("/proc/{pid}/task/{pid}/children")))
            .map(|text| text.split_whitespace().filter_map(|c| c.parse().ok()).collect())
            .unwrap_or_default();
    }
    let Ok(tasks) = fs::read_dir(proc_path(pid, "task")) else { return Vec::new() };
    let mut children = Vec::new();
    for task in tasks.flatten() {
        if let Ok(text) = fs::read_to_string(task.path().join("children")) {
            children.extend(text.split_whitespace().filter_map(|c| c.parse::<i32>().ok()));
        }
    }
    children
}

/// Every descendant of a process through the children files, without it.
pub fn descendants_of(pid: i32) -> Vec<i32> {
    let mut out = Vec::new();
    let mut stack = vec![pid];
    while let Some(p) = stack.pop() {
        for child in children_of(p) {
            if child != pid && !out.contains(&child) && out.len() < 100_000 {
                out.push(child);
                stack.push(child);
            }
        }
    }
    out
}

/// The first integer in a pidfile (Monit's rule: leading blanks allowed, anything after
/// the number ignored).
pub fn parse_pidfile(text: &str) -> Option<i32> {
    let digits: String = text.trim_start().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|&pid| pid > 0)
}

/// The process a pidfile names, and what `fstat` said of the file (its owner and time), if
/// it is a readable regular file (a FIFO, device or directory is an error, at once) whose
/// first 4 kB hold a positive number.
pub fn read_pidfile(path: &std::path::Path) -> io::Result<(i32, crate::files::Opened)> {
    let (bytes, opened) = crate::files::read_regular(path, 4096)?;
    let pid = parse_pidfile(&String::from_utf8_lossy(&bytes))
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, format!("{} holds no process id", path.display())))?;
    Ok((pid, opened))
}

/// `/proc/PID/stat` kept open for a process read every cycle: one `pread` per reading
/// instead of a path lookup, an open and a close. The handle belongs to that process: once
/// it is gone its reads fail (never another process's figures under a reused PID), and the
/// handle is dropped for a fresh open of the path.
#[derive(Debug, Default)]
pub struct StatHandle(Option<(i32, fs::File)>);

impl StatHandle {
    pub fn read(&mut self, pid: i32) -> io::Result<Stat> {
        use std::os::unix::fs::FileExt;
        let parse = |file: &fs::File| {
            let mut buffer = [0u8; 2048];
            let n = file.read_at(&mut buffer, 0).ok().filter(|n| *n > 0 && *n < buffer.len())?;
            parse_stat(&String::from_utf8_lossy(&buffer[..n]))
        };
        if let Some((held, file)) = &self.0
            && *held == pid
            && let Some(stat) = parse(file)
        {
            return Ok(stat);
        }
        self.0 = None;
        let file = fs::File::open(proc_path(pid, "stat"))?;
        match parse(&file) {
            Some(stat) => {
                self.0 = Some((pid, file));
                Ok(stat)
            }
            None => read_stat(pid),
        }
    }
}

/// The last reading of a pidfile, used again while the file is unchanged: the same device,
/// inode, size, owner and modification and change times (one `lstat` instead of an open and
/// a read each cycle). Kept only for a regular file (not a symlink) whose times were both
/// over [`SETTLED`] old at the reading, so that a rewrite within a coarse timestamp's
/// resolution is never missed. It also says whether the file's directory is on a local
/// filesystem ([`PidfileMemo::checkable_inline`]), looked at again every [`LOCAL_RECHECK`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PidfileMemo {
    key: FileKey,
    pid: i32,
    opened: crate::files::Opened,
    local: bool,
    local_checked: std::time::Instant,
}

/// How long the answer "the pidfile's directory is on a local filesystem" holds.
pub const LOCAL_RECHECK: std::time::Duration = std::time::Duration::from_secs(60);

/// Filesystems whose metadata never waits on a network or a user-space server: disks and
/// memory (ext2-4, XFS, Btrfs, tmpfs, ramfs, F2FS, ZFS, overlayfs, bcachefs).
const LOCAL_FILESYSTEMS: &[i64] =
    &[0xEF53, 0x5846_5342, 0x9123_683E, 0x0102_1994, 0x8584_58F6, 0xF2F5_2010, 0x2FC1_2FC1, 0x794C_7630, 0xCA45_1A4E];

// `f_type` is an i64 here and narrower on other architectures.
#[allow(clippy::unnecessary_cast)]
fn on_local_filesystem(path: &std::path::Path) -> bool {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    rustix::fs::statfs(dir).is_ok_and(|fs| LOCAL_FILESYSTEMS.contains(&(fs.f_type as i64)))
}

impl PidfileMemo {
    /// Whether the memo may be checked on an async thread: the file's directory was on a
    /// local filesystem when last looked at, less than [`LOCAL_RECHECK`] ago (a `lstat`
    /// there does not hang the way one on a hung NFS mount does).
    pub fn checkable_inline(&self) -> bool {
        self.local && self.local_checked.elapsed() < LOCAL_RECHECK
    }

    /// The memo's answer if the file at `path` is unchanged (one `lstat`).
    pub fn unchanged(&self, path: &std::path::Path) -> Option<(i32, crate::files::Opened)> {
        let stat = rustix::fs::lstat(path).ok()?;
        (key_of(&stat) == self.key && is_regular(&stat)).then_some((self.pid, self.opened))
    }
}

fn is_regular(stat: &rustix::fs::Stat) -> bool {
    rustix::fs::FileType::from_raw_mode(stat.st_mode) == rustix::fs::FileType::RegularFile
}

/// Device, inode, size, owner, modification and change times.
type FileKey = (u64, u64, i64, u32, (i64, i64), (i64, i64));

const SETTLED: i64 = 2;

fn key_of(stat: &rustix::fs::Stat) -> FileKey {
    (
        stat.st_dev,
        stat.st_ino,
        stat.st_size,
        stat.st_uid,
        (stat.st_mtime, stat.st_mtime_nsec as i64),
        (stat.st_ctime, stat.st_ctime_nsec as i64),
    )
}

/// [`read_pidfile`], or the memo's answer while the file has not changed; `memo` keeps the
/// reading for the next time.
pub fn read_pidfile_memo(
    path: &std::path::Path,
    memo: &mut Option<PidfileMemo>,
) -> io::Result<(i32, crate::files::Opened)> {
    let stat = rustix::fs::lstat(path)?;
    let key = key_of(&stat);
    if let Some(known) = memo.as_mut().filter(|m| is_regular(&stat) && m.key == key) {
        if known.local_checked.elapsed() >= LOCAL_RECHECK {
            (known.local, known.local_checked) = (on_local_filesystem(path), std::time::Instant::now());
        }
        return Ok((known.pid, known.opened));
    }
    *memo = None;
    let (pid, opened) = read_pidfile(path)?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let same_file = (opened.device, opened.inode, opened.size as i64, opened.mtime.0) == (key.0, key.1, key.2, key.4.0);
    if is_regular(&stat) && same_file && stat.st_mtime + SETTLED < now && stat.st_ctime + SETTLED < now {
        let (local, local_checked) = (on_local_filesystem(path), std::time::Instant::now());
        *memo = Some(PidfileMemo { key, pid, opened, local, local_checked });
    }
    Ok((pid, opened))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_spaces_and_parentheses_in_the_name() {
        let text = "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 3 4 20 0 7 0 98765 10000000 512 \
                    18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        let stat = parse_stat(text).unwrap();
        assert_eq!(stat.pid, 1234);
        assert_eq!(stat.comm, "my (odd) name");
        assert_eq!(stat.state, 'S');
        assert_eq!(stat.ppid, 1);
        assert_eq!((stat.utime, stat.stime, stat.cutime, stat.cstime), (250, 50, 3, 4));
        assert_eq!(stat.threads, 7);
        assert_eq!(stat.start_ticks, 98765);
        assert_eq!(stat.rss_pages, 512);
        assert!(parse_stat("garbage").is_none());
    }

    #[test]
    fn an_unchanged_pidfile_is_not_read_again_and_a_changed_one_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.pid");
        let mut memo = None;
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        std::fs::write(&path, "1234\n").unwrap();
        // Fresh: read, not kept (a rewrite within the timestamps' resolution could follow).
        assert_eq!(read_pidfile_memo(&path, &mut memo).unwrap().0, 1234);
        assert!(memo.is_none());
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(old).unwrap();
        // The change time is new too: still not kept.
        assert_eq!(read_pidfile_memo(&path, &mut memo).unwrap().0, 1234);
        assert!(memo.is_none());
        // A memo of a settled file answers; any change of the file is read.
        let settled = read_pidfile(&path).unwrap();
        let stat = rustix::fs::stat(&path).unwrap();
        let now = std::time::Instant::now();
        memo = Some(PidfileMemo { key: key_of(&stat), pid: 99, opened: settled.1, local: true, local_checked: now });
        assert_eq!(read_pidfile_memo(&path, &mut memo).unwrap().0, 99, "unchanged: the memo's answer");
        assert_eq!(memo.unwrap().unchanged(&path).map(|(pid, _)| pid), Some(99));
        assert!(memo.unwrap().checkable_inline());
        // A symlink is never taken for the file it names.
        let link = dir.path().join("link.pid");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert_eq!(memo.unwrap().unchanged(&link), None);
        assert!(
            on_local_filesystem(&path)
                == LOCAL_FILESYSTEMS.contains(&(rustix::fs::statfs(dir.path()).unwrap().f_type as i64))
        );
        std::fs::write(&path, "5678\n").unwrap();
        assert_eq!(read_pidfile_memo(&path, &mut memo).unwrap().0, 5678, "rewritten: read again");
        std::fs::remove_file(&path).unwrap();
        assert_eq!(read_pidfile_memo(&path, &mut memo).unwrap_err().kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn a_kept_stat_handle_reads_its_process_and_fails_once_it_is_gone() {
        let mut handle = StatHandle::default();
        let own = std::process::id() as i32;
        let first = handle.read(own).unwrap();
        assert_eq!(first.pid, own);
        assert_eq!(handle.read(own).unwrap().start_ticks, first.start_ticks, "read again through the handle");
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let pid = child.id() as i32;
        assert_eq!(handle.read(pid).unwrap().pid, pid, "another process: a handle of its own");
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(handle.read(pid).is_err(), "reaped: no figures, from the handle or the path");
    }

    #[test]
    fn security_labels_lose_their_trailing_nul_and_newline() {
        assert_eq!(label_text(b"unconfined\n").as_deref(), Some("unconfined"));
        assert_eq!(label_text(b"/usr/sbin/cupsd (enforce)\n").as_deref(), Some("/usr/sbin/cupsd (enforce)"));
        assert_eq!(label_text(b"system_u:system_r:httpd_t:s0\0").as_deref(), Some("system_u:system_r:httpd_t:s0"));
        assert_eq!(label_text(b"\n"), None);
        assert_eq!(label_text(b""), None);
    }

    #[test]
    fn own_process_reads() {
        let pid = std::process::id() as i32;
        let stat = read_stat(pid).unwrap();
        assert_eq!(stat.pid, pid);
        assert!(stat.threads >= 1);
        let ids = read_ids(pid).unwrap();
        assert_eq!(ids.uid, rustix::process::getuid().as_raw());
        assert!(count_fds(pid).unwrap() >= 3);
        assert!(read_fd_limits(pid).unwrap().0 > 0);
        assert!(!read_cmdline(pid).unwrap().is_empty());
    }

    #[test]
    fn children_files_list_children() {
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let me = std::process::id() as i32;
        let children = children_of(me);
        let found = children.contains(&(child.id() as i32));
        let all = descendants_of(me);
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(found, "{children:?}");
        assert!(all.contains(&(child.id() as i32)));
    }

    #[test]
    fn pidfiles_hold_the_first_number() {
        assert_eq!(parse_pidfile("  4242\n"), Some(4242));
        assert_eq!(parse_pidfile("4242 extra"), Some(4242));
        assert_eq!(parse_pidfile(""), None);
        assert_eq!(parse_pidfile("abc"), None);
        assert_eq!(parse_pidfile("0"), None);
        assert_eq!(parse_pidfile("99999999999999"), None);
    }

    #[test]
    fn io_and_limits_parse() {
        let io = parse_io(
            "rchar: 10\nwchar: 20\nsyscr: 1\nsyscw: 2\nread_bytes: 4096\nwrite_bytes: 8192\ncancelled_write_bytes: 0\n",
        );
        assert_eq!(io, Io { rchar: 10, wchar: 20, syscr: 1, syscw: 2, read_bytes: 4096, write_bytes: 8192 });
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max open files            1024                 unlimited            files\n";
        assert_eq!(parse_fd_limits(limits), Some((1024, u64::MAX)));
    }
}
