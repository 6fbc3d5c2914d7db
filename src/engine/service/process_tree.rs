//! A process and its descendants, signalled as one when a service without a stop program
//! is stopped: each process is known by its pid and start time, so a recycled pid is
//! never signalled.

/// A process and its descendants, each with its start time (its identity with the pid).
pub(super) fn process_tree(pid: i32) -> Vec<(i32, u64)> {
    std::iter::once(pid)
        .chain(crate::procfs::process::descendants_of(pid))
        .filter_map(|p| crate::procfs::process::read_stat(p).ok().map(|s| (p, s.start_ticks)))
        .collect()
}

/// Whether `pid` still names the live process that started at `started`.
pub(super) fn still_the_same(pid: i32, started: u64) -> bool {
    crate::procfs::process::read_stat(pid).is_ok_and(|s| s.start_ticks == started && !s.is_zombie())
}

/// Signals every process of a tree that is still the one recorded, never a recycled pid,
/// and never one that is no service's (PID 1, rmonit, its ancestors), whatever the tree.
pub(super) fn signal_tree(tree: &[(i32, u64)], signal: rustix::process::Signal) {
    for &(pid, started) in tree {
        if still_the_same(pid, started)
            && crate::checks::verify::never_the_service(pid).is_none()
            && let Some(target) = rustix::process::Pid::from_raw(pid)
        {
            let _ = rustix::process::kill_process(target, signal);
        }
    }
}
