//! What the alert notifier tells readers about itself: how many alerts wait in its queue
//! (and how many of them in memory, while the queue directory refuses writes), how many it
//! delivered or had to drop, and the last delivery error. The notifier writes, the status
//! pages and the JSON API read; it outlives engine reloads, as the queue does.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde::Serialize;

/// The notifier's figures, copied out whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AlertQueueStatus {
    /// The queue directory (empty before the notifier started).
    pub directory: String,
    /// Alerts written to the queue and not yet accepted by their server.
    pub queued: usize,
    /// Of `queued`, those held in memory because the directory refused to take them.
    pub in_memory: usize,
    /// Alerts accepted since the daemon started.
    pub delivered: u64,
    /// Alerts dropped since the daemon started because the queue was full.
    pub dropped: u64,
    /// Delivery attempts that failed since the daemon started (each deferred or refused).
    pub delivery_errors: u64,
    /// The last delivery error, until a delivery empties the queue.
    pub last_error: Option<String>,
    #[serde(with = "crate::timestamp::option")]
    pub last_error_at: Option<SystemTime>,
}

/// Shared by the notifier (writer) and readers. A std Mutex: every critical section is a
/// copy or a field update, never held across an await.
#[derive(Debug, Clone, Default)]
pub struct AlertStatusBoard {
    inner: Arc<Mutex<AlertQueueStatus>>,
    /// Counts updates, so cached pages that show these figures are rendered again.
    generation: Arc<AtomicU64>,
}

impl AlertStatusBoard {
    pub fn get(&self) -> AlertQueueStatus {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    pub fn update(&self, f: impl FnOnce(&mut AlertQueueStatus)) {
        f(&mut self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        self.generation.fetch_add(1, Ordering::Release);
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}

impl AlertQueueStatus {
    /// One line for `status` and `/_runtime`: `3 queued (1 in memory), 12 delivered, 2
    /// dropped, last delivery error: ...`, the parts in parentheses and the drops only
    /// when there are any.
    pub fn describe(&self) -> String {
        let mut line = format!("{} queued", self.queued);
        if self.in_memory > 0 {
            line.push_str(&format!(" ({} in memory)", self.in_memory));
        }
        line.push_str(&format!(", {} delivered", self.delivered));
        if self.dropped > 0 {
            line.push_str(&format!(", {} dropped", self.dropped));
        }
        if let Some(error) = &self.last_error {
            line.push_str(&format!(", last delivery error: {error}"));
        }
        line
    }

    /// Whether `status` has something to say about alerts.
    pub fn worth_showing(&self) -> bool {
        self.queued > 0 || self.dropped > 0 || self.last_error.is_some()
    }
}
