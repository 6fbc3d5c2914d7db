//! The durable alert queue (reference §7.2, done differently): one file per alert in the
//! queue directory, named by a sequence number so that the directory listing is the
//! delivery order. A file is written to a temporary name, synced, renamed into place and
//! the directory synced, before any delivery is tried, so an alert survives a crash or
//! `kill -9` at any point; it is removed once its server accepted it. `slots` bounds the
//! number of alerts; a full queue refuses new ones. The files are JSON, readable by any
//! version, and an unreadable one is moved aside rather than blocking the queue.
//!
//! When the directory refuses a write (a full disk, a read-only remount, an I/O error),
//! alerts wait in memory instead, each with its sequence number: they are delivered from
//! there as the files are, and written out under the same numbers, oldest first, as soon
//! as a write succeeds again; until then every later alert waits in memory behind them.
//! An alert is in one place at a time and known by its number, so the delivery order is
//! the arrival order and none is sent twice. `slots` bounds memory and disk together
//! (without it, memory holds at most [`HELD_WITHOUT_SLOTS`]). What memory holds is lost
//! if the daemon dies before the directory takes it; a clean stop tries a last time. The
//! queue reports its changes of state ([`QueueNews`]) once each way, not per alert or
//! attempt. Blocking file I/O: callers run it in `spawn_blocking`.
//!
//! An alert of a rule's transition carries the transition's identity. The queue takes one
//! alert per transition and recipient: one queued already, or handled lately (kept in
//! `handled-events.json` before its file is removed), is not queued again, so a daemon
//! killed after it queued or sent an alert but before it saved the transition does not
//! send it twice after the restart.

use std::collections::VecDeque;
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::format::RenderedMail;
use super::webhook::RenderedWebhook;

/// The suffix of a queued alert's file.
const SUFFIX: &str = ".alert";

/// The file, in the queue's directory, of the transitions whose alerts were handled last.
const HANDLED_FILE: &str = "handled-events.json";

/// How many handled transitions are remembered: far more than a restart can see again.
const HANDLED_KEPT: usize = 256;

/// Without `slots`, how many alerts memory holds while the directory refuses writes (a
/// few kilobytes each). Monit has no such state: it drops what it cannot write.
pub const HELD_WITHOUT_SLOTS: usize = 1000;

/// What an alert carries to its channel, rendered once when it was queued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "channel")]
pub enum Payload {
    Mail(RenderedMail),
    Webhook(RenderedWebhook),
    /// An event for M/Monit's collectors (`set mmonit`).
    Mmonit(super::mmonit::RenderedMmonit),
}

/// One queued alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedAlert {
    pub service: String,
    /// `Does not exist web`, for log lines.
    pub summary: String,
    pub payload: Payload,
    /// The transition it tells of (see [`crate::alert::Notice::event_id`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
}

impl QueuedAlert {
    /// The recipient, for log lines.
    pub fn recipient(&self) -> &str {
        match &self.payload {
            Payload::Mail(mail) => &mail.to,
            Payload::Webhook(hook) => &hook.url,
            Payload::Mmonit(_) => super::mmonit::RECIPIENT,
        }
    }
}

/// Why an alert was not queued.
/// (The notifier's log line names the queue's directory too.)
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PushError {
    /// `slots` alerts wait already, on disk and in memory.
    #[error("the alert queue is full ({0} slots)")]
    Full(u32),
    /// The directory refuses writes and, without `slots`, memory holds
    /// [`HELD_WITHOUT_SLOTS`] alerts already.
    #[error("the alert queue cannot write to its directory and holds {0} alerts in memory")]
    MemoryFull(usize),
}

/// A change of the queue's state, reported once (the notifier logs it).
#[derive(Debug, Clone, PartialEq)]
pub enum QueueNews {
    /// A write failed: from now on alerts wait in memory, `room` of them at most.
    Unwritable { error: String, room: usize },
    /// A write succeeded again; `written` alerts held in memory went to the directory.
    Writable { written: usize },
}

impl QueueNews {
    /// The log line.
    pub fn describe(&self, dir: &Path) -> String {
        match self {
            QueueNews::Unwritable { error, room } => format!(
                "event queue: cannot write to {} ({error}); holding alerts in memory (room for {room}) until it is \
                 writable again",
                dir.display()
            ),
            QueueNews::Writable { written } => {
                format!("event queue: {} writable again, {} written", dir.display(), n_alerts(*written))
            }
        }
    }
}

