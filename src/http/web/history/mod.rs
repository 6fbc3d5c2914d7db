//! Recent history per service for the dashboard's charts: one point per sample period
//! (10 s by default) over the last hour, and the share of time up over the last 24 hours in
//! ten-minute buckets. Compact and bounded: every service shares one ring of sample times,
//! and each keeps fixed-size columns of the figures it has ([`track`]), so a service costs
//! the same whatever its cycle, from under a kilobyte (a file) to about 3 kB (a
//! process) for an hour; points are built only when a chart reads them. The daemon saves it
//! beside the state file now and then and at exit, in a compact binary form ([`saved`]), so
//! the charts survive a restart.

mod saved;
mod track;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::state::board::Snapshot;
use crate::state::status::{Monitoring, ServiceData, ServiceStatus};
use track::{BUCKET_SECS, Track};

/// How often a point is taken.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(10);
/// How far back the charts go unless `set httpd ... history D` says otherwise.
pub const DEFAULT_LENGTH: Duration = Duration::from_secs(3600);

/// One sample of a service, as the charts read it.
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

/// The sample slots (a ring of `capacity` times, shared by every service) and each
/// service's columns, indexed by the same slot positions.
#[derive(Debug)]
struct Store {
    capacity: usize,
    /// Seconds since the epoch of each slot, by position.
    times: Vec<u32>,
    /// Slots taken so far; the newest is at `(next - 1) % capacity`.
    next: u64,
    tracks: HashMap<String, Track>,
}

impl Store {
    fn new(capacity: usize) -> Store {
        let capacity = capacity.max(1);
        Store { capacity, times: vec![0; capacity], next: 0, tracks: HashMap::new() }
    }

    /// The live slots, oldest first: (position, time).
    fn live(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        let count = self.next.min(self.capacity as u64);
        (self.next - count..self.next).map(|n| {
            let at = (n % self.capacity as u64) as usize;
            (at, u64::from(self.times[at]))
        })
    }

    /// Takes the next slot for `time`, empty for every service; returns its position.
    fn take_slot(&mut self, time: u64) -> usize {
        let at = (self.next % self.capacity as u64) as usize;
        self.times[at] = time.min(u64::from(u32::MAX)) as u32;
        self.next += 1;
        for track in self.tracks.values_mut() {
            track.record(at, self.capacity, None);
        }
        at
    }

    fn track(&mut self, name: &str) -> &mut Track {
        if !self.tracks.contains_key(name) {
            self.tracks.insert(name.to_owned(), Track::new(self.capacity));
        }
        self.tracks.get_mut(name).expect("just inserted")
    }

    /// Copies the slots that `keep` takes, oldest first, into `into` (which keeps only as
    /// many as it holds), with each service's uptime.
    fn replay_into(&self, into: &mut Store, keep: impl Fn(u64) -> bool) {
        for (at, time) in self.live().filter(|(_, time)| keep(*time)) {
            let to = into.take_slot(time);
            for (name, track) in &self.tracks {
                if let Some(point) = track.point(at, time) {
                    let capacity = into.capacity;
                    into.track(name).record(to, capacity, Some(&point));
                }
            }
        }
        for (name, track) in &self.tracks {
            into.track(name).uptime = track.uptime.clone();
        }
    }
}

/// The history of every service, by name.
#[derive(Debug)]
pub struct History {
    store: Mutex<Store>,
}

impl Default for History {
    fn default() -> History {
        History { store: Mutex::new(Store::new(points_in(DEFAULT_LENGTH))) }
    }
}

