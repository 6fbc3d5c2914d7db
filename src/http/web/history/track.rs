//! One service's history in fixed-size columns: a bit each for "sampled" and "up" per
//! sample slot, a column per figure the service has (allocated the first time it has a
//! value: a file service never pays for CPU or memory), and its uptime in ten-minute
//! buckets. A process service costs about 2.6 kB for an hour at 10 s, whatever its cycle.

use super::Point;

/// Uptime buckets: ten minutes each, a day of them.
pub(super) const BUCKET_SECS: u64 = 600;
pub(super) const BUCKETS: usize = 144;

/// A CPU share in tenths of a percent; `u16::MAX` is "none".
const NO_CPU: u16 = u16::MAX;
/// Memory in KiB; `u32::MAX` is "none".
const NO_MEMORY: u32 = u32::MAX;

/// The columns of one service, indexed by slot position (see `Slots`).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Track {
    pub(super) present: Vec<u64>,
    pub(super) up: Vec<u64>,
    pub(super) cpu: Option<Box<[u16]>>,
    pub(super) memory: Option<Box<[u32]>>,
    pub(super) response: Option<Box<[f32]>>,
    pub(super) uptime: Uptime,
}

pub(super) fn bit(bits: &[u64], at: usize) -> bool {
    bits[at / 64] & (1 << (at % 64)) != 0
}

pub(super) fn set_bit(bits: &mut [u64], at: usize, on: bool) {
    if on {
        bits[at / 64] |= 1 << (at % 64);
    } else {
        bits[at / 64] &= !(1 << (at % 64));
    }
}

/// A column, allocated full of "none" the first time a value comes.
fn put<T: Copy>(column: &mut Option<Box<[T]>>, capacity: usize, none: T, at: usize, value: Option<T>) {
    match (column.as_mut(), value) {
        (Some(column), value) => column[at] = value.unwrap_or(none),
        (None, Some(value)) => {
            let mut fresh = vec![none; capacity].into_boxed_slice();
            fresh[at] = value;
            *column = Some(fresh);
        }
        (None, None) => {}
    }
}

impl Track {
    pub(super) fn new(capacity: usize) -> Track {
        let words = capacity.div_ceil(64);
        Track {
            present: vec![0; words],
            up: vec![0; words],
            cpu: None,
            memory: None,
            response: None,
            uptime: Uptime::default(),
        }
    }

    /// Fills slot position `at`: a point, or nothing (not sampled then).
    pub(super) fn record(&mut self, at: usize, capacity: usize, point: Option<&Point>) {
        set_bit(&mut self.present, at, point.is_some());
        set_bit(&mut self.up, at, point.is_some_and(|p| p.up));
        let cpu =
            point.and_then(|p| p.cpu_percent).map(|c| (c.max(0.0) * 10.0).round().min(f32::from(NO_CPU - 1)) as u16);
        let memory =
            point.and_then(|p| p.memory_bytes).map(|m| (m.div_ceil(1024)).min(u64::from(NO_MEMORY - 1)) as u32);
        let response = point.and_then(|p| p.response_ms);
        put(&mut self.cpu, capacity, NO_CPU, at, cpu);
        put(&mut self.memory, capacity, NO_MEMORY, at, memory);
        put(&mut self.response, capacity, f32::NAN, at, response);
    }

    /// The point in slot position `at`, taken at `time`.
    pub(super) fn point(&self, at: usize, time: u64) -> Option<Point> {
        if !bit(&self.present, at) {
            return None;
        }
        let cpu = self.cpu.as_ref().map(|c| c[at]).filter(|c| *c != NO_CPU).map(|c| f32::from(c) / 10.0);
        let memory = self.memory.as_ref().map(|m| m[at]).filter(|m| *m != NO_MEMORY).map(|m| u64::from(m) * 1024);
        let response = self.response.as_ref().map(|r| r[at]).filter(|r| !r.is_nan());
        Some(Point { at: time, cpu_percent: cpu, memory_bytes: memory, response_ms: response, up: bit(&self.up, at) })
    }

    /// Bytes held, for the module's size figures.
    #[cfg(test)]
    pub(super) fn heap_bytes(&self) -> usize {
        (self.present.len() + self.up.len()) * 8
            + self.cpu.as_ref().map_or(0, |c| c.len() * 2)
            + self.memory.as_ref().map_or(0, |m| m.len() * 4)
            + self.response.as_ref().map_or(0, |r| r.len() * 4)
    }
}

/// Samples up and samples taken per ten minutes over the last day, as a ring indexed by
/// bucket number (seconds since the epoch / 600).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Uptime {
    /// The newest bucket written.
    pub(super) last: u64,
    pub(super) up: [u16; BUCKETS],
    pub(super) total: [u16; BUCKETS],
}

impl Default for Uptime {
    fn default() -> Uptime {
        Uptime { last: 0, up: [0; BUCKETS], total: [0; BUCKETS] }
    }
}

impl Uptime {
    /// Counts `samples` samples in `bucket`, `up` of them up.
    pub(super) fn add(&mut self, bucket: u64, up: u32, samples: u32) {
        if bucket > self.last {
            // The buckets passed over since the last sample held nothing.
            let cleared = (bucket - self.last).min(BUCKETS as u64);
            for b in bucket + 1 - cleared..=bucket {
                self.up[b as usize % BUCKETS] = 0;
                self.total[b as usize % BUCKETS] = 0;
            }
            self.last = bucket;
        } else if bucket + (BUCKETS as u64) <= self.last {
            return; // older than a day
        }
        let i = bucket as usize % BUCKETS;
        self.up[i] = self.up[i].saturating_add(up.min(u32::from(u16::MAX)) as u16);
        self.total[i] = self.total[i].saturating_add(samples.min(u32::from(u16::MAX)) as u16);
    }

    /// The share of samples up over the day before `now_bucket`, in percent.
    pub(super) fn share(&self, now_bucket: u64) -> Option<f64> {
        let oldest = now_bucket.saturating_sub(BUCKETS as u64 - 1).max(self.last.saturating_sub(BUCKETS as u64 - 1));
        let (mut up, mut total) = (0u64, 0u64);
        for b in oldest..=self.last.min(now_bucket) {
            up += u64::from(self.up[b as usize % BUCKETS]);
            total += u64::from(self.total[b as usize % BUCKETS]);
        }
        (total > 0).then(|| up as f64 * 100.0 / total as f64)
    }
}