/// While the directory refuses writes.
#[derive(Debug)]
struct Unwritable {
    /// The latest refusal, without the errno (`No space left on device`).
    error: String,
    /// Alerts moved from memory to the directory since a write last failed.
    written: usize,
}

/// The queue directory, and the alerts that wait in memory while it refuses writes.
#[derive(Debug)]
pub struct AlertQueue {
    dir: PathBuf,
    slots: Option<u32>,
    next_seq: u64,
    /// The files in the directory, as last counted.
    on_disk: usize,
    /// Alerts the directory refused, oldest first; never also on disk.
    held: VecDeque<(u64, QueuedAlert)>,
    /// The transition each queued alert tells of, with its recipient, by sequence number.
    events: std::collections::BTreeMap<u64, (String, String)>,
    /// The transitions of the latest alerts handled (delivered or refused), with their
    /// recipients, oldest first; kept in [`HANDLED_FILE`].
    handled: VecDeque<(String, String)>,
    unwritable: Option<Unwritable>,
    news: Vec<QueueNews>,
    /// Unit tests: the errno every write fails with.
    #[cfg(test)]
    fault: Option<i32>,
}

/// The files of Monit's own event queue in `dir` (`<unix time>_<hex>`, reference §7.2),
/// when rmonit's queue shares Monit's `set eventqueue basedir`. Monit writes raw memory
/// into them (its structs, pointers included), so only the Monit that wrote one can read
/// it: rmonit leaves them where they are, and says so once.
pub fn monits_event_files(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut names: Vec<String> = entries
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| {
            name.split_once('_').is_some_and(|(time, address)| {
                !time.is_empty()
                    && time.bytes().all(|b| b.is_ascii_digit())
                    && !address.is_empty()
                    && address.bytes().all(|b| b.is_ascii_hexdigit())
            })
        })
        .collect();
    names.sort();
    names
}

