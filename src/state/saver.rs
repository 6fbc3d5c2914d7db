//! The state saver: one task owns the state file and what it last wrote. It saves once a
//! second when the state changed, and at once when asked ([`SaverHandle::save_now`]), so
//! that an acknowledged change of monitoring mode is on disk before the answer goes out.
//!
//! Requests that arrive while a save runs are served together by the next one: a burst of
//! a hundred commands costs a few fsyncs, not a hundred in series. A request is answered
//! only by a save that began after it arrived, so whatever its caller changed before
//! asking is in what was written. A save that fails answers with the reason; the next
//! request or tick tries again.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::persist::{self, StateFile};

/// How often the state is saved when it changed and nobody asked.
pub const SAVE_EVERY: Duration = Duration::from_secs(1);

/// What the state file should hold now (the daemon's services, read from the board).
pub type Source = Box<dyn Fn() -> StateFile + Send + Sync>;

/// Why a save did not reach the disk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the state file {path} could not be written ({reason})")]
pub struct SaveError {
    pub path: String,
    pub reason: String,
}

type Reply = oneshot::Sender<Result<(), SaveError>>;

/// How the rest of the daemon asks for a save.
#[derive(Clone)]
pub struct SaverHandle {
    requests: mpsc::UnboundedSender<Reply>,
    path: std::sync::Arc<str>,
}

impl SaverHandle {
    /// Saves the state as it is now and returns once it is on disk (or why it is not).
    pub async fn save_now(&self) -> Result<(), SaveError> {
        let (tx, rx) = oneshot::channel();
        let stopped = || SaveError { path: self.path.to_string(), reason: "the state saver has stopped".to_owned() };
        self.requests.send(tx).map_err(|_| stopped())?;
        rx.await.unwrap_or_else(|_| Err(stopped()))
    }
}

/// Starts the saver; it stops at `cancel`, between two saves. Its first look writes the
/// file.
pub fn spawn(path: PathBuf, source: Source, cancel: CancellationToken) -> (SaverHandle, JoinHandle<()>) {
    let (requests, inbox) = mpsc::unbounded_channel();
    let handle = SaverHandle { requests, path: path.display().to_string().into() };
    let saver = Saver { path, source, last: None, failing: false };
    (handle, tokio::spawn(saver.run(inbox, cancel)))
}

struct Saver {
    path: PathBuf,
    source: Source,
    /// What the file holds, as far as this saver knows.
    last: Option<StateFile>,
    /// The last save failed (logged once until one succeeds).
    failing: bool,
}

impl Saver {
    async fn run(mut self, mut inbox: mpsc::UnboundedReceiver<Reply>, cancel: CancellationToken) {
        let mut tick = tokio::time::interval(SAVE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let mut waiting = Vec::new();
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return,
                Some(first) = inbox.recv() => {
                    waiting.push(first);
                    while let Ok(more) = inbox.try_recv() {
                        waiting.push(more);
                    }
                }
                _ = tick.tick() => {}
            }
            let result = self.save_if_changed().await;
            for reply in waiting {
                let _ = reply.send(result.clone());
            }
        }
    }

    /// Writes the state if it differs from what the file holds. The write and its fsync
    /// run off the async threads: a slow disk delays the next save, never a check.
    async fn save_if_changed(&mut self) -> Result<(), SaveError> {
        let now = (self.source)();
        if self.last.as_ref() == Some(&now) {
            return Ok(());
        }
        let (path, saving) = (self.path.clone(), now.clone());
        let saved = tokio::task::spawn_blocking(move || persist::save(&path, &saving))
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        match saved {
            Ok(()) => {
                if std::mem::take(&mut self.failing) {
                    info!("the state file {} is written again", self.path.display());
                }
                self.last = Some(now);
                Ok(())
            }
            Err(e) => {
                let error = SaveError { path: self.path.display().to_string(), reason: e.to_string() };
                if !std::mem::replace(&mut self.failing, true) {
                    warn!("{error}");
                }
                Err(error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::state::persist::ServiceState;

    fn state(monitored: bool) -> StateFile {
        StateFile::new(1, vec![ServiceState { monitored, ..ServiceState::new("web", "Process") }])
    }

    #[tokio::test]
    async fn a_request_returns_once_the_state_is_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        let monitored = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let source = monitored.clone();
        let cancel = CancellationToken::new();
        let (saver, task) = spawn(path.clone(), Box::new(move || state(source.load(Ordering::SeqCst))), cancel.clone());
        monitored.store(false, Ordering::SeqCst);
        saver.save_now().await.unwrap();
        match persist::load(&path) {
            persist::Loaded::Valid(saved) => assert!(!saved.services[0].monitored),
            other => panic!("{other:?}"),
        }
        cancel.cancel();
        task.await.unwrap();
    }

    #[tokio::test]
    async fn a_burst_of_requests_shares_saves() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        let reads = Arc::new(AtomicU32::new(0));
        let counter = reads.clone();
        let source: Source = Box::new(move || {
            // Each look sees a new state, so each save writes.
            let n = counter.fetch_add(1, Ordering::SeqCst);
            state(n.is_multiple_of(2))
        });
        let cancel = CancellationToken::new();
        let (saver, task) = spawn(path, source, cancel.clone());
        // On this single-threaded runtime the hundred requests are all sent before the
        // saver's first look.
        let burst: Vec<_> = (0..100)
            .map(|_| {
                let saver = saver.clone();
                tokio::spawn(async move { saver.save_now().await })
            })
            .collect();
        for request in burst {
            request.await.unwrap().unwrap();
        }
        let saves = reads.load(Ordering::SeqCst);
        assert!(saves < 10, "100 requests took {saves} saves");
        cancel.cancel();
        task.await.unwrap();
    }

    #[tokio::test]
    async fn a_failed_save_answers_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("state");
        let cancel = CancellationToken::new();
        let (saver, task) = spawn(path, Box::new(|| state(false)), cancel.clone());
        let error = saver.save_now().await.unwrap_err();
        assert!(error.to_string().contains("missing-dir/state could not be written"), "{error}");
        cancel.cancel();
        task.await.unwrap();
    }
}
