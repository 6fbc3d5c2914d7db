//! Recent history per service for the dashboard's charts: one point per sample period
//! (10 s by default) over the last hour, and the share of time up over the last 24 hours in
//! one-minute buckets. Bounded: a service costs a few kilobytes whatever the cycle length.
//! The daemon saves it beside the state file now and then and at exit, so the charts
//! survive a restart ([`History::to_bytes`], [`History::restore`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::state::board::Snapshot;
use crate::state::status::{Monitoring, ServiceData, ServiceStatus};

/// How often a point is taken.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(10);
/// How far back the charts go unless `set httpd ... history D` says otherwise.
pub const DEFAULT_LENGTH: Duration = Duration::from_secs(3600);
/// Minutes of up/down kept for the uptime share.
const UPTIME_MINUTES: usize = 24 * 60;

/// One sample of a service.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Seconds since the epoch.
    pub at: u64,
    pub cpu_percent: Option<f32>,
    pub memory_bytes: Option<u64>,
    pub response_ms: Option<f32>,
    /// Monitored and free of failed events.
    pub up: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Track {
    points: std::collections::VecDeque<Point>,
    /// (minute since the epoch, samples up, samples) per minute, oldest first.
    minutes: std::collections::VecDeque<(u64, u32, u32)>,
}

/// The history of every service, by name.
#[derive(Debug)]
pub struct History {
    tracks: Mutex<HashMap<String, Track>>,
    /// Points kept per service.
    capacity: AtomicUsize,
}

impl Default for History {
    fn default() -> History {
        History { tracks: Mutex::default(), capacity: AtomicUsize::new(points_in(DEFAULT_LENGTH)) }
    }
}

fn points_in(length: Duration) -> usize {
    (length.as_secs() / SAMPLE_EVERY.as_secs()).max(1) as usize
}

impl History {
    /// How far back the charts go (`set httpd ... history D`).
    pub fn set_length(&self, length: Duration) {
        self.capacity.store(points_in(length), Ordering::Relaxed);
    }

    pub fn length(&self) -> Duration {
        SAMPLE_EVERY * self.capacity.load(Ordering::Relaxed) as u32
    }

    /// Takes one point of every monitored service; forgets services that are gone.
    pub fn sample(&self, snapshot: &Snapshot) {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let mut tracks = self.tracks.lock().unwrap_or_else(|p| p.into_inner());
        tracks.retain(|name, _| snapshot.services.iter().any(|s| &s.name == name));
        let capacity = self.capacity.load(Ordering::Relaxed);
        for service in &snapshot.services {
            // Unmonitored and not yet checked services have nothing to show.
            if service.monitoring != Monitoring::Monitored {
                continue;
            }
            let point = point_of(service, now);
            let track = tracks.entry(service.name.clone()).or_default();
            while track.points.len() >= capacity {
                track.points.pop_front();
            }
            track.points.push_back(point);
            let minute = now / 60;
            match track.minutes.back_mut() {
                Some((m, up, total)) if *m == minute => {
                    *up += u32::from(point.up);
                    *total += 1;
                }
                _ => {
                    if track.minutes.len() == UPTIME_MINUTES {
                        track.minutes.pop_front();
                    }
                    track.minutes.push_back((minute, u32::from(point.up), 1));
                }
            }
        }
    }

    /// The points of a service, oldest first.
    pub fn points(&self, name: &str) -> Vec<Point> {
        let tracks = self.tracks.lock().unwrap_or_else(|p| p.into_inner());
        tracks.get(name).map(|t| t.points.iter().copied().collect()).unwrap_or_default()
    }

    /// The share of samples up over the last 24 hours, in percent (None before the first).
    pub fn uptime_percent(&self, name: &str) -> Option<f64> {
        let tracks = self.tracks.lock().unwrap_or_else(|p| p.into_inner());
        let track = tracks.get(name)?;
        let since =
            SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() / 60) - UPTIME_MINUTES as u64;
        let (up, total) = track
            .minutes
            .iter()
            .filter(|(m, _, _)| *m > since)
            .fold((0u64, 0u64), |(u, t), (_, up, total)| (u + u64::from(*up), t + u64::from(*total)));
        (total > 0).then(|| up as f64 * 100.0 / total as f64)
    }
}

