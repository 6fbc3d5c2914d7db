//! One task per service: it runs the service's checks every cycle (or at once when its
//! process exits, seen through a pidfd), evaluates the rules, sends the actions they call
//! for to the coordinator, and carries out the start/stop/restart/monitor commands the
//! coordinator sends back. Services never wait for each other's checks.
//!
//! The start, stop and restart methods are in `methods`, the kill of a process tree in
//! `process_tree`, when a cycle is due (`every`, cron schedules) in `schedule`, and the
//! observation of a file, fifo or directory in `file_observe`.

mod file_observe;
mod methods;
mod process_tree;
mod schedule;

use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::blocking::{BlockingLane, PIDFILE_DEADLINE};
use super::coordinator::{Origin, Request};
use super::network::{Hold, NetworkChecks};
use super::programs::{EventContext, command_spec, program_spec};
use super::rules::{RestartLog, RuleHistory, RuleSpec, evaluate};
use super::table_cache::TableCache;
use crate::alert::{AlertSender, Notice, NoticeState};
use crate::checks::file::{FileReport, FileWatch};
use crate::checks::filesystem::FsFigures;
use crate::checks::judge::{Observation, judge};
use crate::checks::process::{CpuSample, Family, Finder, Fixed, Identity, Located, measure};
use crate::checks::verify::Known;
use crate::config::model::implicit::effective_rules;
use crate::config::model::{Action, Config, EventKind, Metric, Rule, ServiceConfig, ServiceKind, Test};
use crate::exec::{self, Exit};
use crate::outcome::{EventState, TestResult};
use crate::procfs::system::CpuTimes;
use crate::state::{ActionOutcome, Board, Monitoring, ProgramData, ServiceData};
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