fn points_in(length: Duration) -> usize {
    (length.as_secs() / SAMPLE_EVERY.as_secs()).max(1) as usize
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl History {
    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How far back the charts go (`set httpd ... history D`); a change keeps the newest
    /// points that fit.
    pub fn set_length(&self, length: Duration) {
        let capacity = points_in(length);
        let mut store = self.lock();
        if store.capacity != capacity {
            let old = std::mem::replace(&mut *store, Store::new(capacity));
            old.replay_into(&mut store, |_| true);
        }
    }

    pub fn length(&self) -> Duration {
        SAMPLE_EVERY * self.lock().capacity as u32
    }

    /// Takes one point of every monitored service; forgets services that are gone.
    pub fn sample(&self, snapshot: &Snapshot) {
        let now = now_secs();
        let mut store = self.lock();
        let names: HashSet<&str> = snapshot.services.iter().map(|s| s.name.as_str()).collect();
        store.tracks.retain(|name, _| names.contains(name.as_str()));
        let at = store.take_slot(now);
        let capacity = store.capacity;
        for service in &snapshot.services {
            // Unmonitored and not yet checked services have nothing to show.
            if service.monitoring != Monitoring::Monitored {
                continue;
            }
            let point = point_of(service, now);
            let track = store.track(&service.name);
            track.record(at, capacity, Some(&point));
            track.uptime.add(now / BUCKET_SECS, u32::from(point.up), 1);
        }
    }

    /// The points of a service, oldest first.
    pub fn points(&self, name: &str) -> Vec<Point> {
        let store = self.lock();
        let Some(track) = store.tracks.get(name) else { return Vec::new() };
        store.live().filter_map(|(at, time)| track.point(at, time)).collect()
    }

    /// The share of samples up over the last 24 hours, in percent (None before the first).
    pub fn uptime_percent(&self, name: &str) -> Option<f64> {
        self.lock().tracks.get(name)?.uptime.share(now_secs() / BUCKET_SECS)
    }

    /// Everything, for saving.
    pub fn to_bytes(&self) -> Vec<u8> {
        saved::encode(&self.lock())
    }

    /// Takes back what [`History::to_bytes`] saved (or an earlier release's JSON form),
    /// keeping only what is still recent enough to show; services that are gone are
    /// dropped at the next sample.
    pub fn restore(&self, bytes: &[u8]) -> Result<(), String> {
        let saved = saved::decode(bytes)?;
        let now = now_secs();
        let mut store = self.lock();
        let oldest = now.saturating_sub(SAMPLE_EVERY.as_secs() * store.capacity as u64);
        saved.replay_into(&mut store, |time| time > oldest && time <= now);
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

    fn process(name: &str, cpu: f64, memory: u64) -> ServiceStatus {
        let mut s = crate::state::report::tests::service(name, "Process");
        s.data = ServiceData::Process(crate::state::status::ProcessData {
            cpu_total_percent: Some(cpu),
            memory_total_bytes: memory,
            ..Default::default()
        });
        s
    }

    #[test]
    fn a_service_costs_a_few_kilobytes_for_an_hour_and_only_its_figures() {
        let file = crate::state::report::tests::service("log", "File");
        let snapshot = crate::state::report::tests::snapshot(vec![process("web", 12.3, 5 << 20), file]);
        let history = History::default();
        for _ in 0..360 {
            history.sample(&snapshot);
        }
        let store = history.lock();
        let (web, log) = (store.tracks["web"].heap_bytes(), store.tracks["log"].heap_bytes());
        assert!((360 * 6..=2_300).contains(&web), "a process: CPU and memory columns, {web} B");
        assert!(log <= 100, "a file: its up bits only, {log} B");
        drop(store);
        let point = history.points("web")[0];
        assert_eq!((point.cpu_percent, point.memory_bytes, point.response_ms), (Some(12.3), Some(5 << 20), None));
    }

    #[test]
    fn gaps_and_figures_survive_a_save() {
        let history = History::default();
        let mut web = process("web", 50.0, 1 << 30);
        for round in 0..30 {
            web.monitoring = if (10..20).contains(&round) { Monitoring::NotMonitored } else { Monitoring::Monitored };
            history.sample(&crate::state::report::tests::snapshot(vec![web.clone()]));
        }
        assert_eq!(history.points("web").len(), 20, "no points while unmonitored");
        let bytes = history.to_bytes();
        let restored = History::default();
        restored.restore(&bytes).unwrap();
        assert_eq!(restored.points("web"), history.points("web"));
        assert_eq!(restored.uptime_percent("web"), Some(100.0));
        // A damaged file is refused, whatever is cut off or appended, and never panics.
        for cut in 0..bytes.len() {
            assert!(History::default().restore(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        assert!(History::default().restore(&[bytes.as_slice(), b"x"].concat()).is_err());
    }

    #[test]
    fn the_json_form_of_earlier_releases_is_read() {
        let now = now_secs();
        let json = format!(
            r#"{{"format":"rmonit-history-1","tracks":{{"web":{{"points":[
                {{"at":{},"cpu_percent":1.5,"memory_bytes":2048,"response_ms":null,"up":true}},
                {{"at":{},"cpu_percent":null,"memory_bytes":4096,"response_ms":3.25,"up":false}}],
                "minutes":[[{},3,4]]}}}}}}"#,
            now - 20,
            now - 10,
            now / 60
        );
        let history = History::default();
        history.restore(json.as_bytes()).unwrap();
        let points = history.points("web");
        assert_eq!(points.len(), 2);
        assert_eq!((points[0].cpu_percent, points[0].memory_bytes, points[0].up), (Some(1.5), Some(2048), true));
        assert_eq!((points[1].response_ms, points[1].up), (Some(3.25), false));
        assert_eq!(history.uptime_percent("web"), Some(75.0));
    }

    #[test]
    fn the_uptime_share_covers_the_last_day() {
        let mut uptime = track::Uptime::default();
        let day = track::BUCKETS as u64;
        uptime.add(1000, 0, 10);
        uptime.add(1000 + day - 1, 10, 10);
        assert_eq!(uptime.share(1000 + day - 1), Some(50.0), "both buckets within a day");
        assert_eq!(uptime.share(1000 + day), Some(100.0), "the oldest has left the day");
        uptime.add(1000, 5, 5);
        assert_eq!(uptime.share(1000 + day), Some(100.0), "a sample older than a day is dropped");
        uptime.add(5000, 1, 2);
        assert_eq!(uptime.share(5000), Some(50.0), "a long gap clears the ring");
        assert_eq!(uptime.share(5000 + day), None);
    }
}