/// The saved form: a format tag, then the tracks by service name.
#[derive(Serialize, Deserialize)]
struct Saved {
    format: String,
    tracks: HashMap<String, Track>,
}

const SAVED_FORMAT: &str = "rmonit-history-1";

impl History {
    /// Everything, for saving.
    pub fn to_bytes(&self) -> Vec<u8> {
        let tracks = self.tracks.lock().unwrap_or_else(|p| p.into_inner());
        #[derive(Serialize)]
        struct SavedRef<'a> {
            format: &'a str,
            tracks: &'a HashMap<String, Track>,
        }
        serde_json::to_vec(&SavedRef { format: SAVED_FORMAT, tracks: &tracks }).unwrap_or_default()
    }

    /// Takes back what [`History::to_bytes`] saved, keeping only what is still recent
    /// enough to show; services that are gone are dropped at the next sample.
    pub fn restore(&self, bytes: &[u8]) -> Result<(), String> {
        let saved: Saved = serde_json::from_slice(bytes).map_err(|e| format!("not a history file: {e}"))?;
        if saved.format != SAVED_FORMAT {
            return Err(format!("unknown history format {}", saved.format));
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let oldest = now.saturating_sub(self.length().as_secs());
        let oldest_minute = (now / 60).saturating_sub(UPTIME_MINUTES as u64);
        let capacity = self.capacity.load(Ordering::Relaxed);
        let mut tracks = self.tracks.lock().unwrap_or_else(|p| p.into_inner());
        for (name, mut track) in saved.tracks {
            track.points.retain(|p| p.at > oldest && p.at <= now);
            while track.points.len() > capacity {
                track.points.pop_front();
            }
            track.minutes.retain(|(m, _, _)| *m > oldest_minute && *m <= now / 60);
            tracks.insert(name, track);
        }
        Ok(())
    }
}

fn point_of(service: &ServiceStatus, at: u64) -> Point {
    let (cpu_percent, memory_bytes) = match &service.data {
        ServiceData::Process(p) => {
            (p.cpu_total_percent.or(p.cpu_percent).map(|c| c as f32), Some(p.memory_total_bytes))
        }
        ServiceData::System(s) => (s.cpu.as_ref().map(|c| (c.user + c.system + c.nice) as f32), Some(s.memory_bytes)),
        _ => (None, None),
    };
    Point {
        at,
        cpu_percent,
        memory_bytes,
        response_ms: service
            .connections
            .iter()
            .filter_map(|c| c.response_time)
            .reduce(f64::max)
            .map(|secs| (secs * 1000.0) as f32),
        up: service.failed.is_empty() && service.monitoring == Monitoring::Monitored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_points_and_an_uptime_share() {
        let mut ok = crate::state::report::tests::service("web", "Process");
        ok.monitoring = Monitoring::Monitored;
        let snapshot = crate::state::report::tests::snapshot(vec![ok.clone()]);
        let history = History::default();
        for _ in 0..400 {
            history.sample(&snapshot);
        }
        assert_eq!(history.points("web").len(), 360, "one hour at 10 s");
        history.set_length(Duration::from_secs(600));
        history.sample(&snapshot);
        assert_eq!(history.points("web").len(), 60, "a shorter history drops the oldest points");
        assert_eq!(history.length(), Duration::from_secs(600));
        assert_eq!(history.uptime_percent("web"), Some(100.0));
        let mut failing = ok.clone();
        failing.failed.insert(crate::config::model::EventKind::Nonexist, "gone".into());
        history.sample(&crate::state::report::tests::snapshot(vec![failing]));
        let share = history.uptime_percent("web").unwrap();
        assert!(share < 100.0 && share > 99.0, "{share}");
        let restored = History::default();
        restored.restore(&history.to_bytes()).unwrap();
        assert_eq!(restored.points("web"), history.points("web"), "saved and restored");
        assert_eq!(restored.uptime_percent("web"), Some(share));
        assert!(restored.restore(b"{}").is_err() && restored.restore(b"garbage").is_err());
        history.sample(&crate::state::report::tests::snapshot(vec![]));
        assert!(history.points("web").is_empty(), "a removed service is forgotten");
    }
}
