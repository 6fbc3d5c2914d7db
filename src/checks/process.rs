//! Finding a service's process and measuring it. Identity is (pid, start time): a pidfile
//! whose process started after the file was last written belongs to a reused PID, and
//! counts as "does not exist", as does a tracked process replaced by another. A process
//! that the rules of [`super::verify`] keep from being the service's (PID 1, rmonit and its
//! ancestors, a process the pidfile's owner could not signal, an unrelated older one) is
//! [`Located::Unverified`]: never adopted, never signalled.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use regex::Regex;

use super::verify::{self, Known};
use crate::config::model::ProcessTarget;
use crate::procfs::process::{self, Stat};
use crate::procfs::system;
use crate::procfs::table::ProcessTable;
use crate::state::{IoCounter, IoFigures, ProcessData};

/// A process by its identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    pub pid: i32,
    pub start_ticks: u64,
}

/// What a look for the process found.
#[derive(Debug, Clone, PartialEq)]
pub enum Located {
    Running(Identity, Stat),
    /// Gone, with the reason shown in the status.
    Missing(String),
    /// Named, but not the service's process (or not readable now): why. The service
    /// fails with a `data` event, its existence is not judged, nothing is signalled.
    Unverified(String),
}

/// What a pidfile finder keeps between its reads (see [`process::read_pidfile_memo`] and
/// [`process::StatHandle`]).
#[derive(Debug, Default)]
pub struct PidfileCache {
    memo: Option<process::PidfileMemo>,
    stat: process::StatHandle,
}

/// How to find the process of a service.
#[derive(Debug, Clone)]
pub enum Finder {
    /// A pidfile, and the uid the service's start program runs as (`as uid`), whose
    /// processes the pidfile may name whoever owns it.
    Pidfile {
        path: String,
        as_uid: Option<u32>,
        /// The last reading of the pidfile and a handle on the process's stat, shared by
        /// the clones that run the reads.
        cache: std::sync::Arc<std::sync::Mutex<PidfileCache>>,
    },
    Path(String),
    Matching(Regex),
}

impl Finder {
    /// The finder of `target` (its regex was compiled with the control file).
    pub fn new(target: &ProcessTarget, as_uid: Option<u32>) -> Finder {
        match target {
            ProcessTarget::Pidfile(p) => Finder::Pidfile { path: p.clone(), as_uid, cache: Default::default() },
            ProcessTarget::Path(p) => Finder::Path(p.clone()),
            ProcessTarget::Matching(m) => Finder::Matching(m.regex().clone()),
        }
    }

    /// Whether finding needs the whole process table.
    pub fn needs_table(&self) -> bool {
        !matches!(self, Finder::Pidfile { .. })
    }

    /// Looks for the process. `table` is required for path and matching finders; `known`
    /// is the process taken for the service last time (a pidfile naming it again needs no
    /// further check). Blocking: a pidfile may be on a slow filesystem.
    pub fn locate(&self, table: Option<&ProcessTable>, known: Option<&Known>) -> Located {
        match self {
            Finder::Pidfile { path, as_uid, cache } => {
                let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
                locate_by_pidfile(Path::new(path), known, *as_uid, &mut cache)
            }
            Finder::Matching(regex) => {
                let Some(table) = table else { return Located::Missing("process table not read".to_owned()) };
                let candidate = |e: &crate::procfs::table::Entry| regex.is_match(&e.cmdline);
                locate_in_table(table, candidate, &format!("matching '{}'", regex.as_str()))
            }
            Finder::Path(exe) => {
                let Some(table) = table else { return Located::Missing("process table not read".to_owned()) };
                let candidate = |e: &crate::procfs::table::Entry| {
                    std::fs::read_link(format!("/proc/{}/exe", e.pid)).is_ok_and(|link| link == Path::new(exe))
                };
                locate_in_table(table, candidate, &format!("path {exe}"))
            }
        }
    }
}

/// Monit's choice among the processes of the table that `candidate` takes (see
/// [`ProcessTable::find_matching`]), leaving out those that are never a service's; when
/// only those were found, the service's process does not exist, and the status says why.
fn locate_in_table(
    table: &ProcessTable,
    candidate: impl Fn(&crate::procfs::table::Entry) -> bool,
    finder: &str,
) -> Located {
    let mut refused = None;
    let chosen = table.find_matching(|entry| {
        if !candidate(entry) {
            return false;
        }
        match verify::never_the_service(entry.pid) {
            Some(reason) => {
                refused.get_or_insert(reason);
                false
            }
            None => true,
        }
    });
    match chosen.map(|entry| (entry.pid, entry.start_ticks)) {
        Some((pid, start_ticks)) => match process::read_stat(pid) {
            Ok(stat) if stat.start_ticks == start_ticks => Located::Running(Identity { pid, start_ticks }, stat),
            _ => Located::Missing("process is not running".to_owned()),
        },
        None => match refused {
            // The service's own process was not found: it does not exist, as Monit says.
            Some(reason) => Located::Missing(format!(
                "process is not running ({finder} finds only {reason}, which is never a service's process)"
            )),
            None => Located::Missing("process is not running".to_owned()),
        },
    }
}

