//! The history's file: a compact little-endian binary form, written whole.
//!
//! ```text
//! "RMHIST2\n"
//! u32 slots, then each slot's time (u32 seconds since the epoch), oldest first
//! u32 services, then for each:
//!   u16 name length, the name (UTF-8)
//!   u8 columns (1 CPU, 2 memory, 4 response time)
//!   one byte per slot: 0 not sampled, 1 down, 2 up
//!   per column present, one value per slot: CPU u16 (tenths of a percent), memory u32
//!   (KiB), response f32 (ms); the "none" value of each as in `track`
//!   the uptime: u64 newest bucket, 144 u16 samples up, 144 u16 samples
//! ```
//!
//! The JSON form of earlier releases (`rmonit-history-1`) is read too, so an upgrade keeps
//! the charts.

use std::collections::HashMap;

use serde::Deserialize;

use super::track::{BUCKETS, Track, bit, set_bit};
use super::{Point, Store};

const MAGIC: &[u8] = b"RMHIST2\n";
const CPU: u8 = 1;
const MEMORY: u8 = 2;
const RESPONSE: u8 = 4;

pub(super) fn encode(store: &Store) -> Vec<u8> {
    let live: Vec<(usize, u64)> = store.live().collect();
    let mut out = Vec::with_capacity(64 + live.len() * 4 + store.tracks.len() * (live.len() * 11 + 320));
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(live.len() as u32).to_le_bytes());
    for (_, time) in &live {
        out.extend_from_slice(&(*time as u32).to_le_bytes());
    }
    let mut names: Vec<&String> = store.tracks.keys().collect();
    names.sort();
    out.extend_from_slice(&(names.len() as u32).to_le_bytes());
    for name in names {
        let track = &store.tracks[name];
        let name = &name.as_bytes()[..name.len().min(u16::MAX as usize)];
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(name);
        let columns =
            [(CPU, track.cpu.is_some()), (MEMORY, track.memory.is_some()), (RESPONSE, track.response.is_some())];
        out.push(columns.iter().filter(|(_, on)| *on).map(|(flag, _)| flag).sum());
        for (at, _) in &live {
            out.push(if !bit(&track.present, *at) {
                0
            } else if bit(&track.up, *at) {
                2
            } else {
                1
            });
        }
        if let Some(cpu) = &track.cpu {
            live.iter().for_each(|(at, _)| out.extend_from_slice(&cpu[*at].to_le_bytes()));
        }
        if let Some(memory) = &track.memory {
            live.iter().for_each(|(at, _)| out.extend_from_slice(&memory[*at].to_le_bytes()));
        }
        if let Some(response) = &track.response {
            live.iter().for_each(|(at, _)| out.extend_from_slice(&response[*at].to_le_bytes()));
        }
        out.extend_from_slice(&track.uptime.last.to_le_bytes());
        for count in track.uptime.up.iter().chain(&track.uptime.total) {
            out.extend_from_slice(&count.to_le_bytes());
        }
    }
    out
}

/// Reads bytes off the front, or says the file ends too soon.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("the history file ends too soon".to_owned());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        Ok(self.take(N)?.try_into().expect("N bytes"))
    }

    fn count(&mut self, each: usize) -> Result<usize, String> {
        let n = u32::from_le_bytes(self.array()?) as usize;
        // A count can be no larger than what the rest of the file could hold.
        if n.saturating_mul(each) > self.0.len() {
            return Err("the history file ends too soon".to_owned());
        }
        Ok(n)
    }
}

pub(super) fn decode(bytes: &[u8]) -> Result<Store, String> {
    if bytes.first() == Some(&b'{') {
        return decode_json(bytes);
    }
    let mut r = Reader(bytes.strip_prefix(MAGIC).ok_or("not a history file")?);
    let slots = r.count(4)?;
    let mut store = Store::new(slots);
    for _ in 0..slots {
        store.take_slot(u64::from(u32::from_le_bytes(r.array()?)));
    }
    let services = r.count(2 + 1 + 8 + 4 * BUCKETS)?;
    for _ in 0..services {
        let length = u16::from_le_bytes(r.array()?) as usize;
        let name = std::str::from_utf8(r.take(length)?).map_err(|_| "a service name in the history is not UTF-8")?;
        let columns = r.array::<1>()?[0];
        let mut track = Track::new(slots);
        for (at, state) in r.take(slots)?.iter().enumerate() {
            set_bit(&mut track.present, at, *state != 0);
            set_bit(&mut track.up, at, *state == 2);
        }
        if columns & CPU != 0 {
            track.cpu = Some(r.take(slots * 2)?.chunks_exact(2).map(|b| u16::from_le_bytes([b[0], b[1]])).collect());
        }
        if columns & MEMORY != 0 {
            let values = r.take(slots * 4)?.chunks_exact(4);
            track.memory = Some(values.map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes"))).collect());
        }
        if columns & RESPONSE != 0 {
            let values = r.take(slots * 4)?.chunks_exact(4);
            track.response = Some(values.map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes"))).collect());
        }
        track.uptime.last = u64::from_le_bytes(r.array()?);
        for count in track.uptime.up.iter_mut().chain(track.uptime.total.iter_mut()) {
            *count = u16::from_le_bytes(r.array()?);
        }
        store.tracks.insert(name.to_owned(), track);
    }
    if !r.0.is_empty() {
        return Err("the history file has bytes after its end".to_owned());
    }
    Ok(store)
}

/// The JSON form of rmonit before the columns: points and one-minute buckets per service.
#[derive(Deserialize)]
struct SavedJson {
    format: String,
    tracks: HashMap<String, TrackJson>,
}

#[derive(Deserialize)]
struct TrackJson {
    points: Vec<Point>,
    /// (minute since the epoch, samples up, samples).
    minutes: Vec<(u64, u32, u32)>,
}

fn decode_json(bytes: &[u8]) -> Result<Store, String> {
    let saved: SavedJson = serde_json::from_slice(bytes).map_err(|e| format!("not a history file: {e}"))?;
    if saved.format != "rmonit-history-1" {
        return Err(format!("unknown history format {}", saved.format));
    }
    let mut times: Vec<u64> = saved.tracks.values().flat_map(|t| t.points.iter().map(|p| p.at)).collect();
    times.sort_unstable();
    times.dedup();
    let mut store = Store::new(times.len());
    let mut by_time: HashMap<u64, Vec<(&str, &Point)>> = HashMap::new();
    for (name, track) in &saved.tracks {
        store.track(name);
        for point in &track.points {
            by_time.entry(point.at).or_default().push((name, point));
        }
    }
    for time in times {
        let at = store.take_slot(time);
        let capacity = store.capacity;
        for (name, point) in by_time.remove(&time).unwrap_or_default() {
            store.track(name).record(at, capacity, Some(point));
        }
    }
    for (name, track) in &saved.tracks {
        let uptime = &mut store.track(name).uptime;
        for (minute, up, total) in &track.minutes {
            uptime.add(minute * 60 / super::BUCKET_SECS, *up, *total);
        }
    }
    Ok(store)
}
