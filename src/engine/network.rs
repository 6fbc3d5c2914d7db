//! The network tests of one service, as its task runs them each cycle: connection tests
//! (`port`, `unixsocket`, `url`) and pings, judged into one verdict per event they post:
//! `connection` (or `icmp`) on the rule itself, `speed` for `responsetime` and `timestamp`
//! for `certificate valid`, on slots of their own appended after the written rules.
//!
//! Monit's rules are kept: a process's port tests wait while it is younger than its start
//! timeout (when it has a start program) and do not run while it is missing; a host's port
//! tests are skipped in a cycle whose ping failed. Unlike Monit, the tests of a service run
//! at the same time, so its check takes as long as its slowest test, not their sum.

use std::time::Duration;

use tokio::task::JoinSet;

use std::sync::Arc;

use crate::checks::network::{ConnectionReport, Planned, ping};
use crate::checks::protocol::Buffers;
use crate::config::model::{EventKind, PingTest, Rule, Test};
use crate::engine::rules::RuleSpec;
use crate::outcome::TestResult;
use crate::state::ConnectionFigure;

/// One network rule and the slots its extra events use.
#[derive(Debug, Clone)]
struct Entry {
    /// The index of the rule among the service's rules.
    rule: usize,
    probe: Probe,
    /// Slot of the `speed` event (`responsetime`), if any.
    speed: Option<usize>,
    /// Slot of the `timestamp` event (`certificate valid`), if any.
    certificate: Option<usize>,
}

#[derive(Debug, Clone)]
enum Probe {
    /// Planned once: the task runs the same plan every cycle (shared with the cycle's
    /// spawned test).
    Connection(Arc<Planned>),
    Ping(PingTest),
}

/// Why the port tests do not run this cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Run them.
    None,
    /// The process is missing, or younger than its start timeout: no verdict.
    Process,
}

/// The network tests of a service.
#[derive(Debug, Clone, Default)]
pub struct NetworkChecks {
    entries: Vec<Entry>,
    /// Where pings and `port` tests without `host` go: the address of a `check host`, else
    /// `localhost`.
    default_host: String,
    /// The tests' timeout when they do not set one.
    default_timeout: Duration,
    /// What the last cycle found, for the status.
    pub figures: Vec<ConnectionFigure>,
}

/// An extra rule slot: the test it belongs to and how its event is judged.
pub struct ExtraSlot {
    pub test: Test,
    pub spec: RuleSpec,
}

impl NetworkChecks {
    /// The network tests among `rules`, and the extra slots (numbered from `rules.len()`)
    /// for their `speed` and `timestamp` events, with the rule's actions. `default_host` is
    /// where `port` tests without `host` connect (the host's address, or `localhost`).
    pub fn new(
        rules: &[Rule],
        default_host: &str,
        default_timeout: Duration,
        buffers: Buffers,
    ) -> (NetworkChecks, Vec<ExtraSlot>) {
        let mut entries = Vec::new();
        let mut extra = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            let (probe, has_speed, has_certificate) = match &rule.test {
                Test::Connection(test) => (
                    Probe::Connection(Arc::new(
                        Planned::new((**test).clone(), default_host, default_timeout).with_buffers(buffers),
                    )),
                    test.response_time.is_some(),
                    test.certificate_valid_days.is_some(),
                ),
                Test::Ping(test) => (Probe::Ping(test.clone()), test.response_time.is_some(), false),
                _ => continue,
            };
            let mut slot_for = |event: EventKind| {
                let mut spec = RuleSpec::from_rule(rule);
                spec.event = event;
                extra.push(ExtraSlot { test: rule.test.clone(), spec });
                rules.len() + extra.len() - 1
            };
            let speed = has_speed.then(|| slot_for(EventKind::Speed));
            let certificate = has_certificate.then(|| slot_for(EventKind::Timestamp));
            entries.push(Entry { rule: index, probe, speed, certificate });
        }
        let checks =
            NetworkChecks { entries, default_host: default_host.to_owned(), default_timeout, figures: Vec::new() };
        (checks, extra)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The longest a cycle's network tests can take: the pings one after the other, then
    /// the connection tests at the same time.
    pub fn budget(&self) -> Duration {
        let mut pings = Duration::ZERO;
        let mut ports = Duration::ZERO;
        for entry in &self.entries {
            match &entry.probe {
                // Pings run one after the other: their budgets add up.
                Probe::Ping(test) => pings += ping::budget(test, self.default_timeout),
                Probe::Connection(planned) => ports = ports.max(planned.budget()),
            }
        }
        pings + ports
    }

