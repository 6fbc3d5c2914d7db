//! Monit's number, size, duration and date formats (`_getUptime` in cervlet.c,
//! `Fmt_bytes2str` and `Fmt_time2str` in libmonit, `Time_string`).

use std::time::{Duration, SystemTime};

/// Within this of an integer a figure prints without decimals (Monit's `_isInt`).
const EPSILON: f64 = 1e-6;

fn is_integral(x: f64) -> bool {
    (x - x.round()).abs() < EPSILON
}

/// `0m`, `5m`, `2h 3m`, `1d 0h 3m`: hours appear once there are any (or days), days once
/// there are any.
pub fn uptime(duration: Duration) -> String {
    let secs = duration.as_secs();
    let (days, hours, minutes) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (days, hours) {
        (0, 0) => format!("{minutes}m"),
        (0, _) => format!("{hours}h {minutes}m"),
        _ => format!("{days}d {hours}h {minutes}m"),
    }
}

/// Sizes in powers of 1024 with Monit's units: `0 B`, `12 B`, `4 kB`, `21.0 MB`, `2.5 GB`
/// (no decimals when the figure is whole in its unit, one otherwise).
pub fn bytes(value: u64) -> String {
    bytes_f64(value as f64)
}

/// [`bytes`] of a fractional figure, as rates are (`816.7 B/s`).
pub(super) fn bytes_f64(value: f64) -> String {
    const UNITS: [&str; 8] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB"];
    let sign = if value < 0.0 { "-" } else { "" };
    let mut v = value.abs();
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if is_integral(v) { format!("{sign}{v:.0} {}", UNITS[unit]) } else { format!("{sign}{v:.1} {}", UNITS[unit]) }
}

/// Durations given in milliseconds: `1.501 ms`, `3 s`, `2.500 m` (three decimals unless
/// whole), as response times print.
pub fn millis(value: f64) -> String {
    const STEPS: [(f64, &str); 6] = [(1000.0, "ms"), (60.0, "s"), (60.0, "m"), (24.0, "h"), (365.0, "d"), (999.0, "y")];
    let sign = if value < 0.0 { "-" } else { "" };
    let mut v = value.abs();
    for (i, (base, unit)) in STEPS.iter().enumerate() {
        if v < *base || i == STEPS.len() - 1 {
            return if is_integral(v) { format!("{sign}{v:.0} {unit}") } else { format!("{sign}{v:.3} {unit}") };
        }
        v /= base;
    }
    unreachable!("the last step always returns")
}

/// `Mon, 23 Nov 2026 19:37:09` in the local time zone (`TZ`, else /etc/localtime), as
/// Monit's `Time_string`.
pub fn date(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(time).format("%a, %d %b %Y %H:%M:%S").to_string()
}

/// Seconds since the epoch (0 before it).
pub(super) fn epoch_secs(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `100 * part / whole` computed as Monit does, in single precision (it matters for the
/// rounding of the printed tenth); 0 when `whole` is 0.
pub(super) fn percent_f32(part: u64, whole: u64) -> f32 {
    if whole == 0 { 0.0 } else { 100.0_f32 * part as f32 / whole as f32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptimes() {
        assert_eq!(uptime(Duration::from_secs(0)), "0m");
        assert_eq!(uptime(Duration::from_secs(359)), "5m");
        assert_eq!(uptime(Duration::from_secs(2 * 3600 + 3 * 60 + 59)), "2h 3m");
        assert_eq!(uptime(Duration::from_secs(86_400 + 180)), "1d 0h 3m");
        assert_eq!(uptime(Duration::from_secs(400 * 86_400 + 3600)), "400d 1h 0m");
    }

    #[test]
    fn sizes() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(12), "12 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1 kB");
        assert_eq!(bytes(4096), "4 kB");
        assert_eq!(bytes(2_621_440), "2.5 MB");
        // 21488 kB: 20.98 MB is not whole, so one decimal.
        assert_eq!(bytes(21_488 * 1024), "21.0 MB");
        assert_eq!(bytes(21 * 1024 * 1024), "21 MB");
        assert_eq!(bytes(252 * 1024 * 1024 * 1024 + 1), "252 GB");
        assert_eq!(bytes(270_600_000_000), "252.0 GB");
        assert_eq!(bytes_f64(816.66), "816.7 B");
        assert_eq!(bytes_f64(-2048.0), "-2 kB");
    }

    #[test]
    fn durations() {
        assert_eq!(millis(1.501), "1.501 ms");
        assert_eq!(millis(0.0), "0 ms");
        assert_eq!(millis(250.0), "250 ms");
        assert_eq!(millis(3000.0), "3 s");
        assert_eq!(millis(1500.0), "1.500 s");
        assert_eq!(millis(150_000.0), "2.500 m");
    }

    #[test]
    fn dates_are_local_and_shaped_like_monits() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_462_629);
        let text = date(t);
        assert_eq!(text, chrono::DateTime::<chrono::Local>::from(t).format("%a, %d %b %Y %H:%M:%S").to_string());
        assert_eq!(text.len(), "Mon, 23 Nov 2026 19:37:09".len());
        assert_eq!(epoch_secs(t), 1_795_462_629);
    }

    #[test]
    fn percents_in_single_precision() {
        assert_eq!(format!("{:.1}", percent_f32(4, 20_000)), "0.0");
        assert_eq!(format!("{:.1}", percent_f32(1, 3)), "33.3");
        assert_eq!(percent_f32(1, 0), 0.0);
    }
}