fn locate_by_pidfile(path: &Path, known: Option<&Known>, as_uid: Option<u32>, cache: &mut PidfileCache) -> Located {
    let read = process::read_pidfile_memo(path, &mut cache.memo);
    locate_named(path, read, known, as_uid, cache)
}

/// The process a pidfile settled on the memo names, if the file is unchanged; None when
/// only a read through the blocking lane can tell (no memo, a memo of a file not on a local
/// filesystem, a changed file). One `lstat` and one `pread`, fit for an async thread.
pub fn locate_unchanged_pidfile(finder: &Finder, known: Option<&Known>) -> Option<Located> {
    let Finder::Pidfile { path, as_uid, cache } = finder else { return None };
    let mut cache = cache.try_lock().ok()?;
    let memo = cache.memo.filter(process::PidfileMemo::checkable_inline)?;
    let read = memo.unchanged(Path::new(path))?;
    Some(locate_named(Path::new(path), Ok(read), known, *as_uid, &mut cache))
}

/// The judgement of what a pidfile read gave.
fn locate_named(
    path: &Path,
    read: std::io::Result<(i32, crate::files::Opened)>,
    known: Option<&Known>,
    as_uid: Option<u32>,
    cache: &mut PidfileCache,
) -> Located {
    let shown = path.display();
    let (pid, file) = match read {
        Ok(read) => read,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Located::Missing(format!("process is not running (pidfile {shown} does not exist)"));
        }
        Err(e) if crate::files::is_wrong_type(&e) => return Located::Unverified(format!("pidfile {e}")),
        Err(e) => return Located::Missing(format!("process is not running ({e})")),
    };
    if let Some(reason) = verify::never_the_service(pid) {
        return Located::Unverified(format!(
            "pidfile {shown} names {reason}, which is never a service's process: nothing is signalled"
        ));
    }
    let stat = match cache.stat.read(pid) {
        Ok(stat) => stat,
        Err(_) => return Located::Missing("process is not running".to_owned()),
    };
    let identity = Identity { pid, start_ticks: stat.start_ticks };
    if known.is_some_and(|k| k.identity == identity) {
        return Located::Running(identity, stat);
    }
    // A process that started after its pidfile was last written did not write it: the PID
    // was reused by an unrelated process.
    let boot = system::boot_time_cached();
    let ticks = system::clock_ticks();
    let started = UNIX_EPOCH + std::time::Duration::from_millis(boot * 1000 + stat.start_ticks * 1000 / ticks);
    // One tick of slack for the start time's resolution.
    let slack = std::time::Duration::from_millis(1000 / ticks + 10);
    if started > file.modified() + slack {
        return Located::Missing(format!(
            "process is not running (pid {pid} in {shown} belongs to a process started after the file was written)"
        ));
    }
    match verify::pidfile_may_name(&shown.to_string(), file.uid, &stat, known, as_uid) {
        Ok(()) => Located::Running(identity, stat),
        Err(reason) => Located::Unverified(reason),
    }
}

/// A CPU time sample, to turn two readings into a percentage.
#[derive(Debug, Clone, Copy)]
pub struct CpuSample {
    pub identity: Identity,
    pub ticks: u64,
    pub total_ticks: Option<u64>,
    /// The I/O counters of the last reading of `/proc/PID/io`, and when it was, for rates.
    pub io: Option<process::Io>,
    pub io_at: Instant,
    pub at: Instant,
}

/// Which of a process's costlier figures (`/proc/PID/io`, the descriptor count, the LSM
/// label) a cycle reads. The observer reads each one every cycle when a rule needs it, and
/// otherwise every [`FIGURES_EVERY`]; in between the last reading is shown ([`Carried`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reads {
    pub io: bool,
    pub fds: bool,
    pub label: bool,
}

impl Reads {
    pub const ALL: Reads = Reads { io: true, fds: true, label: true };
}

/// How old the figures no rule needs may get before they are read again.
pub const FIGURES_EVERY: Duration = Duration::from_secs(10);

