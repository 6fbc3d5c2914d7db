//! Reaping orphans when rmonit is the init of its PID namespace, as the entrypoint of a
//! container. Daemonizing services are reparented to init; an init that never waits for
//! them leaves every one that dies as a zombie, holding its pid for ever. Monit does not
//! reap them; rmonit does, sparing the programs it started itself, whose exit status its
//! waiters collect.

use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};
use tracing::debug;

/// A look without SIGCHLD, in case one was coalesced while we were busy.
const FALLBACK_PERIOD: Duration = Duration::from_secs(5);

/// True when this process is its PID namespace's init.
pub fn is_init() -> bool {
    rustix::process::getpid().is_init()
}

/// Reaps orphaned zombies at every SIGCHLD, until cancelled.
pub async fn reap_orphans() {
    let Ok(mut child_exited) = signal(SignalKind::child()) else {
        return;
    };
    let mut fallback = tokio::time::interval(FALLBACK_PERIOD);
    loop {
        tokio::select! {
            _ = child_exited.recv() => {}
            _ = fallback.tick() => {}
        }
        crate::exec::forget_gone(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        for pid in zombie_orphans() {
            if reap(pid) {
                debug!("reaped the orphan with pid {pid}");
            }
        }
    }
}

/// Our zombie children that are not programs we started.
fn zombie_orphans() -> Vec<i32> {
    let own = std::process::id() as i32;
    let children = crate::procfs::process::children_of(own);
    children.into_iter().filter(|&pid| !crate::exec::is_own_child(pid) && is_zombie(pid)).collect()
}

/// Collects one zombie's status, without blocking.
fn reap(pid: i32) -> bool {
    let Some(target) = rustix::process::Pid::from_raw(pid) else { return false };
    matches!(rustix::process::waitpid(Some(target), rustix::process::WaitOptions::NOHANG), Ok(Some(_)))
}

fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next()))
        == Some('Z')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zombie_child_is_reaped_and_a_program_of_ours_is_spared() {
        let mut ours = std::process::Command::new("true").spawn().unwrap();
        let stranger = std::process::Command::new("true").spawn().unwrap();
        let (ours_pid, stranger_pid) = (ours.id() as i32, stranger.id() as i32);
        crate::exec::register_for_tests(ours_pid);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !(is_zombie(ours_pid) && is_zombie(stranger_pid)) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        // Only these two are reaped: other tests' children belong to their waiters.
        let orphans = zombie_orphans();
        assert!(orphans.contains(&stranger_pid), "{orphans:?}");
        assert!(!orphans.contains(&ours_pid));
        assert!(reap(stranger_pid));
        assert!(!std::path::Path::new(&format!("/proc/{stranger_pid}")).exists());
        assert!(ours.wait().unwrap().success(), "our program's status is still there for its waiter");
        std::mem::forget(stranger);
    }
}