impl AlertQueue {
    /// Opens (creating, mode 0700) the directory; removes temporary files a crash left.
    pub fn open(dir: &Path, slots: Option<u32>) -> io::Result<AlertQueue> {
        fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        for entry in fs::read_dir(dir)?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".tmp") || name.starts_with(&format!("{HANDLED_FILE}.tmp.")) {
                let _ = fs::remove_file(entry.path());
            }
        }
        let mut queue = AlertQueue {
            dir: dir.to_path_buf(),
            slots,
            next_seq: 1,
            on_disk: 0,
            held: VecDeque::new(),
            events: Default::default(),
            handled: fs::read(dir.join(HANDLED_FILE))
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .unwrap_or_default(),
            unwritable: None,
            news: Vec::new(),
            #[cfg(test)]
            fault: None,
        };
        let entries = queue.entries()?;
        queue.next_seq = entries.last().map_or(1, |last| last + 1);
        // (An unreadable file is left to the first delivery pass, which reports it.)
        for seq in entries {
            let alert = fs::read(queue.path(seq)).ok().and_then(|b| serde_json::from_slice::<QueuedAlert>(&b).ok());
            if let Some(alert) = alert {
                queue.remember(seq, &alert);
            }
        }
        Ok(queue)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The alerts waiting, on disk and in memory.
    pub fn len(&self) -> usize {
        self.on_disk + self.held.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The alerts waiting in memory because the directory refused them.
    pub fn held_len(&self) -> usize {
        self.held.len()
    }

    /// Why the directory refuses writes, while it does.
    pub fn unwritable_error(&self) -> Option<&str> {
        self.unwritable.as_ref().map(|u| u.error.as_str())
    }

    /// The changes of state since the last call, oldest first.
    pub fn take_news(&mut self) -> Vec<QueueNews> {
        std::mem::take(&mut self.news)
    }

    /// A reload may change `slots`; the directory stays.
    pub fn set_slots(&mut self, slots: Option<u32>) {
        self.slots = slots;
    }

    /// Whether an alert of the same transition to the same recipient is queued: a daemon
    /// killed after queuing an alert and before saving its transition sees the transition
    /// again after the restart, and must not send it twice.
    pub fn holds(&self, alert: &QueuedAlert) -> bool {
        let Some(event) = &alert.event else { return false };
        let same = |(e, to): &(String, String)| e == event && to == alert.recipient();
        self.events.values().any(same) || self.handled.iter().any(same)
    }

    fn remember(&mut self, seq: u64, alert: &QueuedAlert) {
        if let Some(event) = &alert.event {
            self.events.insert(seq, (event.clone(), alert.recipient().to_owned()));
        }
    }

    /// Keeps a handled alert's transition, on disk before its file goes: a daemon killed
    /// after the delivery and before saving the transition sees it again after the restart.
    /// A failed write is harmless but for that case.
    fn remember_handled(&mut self, event: (String, String)) {
        self.handled.push_back(event);
        while self.handled.len() > HANDLED_KEPT {
            self.handled.pop_front();
        }
        if let Ok(bytes) = serde_json::to_vec(&self.handled) {
            let _ = crate::state::persist::write_atomically(&self.dir.join(HANDLED_FILE), &bytes);
        }
    }

    fn path(&self, seq: u64) -> PathBuf {
        self.dir.join(format!("{seq:020}{SUFFIX}"))
    }

    /// Queues an alert: durably, or in memory while the directory refuses writes (after
    /// trying to write out what memory holds); returns its sequence number.
    pub fn push(&mut self, alert: &QueuedAlert) -> Result<u64, PushError> {
        if let Some(slots) = self.slots
            && self.len() >= slots as usize
        {
            return Err(PushError::Full(slots));
        }
        self.flush_held();
        if self.slots.is_none() && self.held.len() >= HELD_WITHOUT_SLOTS {
            return Err(PushError::MemoryFull(HELD_WITHOUT_SLOTS));
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.remember(seq, alert);
        // Behind alerts still in memory a new one waits there too, so that the directory
        // never holds a later alert while an earlier one could be lost.
        if self.held.is_empty() {
            match self.write(seq, alert) {
                Ok(()) => {
                    self.on_disk += 1;
                    self.writable_again();
                    return Ok(seq);
                }
                Err(e) => self.refused(&e),
            }
        }
        self.held.push_back((seq, alert.clone()));
        Ok(seq)
    }

    /// Writes the alerts held in memory to the directory, oldest first, until a write
    /// fails; the directory is writable again once memory is empty.
    pub fn flush_held(&mut self) {
        let mut wrote = false;
        while let Some((seq, alert)) = self.held.front() {
            if let Err(e) = self.write(*seq, alert) {
                self.refused(&e);
                return;
            }
            self.held.pop_front();
            self.on_disk += 1;
            wrote = true;
            if let Some(unwritable) = &mut self.unwritable {
                unwritable.written += 1;
            }
        }
        if wrote {
            self.writable_again();
        }
    }

    /// A write failed: reported when it is the first since the directory took one.
    fn refused(&mut self, error: &io::Error) {
        let error = without_errno(error);
        match &mut self.unwritable {
            Some(unwritable) => unwritable.error = error,
            None => {
                let room = self.slots.map_or(HELD_WITHOUT_SLOTS, |s| (s as usize).saturating_sub(self.on_disk));
                self.news.push(QueueNews::Unwritable { error: error.clone(), room });
                self.unwritable = Some(Unwritable { error, written: 0 });
            }
        }
    }

    /// A write succeeded: reported when writes had failed.
    fn writable_again(&mut self) {
        if let Some(unwritable) = self.unwritable.take() {
            self.news.push(QueueNews::Writable { written: unwritable.written });
        }
    }

    /// Writes one alert's file: temporary name, sync, rename.
    fn write(&self, seq: u64, alert: &QueuedAlert) -> io::Result<()> {
        #[cfg(test)]
        if let Some(errno) = self.fault {
            return Err(io::Error::from_raw_os_error(errno));
        }
        let text = serde_json::to_vec_pretty(alert).map_err(io::Error::other)?;
        let temporary = self.dir.join(format!(".{seq:020}.tmp"));
        let written = (|| {
            let mut file = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temporary)?;
            file.write_all(&text)?;
            file.sync_all()?;
            fs::rename(&temporary, self.path(seq))
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&temporary);
            return Err(e);
        }
        // Renamed, the alert is on disk. A failed directory sync makes the rename less
        // sure to outlive a power cut, but reporting a failed write would keep the alert
        // in memory as well, to be delivered twice.
        let _ = File::open(&self.dir).and_then(|d| d.sync_all());
        Ok(())
    }

    /// The sequence numbers of the queued alerts, oldest first, on disk and in memory.
    pub fn entries(&mut self) -> io::Result<Vec<u64>> {
        let mut seqs = match self.files() {
            Ok(files) => {
                self.on_disk = files.len();
                files
            }
            Err(e) if self.held.is_empty() => return Err(e),
            // The directory cannot be listed: what memory holds can still go.
            Err(_) => Vec::new(),
        };
        seqs.extend(self.held.iter().map(|(seq, _)| *seq));
        seqs.sort_unstable();
        seqs.dedup();
        Ok(seqs)
    }

    /// The sequence numbers of the files in the directory.
    fn files(&self) -> io::Result<Vec<u64>> {
        Ok(fs::read_dir(&self.dir)?
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(SUFFIX)?.parse().ok())
            .collect())
    }

    /// Reads one alert. An unreadable file is renamed to `<name>.unreadable` and reported,
    /// so that it never blocks the alerts behind it.
    pub fn read(&mut self, seq: u64) -> Result<QueuedAlert, String> {
        if let Some((_, alert)) = self.held.iter().find(|(s, _)| *s == seq) {
            return Ok(alert.clone());
        }
        let path = self.path(seq);
        let parsed = fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()));
        parsed.map_err(|e| {
            let aside = path.with_extension("alert.unreadable");
            let _ = fs::rename(&path, &aside);
            self.on_disk = self.on_disk.saturating_sub(1);
            format!("cannot read the queued alert {}: {e}; moved to {}", path.display(), aside.display())
        })
    }

    /// Removes a delivered (or rejected) alert, from memory or from the directory.
    pub fn remove(&mut self, seq: u64) -> io::Result<()> {
        if let Some(event) = self.events.remove(&seq) {
            self.remember_handled(event);
        }
        if let Some(index) = self.held.iter().position(|(s, _)| *s == seq) {
            self.held.remove(index);
            return Ok(());
        }
        match fs::remove_file(self.path(seq)) {
            Ok(()) => {
                self.on_disk = self.on_disk.saturating_sub(1);
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// `1 alert`, `2 alerts`.
pub fn n_alerts(n: usize) -> String {
    if n == 1 { "1 alert".to_owned() } else { format!("{n} alerts") }
}

/// `No space left on device`, without ` (os error 28)`.
fn without_errno(error: &io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_owned(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ENOSPC.
    const NO_SPACE: i32 = 28;

    fn alert(n: u32) -> QueuedAlert {
        QueuedAlert {
            service: format!("s{n}"),
            summary: format!("Does not exist s{n}"),
            payload: Payload::Webhook(RenderedWebhook {
                url: "http://h/".to_owned(),
                headers: vec![],
                body: "{}".to_owned(),
            }),
            event: None,
        }
    }

    /// The services of the queued alerts, in delivery order.
    fn services(queue: &mut AlertQueue) -> Vec<String> {
        let seqs = queue.entries().unwrap();
        seqs.into_iter().map(|s| queue.read(s).unwrap().service).collect()
    }

    /// The alert files in `dir`.
    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(SUFFIX))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn monits_event_files_are_found_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["1795463298_55bd48c661d0", "1795463299_55bd48c661f8", "00000000000000000001.alert", "notes_x"] {
            fs::write(dir.path().join(name), "x").unwrap();
        }
        let queue = AlertQueue::open(dir.path(), None).unwrap();
        assert_eq!(monits_event_files(dir.path()), ["1795463298_55bd48c661d0", "1795463299_55bd48c661f8"]);
        assert_eq!(queue.len(), 1, "only rmonit's own alert is queued");
        assert!(dir.path().join("1795463298_55bd48c661d0").exists(), "left in place");
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
        assert_eq!(services(&mut reopened), ["s1", "s2", "s4"]);
        assert_eq!(seq, 4);
        assert!(!dir.path().join(".00000000000000000009.tmp").exists());
    }

    #[test]
    fn an_alert_of_a_transition_queued_before_is_known_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let of = |event: &str| QueuedAlert { event: Some(event.to_owned()), ..alert(1) };
        let mut queue = AlertQueue::open(dir.path(), None).unwrap();
        let seq = queue.push(&of("s1\nNonexist: if does not exist then alert\n1")).unwrap();
        assert!(queue.holds(&of("s1\nNonexist: if does not exist then alert\n1")));
        let mut reopened = AlertQueue::open(dir.path(), None).unwrap();
        assert!(reopened.holds(&of("s1\nNonexist: if does not exist then alert\n1")));
        assert!(!reopened.holds(&of("s1\nNonexist: if does not exist then alert\n2")), "the next transition");
        assert!(!reopened.holds(&alert(1)), "an alert without a transition (a reminder, an action)");
        reopened.remove(seq).unwrap();
        let reopened = AlertQueue::open(dir.path(), None).unwrap();
        assert!(reopened.holds(&of("s1\nNonexist: if does not exist then alert\n1")), "delivered: still known");
        assert_eq!(reopened.len(), 0);
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

    #[test]
    fn refused_writes_hold_alerts_in_memory_in_order_until_the_directory_takes_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut queue = AlertQueue::open(dir.path(), Some(10)).unwrap();
        queue.push(&alert(0)).unwrap();
        queue.fault = Some(NO_SPACE);
        queue.push(&alert(1)).unwrap();
        queue.push(&alert(2)).unwrap();
        queue.flush_held();
        let news = queue.take_news();
        assert_eq!(news, [QueueNews::Unwritable { error: "No space left on device".to_owned(), room: 9 }]);
        assert_eq!(
            news[0].describe(Path::new("/q")),
            "event queue: cannot write to /q (No space left on device); holding alerts in memory (room for 9) \
             until it is writable again"
        );
        assert_eq!((queue.len(), queue.held_len(), files(dir.path()).len()), (3, 2, 1));
        assert_eq!(services(&mut queue), ["s0", "s1", "s2"], "disk first, then memory, in arrival order");
        assert_eq!(queue.unwritable_error(), Some("No space left on device"));
        // The first is delivered meanwhile; then space returns.
        let first = queue.entries().unwrap()[0];
        queue.remove(first).unwrap();
        queue.fault = None;
        queue.flush_held();
        let news = queue.take_news();
        assert_eq!(news, [QueueNews::Writable { written: 2 }]);
        assert_eq!(news[0].describe(Path::new("/q")), "event queue: /q writable again, 2 alerts written");
        assert_eq!(files(dir.path()), [format!("{:020}{SUFFIX}", 2), format!("{:020}{SUFFIX}", 3)], "same numbers");
        assert_eq!((queue.len(), queue.held_len()), (2, 0));
        queue.push(&alert(3)).unwrap();
        assert!(queue.take_news().is_empty());
        assert_eq!(services(&mut AlertQueue::open(dir.path(), None).unwrap()), ["s1", "s2", "s3"]);
    }

    #[test]
    fn an_alert_delivered_from_memory_is_not_written_afterwards() {
        let dir = tempfile::tempdir().unwrap();
        let mut queue = AlertQueue::open(dir.path(), None).unwrap();
        queue.fault = Some(NO_SPACE);
        let seq = queue.push(&alert(0)).unwrap();
        assert_eq!(queue.read(seq).unwrap(), alert(0));
        queue.remove(seq).unwrap();
        assert!(queue.is_empty());
        queue.fault = None;
        queue.flush_held();
        assert!(files(dir.path()).is_empty());
        // The directory's recovery shows with the next write.
        assert_eq!(queue.take_news().len(), 1);
        queue.push(&alert(1)).unwrap();
        assert_eq!(queue.take_news(), [QueueNews::Writable { written: 0 }]);
        assert_eq!(services(&mut queue), ["s1"]);
    }

    #[test]
    fn slots_bound_memory_and_disk_together_and_memory_is_bounded_without_them() {
        let dir = tempfile::tempdir().unwrap();
        let mut queue = AlertQueue::open(dir.path(), Some(2)).unwrap();
        queue.push(&alert(0)).unwrap();
        queue.fault = Some(NO_SPACE);
        queue.push(&alert(1)).unwrap();
        assert_eq!(queue.push(&alert(2)), Err(PushError::Full(2)));
        assert_eq!(queue.take_news(), [QueueNews::Unwritable { error: "No space left on device".to_owned(), room: 1 }]);
        queue.set_slots(None);
        for n in 2..=HELD_WITHOUT_SLOTS as u32 {
            queue.push(&alert(n)).unwrap();
        }
        assert_eq!(queue.held_len(), HELD_WITHOUT_SLOTS);
        assert_eq!(queue.push(&alert(0)), Err(PushError::MemoryFull(HELD_WITHOUT_SLOTS)));
        assert!(queue.take_news().is_empty(), "reported once");
    }
}