/// The costlier figures of the last reading, shown until the next (see [`Reads`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Carried {
    read: IoFigures,
    write: IoFigures,
    fds: Option<u64>,
    fds_total: Option<u64>,
    label: Option<String>,
}

/// The family of a process for children and totals: its direct children count and every
/// descendant's CPU ticks and resident pages.
#[derive(Debug, Clone, Default)]
pub struct Family {
    pub children: u32,
    pub descendants: Vec<(i32, u64, u64)>,
}

impl Family {
    /// From a table snapshot (when one was read this cycle anyway).
    pub fn from_table(table: &ProcessTable, pid: i32) -> Family {
        Family {
            children: table.children(pid).len() as u32,
            descendants: table
                .descendants(pid)
                .iter()
                .filter_map(|p| table.get(*p))
                .map(|e| (e.pid, e.cpu_ticks, e.rss_pages))
                .collect(),
        }
    }

    /// From the children files of /proc, reading only the process's own subtree: per
    /// descendant its `stat` and the children file of each of its threads (one file when
    /// it has one thread, as most have).
    pub fn from_children_files(pid: i32, threads: u32) -> Family {
        let mut stack = process::children_of_threads(pid, Some(threads));
        let mut family = Family { children: stack.len() as u32, descendants: Vec::new() };
        while let Some(p) = stack.pop() {
            // A snapshot read while processes come and go may hold a cycle; never loop.
            if p == pid || family.descendants.len() >= 100_000 || family.descendants.iter().any(|(d, _, _)| *d == p) {
                continue;
            }
            let Ok(stat) = process::read_stat(p) else { continue };
            family.descendants.push((p, stat.cpu_ticks(), stat.rss_pages));
            stack.extend(process::children_of_threads(p, Some(stat.threads)));
        }
        family
    }
}

/// Figures of a process that do not change while it runs, read once per process.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fixed {
    pub ids: process::Ids,
    pub fd_limits: Option<(u64, u64)>,
}

impl Fixed {
    pub fn read(pid: i32) -> Fixed {
        Fixed { ids: process::read_ids(pid).unwrap_or_default(), fd_limits: process::read_fd_limits(pid).ok() }
    }
}

/// Measures a located process. `family` gives children and totals when the caller has them
/// from a table it read anyway; without one the process's own subtree is walked through
/// the children files (`/proc/PID/task/*/children`), a few small reads, so children and
/// totals are right whatever the rules ask. `previous` is the last sample of the same
/// process (CPU time and I/O counters); the figures `reads` leaves out come from `carried`
/// (all are read for a process not sampled before), which keeps what is read.
pub fn measure(
    identity: Identity,
    stat: &Stat,
    fixed: &Fixed,
    family: Option<&Family>,
    previous: Option<CpuSample>,
    reads: Reads,
    carried: &mut Carried,
) -> (ProcessData, CpuSample) {
    let walked;
    let family = match family {
        Some(f) => f,
        None => {
            walked = Family::from_children_files(identity.pid, stat.threads);
            &walked
        }
    };
    let page = system::page_size();
    let ticks_per_sec = system::clock_ticks() as f64;
    let memory_total = system::memory_total_cached();
    let now = Instant::now();
    let (total_ticks, total_rss) =
        family.descendants.iter().fold((stat.cpu_ticks(), stat.rss_pages), |(c, r), (_, dc, dr)| (c + dc, r + dr));
    let cpus = system::cpu_count() as f64;
    let percent = |now_ticks: u64, before: u64, elapsed: f64| {
        let used = now_ticks.saturating_sub(before) as f64 / ticks_per_sec;
        (used / elapsed * 100.0).clamp(0.0, 100.0 * cpus)
    };
    let previous = previous.filter(|p| p.identity == identity);
    let elapsed = previous.map(|p| now.duration_since(p.at).as_secs_f64());
    let (cpu, cpu_total) = match (previous, elapsed) {
        (Some(p), Some(elapsed)) if elapsed > 0.0 => {
            let cpu = percent(stat.cpu_ticks(), p.ticks, elapsed);
            let total = p.total_ticks.map_or(cpu, |before| percent(total_ticks, before, elapsed));
            (Some(cpu), Some(total))
        }
        _ => (None, None),
    };
    let reads = if previous.is_some() { reads } else { Reads::ALL };
    let (io, io_at) = if reads.io {
        let io = process::read_io(identity.pid).ok();
        let before = previous.and_then(|p| p.io.map(|io| (io, p.io_at)));
        let since = before.map_or(0.0, |(_, at)| now.duration_since(at).as_secs_f64());
        (carried.read, carried.write) = match io {
            Some(io) => io_figures(io, before.map(|(io, _)| io), since),
            None => Default::default(),
        };
        (io, now)
    } else {
        previous.map_or((None, now), |p| (p.io, p.io_at))
    };
    let memory = stat.rss_pages * page;
    let memory_total_bytes = total_rss * page;
    let pct = |bytes: u64| if memory_total > 0 { bytes as f64 * 100.0 / memory_total as f64 } else { 0.0 };
    let started = system::boot_time_cached() as f64 + stat.start_ticks as f64 / ticks_per_sec;
    let uptime = (now_secs() as f64 - started).max(0.0) as u64;
    if reads.fds {
        carried.fds = process::count_fds(identity.pid).ok();
        carried.fds_total = carried.fds.map(|own| {
            own + family.descendants.iter().filter_map(|(p, _, _)| process::count_fds(*p).ok()).sum::<u64>()
        });
    }
    if reads.label {
        carried.label = process::read_security_label(identity.pid);
    }
    let data = ProcessData {
        pid: identity.pid,
        ppid: stat.ppid,
        uid: fixed.ids.uid,
        euid: fixed.ids.euid,
        gid: fixed.ids.gid,
        uptime_secs: uptime,
        threads: stat.threads,
        children: family.children,
        cpu_percent: cpu,
        cpu_total_percent: cpu_total,
        memory_bytes: memory,
        memory_percent: pct(memory),
        memory_total_bytes,
        memory_total_percent: pct(memory_total_bytes),
        filedescriptors: carried.fds,
        filedescriptors_total: carried.fds_total,
        filedescriptors_limit: fixed.fd_limits,
        zombie: stat.is_zombie(),
        read: carried.read,
        write: carried.write,
        security_attribute: carried.label.clone(),
    };
    let sample = CpuSample { identity, ticks: stat.cpu_ticks(), total_ticks: Some(total_ticks), io, io_at, at: now };
    (data, sample)
}

