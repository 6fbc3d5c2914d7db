//! Which process may be a service's. rmonit runs as root and acts on what pidfiles and
//! `matching` patterns tell it, so it takes a process for a service's (the one `stop`
//! signals when there is no stop program) only when these rules hold. When they do not,
//! the service fails with a `data` event that says why, its existence is not judged (so
//! no rule restarts it), and nothing is signalled.
//!
//! 1. **Never PID 1, rmonit itself, or one of rmonit's ancestors** (the shell or sshd it
//!    was started from, its supervisor): a pidfile that says `1` must not stop the host.
//! 2. **A pidfile gives its owner no power they lack.** A pidfile owned by a user other
//!    than root names only a process its owner could signal themselves (the process's real
//!    or saved uid is the owner's), or one that runs as the service's `as uid`.
//! 3. **A pidfile does not go back in time without evidence.** When it changes to name a
//!    process that started before the one rmonit last knew for the service, that older
//!    process must run the same executable (device and inode) as the same real user as the
//!    known one, as when a binary upgrade is rolled back; an unrelated process never does.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::procfs::process::{self, Ids, Stat};

use super::process::Identity;

/// What rmonit knew of the process it last took for the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    pub identity: Identity,
    /// Device and inode of its executable.
    pub exe: Option<(u64, u64)>,
    pub uid: Option<u32>,
}

impl Known {
    /// Reads the executable and owner of a process just taken for the service.
    pub fn of(identity: Identity) -> Known {
        Known { identity, exe: executable(identity.pid), uid: process::read_ids(identity.pid).ok().map(|ids| ids.uid) }
    }
}

/// Device and inode of the executable a process runs (also after it was deleted).
pub fn executable(pid: i32) -> Option<(u64, u64)> {
    let stat = rustix::fs::stat(format!("/proc/{pid}/exe")).ok()?;
    Some((stat.st_dev, stat.st_ino))
}

/// Why a process can never be a service's, if it cannot (rule 1): `PID 1`, `pid 812,
/// rmonit itself`, `pid 77 (sshd), an ancestor of rmonit`.
pub fn never_the_service(pid: i32) -> Option<String> {
    if pid == 1 {
        return Some("PID 1".to_owned());
    }
    if pid == std::process::id() as i32 {
        return Some(format!("pid {pid}, rmonit itself"));
    }
    if ancestors().contains(&pid) {
        let name = process::read_stat(pid).map(|s| s.comm).unwrap_or_default();
        return Some(format!("pid {pid} ({name}), an ancestor of rmonit"));
    }
    None
}

/// How long the list of rmonit's ancestors is reused; a new parent (after a reparenting)
/// is seen within this time.
const ANCESTORS_TTL: Duration = Duration::from_secs(1);

/// rmonit's ancestors up to (without) PID 1, read again at most every [`ANCESTORS_TTL`].
fn ancestors() -> Vec<i32> {
    static CACHE: Mutex<Option<(Instant, Vec<i32>)>> = Mutex::new(None);
    let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((at, list)) = cache.as_ref()
        && at.elapsed() < ANCESTORS_TTL
    {
        return list.clone();
    }
    let mut list = Vec::new();
    let mut pid = rustix::process::getppid().map_or(0, |p| p.as_raw_nonzero().get());
    while pid > 1 && list.len() < 1024 && !list.contains(&pid) {
        list.push(pid);
        pid = process::read_stat(pid).map_or(0, |s| s.ppid);
    }
    *cache = Some((Instant::now(), list.clone()));
    list
}

/// Rule 2: whether the owner of a pidfile may name this process.
pub fn owner_may_name(owner: u32, ids: &Ids, as_uid: Option<u32>) -> bool {
    owner == 0 || ids.uid == owner || ids.suid == owner || as_uid.is_some_and(|u| u == ids.uid || u == ids.euid)
}

/// Rules 2 and 3 for the process a pidfile names: `Err` says why it is not the service's.
pub fn pidfile_may_name(
    path: &str,
    owner: u32,
    stat: &Stat,
    known: Option<&Known>,
    as_uid: Option<u32>,
) -> Result<(), String> {
    let pid = stat.pid;
    let ids =
        process::read_ids(pid).map_err(|e| format!("pidfile {path} names pid {pid}, whose owner is unknown: {e}"))?;
    if !owner_may_name(owner, &ids, as_uid) {
        let service_user = as_uid.map_or(String::new(), |u| format!(" nor the service's user {u}"));
        return Err(format!(
            "pidfile {path} belongs to uid {owner} but names pid {pid} ({}) of uid {}, which neither its owner{service_user} may signal: not the service's process without evidence",
            stat.comm, ids.uid
        ));
    }
    if let Some(known) = known
        && known.identity.pid != pid
        && stat.start_ticks < known.identity.start_ticks
        && (known.exe.is_none() || executable(pid) != known.exe || known.uid != Some(ids.uid))
    {
        return Err(format!(
            "pidfile {path} now names pid {pid} ({}), which started before pid {}, the service's process, and runs another program or user: not the service's process without evidence",
            stat.comm, known.identity.pid
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_1_rmonit_and_its_parent_are_never_the_service() {
        assert_eq!(never_the_service(1).as_deref(), Some("PID 1"));
        let me = std::process::id() as i32;
        assert_eq!(never_the_service(me), Some(format!("pid {me}, rmonit itself")));
        let parent = rustix::process::getppid().unwrap().as_raw_nonzero().get();
        if parent > 1 {
            assert!(never_the_service(parent).unwrap().ends_with("an ancestor of rmonit"));
        }
        let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let verdict = never_the_service(child.id() as i32);
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(verdict, None);
    }

    #[test]
    fn a_pidfile_owner_names_only_what_they_could_signal() {
        let alice = Ids { uid: 1000, euid: 1000, suid: 1000, gid: 1000, egid: 1000 };
        let root = Ids { uid: 0, euid: 0, suid: 0, gid: 0, egid: 0 };
        let setuid_by_alice = Ids { uid: 1000, euid: 0, suid: 0, ..alice };
        assert!(owner_may_name(1000, &alice, None));
        assert!(owner_may_name(0, &alice, None), "root's pidfile names anyone");
        assert!(!owner_may_name(1000, &root, None), "alice's pidfile cannot name root's process");
        assert!(owner_may_name(1000, &setuid_by_alice, None));
        assert!(!owner_may_name(33, &alice, None));
        assert!(owner_may_name(33, &alice, Some(1000)), "the service's own user");
    }

    #[test]
    fn an_older_process_needs_the_same_executable_and_user() {
        let mut older = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let mut younger = std::process::Command::new("cat").stdin(std::process::Stdio::piped()).spawn().unwrap();
        let stat = |pid: u32| process::read_stat(pid as i32).unwrap();
        let (old, young) = (stat(older.id()), stat(younger.id()));
        let known = Known::of(Identity { pid: young.pid, start_ticks: young.start_ticks });
        let unrelated = pidfile_may_name("/p", 0, &old, Some(&known), None);
        let same_program = Known { exe: executable(old.pid), ..known };
        let rollback = pidfile_may_name("/p", 0, &old, Some(&same_program), None);
        let first = pidfile_may_name("/p", 0, &old, None, None);
        for child in [&mut older, &mut younger] {
            child.kill().unwrap();
            child.wait().unwrap();
        }
        assert!(unrelated.unwrap_err().contains("started before pid"));
        if young.start_ticks > old.start_ticks {
            assert_eq!(rollback, Ok(()));
        }
        assert_eq!(first, Ok(()), "with nothing known, the owner rule alone decides");
    }
}
