//! What the alert notifier tells readers about itself: how many alerts wait in its queue,
//! how many it delivered, and the last delivery error. The notifier writes, the status
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
    /// Alerts accepted since the daemon started.
    pub delivered: u64,
    /// The last delivery error, until a later delivery succeeds on the same channel.
    pub last_error: Option<String>,
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
    /// One line for `status` and `/_runtime`: `3 alerts queued, 12 delivered, last error: ...`.
    pub fn describe(&self) -> String {
        let mut line = format!("{} queued, {} delivered", self.queued, self.delivered);
        if let Some(error) = &self.last_error {
            line.push_str(&format!(", last delivery error: {error}"));
        }
        line
    }
}