/// Monit's process I/O figures from `/proc/PID/io`: bytes through any I/O (`rchar`,
/// `wchar`), bytes from and to disk (`read_bytes`, `write_bytes`) and read and write calls
/// (`syscr`, `syscw`), each a total and a rate over `elapsed` seconds since `before` (0
/// without an earlier reading).
fn io_figures(now: process::Io, before: Option<process::Io>, elapsed: f64) -> (IoFigures, IoFigures) {
    let counter = |total: u64, earlier: Option<u64>| {
        let per_second = match earlier {
            Some(b) if elapsed > 0.0 => total.saturating_sub(b) as f64 / elapsed,
            _ => 0.0,
        };
        Some(IoCounter { per_second, total })
    };
    let read = IoFigures {
        bytes: counter(now.rchar, before.map(|b| b.rchar)),
        disk_bytes: counter(now.read_bytes, before.map(|b| b.read_bytes)),
        operations: counter(now.syscr, before.map(|b| b.syscr)),
    };
    let write = IoFigures {
        bytes: counter(now.wchar, before.map(|b| b.wchar)),
        disk_bytes: counter(now.write_bytes, before.map(|b| b.write_bytes)),
        operations: counter(now.syscw, before.map(|b| b.syscw)),
    };
    (read, write)
}

