//! One task per service: it runs the service's checks every cycle (or at once when its
//! process exits, seen through a pidfd), evaluates the rules, sends the actions they call
//! for to the coordinator, and carries out the start/stop/restart/monitor commands the
//! coordinator sends back. Services never wait for each other's checks.
//!
//! What a service measures, and the state it keeps for that between cycles, is its kind's
//! observer (`checks::observer`), chosen once when the task is built; the task is the
//! loop, its inbox, and the glue from results to events, alerts and actions. The start,
//! stop and restart methods are in `methods`, the kill of a process tree in
//! `process_tree`, when a cycle is due (`every`, cron schedules) in `schedule`, what a
//! cycle's results mean (events, alerts, status) in `events`, and where the actions the
//! rules call for go in `actions`.

mod actions;
mod events;
mod methods;
mod process_tree;
mod schedule;

use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::unix::AsyncFd;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::info;

use super::coordinator::Request;
use super::network::{Hold, NetworkChecks};
use super::rules::{RestartLog, RuleHistory, RuleSpec};
use crate::alert::AlertSender;
use crate::checks::observer::{self, Kept, Observe, Scope, Shared};
use crate::checks::protocol::Buffers;
use crate::config::model::implicit::{effective_rules, with_global_ssl};
use crate::config::model::{Config, Rule, ServiceConfig, ServiceKind, Test};
use crate::config::render::rule_text;
use crate::outcome::TestResult;
use crate::state::persist;
use crate::state::{Board, Monitoring, ServiceData};
use schedule::next_minute;

/// A command from the coordinator; every one answers when done.
#[derive(Debug)]
pub enum Command {
    /// Start if not running, then monitor.
    Start(oneshot::Sender<Result<(), String>>),
    /// Stop; unmonitor unless `keep_monitoring`.
    Stop {
        keep_monitoring: bool,
        reply: oneshot::Sender<Result<(), String>>,
    },
    /// Restart (restart program, or stop and start).
    Restart(oneshot::Sender<Result<(), String>>),
    SetMonitoring(bool, oneshot::Sender<Result<(), String>>),
    /// Run a check cycle now (SIGUSR1, `validate`).
    CheckNow,
    /// Whether the service is up (monitored, nothing failed, process found).
    IsUp(oneshot::Sender<bool>),
    /// How many `Start`, `Stop` and `Restart` commands the task has carried out: a rule's
    /// request carries the count its cycle saw, so that the coordinator can drop it when
    /// another job acted on the service in between.
    ActionsDone(oneshot::Sender<u64>),
}

/// A rule's spec and its history; its test is at the same index in the task's tests.
struct RuleSlot {
    spec: RuleSpec,
    history: RuleHistory,
    /// The rule's identity in the state file (see [`persist::SavedEvent::rule`]).
    key: String,
}

/// The identities of the implicit events' histories in the state file.
const DATA_KEY: &str = "Data: implicit";
const INVALID_KEY: &str = "Invalid: implicit";

/// The event a cycle's result is judged for: a written (or implied) rule, by its index in
/// the task's rules, or one of the implicit events with a history of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Rule(usize),
    /// The `data` event: the service's data could not be read (or the check timed out).
    Data,
    /// The `invalid` event: a file, fifo or directory of the wrong type.
    Invalid,
}

/// The state of a service's task.
pub struct ServiceTask {
    config: Arc<Config>,
    index: usize,
    board: Board,
    rules: Vec<RuleSlot>,
    monitoring: Monitoring,
    /// Every rule's test, in the order of `rules`.
    tests: Vec<Test>,
    /// What the service's kind measures, and its state between cycles.
    observer: Box<dyn Observe>,
    /// History of the implicit `data` event (unreadable data, zombies).
    data_history: RuleHistory,
    /// History of the implicit `invalid` event (a file of the wrong type).
    invalid_history: RuleHistory,
    /// History of the implicit `exec` event (a start, stop or restart program failed),
    /// and its message while failed.
    exec_history: RuleHistory,
    exec_failure: Option<String>,
    data: ServiceData,
    cycle: u64,
    last_cron_minute: Option<u64>,
    /// Event-driven starts and restarts, for the restart limits.
    restarts: RestartLog,
    /// `Start`, `Stop` and `Restart` commands carried out (see [`Command::ActionsDone`]).
    actions_done: u64,
    coordinator: mpsc::UnboundedSender<Request>,
    inbox: mpsc::UnboundedReceiver<Command>,
    interval: Duration,
    /// Connection and ping tests, and what they found last.
    network: NetworkChecks,
    /// Where alerts go (the notifier).
    alerts: AlertSender,
}

