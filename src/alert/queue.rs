//! The durable alert queue (reference §7.2, done differently): one file per alert in the
//! queue directory, named by a sequence number so that the directory listing is the
//! delivery order. A file is written to a temporary name, synced, renamed into place and
//! the directory synced, before any delivery is tried, so an alert survives a crash or
//! `kill -9` at any point; it is removed once its server accepted it. `slots` bounds the
//! number of files; a full queue refuses new alerts (the notifier logs each one). The
//! files are JSON, readable by any version, and an unreadable one is moved aside rather
//! than blocking the queue. Blocking file I/O: callers run it in `spawn_blocking`.

use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::format::RenderedMail;
use super::webhook::RenderedWebhook;

/// The suffix of a queued alert's file.
const SUFFIX: &str = ".alert";

/// What an alert carries to its channel, rendered once when it was queued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "channel")]
pub enum Payload {
    Mail(RenderedMail),
    Webhook(RenderedWebhook),
}

/// One queued alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedAlert {
    pub service: String,
    /// `Does not exist web`, for log lines.
    pub summary: String,
    pub payload: Payload,
}

impl QueuedAlert {
    /// The recipient, for log lines.
    pub fn recipient(&self) -> &str {
        match &self.payload {
            Payload::Mail(mail) => &mail.to,
            Payload::Webhook(hook) => &hook.url,
        }
    }
}

/// Why an alert was not queued.
#[derive(Debug)]
pub enum PushError {
    /// `slots` files are there already.
    Full(u32),
    Io(io::Error),
}

/// The queue directory.
#[derive(Debug)]
pub struct AlertQueue {
    dir: PathBuf,
    slots: Option<u32>,
    next_seq: u64,
    len: usize,
}

impl AlertQueue {
    /// Opens (creating, mode 0700) the directory; removes temporary files a crash left.
    pub fn open(dir: &Path, slots: Option<u32>) -> io::Result<AlertQueue> {
        fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        for entry in fs::read_dir(dir)?.flatten() {
            if entry.file_name().to_string_lossy().ends_with(".tmp") {
                let _ = fs::remove_file(entry.path());
            }
        }
        let mut queue = AlertQueue { dir: dir.to_path_buf(), slots, next_seq: 1, len: 0 };
        let entries = queue.entries()?;
        queue.next_seq = entries.last().map_or(1, |last| last + 1);
        Ok(queue)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A reload may change `slots`; the directory stays.
    pub fn set_slots(&mut self, slots: Option<u32>) {
        self.slots = slots;
    }

    fn path(&self, seq: u64) -> PathBuf {
        self.dir.join(format!("{seq:020}{SUFFIX}"))
    }

    /// Writes an alert durably; returns its sequence number.
    pub fn push(&mut self, alert: &QueuedAlert) -> Result<u64, PushError> {
        if let Some(slots) = self.slots
            && self.len >= slots as usize
        {
            return Err(PushError::Full(slots));
        }
        let seq = self.next_seq;
        let text = serde_json::to_vec_pretty(alert).map_err(|e| PushError::Io(io::Error::other(e)))?;
        let temporary = self.dir.join(format!(".{seq:020}.tmp"));
        let written = (|| {
            let mut file = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temporary)?;
            file.write_all(&text)?;
            file.sync_all()?;
            fs::rename(&temporary, self.path(seq))?;
            File::open(&self.dir)?.sync_all()
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&temporary);
            return Err(PushError::Io(e));
        }
        self.next_seq += 1;
        self.len += 1;
        Ok(seq)
    }

    /// The sequence numbers of the queued alerts, oldest first.
    pub fn entries(&mut self) -> io::Result<Vec<u64>> {
        let mut seqs: Vec<u64> = fs::read_dir(&self.dir)?
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(SUFFIX)?.parse().ok())
            .collect();
        seqs.sort_unstable();
        self.len = seqs.len();
        Ok(seqs)
    }

    /// Reads one alert. An unreadable file is renamed to `<name>.unreadable` and reported,
    /// so that it never blocks the alerts behind it.
    pub fn read(&mut self, seq: u64) -> Result<QueuedAlert, String> {
        let path = self.path(seq);
        let parsed = fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()));
        parsed.map_err(|e| {
            let aside = path.with_extension("alert.unreadable");
            let _ = fs::rename(&path, &aside);
            self.len = self.len.saturating_sub(1);
            format!("cannot read the queued alert {}: {e}; moved to {}", path.display(), aside.display())
        })
    }

    /// Removes a delivered (or rejected) alert.
    pub fn remove(&mut self, seq: u64) -> io::Result<()> {
        match fs::remove_file(self.path(seq)) {
            Ok(()) => {
                self.len = self.len.saturating_sub(1);
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(n: u32) -> QueuedAlert {
        QueuedAlert {
            service: format!("s{n}"),
            summary: format!("Does not exist s{n}"),
            payload: Payload::Webhook(RenderedWebhook {
                url: "http://h/".to_owned(),
                headers: vec![],
                body: "{}".to_owned(),
            }),
        }
    }

    #[test]
    fn alerts_keep_their_order_across_reopening_and_slots_bound_the_queue() {
        let dir = tempfile::tempdir().unwrap();
        let mut queue = AlertQueue::open(dir.path(), Some(3)).unwrap();
        for n in 0..3 {
            queue.push(&alert(n)).unwrap();
        }
        assert!(matches!(queue.push(&alert(3)), Err(PushError::Full(3))));
        let first = queue.entries().unwrap()[0];
        queue.remove(first).unwrap();
        fs::write(dir.path().join(".00000000000000000009.tmp"), "half").unwrap();
        let mut reopened = AlertQueue::open(dir.path(), None).unwrap();
        assert_eq!(reopened.len(), 2);
        let seq = reopened.push(&alert(4)).unwrap();
        let services: Vec<String> =
            reopened.entries().unwrap().into_iter().map(|s| reopened.read(s).unwrap().service).collect();
        assert_eq!(services, ["s1", "s2", "s4"]);
        assert_eq!(seq, 4);
        assert!(!dir.path().join(".00000000000000000009.tmp").exists());
    }

    #[test]
    fn an_unreadable_file_is_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let mut queue = AlertQueue::open(dir.path(), None).unwrap();
        fs::write(dir.path().join(format!("{:020}{SUFFIX}", 7)), "not json").unwrap();
        let seq = queue.entries().unwrap()[0];
        assert!(queue.read(seq).unwrap_err().contains("moved to"));
        assert!(queue.entries().unwrap().is_empty());
    }
}
