//! The observer of `check network`: one reading of the interface per cycle (by name, or
//! the interface that holds an address), its rates against the last reading, its traffic
//! over the day for totals, and the verdict of the link rules.

use std::time::Instant;

use super::{Observe, Observing, Scope, Seen};
use crate::checks::judge::Observation;
use crate::checks::lane::BlockingLane;
use crate::checks::link::{self, LinkFigures, Rates, Reading, TrafficLog};
use crate::config::model::{NetworkTarget, Test};
use crate::outcome::TestResult;
use crate::state::ServiceData;
use crate::state::status::{LinkDirection, NetworkData};

/// An interface's readings between cycles.
pub struct LinkObserver {
    target: NetworkTarget,
    /// The last reading and when it was taken.
    previous: Option<(Reading, Instant)>,
    /// Its counters over the day.
    traffic: TrafficLog,
    lane: BlockingLane,
}

impl LinkObserver {
    pub fn new(target: &NetworkTarget) -> LinkObserver {
        LinkObserver {
            target: target.clone(),
            previous: None,
            traffic: TrafficLog::default(),
            lane: BlockingLane::default(),
        }
    }

    async fn observe_link(&mut self, scope: Scope<'_>) -> Seen {
        let (interface, address) = match &self.target {
            NetworkTarget::Interface(i) => (Some(i.as_str()), None),
            NetworkTarget::Address(a) => (None, Some(a.as_str())),
        };
        let described = interface.or(address).unwrap_or_default().to_owned();
        let reading = match link::interface_of(interface, address) {
            Some(name) => {
                let job = move || link::read(&name);
                self.lane.run("reading the interface", scope.deadline, job).await.ok().and_then(Result::ok)
            }
            None => None,
        };
        let Some(reading) = reading else {
            self.previous = None;
            let message = format!("network interface {described} does not exist");
            let obs = Observation { exists: Some(false), existence_message: message.clone(), ..Observation::default() };
            let mut seen = Seen::judged(scope, &obs, ServiceData::None, None);
            // A missing interface is a link down (Monit's verdict).
            for (index, test) in scope.tests.iter().enumerate() {
                if matches!(test, Test::LinkDown) {
                    seen.results[index] = TestResult::Failed(message.clone());
                }
            }
            return seen;
        };
        let now = Instant::now();
        let rates = self
            .previous
            .as_ref()
            .map(|(before, at)| link::rates(before.counters, reading.counters, now.duration_since(*at)));
        let previous_capacity = self.previous.as_ref().map(|(before, _)| (before.speed_mbps, before.full_duplex));
        self.traffic.record(now, reading.counters);
        let obs = Observation {
            exists: Some(true),
            existence_message: format!("interface {} exists", reading.name),
            ..Observation::default()
        };
        let data = ServiceData::Network(network_data(&reading, rates.as_ref()));
        self.previous = Some((reading.clone(), now));
        let figures = LinkFigures { reading, rates, previous_capacity };
        let mut seen = Seen::judged(scope, &obs, data, None);
        let now = Instant::now();
        for (index, test) in scope.tests.iter().enumerate() {
            if let Some(result) = link::judge(test, &figures, &self.traffic, now) {
                seen.results[index] = result;
            }
        }
        seen
    }
}

impl Observe for LinkObserver {
    fn observe<'a>(&'a mut self, scope: Scope<'a>) -> Observing<'a> {
        Box::pin(self.observe_link(scope))
    }
}

/// A network interface's figures for the status, from a reading and its rates.
fn network_data(reading: &Reading, rates: Option<&Rates>) -> NetworkData {
    let (c, r) = (reading.counters, rates.copied().unwrap_or_default());
    NetworkData {
        up: reading.up,
        speed_mbps: reading.speed_mbps,
        full_duplex: reading.full_duplex,
        download: LinkDirection {
            packets_per_second: r.rx_packets,
            packets_total: c.rx_packets,
            bytes_per_second: r.rx_bytes,
            bytes_total: c.rx_bytes,
            errors_per_second: r.rx_errors,
            errors_total: c.rx_errors,
        },
        upload: LinkDirection {
            packets_per_second: r.tx_packets,
            packets_total: c.tx_packets,
            bytes_per_second: r.tx_bytes,
            bytes_total: c.tx_bytes,
            errors_per_second: r.tx_errors,
            errors_total: c.tx_errors,
        },
    }
}