impl ServiceTask {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        config: Arc<Config>,
        index: usize,
        board: Board,
        monitoring: Monitoring,
        coordinator: mpsc::UnboundedSender<Request>,
        inbox: mpsc::UnboundedReceiver<Command>,
        shared: &Shared,
    ) -> ServiceTask {
        let service = &config.services[index];
        let mut written = effective_rules(service);
        for rule in &mut written {
            if let Test::Connection(test) = &mut rule.test {
                with_global_ssl(test, config.ssl.as_ref());
            }
        }
        let timeout = config.limits.network_timeout().as_std();
        let (network, extra) =
            NetworkChecks::new(&written, &default_host(service), timeout, Buffers::of(&config.limits));
        let mut tests = Vec::with_capacity(written.len() + extra.len());
        let mut rules = Vec::with_capacity(written.len() + extra.len());
        let mut keys = Keys::default();
        for rule in written {
            let rule: Rule = rule;
            let key = keys.unique(rule_key(&rule));
            rules.push(RuleSlot { spec: RuleSpec::from_rule(&rule), history: RuleHistory::default(), key });
            tests.push(rule.test);
        }
        // The `speed` and `timestamp` events of network rules have slots of their own.
        for slot in extra {
            let key = keys.unique(format!("{:?}: {:?}", slot.spec.event, slot.test));
            rules.push(RuleSlot { spec: slot.spec, history: RuleHistory::default(), key });
            tests.push(slot.test);
        }
        let observer = observer::for_service(service, &tests, shared);
        ServiceTask {
            config,
            index,
            board,
            rules,
            monitoring,
            tests,
            observer,
            data_history: RuleHistory::default(),
            invalid_history: RuleHistory::default(),
            exec_history: RuleHistory::default(),
            exec_failure: None,
            data: ServiceData::None,
            cycle: 0,
            last_cron_minute: None,
            restarts: RestartLog::default(),
            actions_done: 0,
            coordinator,
            inbox,
            interval: shared.interval,
            network,
            alerts: AlertSender::default(),
        }
    }

    /// With the notifier's sender for the alerts of this service's events.
    pub fn with_alerts(mut self, alerts: AlertSender) -> ServiceTask {
        self.alerts = alerts;
        self
    }

    /// What the state file kept: restarts (counted as if they happened in the first cycle),
    /// the content position and checksum baseline of a file, and, for a service monitored
    /// from the start, each rule's event state (found by the rule's identity: a rule whose
    /// text changed starts afresh), so that a failure known before is not alerted again and
    /// a recovery meanwhile is.
    pub fn with_restored(mut self, saved: Option<&persist::ServiceState>) -> ServiceTask {
        if let Some(saved) = saved {
            if self.monitoring != Monitoring::NotMonitored {
                let find = |key: &str| saved.events.iter().find(|e| e.rule == key).map(RuleHistory::from_saved);
                for slot in &mut self.rules {
                    if let Some(history) = find(&slot.key) {
                        slot.history = history;
                    }
                }
                self.data_history = find(DATA_KEY).unwrap_or_default();
                self.invalid_history = find(INVALID_KEY).unwrap_or_default();
            }
            self.restarts = RestartLog::restored(saved.restarts);
            self.observer.restore(Kept {
                content_position: saved.content_position,
                checksum_baseline: saved.checksum_baseline.clone(),
            });
        }
        self
    }

    /// Each event state not in its initial state, for the state file.
    fn saved_events(&self) -> Vec<persist::SavedEvent> {
        let rules = self.rules.iter().map(|slot| (slot.key.as_str(), &slot.history));
        let implicit = [(DATA_KEY, &self.data_history), (INVALID_KEY, &self.invalid_history)];
        rules
            .chain(implicit)
            .filter(|(_, history)| **history != RuleHistory::default())
            .map(|(key, history)| history.saved(key))
            .collect()
    }

    fn service(&self) -> &ServiceConfig {
        &self.config.services[self.index]
    }

    fn name(&self) -> String {
        self.service().name.clone()
    }

    /// The task's loop: cycles, commands, process exits, until cancelled.
    pub async fn run(mut self, start_delay: Duration, cancel: CancellationToken) {
        tokio::select! {
            _ = tokio::time::sleep(start_delay) => {}
            _ = cancel.cancelled() => return,
        }
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let cron = self.has_cron();
        loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return,
                command = self.inbox.recv() => match command {
                    Some(command) => {
                        if self.handle(command).await == Some(false) {
                            // As in Monit, whose cycle ends with the failed action: the
                            // next check (and the rule's next attempt) a whole cycle later,
                            // not at once for the ticks the action took.
                            ticker.reset();
                        }
                    }
                    None => return,
                },
                _ = wait_readable(self.observer.exit_signal()) => {
                    // The tracked process exited: check now rather than at the next tick.
                    if let Some(process) = self.observer.process() {
                        process.exited();
                    }
                    self.cycle_now(true).await;
                }
                _ = ticker.tick() => self.cycle_now(false).await,
                // A cron schedule is checked at every minute of the wall clock, so that a
                // slot is never skipped when cycles are longer than a minute.
                _ = next_minute(cron) => self.cycle_now(false).await,
            }
        }
    }

    /// Carries out a command; for a start, stop or restart, whether it succeeded.
    async fn handle(&mut self, command: Command) -> Option<bool> {
        match command {
            Command::CheckNow => self.cycle_now(true).await,
            Command::IsUp(reply) => {
                let up = self.monitoring != Monitoring::NotMonitored && self.is_running().await;
                let _ = reply.send(up);
            }
            Command::SetMonitoring(on, reply) => {
                let was_off = self.monitoring == Monitoring::NotMonitored;
                self.set_monitoring(on);
                let _ = reply.send(Ok(()));
                if on && was_off {
                    // As Monit, whose `monitor` wakes the daemon: the service is checked at
                    // once, and reads as what it is rather than `Initializing` for a cycle.
                    self.cycle_now(true).await;
                }
            }
            Command::ActionsDone(reply) => {
                let _ = reply.send(self.actions_done);
            }
            Command::Start(reply) => {
                self.actions_done += 1;
                let result = self.do_start().await;
                if result.is_ok() {
                    self.set_monitoring(true);
                }
                let success = result.is_ok();
                let _ = reply.send(result);
                return Some(success);
            }
            Command::Stop { keep_monitoring, reply } => {
                self.actions_done += 1;
                let result = self.do_stop().await;
                if !keep_monitoring {
                    self.set_monitoring(false);
                }
                let success = result.is_ok();
                let _ = reply.send(result);
                return Some(success);
            }
            Command::Restart(reply) => {
                self.actions_done += 1;
                let result = match self.service().restart.clone() {
                    Some(program) if self.is_running().await => self.run_method("restart", &program, true).await,
                    _ => match self.do_stop().await {
                        Ok(()) => self.do_start().await,
                        Err(e) => Err(e),
                    },
                };
                if result.is_ok() {
                    self.set_monitoring(true);
                }
                let success = result.is_ok();
                let _ = reply.send(result);
                return Some(success);
            }
        }
        None
    }

    fn set_monitoring(&mut self, on: bool) {
        let was = self.monitoring;
        self.monitoring = match (on, was) {
            (true, Monitoring::NotMonitored) => Monitoring::Initializing,
            (true, other) => other,
            (false, _) => Monitoring::NotMonitored,
        };
        if !on {
            // Forget failures: an unmonitored service starts afresh when monitored again.
            for slot in &mut self.rules {
                slot.history = RuleHistory::default();
            }
            self.exec_history = RuleHistory::default();
            self.exec_failure = None;
        }
        let monitoring = self.monitoring;
        self.board.update(&self.name(), |s| {
            s.monitoring = monitoring;
            if !on {
                s.failed.clear();
                s.changed.clear();
                s.saved_events.clear();
            }
        });
        if was != self.monitoring {
            info!(service = %self.name(), "monitoring {}", if on { "enabled" } else { "disabled" });
        }
    }

    /// Whether the service's object is there now (the process runs, for a process).
    async fn is_running(&mut self) -> bool {
        match self.observer.process() {
            Some(process) => process.is_running().await,
            None => true,
        }
    }

    /// One check cycle. `immediate` cycles (process exit, user request) do not count
    /// toward `every`.
    async fn cycle_now(&mut self, immediate: bool) {
        if self.monitoring == Monitoring::NotMonitored {
            return;
        }
        if !immediate {
            self.cycle += 1;
            if !self.due() {
                // Monit shows a skipped cycle as `Waiting`, except for a `check program`,
                // which stays `Monitored` between its runs (checked with monit 5.33).
                if !matches!(self.service().check, ServiceKind::Program(_)) {
                    self.board.update(&self.name(), |s| s.waiting = true);
                }
                return;
            }
        }
        if self.failed_parent().is_some() {
            // Monit's rule: a service is not checked while a parent is failed or unmonitored.
            return;
        }
        let started = Instant::now();
        let deadline = self.check_deadline();
        let in_flight = self.board.check_begins();
        let results = match tokio::time::timeout(deadline, self.observe_and_judge()).await {
            Ok(results) => results,
            Err(_) => {
                let message = format!("check timed out after {} s", deadline.as_secs_f64());
                vec![(Slot::Data, TestResult::Failed(message))]
            }
        };
        let elapsed = started.elapsed();
        in_flight.done(elapsed, self.interval);
        self.apply(results, elapsed).await;
    }

    /// A hard deadline for a whole check: a hung read costs this service one timeout.
    fn check_deadline(&self) -> Duration {
        match &self.service().check {
            ServiceKind::Program(p) => {
                p.timeout.unwrap_or(self.config.limits.program_timeout()).as_std() + Duration::from_secs(1)
            }
            _ => {
                let timeout = self.config.limits.network_timeout().as_std();
                let network = self.network.budget() + Duration::from_secs(1);
                (timeout * 2).max(self.interval).max(network)
            }
        }
    }

    /// The first parent that is not monitored or has failed, if any.
    fn failed_parent(&self) -> Option<String> {
        self.service().depends.iter().find_map(|dep| {
            let parent = self.board.find(dep)?;
            (parent.0 == Monitoring::NotMonitored || parent.1).then(|| dep.clone())
        })
    }

    /// Observes the service and judges every rule.
    async fn observe_and_judge(&mut self) -> Vec<(Slot, TestResult)> {
        let config = Arc::clone(&self.config);
        let scope = Scope {
            config: &config,
            service: &config.services[self.index],
            tests: &self.tests,
            data: &self.data,
            deadline: self.check_deadline(),
        };
        let seen = self.observer.observe(scope).await;
        self.data = seen.data;
        // One result per rule, in the rules' order: `results[index]` is rule `index`'s.
        let mut results: Vec<(Slot, TestResult)> =
            seen.results.into_iter().enumerate().map(|(i, result)| (Slot::Rule(i), result)).collect();
        if !self.network.is_empty() {
            let hold = self.network_hold();
            for (index, result) in self.network.run(hold).await {
                results[index].1 = result;
            }
        }
        if let Some(invalid) = seen.invalid {
            results.push((Slot::Invalid, invalid));
        }
        // The implicit `data` event.
        results.push((
            Slot::Data,
            match seen.data_error {
                Some(message) => TestResult::Failed(message),
                None => TestResult::Succeeded("data access succeeded".to_owned()),
            },
        ));
        results
    }

    /// Monit's rule: a process's port tests wait while it is missing, or younger than its
    /// start timeout when it has a start program.
    fn network_hold(&self) -> Hold {
        if !matches!(self.service().check, ServiceKind::Process(_)) {
            return Hold::None;
        }
        let ServiceData::Process(process) = &self.data else { return Hold::Process };
        let Some(start) = &self.service().start else { return Hold::None };
        let start_timeout = start.timeout.unwrap_or(self.config.limits.start_timeout());
        if process.uptime_secs * 1000 < start_timeout.millis { Hold::Process } else { Hold::None }
    }
}

/// A written rule's identity in the state file: its event and its text as rendered.
pub fn rule_key(rule: &Rule) -> String {
    format!("{:?}: {}", rule.test.event(), rule_text(rule))
}

/// Rule identities made unique within a service: a second rule with the same text gets
/// ` #2`, so that each keeps its own event state.
#[derive(Default)]
struct Keys(Vec<String>);

impl Keys {
    fn unique(&mut self, key: String) -> String {
        let seen = self.0.iter().filter(|k| k.as_str() == key).count();
        self.0.push(key.clone());
        if seen == 0 { key } else { format!("{key} #{}", seen + 1) }
    }
}

/// Waits until the pidfd (if any) becomes readable: the process exited.
async fn wait_readable(fd: Option<&AsyncFd<OwnedFd>>) {
    match fd {
        Some(fd) => {
            let _ = fd.readable().await;
        }
        None => std::future::pending().await,
    }
}

/// Where `port` tests without `host` connect: the address of a `check host`, else
/// `localhost`.
fn default_host(service: &ServiceConfig) -> String {
    match &service.check {
        ServiceKind::Host { address } => address.clone(),
        _ => "localhost".to_owned(),
    }
}