/// Seconds since the epoch, for `data collected`.
pub fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pidfile_of_a_live_process_locates_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let pidfile = dir.path().join("p.pid");
        std::fs::write(&pidfile, format!("{}\n", child.id())).unwrap();
        let finder = Finder::new(&ProcessTarget::Pidfile(pidfile.to_string_lossy().into_owned()), None);
        let located = finder.locate(None, None);
        child.kill().unwrap();
        child.wait().unwrap();
        match located {
            Located::Running(id, stat) => {
                assert_eq!(id.pid, child.id() as i32);
                assert_eq!(stat.start_ticks, id.start_ticks);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(finder.locate(None, None), Located::Missing(_)));
    }

    #[test]
    fn a_pidfile_older_than_its_process_is_a_reused_pid() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("stale.pid");
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        std::fs::write(&pidfile, format!("{}\n", child.id())).unwrap();
        // Backdate the file to before the process started.
        let old = SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options().write(true).open(&pidfile).unwrap().set_modified(old).unwrap();
        let located = locate_by_pidfile(&pidfile, None, None, &mut Default::default());
        child.kill().unwrap();
        child.wait().unwrap();
        match located {
            Located::Missing(reason) => assert!(reason.contains("started after the file was written"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn matching_finds_a_process_and_measures_it() {
        let mut child = std::process::Command::new("sleep").arg("31.5").spawn().unwrap();
        let table = ProcessTable::scan();
        let finder = Finder::new(&ProcessTarget::Matching("^sleep 31\\.5$".into()), None);
        let located = finder.locate(Some(&table), None);
        let result = match &located {
            Located::Running(id, stat) => {
                let fixed = Fixed::read(id.pid);
                let family = Family::from_table(&table, id.pid);
                let mut carried = Carried::default();
                let none = Reads { io: false, fds: false, label: false };
                // A first sample reads everything, whatever `reads` says.
                let (data, sample) = measure(*id, stat, &fixed, Some(&family), None, none, &mut carried);
                let children = Family::from_children_files(id.pid, stat.threads);
                let (again, later) = measure(*id, stat, &fixed, Some(&children), Some(sample), none, &mut carried);
                // Figures not read again are the last reading's, and so is the I/O sample.
                assert_eq!((later.io, later.io_at), (sample.io, sample.io_at));
                assert!(data.filedescriptors.is_some() && data.read.bytes.is_some());
                assert_eq!((&again.filedescriptors, &again.read), (&data.filedescriptors, &data.read));
                let (fresh, last) = measure(*id, stat, &fixed, Some(&children), Some(later), Reads::ALL, &mut carried);
                assert!(last.io_at > sample.io_at && fresh.filedescriptors.is_some());
                Some((id.pid, data, again))
            }
            _ => None,
        };
        child.kill().unwrap();
        child.wait().unwrap();
        let (pid, data, again) = result.expect("sleep found");
        assert_eq!(pid, child.id() as i32);
        assert_eq!(data.pid, pid);
        assert_eq!(data.ppid, std::process::id() as i32);
        assert!(data.memory_bytes > 0);
        assert_eq!(data.cpu_percent, None, "the first sample has no CPU figure");
        assert!(again.cpu_percent.is_some());
        assert!(data.filedescriptors.is_some());
    }

    /// A regression test: children and totals were 0 and the process's own figures unless
    /// a rule asked for them; they come from the children files now.
    #[test]
    fn children_and_totals_without_a_table() {
        let mut parent = std::process::Command::new("sh").args(["-c", "sleep 30 & sleep 31 & wait"]).spawn().unwrap();
        let pid = parent.id() as i32;
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        let mut measured = None;
        while Instant::now() < deadline {
            let stat = process::read_stat(pid).unwrap();
            let id = Identity { pid, start_ticks: stat.start_ticks };
            let (data, _) = measure(id, &stat, &Fixed::read(pid), None, None, Reads::ALL, &mut Carried::default());
            // Until both children have exec'd `sleep`, a fork in the middle of its exec
            // may show no memory or descriptors of its own: poll for the settled figures.
            let settled = data.children == 2
                && data.memory_total_bytes > data.memory_bytes
                && data.filedescriptors_total > data.filedescriptors;
            measured = Some(data);
            if settled {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let kids = process::descendants_of(pid);
        for kid in &kids {
            let _ = rustix::process::kill_process(
                rustix::process::Pid::from_raw(*kid).unwrap(),
                rustix::process::Signal::KILL,
            );
        }
        parent.kill().unwrap();
        parent.wait().unwrap();
        let data = measured.expect("measured at least once");
        assert_eq!(data.children, 2, "{data:?}");
        assert!(data.memory_total_bytes > data.memory_bytes, "{data:?}");
        assert!(data.filedescriptors_total > data.filedescriptors, "{data:?}");
        assert!(data.read.bytes.is_some_and(|c| c.total > 0), "{data:?}");
    }

    #[test]
    fn io_rates_over_the_cycle() {
        let before = process::Io { rchar: 100, wchar: 10, syscr: 4, syscw: 1, read_bytes: 0, write_bytes: 4096 };
        let now = process::Io { rchar: 300, wchar: 10, syscr: 8, syscw: 1, read_bytes: 8192, write_bytes: 4096 };
        let (read, write) = io_figures(now, Some(before), 2.0);
        assert_eq!(read.bytes, Some(IoCounter { per_second: 100.0, total: 300 }));
        assert_eq!(read.disk_bytes, Some(IoCounter { per_second: 4096.0, total: 8192 }));
        assert_eq!(read.operations, Some(IoCounter { per_second: 2.0, total: 8 }));
        assert_eq!(write.disk_bytes, Some(IoCounter { per_second: 0.0, total: 4096 }));
        let (first, _) = io_figures(now, None, 0.0);
        assert_eq!(first.bytes, Some(IoCounter { per_second: 0.0, total: 300 }));
    }
}
