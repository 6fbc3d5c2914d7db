//! The status board: every service's status behind one lock, copied out whole so readers
//! get a consistent snapshot and never hold the lock while they format or send.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::alerts::{AlertQueueStatus, AlertStatusBoard};
use super::status::ServiceStatus;

/// A consistent copy of every service's status, in configuration order.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub services: Vec<ServiceStatus>,
    /// When the daemon started (for `uptime` in summaries).
    pub started: SystemTime,
    pub poll_interval_ms: u64,
}

/// Shared by the engine (writer) and the control plane (readers). A std Mutex: every
/// critical section is a copy or an update of one entry, never held across an await.
#[derive(Debug, Clone)]
pub struct Board {
    inner: Arc<Mutex<Snapshot>>,
    /// Counts updates, so readers can tell that nothing changed since they last rendered.
    generation: Arc<AtomicU64>,
    /// The alert notifier's figures; it outlives the board (reloads).
    alerts: AlertStatusBoard,
    /// The engine's own figures (checks running, checks done, overruns).
    activity: Arc<Activity>,
}

/// What the engine is doing, counted as it goes (for `/metrics`).
#[derive(Debug, Default)]
pub struct Activity {
    in_flight: AtomicUsize,
    checks: AtomicU64,
    overruns: AtomicU64,
}

/// [`Activity`] read at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActivityFigures {
    /// Checks running now.
    pub in_flight: usize,
    /// Checks done since the engine started.
    pub checks: u64,
    /// Checks that took longer than their cycle.
    pub overruns: u64,
}

/// A check in progress: counted in flight until it is dropped.
pub struct CheckInFlight(Arc<Activity>);

impl CheckInFlight {
    /// The check is over after `elapsed`, with a cycle of `interval`.
    pub fn done(self, elapsed: std::time::Duration, interval: std::time::Duration) {
        self.0.checks.fetch_add(1, Ordering::Relaxed);
        if elapsed > interval {
            self.0.overruns.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Drop for CheckInFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Board {
    pub fn new(services: Vec<ServiceStatus>, poll_interval_ms: u64) -> Board {
        Board {
            inner: Arc::new(Mutex::new(Snapshot { services, started: SystemTime::now(), poll_interval_ms })),
            generation: Arc::new(AtomicU64::new(0)),
            alerts: AlertStatusBoard::default(),
            activity: Arc::default(),
        }
    }

    /// A check begins.
    pub fn check_begins(&self) -> CheckInFlight {
        self.activity.in_flight.fetch_add(1, Ordering::Relaxed);
        CheckInFlight(Arc::clone(&self.activity))
    }

    /// The engine's figures now.
    pub fn activity(&self) -> ActivityFigures {
        ActivityFigures {
            in_flight: self.activity.in_flight.load(Ordering::Relaxed),
            checks: self.activity.checks.load(Ordering::Relaxed),
            overruns: self.activity.overruns.load(Ordering::Relaxed),
        }
    }

    /// Counting the uptime from `started` (the daemon's start, which a reload keeps).
    pub fn started_at(self, started: SystemTime) -> Board {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner).started = started;
        self
    }

    /// With the notifier's figures, shown by `status`, `/_runtime` and the API.
    pub fn with_alerts(mut self, alerts: AlertStatusBoard) -> Board {
        self.alerts = alerts;
        self
    }

    /// The alert queue's figures.
    pub fn alerts(&self) -> AlertQueueStatus {
        self.alerts.get()
    }

    /// How many updates there have been. Read it before taking a snapshot: the snapshot is
    /// then at least that new.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire).wrapping_add(self.alerts.generation())
    }

    /// A copy of everything.
    pub fn snapshot(&self) -> Snapshot {
        self.inner.lock().map(|s| s.clone()).unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Updates one service's status in place.
    pub fn update(&self, name: &str, f: impl FnOnce(&mut ServiceStatus)) {
        let mut guard = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(status) = guard.services.iter_mut().find(|s| s.name == name) {
            f(status);
        }
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// A service's monitoring state and whether anything failed, by name (any case),
    /// without copying its status.
    pub fn find(&self, name: &str) -> Option<(super::status::Monitoring, bool)> {
        let guard = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.services.iter().find(|s| s.name.eq_ignore_ascii_case(name)).map(|s| (s.monitoring, !s.failed.is_empty()))
    }

    /// One service's status.
    pub fn get(&self, name: &str) -> Option<ServiceStatus> {
        let guard = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.services.iter().find(|s| s.name == name).cloned()
    }
}
