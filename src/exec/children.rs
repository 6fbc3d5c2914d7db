//! The programs we started and have not waited for yet. When rmonit is the init of its PID
//! namespace it reaps orphans (see `daemon::reaper`); this registry keeps it away from
//! the children tokio still has to wait for, whose exit status we need.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

static OWN_CHILDREN: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

/// Past this many entries, the ones whose process is gone are dropped at the next start
/// (outside PID 1 nothing else prunes programs whose waiter was dropped).
const PRUNE_ABOVE: usize = 256;

/// Records a program just started.
pub(crate) fn register(pid: i32) {
    let mut set = OWN_CHILDREN.lock().unwrap_or_else(PoisonError::into_inner);
    if set.len() > PRUNE_ABOVE {
        set.retain(|&p| std::path::Path::new(&format!("/proc/{p}")).exists());
    }
    set.insert(pid);
}

/// Forgets a program once its exit status was collected.
pub(super) fn forget(pid: i32) {
    OWN_CHILDREN.lock().unwrap_or_else(PoisonError::into_inner).remove(&pid);
}

/// True for a program we started and whose status is still to be collected by its waiter
/// (or by tokio, for a program whose waiter was dropped).
pub fn is_own_child(pid: i32) -> bool {
    OWN_CHILDREN.lock().unwrap_or_else(PoisonError::into_inner).contains(&pid)
}

/// Drops the programs that are gone (reaped by tokio after their waiter was dropped), so
/// their pids, once reused by orphans, are not mistaken for ours.
pub fn forget_gone(exists: impl Fn(i32) -> bool) {
    OWN_CHILDREN.lock().unwrap_or_else(PoisonError::into_inner).retain(|&pid| exists(pid));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_until_forgotten() {
        register(-42);
        assert!(is_own_child(-42));
        forget(-42);
        assert!(!is_own_child(-42));
        register(-43);
        forget_gone(|pid| pid != -43);
        assert!(!is_own_child(-43));
    }
}