struct RuleSlot {
    test: Test,
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
    finder: Option<Finder>,
    /// The process taken for the service last, and a pidfd on it.
    tracked: Option<Known>,
    /// The process last taken for the service, kept when it is gone or untracked: the
    /// evidence a pidfile naming an older process is weighed against (it is never
    /// forgotten by a missing or hostile pidfile).
    last_known: Option<Known>,
    pidfd: Option<AsyncFd<OwnedFd>>,
    /// A process the pidfd saw exit: never "found" again, even while a zombie.
    exited: Option<Identity>,
    cpu_sample: Option<CpuSample>,
    /// Ids and limits of the tracked process, read once per process.
    fixed: Option<(Identity, Fixed)>,
    /// History of the implicit `data` event (unreadable data, zombies).
    data_history: RuleHistory,
    /// History of the implicit `invalid` event (a file of the wrong type).
    invalid_history: RuleHistory,
    /// History of the implicit `exec` event (a start, stop or restart program failed),
    /// and its message while failed.
    exec_history: RuleHistory,
    exec_failure: Option<String>,
    /// State of a file check between cycles (checksums, content position).
    file_watch: Option<FileWatch>,
    /// Why the file check's patterns could not be prepared (a bad regex, an unreadable
    /// pattern file): a `data` failure at every cycle.
    watch_error: Option<String>,
    /// The content rules of a `check program`, compiled once: (rule index, matcher).
    output_matchers: Vec<(usize, Result<crate::checks::file::Matcher, String>)>,
    /// Where the service's blocking file work runs.
    lane: BlockingLane,
    /// What the last cycle saw of the file (or mount point), for `changed` tests.
    previous_file: Option<crate::checks::file::FileInfo>,
    /// The last disk reading of a filesystem, for rates.
    fs_disk: Option<(crate::checks::filesystem::DiskStats, Instant)>,
    /// `check network`: the last reading of the interface, and its counters over the day.
    link_previous: Option<(crate::checks::link::Reading, Instant)>,
    traffic_log: crate::checks::link::TrafficLog,
    /// The mount flags of the last cycle.
    fs_flags: Option<String>,
    system_sample: Option<CpuTimes>,
    previous_ids: Option<(i32, i32)>,
    previous_program_status: Option<i32>,
    data: ServiceData,
    cycle: u64,
    last_cron_minute: Option<u64>,
    /// Event-driven starts and restarts, for the restart limits.
    restarts: RestartLog,
    /// `Start`, `Stop` and `Restart` commands carried out (see [`Command::ActionsDone`]).
    actions_done: u64,
    coordinator: mpsc::UnboundedSender<Request>,
    inbox: mpsc::UnboundedReceiver<Command>,
    table: TableCache,
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
        table: TableCache,
        interval: Duration,
    ) -> ServiceTask {
        let service = &config.services[index];
        let written = effective_rules(service);
        let (network, extra) = NetworkChecks::new(&written);
        let mut rules: Vec<RuleSlot> = written
            .into_iter()
            .map(|rule: Rule| RuleSlot {
                spec: RuleSpec::from_rule(&rule),
                test: rule.test,
                history: RuleHistory::default(),
            })
            .collect();
        // The `speed` and `timestamp` events of network rules have slots of their own.
        rules.extend(extra.into_iter().map(|slot| RuleSlot {
            test: slot.test,
            spec: slot.spec,
            history: RuleHistory::default(),
        }));
        let tests: Vec<Test> = effective_rules(service).into_iter().map(|r| r.test).collect();
        let (file_watch, watch_error) = match &service.check {
            ServiceKind::File { .. } | ServiceKind::Fifo { .. } | ServiceKind::Directory { .. } => {
                match FileWatch::new(&tests, &service.ignore_content) {
                    Ok(watch) => (Some(watch), None),
                    Err(e) => (None, Some(format!("cannot prepare the content rules: {e}"))),
                }
            }
            _ => (None, None),
        };
        let output_matchers = match &service.check {
            ServiceKind::Program(_) => tests
                .iter()
                .enumerate()
                .filter_map(|(i, test)| match test {
                    Test::Content(pattern) => Some((i, crate::checks::file::Matcher::new(pattern))),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        // Processes running as the start program's user may be named by any pidfile.
        let as_uid = service
            .start
            .as_ref()
            .and_then(|start| exec::resolve_credentials(start.uid.as_deref(), None).ok().flatten())
            .map(|credentials| credentials.uid);
        let finder = match &service.check {
            ServiceKind::Process(target) => Finder::new(target, as_uid).ok(),
            _ => None,
        };
        ServiceTask {
            config,
            index,
            board,
            rules,
            monitoring,
            finder,
            tracked: None,
            last_known: None,
            pidfd: None,
            exited: None,
            cpu_sample: None,
            fixed: None,
            data_history: RuleHistory::default(),
            invalid_history: RuleHistory::default(),
            exec_history: RuleHistory::default(),
            exec_failure: None,
            file_watch,
            watch_error,
            output_matchers,
            lane: BlockingLane::default(),
            previous_file: None,
            fs_disk: None,
            link_previous: None,
            traffic_log: Default::default(),
            fs_flags: None,
            system_sample: None,
            previous_ids: None,
            previous_program_status: None,
            data: ServiceData::None,
            cycle: 0,
            last_cron_minute: None,
            restarts: RestartLog::default(),
            actions_done: 0,
            coordinator,
            inbox,
            table,
            interval,
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
            if let Some(watch) = self.file_watch.as_mut() {
                watch.position = saved.content_position;
                watch.baseline = saved.checksum_baseline.clone();
            }
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
                _ = wait_readable(&self.pidfd) => {
                    // The tracked process exited: check now rather than at the next tick.
                    self.pidfd = None;
                    self.exited = self.tracked.map(|k| k.identity);
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
        match &self.finder {
            Some(_) => matches!(self.locate().await, Located::Running(..)),
            None => true,
        }
    }

    /// Finds the process, honouring exits seen by the pidfd. Off the async threads: a
    /// pidfile may be a FIFO (refused at once) or on a hung filesystem (refused at
    /// [`PIDFILE_DEADLINE`], and at once while that read has not come back).
    async fn locate(&mut self) -> Located {
        let Some(finder) = self.finder.clone() else { return Located::Missing("not a process".to_owned()) };
        let table = match finder.needs_table() {
            true => Some(self.table.get(self.interval / 2).await),
            false => None,
        };
        let known = self.last_known;
        let what = match &finder {
            Finder::Pidfile { path, .. } => format!("reading the pidfile {path}"),
            _ => "looking for the process".to_owned(),
        };
        let located = self
            .lane
            .run(&what, PIDFILE_DEADLINE, move || finder.locate(table.as_deref(), known.as_ref()))
            .await
            .unwrap_or_else(Located::Unverified);
        match located {
            Located::Running(id, _) if Some(id) == self.exited => Located::Missing("process is not running".to_owned()),
            other => other,
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
        let kind = self.service().check.clone();
        let mut exists = None;
        let mut existence_message = String::new();
        let mut program_status = None;
        let mut program_output = None;
        let mut data_error = None;
        let mut invalid: Option<String> = None;
        let mut file_report: Option<FileReport> = None;
        let mut fs_figures: Option<FsFigures> = None;
        let mut fs_mount_info: Option<crate::checks::file::FileInfo> = None;
        let mut link_figures: Option<crate::checks::link::LinkFigures> = None;
        match &kind {
            ServiceKind::Process(_) => {
                let needs_table = self.needs_table();
                match self.locate().await {
                    Located::Running(id, stat) => {
                        if self.tracked.map(|k| k.identity) != Some(id) {
                            self.track(id);
                        }
                        if self.fixed.as_ref().is_none_or(|(fid, _)| *fid != id) || self.needs_fresh_ids() {
                            self.fixed = Some((id, Fixed::read(id.pid)));
                        }
                        let fixed = self.fixed.map(|(_, f)| f).unwrap_or_default();
                        // Children and totals: from the table if this service reads it anyway,
                        // else from the process's own children files.
                        let family = match (needs_table, self.finder.as_ref().is_some_and(Finder::needs_table)) {
                            (false, _) => None,
                            (true, true) => Some(Family::from_table(&*self.table.get(self.interval / 2).await, id.pid)),
                            (true, false) => Some(Family::from_children_files(id.pid, stat.threads)),
                        };
                        let previous = self.cpu_sample;
                        let (data, sample) = measure(id, &stat, &fixed, family.as_ref(), previous);
                        self.cpu_sample = Some(sample);
                        if data.zombie {
                            data_error = Some(format!("process with pid {} is a zombie", id.pid));
                        }
                        exists = Some(true);
                        existence_message = format!("process is running with pid {}", id.pid);
                        self.data = ServiceData::Process(data);
                    }
                    Located::Missing(reason) => {
                        self.untrack();
                        exists = Some(false);
                        existence_message = reason;
                        self.data = ServiceData::None;
                    }
                    Located::Unverified(reason) => {
                        // Not judged as existing or not: no rule restarts it; the data
                        // event says why, and nothing is signalled.
                        self.untrack();
                        data_error = Some(reason);
                        self.data = ServiceData::None;
                    }
                }
            }
            ServiceKind::System => match crate::checks::system::measure(self.system_sample) {
                Ok((data, times)) => {
                    self.system_sample = Some(times);
                    self.data = ServiceData::System(data);
                }
                Err(e) => data_error = Some(format!("cannot read system data: {e}")),
            },
            ServiceKind::File { path } | ServiceKind::Fifo { path } | ServiceKind::Directory { path } => {
                let seen = self.observe_file(&kind, path).await;
                exists = Some(seen.report.info.is_some());
                existence_message = seen.existence_message;
                invalid = seen.invalid;
                data_error = seen.data_error;
                file_report = Some(seen.report);
            }
            ServiceKind::Filesystem { path } => {
                let target = path.clone();
                let job = move || {
                    let mount = crate::checks::filesystem::find_mount(&target)?;
                    let usage = crate::checks::filesystem::usage(std::path::Path::new(&mount.mount_point)).ok()?;
                    let disk = crate::checks::filesystem::disk_stats(mount.major, mount.minor);
                    // Permission and owner of the path named: the mount point or the device node.
                    let info = crate::checks::file::stat(std::path::Path::new(&target)).ok().flatten();
                    Some((mount, usage, disk, info))
                };
                let found =
                    match self.lane.run(&format!("reading the filesystem {path}"), self.check_deadline(), job).await {
                        Ok(found) => found,
                        Err(e) => {
                            data_error = Some(e);
                            None
                        }
                    };
                match found {
                    Some((mount, usage, disk, info)) => {
                        let now = Instant::now();
                        let rates = match (self.fs_disk, disk) {
                            (Some(before), Some(after)) => crate::checks::filesystem::rates(before, (after, now)),
                            _ => None,
                        };
                        self.fs_disk = disk.map(|d| (d, now));
                        exists = Some(true);
                        existence_message = format!("filesystem {path} is mounted on {}", mount.mount_point);
                        let figures = FsFigures { mount, usage, rates };
                        self.data = ServiceData::Filesystem(figures.status_data(info.as_ref()));
                        fs_figures = Some(figures);
                        fs_mount_info = info;
                    }
                    None => {
                        exists = Some(false);
                        existence_message = format!("filesystem {path} is not mounted");
                        self.data = ServiceData::None;
                    }
                }
            }
            ServiceKind::Program(program) => {
                let spec = command_spec(
                    &self.config,
                    self.service(),
                    &program.command,
                    program.uid.as_deref(),
                    program.gid.as_deref(),
                    program.timeout.map_or_else(|| self.config.limits.program_timeout().as_std(), |t| t.as_std()),
                    &self.data,
                    &EventContext::default(),
                );
                match spec {
                    Ok(spec) => {
                        let started = SystemTime::now();
                        let (finished, pid) = match exec::spawn(&spec).await {
                            Ok(running) => {
                                let pid = running.pid();
                                (running.wait().await, pid)
                            }
                            Err(reason) => {
                                let exit = Exit::SpawnFailed(reason);
                                (exec::Finished { exit, output: String::new(), duration: Duration::ZERO }, 0)
                            }
                        };
                        if finished.exit == Exit::TimedOut {
                            // Monit's words (its elapsed time; ours is the timeout itself).
                            error!(
                                service = %self.name(),
                                "program timed out after {} s. Killing program with pid {pid}",
                                spec.timeout.as_secs_f64()
                            );
                        }
                        match finished.exit {
                            Exit::SpawnFailed(reason) => {
                                data_error = Some(format!("failed to execute '{}': {reason}", program.command))
                            }
                            exit => {
                                let status = exit.program_status();
                                program_status = Some(status);
                                program_output = Some(finished.output.clone());
                                self.data = ServiceData::Program(ProgramData {
                                    started: Some(started),
                                    exit_status: Some(status),
                                    output: finished.output,
                                });
                            }
                        }
                    }
                    Err(e) => data_error = Some(e),
                }
            }
            ServiceKind::Network(target) => {
                use crate::checks::link;
                use crate::config::model::NetworkTarget;
                let (interface, address) = match target {
                    NetworkTarget::Interface(i) => (Some(i.as_str()), None),
                    NetworkTarget::Address(a) => (None, Some(a.as_str())),
                };
                let described = interface.or(address).unwrap_or_default().to_owned();
                let reading = match link::interface_of(interface, address) {
                    Some(name) => {
                        let job = move || link::read(&name);
                        self.lane
                            .run("reading the interface", self.check_deadline(), job)
                            .await
                            .ok()
                            .and_then(Result::ok)
                    }
                    None => None,
                };
                match reading {
                    Some(reading) => {
                        let now = Instant::now();
                        let rates = self.link_previous.as_ref().map(|(before, at)| {
                            link::rates(before.counters, reading.counters, now.duration_since(*at))
                        });
                        let previous_capacity =
                            self.link_previous.as_ref().map(|(before, _)| (before.speed_mbps, before.full_duplex));
                        self.traffic_log.record(now, reading.counters);
                        exists = Some(true);
                        existence_message = format!("interface {} exists", reading.name);
                        self.data = ServiceData::Network(network_data(&reading, rates.as_ref()));
                        self.link_previous = Some((reading.clone(), now));
                        link_figures = Some(link::LinkFigures { reading, rates, previous_capacity });
                    }
                    None => {
                        exists = Some(false);
                        existence_message = format!("network interface {described} does not exist");
                        self.data = ServiceData::None;
                        self.link_previous = None;
                    }
                }
            }
            ServiceKind::Host { .. } => {}
        }
        let previous_ids = self.previous_ids;
        let previous_status = self.previous_program_status;
        let process = match &self.data {
            ServiceData::Process(p) => Some(p.clone()),
            _ => None,
        };
        let system = match &self.data {
            ServiceData::System(s) => Some(s.clone()),
            _ => None,
        };
        let file_info = file_report.as_ref().and_then(|r| r.info).or(fs_mount_info);
        let previous_file = self.previous_file;
        let previous_checksum = self.file_watch.as_ref().and_then(|w| w.previous_checksum.clone());
        let baseline = self.file_watch.as_ref().and_then(|w| w.baseline.clone());
        let checksum = file_report.as_ref().and_then(|r| r.checksum.clone());
        let previous_flags = self.fs_flags.clone();
        let obs = Observation {
            exists,
            existence_message,
            process: process.as_ref(),
            previous_ids,
            system: system.as_ref(),
            program_status,
            previous_program_status: previous_status,
            program_output: program_output.as_deref(),
            file: file_info.as_ref(),
            previous_file: previous_file.as_ref(),
            checksum: checksum.as_deref(),
            previous_checksum: previous_checksum.as_deref(),
            checksum_baseline: baseline.as_deref(),
            filesystem: fs_figures.as_ref(),
            previous_fs_flags: previous_flags.as_deref(),
            path: self.config.services[self.index].check.path(),
        };
        // One result per rule, in the rules' order: `results[index]` is rule `index`'s.
        let mut results: Vec<(Slot, TestResult)> =
            self.rules.iter().enumerate().map(|(i, slot)| (Slot::Rule(i), judge(&slot.test, &obs))).collect();
        if let Some(figures) = &link_figures {
            let now = Instant::now();
            for (index, slot) in self.rules.iter().enumerate() {
                if let Some(result) = crate::checks::link::judge(&slot.test, figures, &self.traffic_log, now) {
                    results[index].1 = result;
                }
            }
        } else if matches!(self.service().check, ServiceKind::Network(_)) && exists == Some(false) {
            // A missing interface is a link down (Monit's verdict).
            for (index, slot) in self.rules.iter().enumerate() {
                if matches!(slot.test, Test::LinkDown) {
                    results[index].1 = TestResult::Failed(obs.existence_message.clone());
                }
            }
        }
        if !self.network.is_empty() {
            let hold = self.network_hold(process.as_ref());
            let host = self.default_host();
            let timeout = self.config.limits.network_timeout().as_std();
            for (index, result) in self.network.run(&host, timeout, hold).await {
                results[index].1 = result;
            }
        }
        // Content rules: lines of a file, or the output of a program.
        for (index, slot) in self.rules.iter().enumerate() {
            let Test::Content(_) = &slot.test else { continue };
            let fired: Vec<String> = match (&file_report, &program_output) {
                (Some(report), _) => {
                    report.content.iter().find(|(i, _)| *i == index).map(|(_, l)| l.clone()).unwrap_or_default()
                }
                (None, Some(output)) => match self.output_matchers.iter().find(|(i, _)| *i == index) {
                    Some((_, Ok(m))) => output.lines().filter(|l| m.fires(l)).map(str::to_owned).collect(),
                    Some((_, Err(e))) => {
                        results[index].1 = TestResult::Failed(format!("cannot check the content: {e}"));
                        continue;
                    }
                    None => Vec::new(),
                },
                _ => continue,
            };
            results[index].1 = if fired.is_empty() {
                TestResult::Unchanged("content has not matched".to_owned())
            } else {
                TestResult::Changed(format!("content match:\n{}", fired.join("\n")))
            };
        }
        if file_report.is_some() || fs_figures.is_some() {
            self.previous_file = file_info;
        }
        if let Some(watch) = self.file_watch.as_mut()
            && checksum.is_some()
        {
            watch.previous_checksum = checksum;
        }
        if let Some(fs) = &fs_figures {
            self.fs_flags = Some(fs.mount.flags.clone());
        }
        // The implicit `invalid` event (wrong file type).
        if matches!(kind, ServiceKind::File { .. } | ServiceKind::Fifo { .. } | ServiceKind::Directory { .. }) {
            results.push((
                Slot::Invalid,
                match invalid {
                    Some(message) => TestResult::Failed(message),
                    None => TestResult::Succeeded("type test succeeded".to_owned()),
                },
            ));
        }
        if let Some(p) = &process {
            self.previous_ids = Some((p.pid, p.ppid));
        }
        if program_status.is_some() {
            self.previous_program_status = program_status;
        }
        // The implicit `data` event.
        results.push((
            Slot::Data,
            match data_error {
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

    /// Uid and gid rules read the ids every cycle (a process may switch users).
    fn needs_fresh_ids(&self) -> bool {
        self.rules.iter().any(|slot| matches!(slot.test, Test::Uid { .. } | Test::Gid { .. }))
    }

    fn needs_table(&self) -> bool {
        self.rules.iter().any(|slot| {
            matches!(
                slot.test,
                Test::Resource {
                    metric: Metric::Children | Metric::TotalCpu | Metric::TotalMemory | Metric::TotalFiledescriptors,
                    ..
                }
            )
        })
    }

    fn track(&mut self, id: Identity) {
        self.tracked = Some(Known::of(id));
        self.last_known = self.tracked;
        self.exited = None;
        self.cpu_sample = None;
        self.pidfd = open_pidfd(id.pid);
    }

    fn untrack(&mut self) {
        self.tracked = None;
        self.pidfd = None;
        self.cpu_sample = None;
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
        let position = self.file_watch.as_ref().and_then(|w| w.position);
        let baseline = self.file_watch.as_ref().and_then(|w| w.baseline.clone());
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

/// A pidfd on a process, registered with the runtime; none where pidfds are unavailable
/// (the cycle then notices the exit).
fn open_pidfd(pid: i32) -> Option<AsyncFd<OwnedFd>> {
    let pid = rustix::process::Pid::from_raw(pid)?;
    let fd = rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::NONBLOCK).ok()?;
    // SAFETY: the fd is a fresh pidfd owned by this AsyncFd alone and stays open as long
    // as it is registered.
    unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }.ok()
}

async fn wait_readable(fd: &Option<AsyncFd<OwnedFd>>) {
    match fd {
        Some(fd) => {
            let _ = fd.readable().await;
        }
        None => std::future::pending().await,
    }
}

/// A network interface's figures for the status, from a reading and its rates.
fn network_data(
    reading: &crate::checks::link::Reading,
    rates: Option<&crate::checks::link::Rates>,
) -> crate::state::status::NetworkData {
    use crate::state::status::{LinkDirection, NetworkData};
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
