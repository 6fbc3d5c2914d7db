//! The log of a listener's refusals, summarised: a flood must not write the log full. The
//! first refusal of a kind is logged in full by the listener (unless the interval before
//! had some too: the flood goes on); the rest are counted, and at the end of each interval
//! ([`SUMMARY_INTERVAL`]) one line says how many there were and which client had the most.
//! A flood of any length thus costs one line, then one every interval.

use std::collections::HashMap;
use std::fmt::Display;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Duration;

/// How often the counts of an interval with refusals are logged.
pub const SUMMARY_INTERVAL: Duration = Duration::from_secs(10);

/// Clients counted by name in one interval; more are counted together.
const MAX_CLIENTS: usize = 4096;

/// What happened to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Refused by the host ACL or by peer credentials.
    Denied,
    /// Refused: a limit was met and nothing could be closed to make room.
    Full,
    /// An idle one closed to make room for a new one (counted for the client that lost it).
    Evicted,
    /// The TLS handshake failed or took too long.
    Handshake,
    /// `accept` failed (out of descriptors, most likely).
    AcceptFailed,
}

const KINDS: [(Kind, &str); 5] = [
    (Kind::Denied, "denied"),
    (Kind::Full, "refused for want of room"),
    (Kind::Evicted, "closed to make room"),
    (Kind::Handshake, "failed TLS handshakes"),
    (Kind::AcceptFailed, "failed accepts"),
];

fn index(kind: Kind) -> usize {
    KINDS.iter().position(|(k, _)| *k == kind).unwrap_or(0)
}

/// The refusals of one listener, shared by its accept loop and its connections.
#[derive(Debug)]
pub struct RefusalLog<K> {
    /// Names the listener in the summary (`web interface`, `control socket`).
    listener: &'static str,
    // A std Mutex: held to count one refusal or to take the counts, never across an await.
    interval: Mutex<Interval<K>>,
}

/// The counts of the current interval.
#[derive(Debug)]
struct Interval<K> {
    counts: [u64; KINDS.len()],
    /// The kinds whose first was logged in full in this interval.
    logged: [bool; KINDS.len()],
    /// The kinds seen in the interval before.
    ongoing: [bool; KINDS.len()],
    clients: HashMap<K, u64>,
}

impl<K: Hash + Eq + Display> RefusalLog<K> {
    pub fn new(listener: &'static str) -> RefusalLog<K> {
        let interval = Interval {
            counts: [0; KINDS.len()],
            logged: [false; KINDS.len()],
            ongoing: [false; KINDS.len()],
            clients: HashMap::new(),
        };
        RefusalLog { listener, interval: Mutex::new(interval) }
    }

    /// Counts one; true when it is the first of its kind in this interval and the interval
    /// before had none, which the caller then logs in full.
    pub fn note(&self, kind: Kind, client: Option<K>) -> bool {
        let mut interval = self.interval.lock().unwrap_or_else(|p| p.into_inner());
        let i = index(kind);
        interval.counts[i] += 1;
        let first = interval.counts[i] == 1 && !interval.ongoing[i];
        interval.logged[i] |= first;
        if let Some(client) = client
            && (interval.clients.len() < MAX_CLIENTS || interval.clients.contains_key(&client))
        {
            *interval.clients.entry(client).or_default() += 1;
        }
        first
    }

    /// The line that ends an interval, when it had more than the lines logged in full;
    /// the counts start again.
    pub fn summary(&self) -> Option<String> {
        let mut interval = self.interval.lock().unwrap_or_else(|p| p.into_inner());
        let counts = std::mem::replace(&mut interval.counts, [0; KINDS.len()]);
        let logged = std::mem::replace(&mut interval.logged, [false; KINDS.len()]);
        let clients = std::mem::take(&mut interval.clients);
        interval.ongoing = counts.map(|c| c > 0);
        drop(interval);
        if counts.iter().zip(logged).all(|(&count, logged)| count <= u64::from(logged)) {
            return None;
        }
        let parts: Vec<String> = KINDS
            .iter()
            .zip(counts)
            .filter(|(_, count)| *count > 0)
            .map(|((_, what), count)| format!("{count} {what}"))
            .collect();
        let top = clients
            .iter()
            .max_by_key(|(_, count)| **count)
            .map(|(client, count)| format!("; most from [{client}] ({count})"))
            .unwrap_or_default();
        Some(format!(
            "{}: connections in the last {} s: {}{top}",
            self.listener,
            SUMMARY_INTERVAL.as_secs(),
            parts.join(", ")
        ))
    }

