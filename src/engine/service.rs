//! One task per service: it runs the service's checks every cycle (or at once when its
//! process exits, seen through a pidfd), evaluates the rules, sends the actions they call
//! for to the coordinator, and carries out the start/stop/restart/monitor commands the
//! coordinator sends back. Services never wait for each other's checks.
//!
//! What a service measures, and the state it keeps for that between cycles, is its kind's
//! observer (`checks::observer`), chosen once when the task is built; the task is the
//! loop, its inbox, and the glue from results to events, alerts and actions. The start,
//! stop and restart methods are in `methods`, the kill of a process tree in
//! `process_tree`, when a cycle is due (`every`, cron schedules) in `schedule`.

mod methods;
mod process_tree;
mod schedule;

use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::io::unix::AsyncFd;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::coordinator::{Origin, Request};
use super::network::{Hold, NetworkChecks};
use super::rules::{RestartLog, RuleHistory, RuleSpec, evaluate};
use crate::alert::{AlertSender, Notice, NoticeState};
use crate::checks::observer::{self, Kept, Observe, Scope, Shared};
use crate::config::model::implicit::effective_rules;
use crate::config::model::{Action, Config, EventKind, Rule, ServiceConfig, ServiceKind, Test};
use crate::exec;
use crate::exec::programs::{EventContext, command_spec, program_spec};
use crate::outcome::{EventState, TestResult};
use crate::state::{ActionOutcome, Board, Monitoring, ServiceData};
use schedule::next_minute;