    /// Runs the tests; the verdicts by slot index.
    pub async fn run(&mut self, hold: Hold) -> Vec<(usize, TestResult)> {
        let mut results = Vec::new();
        let mut figures = Vec::new();
        let mut ping_failed = false;
        for entry in &self.entries {
            let Probe::Ping(test) = &entry.probe else { continue };
            let report = ping::check(&self.default_host, test, self.default_timeout).await;
            ping_failed |= !report.answered();
            results.push((entry.rule, report.icmp));
            if let Some(slot) = entry.speed {
                results.push((slot, report.response_time));
            }
            figures.push(report.figure);
        }
        let mut running = JoinSet::new();
        for (order, entry) in self.entries.iter().enumerate() {
            let Probe::Connection(planned) = &entry.probe else { continue };
            if hold == Hold::Process || ping_failed {
                // Not tested this cycle: no verdict, and the status shows `-`.
                results.push((entry.rule, TestResult::Skipped));
                figures.extend(planned.untested_figure());
                continue;
            }
            let planned = Arc::clone(planned);
            running.spawn(async move { (order, planned.check().await) });
        }
        let mut reports: Vec<(usize, ConnectionReport)> = Vec::new();
        while let Some(done) = running.join_next().await {
            match done {
                Ok(report) => reports.push(report),
                Err(e) => tracing::error!("a connection test ended abnormally: {e}"),
            }
        }
        reports.sort_by_key(|(order, _)| *order);
        for (order, report) in reports {
            let entry = &self.entries[order];
            results.push((entry.rule, report.connection));
            if let Some(slot) = entry.speed {
                results.push((slot, report.response_time));
            }
            if let Some(slot) = entry.certificate {
                results.push((slot, report.certificate));
            }
            figures.push(report.figure);
        }
        self.figures = figures;
        results
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{
        Comparison, ConnectionTarget, ConnectionTest, IpVersion, Operator, Quantity, Rule, Test,
    };

    fn port_rule(port: u16) -> Rule {
        let mut test =
            ConnectionTest::new(ConnectionTarget::Port { host: None, port, address: None, ip_version: None });
        test.response_time = Some(Comparison::new(Operator::Gt, Quantity::millis(60_000.0)));
        Rule::new(Test::Connection(Box::new(test)), crate::config::model::Action::Alert)
    }

    #[tokio::test]
    async fn speed_slots_follow_the_rules_and_a_failed_ping_skips_the_ports() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        // A ping that cannot work: 127.0.0.1 has no IPv6 address.
        let ping = PingTest { ip_version: Some(IpVersion::Ipv6), count: Some(1), ..PingTest::default() };
        let rules = vec![Rule::new(Test::Ping(ping), crate::config::model::Action::Alert), port_rule(port)];
        let (mut checks, extra) = NetworkChecks::new(&rules, "127.0.0.1", Duration::from_secs(2), Buffers::default());
        assert_eq!(extra.len(), 1);
        assert_eq!(extra[0].spec.event, EventKind::Speed);
        let results = checks.run(Hold::None).await;
        assert!(matches!(results[0], (0, TestResult::Failed(_))), "{results:?}");
        assert_eq!(results[1], (1, TestResult::Skipped));
        assert_eq!(checks.figures[1].available, None);

        let (mut ports_only, _) =
            NetworkChecks::new(&rules[1..], "127.0.0.1", Duration::from_secs(2), Buffers::default());
        let results = ports_only.run(Hold::None).await;
        assert!(matches!(results[0], (0, TestResult::Succeeded(_))), "{results:?}");
        assert!(matches!(results[1], (1, TestResult::Succeeded(_))), "{results:?}");
        let held = ports_only.run(Hold::Process).await;
        assert_eq!(held, vec![(0, TestResult::Skipped)]);
    }
}