    /// Logs the summary, if any.
    pub fn flush(&self) {
        if let Some(line) = self.summary() {
            tracing::warn!("{line}");
        }
    }

    /// The next connection of a listener's accept loop (`accept` is the listener's own),
    /// `None` once `cancel` fires. Meanwhile the summary is logged every
    /// [`SUMMARY_INTERVAL`], and a failed accept is counted (the first one logged) and
    /// followed by a short pause, so a lack of descriptors cannot spin the loop.
    pub async fn next_connection<T, F>(
        &self,
        accept: impl Fn() -> F,
        summary: &mut tokio::time::Interval,
        cancel: &tokio_util::sync::CancellationToken,
    ) -> Option<T>
    where
        F: Future<Output = std::io::Result<T>>,
    {
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return None,
                _ = summary.tick() => self.flush(),
                accepted = accept() => match accepted {
                    Ok(connection) => return Some(connection),
                    Err(e) => {
                        if self.note(Kind::AcceptFailed, None) {
                            tracing::warn!("{}: accept failed: {e}", self.listener);
                        }
                        tokio::time::sleep(ACCEPT_PAUSE).await;
                    }
                },
            }
        }
    }
}

/// How long an accept loop pauses after a failed accept.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// The summary timer of an accept loop: every [`SUMMARY_INTERVAL`], late ticks delayed.
pub fn summary_timer() -> tokio::time::Interval {
    let mut summary = tokio::time::interval(SUMMARY_INTERVAL);
    summary.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_of_each_kind_is_logged_then_one_summary_per_interval() {
        let log = RefusalLog::new("web interface");
        assert!(log.note(Kind::Evicted, Some("10.0.0.1")));
        assert!(log.summary().is_none(), "nothing beyond the line logged in full");
        assert!(!log.note(Kind::Evicted, Some("10.0.0.1")), "the flood goes on: counted only");
        for _ in 0..999 {
            assert!(!log.note(Kind::Evicted, Some("10.0.0.1")));
        }
        assert!(log.note(Kind::Full, Some("10.0.0.2")), "a new kind is logged at once");
        assert!(!log.note(Kind::Full, Some("10.0.0.2")));
        assert!(log.note(Kind::AcceptFailed, None));
        assert_eq!(
            log.summary().unwrap(),
            "web interface: connections in the last 10 s: 2 refused for want of room, 1000 closed to make room, \
             1 failed accepts; most from [10.0.0.1] (1000)"
        );
        assert!(!log.note(Kind::Full, Some("10.0.0.2")), "an unlogged one is summarised");
        assert_eq!(
            log.summary().unwrap(),
            "web interface: connections in the last 10 s: 1 refused for want of room; most from [10.0.0.2] (1)"
        );
        assert!(log.summary().is_none(), "a quiet interval says nothing");
        assert!(log.note(Kind::Full, Some("10.0.0.2")), "after a quiet interval, a new flood is logged at once");
    }

    #[test]
    fn clients_beyond_the_bound_are_counted_but_not_named() {
        let log = RefusalLog::new("web interface");
        for i in 0..MAX_CLIENTS as u32 + 10 {
            log.note(Kind::Denied, Some(i));
        }
        assert_eq!(log.interval.lock().unwrap().clients.len(), MAX_CLIENTS);
        assert!(log.summary().unwrap().contains(&format!("{} denied", MAX_CLIENTS + 10)));
    }
}