/// The alert an evaluation calls for: every transition with an action (Monit alerts on
/// each, whatever the action), and, while the event stays failed, a notice per cycle that
/// recipients with a `reminder` count.
fn alert_notice(
    service: &str,
    spec: &RuleSpec,
    history: &RuleHistory,
    result: &TestResult,
    decision: &super::rules::Decision,
) -> Option<Notice> {
    if let Some(state) = decision.transition {
        let state = match state {
            EventState::Failed => NoticeState::Failed,
            EventState::Succeeded => NoticeState::Succeeded,
            EventState::Changed => NoticeState::Changed,
            EventState::Init | EventState::Unchanged => return None,
        };
        let action = decision.action.as_ref()?;
        return Some(Notice::transition(service, spec.event, state, result.message(), action.name()));
    }
    if history.state != EventState::Failed || matches!(result, TestResult::Skipped) {
        return None;
    }
    let mut reminder =
        Notice::transition(service, spec.event, NoticeState::Failed, result.message(), spec.failed.name());
    reminder.cycles_in_state = history.cycles_in_state;
    Some(reminder)
}

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
}

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
        let written = effective_rules(service);
        let (network, extra) = NetworkChecks::new(&written);
        let mut tests = Vec::with_capacity(written.len() + extra.len());
        let mut rules = Vec::with_capacity(written.len() + extra.len());
        for rule in written {
            let rule: Rule = rule;
            rules.push(RuleSlot { spec: RuleSpec::from_rule(&rule), history: RuleHistory::default() });
            tests.push(rule.test);
        }
        // The `speed` and `timestamp` events of network rules have slots of their own.
        for slot in extra {
            rules.push(RuleSlot { spec: slot.spec, history: RuleHistory::default() });
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
    /// the content position and checksum baseline of a file.
    pub fn with_restored(mut self, saved: Option<&crate::state::persist::ServiceState>) -> ServiceTask {
        if let Some(saved) = saved {
            self.restarts = RestartLog::restored(saved.restarts);
            self.observer.restore(Kept {
                content_position: saved.content_position,
                checksum_baseline: saved.checksum_baseline.clone(),
            });
        }
        self
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
                self.set_monitoring(on);
                let _ = reply.send(Ok(()));
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
        let results = match tokio::time::timeout(deadline, self.observe_and_judge()).await {
            Ok(results) => results,
            Err(_) => {
                let message = format!("check timed out after {} s", deadline.as_secs_f64());
                vec![(Slot::Data, TestResult::Failed(message))]
            }
        };
        let elapsed = started.elapsed();
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
                let network = self.network.budget(&self.default_host(), timeout) + Duration::from_secs(1);
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
            let process = match &self.data {
                ServiceData::Process(p) => Some(p.clone()),
                _ => None,
            };
            let hold = self.network_hold(process.as_ref());
            let host = self.default_host();
            let timeout = self.config.limits.network_timeout().as_std();
            for (index, result) in self.network.run(&host, timeout, hold).await {
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

    /// Where `port` tests without `host` connect: the address of a `check host`, else
    /// `localhost`.
    fn default_host(&self) -> String {
        match &self.service().check {
            ServiceKind::Host { address } => address.clone(),
            _ => "localhost".to_owned(),
        }
    }

    /// Monit's rule: a process's port tests wait while it is missing, or younger than its
    /// start timeout when it has a start program.
    fn network_hold(&self, process: Option<&crate::state::ProcessData>) -> Hold {
        if !matches!(self.service().check, ServiceKind::Process(_)) {
            return Hold::None;
        }
        let Some(process) = process else { return Hold::Process };
        let Some(start) = &self.service().start else { return Hold::None };
        let start_timeout = start.timeout.unwrap_or(self.config.limits.start_timeout());
        if process.uptime_secs * 1000 < start_timeout.millis { Hold::Process } else { Hold::None }
    }

    /// Evaluates the results, updates the status, and dispatches the actions.
    async fn apply(&mut self, results: Vec<(Slot, TestResult)>, elapsed: Duration) {
        let name = self.name();
        let mut actions: Vec<(Action, EventKind, String)> = Vec::new();
        let mut events: Vec<crate::state::EventRecord> = Vec::new();
        let mut notices: Vec<Notice> = Vec::new();
        let mut failed = std::collections::BTreeMap::new();
        let mut changed = std::collections::BTreeMap::new();
        let data_spec = RuleSpec::implicit(EventKind::Data, Action::Alert, Some(Action::Alert));
        let invalid_spec = RuleSpec::implicit(EventKind::Invalid, Action::Restart, Some(Action::Alert));
        for (slot, result) in &results {
            let (spec, history) = match *slot {
                Slot::Rule(index) => {
                    let rule = &mut self.rules[index];
                    (rule.spec.clone(), &mut rule.history)
                }
                Slot::Invalid => (invalid_spec.clone(), &mut self.invalid_history),
                Slot::Data => (data_spec.clone(), &mut self.data_history),
            };
            let decision = evaluate(&spec, history, result);
            let message = result.message().to_owned();
            if let Some(state) = decision.transition {
                events.push(crate::state::EventRecord {
                    at: SystemTime::now(),
                    event: spec.event,
                    state,
                    message: message.clone(),
                    action: decision.action.as_ref().map_or("ignore", |a| a.name()).to_owned(),
                });
                match state {
                    EventState::Failed => error!(service = %name, "{message}"),
                    EventState::Changed => warn!(service = %name, "{message}"),
                    _ => info!(service = %name, "{message}"),
                }
            } else if decision.pending_failure {
                warn!(service = %name, "{message}");
            } else if history.state == EventState::Failed && matches!(result, TestResult::Failed(_)) {
                // Monit logs a failure again at every cycle while it lasts.
                error!(service = %name, "{message}");
            }
            notices.extend(alert_notice(&name, &spec, history, result, &decision));
            match history.state {
                EventState::Failed => {
                    failed.insert(spec.event, message.clone());
                }
                EventState::Changed if decision.transition == Some(EventState::Changed) => {
                    changed.insert(spec.event, message.clone());
                }
                _ => {}
            }
            if let Some(action) = decision.action {
                actions.push((action, spec.event, message));
            }
        }
        if self.exec_failure.is_some() && matches!(self.data, ServiceData::Process(_)) {
            self.exec_event(TestResult::Succeeded(
                "process is running after previous exec error (slow starting or manually recovered?)".to_owned(),
            ));
        }
        if let Some(message) = &self.exec_failure {
            failed.insert(EventKind::Exec, message.clone());
        }
        let data = self.data.clone();
        let millis = elapsed.as_millis() as u64;
        if self.monitoring == Monitoring::Initializing {
            self.monitoring = Monitoring::Monitored;
        }
        let monitoring = self.monitoring;
        let restarts = self.restarts.len() as u32;
        let Kept { content_position: position, checksum_baseline: baseline } = self.observer.kept();
        let connections = self.network.figures.clone();
        self.board.update(&name, |s| {
            s.connections = connections;
            s.content_position = position;
            s.checksum_baseline = baseline;
            s.monitoring = monitoring;
            s.restarts = restarts;
            s.push_events(events);
            s.failed = failed;
            s.changed = changed;
            s.waiting = false;
            s.collected_at = Some(SystemTime::now());
            s.data = data;
            s.check_millis.insert("cycle".to_owned(), millis);
        });
        for notice in notices {
            self.alerts.post(notice);
        }
        for (action, event, message) in actions {
            self.dispatch(action, event, message);
        }
    }

    /// Sends a rule's action where it is carried out.
    fn dispatch(&mut self, action: Action, event: EventKind, message: String) {
        let name = self.name();
        let passive = matches!(self.service().mode, Some(crate::config::model::Mode::Passive));
        match action {
            // The event's own line is the log (Monit writes no other); the notifier sends it.
            Action::Alert => {}
            Action::Exec(exec) => {
                let spec = command_spec(
                    &self.config,
                    self.service(),
                    &exec.command,
                    exec.uid.as_deref(),
                    exec.gid.as_deref(),
                    self.config.limits.exec_timeout.unwrap_or(self.config.limits.program_timeout()).as_std(),
                    &self.data,
                    &EventContext { event: event.failed_text().to_owned(), description: message },
                );
                self.spawn_program("exec", spec);
            }
            Action::Custom(action_name) => {
                let Some(custom) =
                    self.service().actions.iter().find(|a| a.name.eq_ignore_ascii_case(&action_name)).cloned()
                else {
                    return;
                };
                let spec = program_spec(
                    &self.config,
                    self.service(),
                    &custom.program,
                    self.config.limits.program_timeout().as_std(),
                    &self.data,
                    &EventContext { event: event.failed_text().to_owned(), description: message },
                );
                self.spawn_program(&custom.name, spec);
            }
            _ if passive => info!(service = %name, "passive mode: {} not done, alert only", action.name()),
            Action::Restart | Action::Start => {
                let limits = self.config.services[self.index].restart_limits.clone();
                match self.restarts.check_and_record(&limits, self.cycle) {
                    Some((limit_action, count, cycles)) => {
                        let message = format!(
                            "service restarted {count} times within {cycles} cycles(s) - {}",
                            limit_action.name()
                        );
                        error!(service = %name, "{message}");
                        // Monit's Timeout event: alerted to every recipient that takes it.
                        self.alerts.post(Notice::transition(
                            &name,
                            EventKind::Timeout,
                            NoticeState::Failed,
                            &message,
                            limit_action.name(),
                        ));
                        self.dispatch_request(limit_action, Origin::RestartLimit);
                    }
                    None => self.dispatch_request(action, self.rule_origin()),
                }
            }
            Action::Stop | Action::Unmonitor | Action::Monitor => self.dispatch_request(action, self.rule_origin()),
        }
    }

    /// The origin of a rule's request: what the service had been through when its cycle
    /// saw the failure.
    fn rule_origin(&self) -> Origin {
        Origin::Rule { after: self.actions_done }
    }

    fn dispatch_request(&self, action: Action, origin: Origin) {
        let _ = self.coordinator.send(Request {
            service: self.index,
            action,
            origin,
            until: None,
            reply: None,
            along_with: None,
        });
    }

    /// Runs an exec or custom action in the background and records its outcome.
    fn spawn_program(&self, what: &str, spec: Result<exec::ProgramSpec, String>) {
        let name = self.name();
        let board = self.board.clone();
        let what = what.to_owned();
        tokio::spawn(async move {
            let outcome = match spec {
                Ok(spec) => {
                    info!(service = %name, "{what}: '{}'", spec.argv.join(" "));
                    let finished = exec::run(&spec).await;
                    let success = finished.exit.success();
                    ActionOutcome {
                        action: what,
                        at: SystemTime::now(),
                        success,
                        message: format!("{} {}", finished.exit, finished.output.trim()),
                    }
                }
                Err(e) => ActionOutcome { action: what, at: SystemTime::now(), success: false, message: e },
            };
            if !outcome.success {
                warn!(service = %name, "{} failed: {}", outcome.action, outcome.message);
            }
            board.update(&name, |s| s.last_action = Some(outcome));
        });
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
