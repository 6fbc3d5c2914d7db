//! Network interface checks (`check network NAME with interface IF | address A`): the
//! link's state, speed and duplex, and its traffic from /sys/class/net/IF: bytes, packets
//! and errors per second each way, saturation against the link speed, and totals over a
//! window (`if total downloaded > 1 GB in last 24 hours`).

use std::collections::VecDeque;
use std::io;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The interface counters, as the kernel keeps them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
}

/// One reading of an interface.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub name: String,
    pub up: bool,
    /// Mb/s; `None` when the driver does not say (loopback, virtual interfaces).
    pub speed_mbps: Option<u64>,
    pub full_duplex: Option<bool>,
    pub counters: Counters,
}

/// Per-second rates between two readings.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rates {
    pub rx_bytes: f64,
    pub tx_bytes: f64,
    pub rx_packets: f64,
    pub tx_packets: f64,
    pub rx_errors: f64,
    pub tx_errors: f64,
}

/// What the rules look at.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkFigures {
    pub reading: Reading,
    pub rates: Option<Rates>,
    /// The interface's (speed, duplex) in the previous cycle, for `if changed link`.
    pub previous_capacity: Option<(Option<u64>, Option<bool>)>,
}

impl LinkFigures {
    /// The busier direction's share of the link speed, in percent.
    pub fn saturation(&self) -> Option<f64> {
        let speed = self.reading.speed_mbps.filter(|s| *s > 0)? as f64 * 1_000_000.0 / 8.0;
        let rates = self.rates?;
        Some(rates.rx_bytes.max(rates.tx_bytes) * 100.0 / speed)
    }
}

/// The name of the interface a target names: the interface itself, or the one holding the
/// address.
pub fn interface_of(interface: Option<&str>, address: Option<&str>) -> Option<String> {
    if let Some(name) = interface {
        return Some(name.to_owned());
    }
    let wanted: IpAddr = address?.parse().ok()?;
    nix::ifaddrs::getifaddrs().ok()?.find_map(|ifa| {
        let address = ifa.address?;
        let ip = match (address.as_sockaddr_in(), address.as_sockaddr_in6()) {
            (Some(v4), _) => IpAddr::V4(v4.ip()),
            (_, Some(v6)) => IpAddr::V6(v6.ip()),
            _ => return None,
        };
        (ip == wanted).then_some(ifa.interface_name)
    })
}

/// Reads an interface from /sys/class/net.
pub fn read(name: &str) -> io::Result<Reading> {
    if name.contains('/') || name.is_empty() || name.starts_with('.') {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not an interface name"));
    }
    let dir = std::path::Path::new("/sys/class/net").join(name);
    let text = |file: &str| std::fs::read_to_string(dir.join(file)).map(|t| t.trim().to_owned());
    let number = |file: &str| text(file).ok().and_then(|t| t.parse::<u64>().ok());
    let flags = u64::from_str_radix(text("flags")?.trim_start_matches("0x"), 16).unwrap_or(0);
    let operstate = text("operstate").unwrap_or_default();
    // IFF_UP, and not reported down (loopback says "unknown").
    let up = flags & 1 == 1 && operstate != "down" && operstate != "lowerlayerdown";
    let speed_mbps = text("speed").ok().and_then(|s| s.parse::<i64>().ok()).filter(|s| *s > 0).map(|s| s as u64);
    let full_duplex = text("duplex").ok().and_then(|d| match d.as_str() {
        "full" => Some(true),
        "half" => Some(false),
        _ => None,
    });
    let stat = |counter: &str| number(&format!("statistics/{counter}")).unwrap_or(0);
    let counters = Counters {
        rx_bytes: stat("rx_bytes"),
        tx_bytes: stat("tx_bytes"),
        rx_packets: stat("rx_packets"),
        tx_packets: stat("tx_packets"),
        rx_errors: stat("rx_errors"),
        tx_errors: stat("tx_errors"),
    };
    Ok(Reading { name: name.to_owned(), up, speed_mbps, full_duplex, counters })
}

/// The rates between two counter readings `elapsed` apart (a counter that went back, after
/// a driver reset, counts from zero).
pub fn rates(before: Counters, after: Counters, elapsed: Duration) -> Rates {
    let secs = elapsed.as_secs_f64().max(0.001);
    let rate = |a: u64, b: u64| b.checked_sub(a).unwrap_or(b) as f64 / secs;
    Rates {
        rx_bytes: rate(before.rx_bytes, after.rx_bytes),
        tx_bytes: rate(before.tx_bytes, after.tx_bytes),
        rx_packets: rate(before.rx_packets, after.rx_packets),
        tx_packets: rate(before.tx_packets, after.tx_packets),
        rx_errors: rate(before.rx_errors, after.rx_errors),
        tx_errors: rate(before.tx_errors, after.tx_errors),
    }
}

/// Counter readings over the last day, one a minute at most, for the totals.
#[derive(Debug, Default)]
pub struct TrafficLog {
    samples: VecDeque<(Instant, Counters)>,
}

impl TrafficLog {
    const KEEP: Duration = Duration::from_secs(86_400 + 120);
    const EVERY: Duration = Duration::from_secs(60);

    pub fn record(&mut self, at: Instant, counters: Counters) {
        while self.samples.front().is_some_and(|(t, _)| at.duration_since(*t) > TrafficLog::KEEP) {
            self.samples.pop_front();
        }
        if self.samples.back().is_none_or(|(t, _)| at.duration_since(*t) >= TrafficLog::EVERY) {
            self.samples.push_back((at, counters));
        }
    }

    /// What went through since `window` ago (or since the oldest reading, if younger).
    pub fn total(&self, now: Counters, at: Instant, window: Duration) -> Counters {
        let start = self
            .samples
            .iter()
            .find(|(t, _)| at.duration_since(*t) <= window)
            .or(self.samples.front())
            .map_or(now, |(_, c)| *c);
        let delta = |a: u64, b: u64| b.saturating_sub(a);
        Counters {
            rx_bytes: delta(start.rx_bytes, now.rx_bytes),
            tx_bytes: delta(start.tx_bytes, now.tx_bytes),
            rx_packets: delta(start.rx_packets, now.rx_packets),
            tx_packets: delta(start.tx_packets, now.tx_packets),
            rx_errors: delta(start.rx_errors, now.rx_errors),
            tx_errors: delta(start.tx_errors, now.tx_errors),
        }
    }
}

/// The verdict of a network-interface rule; `None` for tests of other kinds.
pub fn judge(
    test: &crate::config::model::Test,
    figures: &LinkFigures,
    log: &TrafficLog,
    at: Instant,
) -> Option<crate::outcome::TestResult> {
    use crate::checks::judge::{compare, show_quantity};
    use crate::config::model::{Metric, Test, Unit};
    use crate::outcome::TestResult;
    let capacity = (figures.reading.speed_mbps, figures.reading.full_duplex);
    Some(match test {
        // Monit's words: `link down`, `link up`.
        Test::LinkDown if figures.reading.up => TestResult::Succeeded("link up".to_owned()),
        Test::LinkDown => TestResult::Failed("link down".to_owned()),
        Test::LinkUp if figures.reading.up => TestResult::Failed("link up".to_owned()),
        Test::LinkUp => TestResult::Succeeded("link down".to_owned()),
        Test::LinkChanged => match figures.previous_capacity {
            Some(before) if before != capacity => {
                TestResult::Changed(format!("link capacity changed to {}", capacity_text(capacity)))
            }
            _ => TestResult::Unchanged(format!("link capacity has not changed ({})", capacity_text(capacity))),
        },
        Test::Resource { metric, limit } => {
            let rates = figures.rates?;
            let per_second = |v: f64, bytes: bool| {
                let shown =
                    if bytes { format!("{}/s", show_quantity(v, Unit::Bytes)) } else { format!("{v:.1} packets/s") };
                (v, shown)
            };
            let (value, shown) = match metric {
                Metric::DownloadBytes => per_second(rates.rx_bytes, true),
                Metric::UploadBytes => per_second(rates.tx_bytes, true),
                Metric::DownloadPackets => per_second(rates.rx_packets, false),
                Metric::UploadPackets => per_second(rates.tx_packets, false),
                Metric::Saturation => {
                    let s = figures.saturation()?;
                    (s, format!("{s:.1}%"))
                }
                _ => return None,
            };
            compare(metric.keyword(), value, limit, &shown)
        }
        Test::TrafficTotal { metric, limit, window } => {
            let total = log.total(figures.reading.counters, at, window.as_std());
            let (value, shown) = match metric {
                Metric::DownloadBytes => (total.rx_bytes as f64, show_quantity(total.rx_bytes as f64, Unit::Bytes)),
                Metric::UploadBytes => (total.tx_bytes as f64, show_quantity(total.tx_bytes as f64, Unit::Bytes)),
                Metric::DownloadPackets => (total.rx_packets as f64, format!("{} packets", total.rx_packets)),
                Metric::UploadPackets => (total.tx_packets as f64, format!("{} packets", total.tx_packets)),
                _ => return None,
            };
            compare(&format!("total {}", metric.keyword()), value, limit, &shown)
        }
        _ => return None,
    })
}

/// `1000 Mb/s full duplex`, `unknown speed`.
pub fn capacity_text((speed, duplex): (Option<u64>, Option<bool>)) -> String {
    let speed = speed.map_or("unknown speed".to_owned(), |s| format!("{s} Mb/s"));
    match duplex {
        Some(true) => format!("{speed} full duplex"),
        Some(false) => format!("{speed} half duplex"),
        None => speed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_up_and_counts() {
        let lo = read("lo").expect("every Linux has lo");
        assert!(lo.up);
        assert_eq!(lo.speed_mbps, None);
        assert!(read("../etc").is_err());
        assert!(read("no-such-if0").is_err());
        assert_eq!(interface_of(None, Some("127.0.0.1")).as_deref(), Some("lo"));
    }

    #[test]
    fn rates_saturation_and_totals() {
        let before = Counters { rx_bytes: 1000, tx_bytes: 0, ..Counters::default() };
        let after = Counters { rx_bytes: 1_251_000, tx_bytes: 500, ..Counters::default() };
        let r = rates(before, after, Duration::from_secs(1));
        assert_eq!((r.rx_bytes, r.tx_bytes), (1_250_000.0, 500.0));
        let reading =
            Reading { name: "eth0".into(), up: true, speed_mbps: Some(100), full_duplex: Some(true), counters: after };
        let figures = LinkFigures { reading, rates: Some(r), previous_capacity: None };
        assert_eq!(figures.saturation(), Some(10.0), "1.25 MB/s of 12.5 MB/s");
        let start = Instant::now();
        let mut log = TrafficLog::default();
        log.record(start, before);
        let later = start + Duration::from_secs(120);
        log.record(later, after);
        assert_eq!(log.total(after, later, Duration::from_secs(3600)).rx_bytes, 1_250_000);
        assert_eq!(log.total(after, later, Duration::from_secs(60)).rx_bytes, 0, "only the last minute");
    }
}
