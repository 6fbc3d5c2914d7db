//! The engine: one task per service that runs its checks every cycle (`service`), the pure
//! rule evaluator that turns results into actions (`rules`), and the coordinator that
//! carries those actions out with their dependencies (`coordinator`).
//!
//! Readers see the engine through the status [`Board`] and the cloneable [`EngineHandle`],
//! never its internals.

pub mod coordinator;
pub mod custom;
pub mod failure;
pub mod network;
pub mod pidfile_watch;
pub mod queue;
pub mod rules;
pub mod service;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::checks::observer::Shared;
use crate::checks::table_cache::TableCache;
use crate::config::model::defaults::DAEMON_INTERVAL;
use crate::config::model::{Action, Config, Mode, OnReboot};
use crate::state::{Board, Monitoring, ServiceStatus};
pub use coordinator::Requester;
use coordinator::{Coordinator, Origin, Remembered, Request};
use service::{Command, ServiceTask};

/// A user action on services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAction {
    Start,
    Stop,
    Restart,
    Monitor,
    Unmonitor,
}

impl UserAction {
    pub fn parse(word: &str) -> Option<UserAction> {
        Some(match word {
            "start" => UserAction::Start,
            "stop" => UserAction::Stop,
            "restart" => UserAction::Restart,
            "monitor" => UserAction::Monitor,
            "unmonitor" => UserAction::Unmonitor,
            _ => return None,
        })
    }

    fn action(self) -> Action {
        match self {
            UserAction::Start => Action::Start,
            UserAction::Stop => Action::Stop,
            UserAction::Restart => Action::Restart,
            UserAction::Monitor => Action::Monitor,
            UserAction::Unmonitor => Action::Unmonitor,
        }
    }
}

/// The engine as the control plane sees it.
#[derive(Clone)]
pub struct EngineHandle {
    requests: mpsc::UnboundedSender<Request>,
    services: Vec<mpsc::UnboundedSender<Command>>,
    names: Arc<Vec<String>>,
    board: Board,
    config: Arc<Config>,
    alerts: crate::alert::AlertSender,
}

impl EngineHandle {
    pub fn board(&self) -> &Board {
        &self.board
    }

    /// The index of a service by exact name (case-insensitive).
    /// The services' names, in the configuration's order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n.eq_ignore_ascii_case(name))
    }

    /// Queues a user action (`until`: monitor again then, for `unmonitor`); the receiver
    /// gets the outcome once it has been carried out.
    pub fn act(
        &self,
        service: usize,
        action: UserAction,
        by: Requester,
        until: Option<std::time::SystemTime>,
    ) -> oneshot::Receiver<Result<(), String>> {
        self.send_user(service, action, by, until, None)
    }

    /// Queues the same user action on several services (a group, `all`); one receiver per
    /// service, in order. As in Monit, a member of a restart whose ancestor is restarted
    /// too is restarted only as that ancestor's dependant (once, after it); its own job
    /// just starts it if it is not running.
    pub fn act_together(
        &self,
        services: &[usize],
        action: UserAction,
        by: Requester,
        until: Option<std::time::SystemTime>,
    ) -> Vec<oneshot::Receiver<Result<(), String>>> {
        let graph = (action == UserAction::Restart).then(|| coordinator::Graph::new(&self.config));
        services
            .iter()
            .map(|&service| {
                let along_with = graph
                    .as_ref()
                    .and_then(|g| g.ancestors(service).into_iter().find(|a| *a != service && services.contains(a)));
                self.send_user(service, action, by.clone(), until, along_with)
            })
            .collect()
    }

    fn send_user(
        &self,
        service: usize,
        action: UserAction,
        by: Requester,
        until: Option<std::time::SystemTime>,
        along_with: Option<usize>,
    ) -> oneshot::Receiver<Result<(), String>> {
        let (tx, rx) = oneshot::channel();
        let request =
            Request { service, action: action.action(), origin: Origin::User(by), until, reply: Some(tx), along_with };
        if let Err(mpsc::error::SendError(request)) = self.requests.send(request)
            && let Some(reply) = request.reply
        {
            let _ = reply.send(Err("the engine has stopped".to_owned()));
        }
        rx
    }

    /// Starts a service's custom action on user request; its output and exit come back
    /// through the returned [`custom::CustomRun`].
    pub async fn run_custom(&self, service: usize, action: &str, by: &Requester) -> Result<custom::CustomRun, String> {
        custom::start(&self.config, &self.board, &self.alerts, service, action, by).await
    }

    /// Runs a check cycle of every service now.
    pub fn check_all_now(&self) {
        for service in &self.services {
            let _ = service.send(Command::CheckNow);
        }
    }
}

/// How the engine starts.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Monitoring state per service at start (restored from the state file); services
    /// not listed start as the configuration says.
    pub initial_monitoring: Vec<(String, Monitoring)>,
    /// What the state file kept of each service (restart counts, last actions).
    pub restored: Vec<crate::state::persist::ServiceState>,
    /// Overrides `set daemon` (the `-d` option).
    pub interval: Option<Duration>,
    /// Apply the start delay (after a reboot, as Monit does).
    pub apply_start_delay: bool,
    /// Where the services' alerts go, and the notifier's figures for readers.
    pub alerts: crate::alert::AlertSender,
    pub alert_status: crate::state::AlertStatusBoard,
    /// When the daemon started, for its uptime: a reload builds a new engine and keeps it,
    /// as Monit does. `None` is now.
    pub daemon_started: Option<std::time::SystemTime>,
}

/// Starts the engine's tasks in `tasks`; they end when `cancel` fires.
pub fn spawn(
    config: Arc<Config>,
    options: EngineOptions,
    cancel: CancellationToken,
    tasks: &mut JoinSet<()>,
) -> EngineHandle {
    let interval =
        options.interval.or(config.daemon.as_ref().map(|d| d.interval.as_std())).unwrap_or(DAEMON_INTERVAL.as_std());
    let start_delay = match (&config.daemon, options.apply_start_delay) {
        (Some(d), true) => d.start_delay.map_or(Duration::ZERO, |s| s.as_std()),
        _ => Duration::ZERO,
    };
    let statuses = config
        .services
        .iter()
        .map(|s| {
            let mut status = ServiceStatus::new(
                &s.name,
                s.type_name(),
                type_number(&s.check),
                s.mode.unwrap_or(Mode::Active),
                s.onreboot.or(config.onreboot).unwrap_or(OnReboot::Start),
            );
            status.monitoring = initial_monitoring(&config, s, &options);
            if let Some(saved) = restored(&options, s) {
                // The task takes them back too (see `ServiceTask::with_restored`); on the
                // board they are saved again until its first cycle.
                if status.monitoring != Monitoring::NotMonitored {
                    status.saved_events = saved.events.clone();
                }
                status.last_action = saved.last_action.clone();
                status.restarts = saved.restarts;
                status.content_position = saved.content_position;
                status.checksum_baseline = saved.checksum_baseline.clone();
            }
            status
        })
        .collect();
    let board = Board::new(statuses, interval.as_millis() as u64)
        .with_alerts(options.alert_status.clone())
        .started_at(options.daemon_started.unwrap_or_else(std::time::SystemTime::now));
    let (request_tx, request_rx) = mpsc::unbounded_channel();
    let matching = config.services.iter().any(|s| {
        matches!(&s.check, crate::config::model::ServiceKind::Process(crate::config::model::ProcessTarget::Matching(_)))
    });
    let shared = Shared { table: TableCache::new(matching), interval };
    let mut senders = Vec::new();
    for (index, service) in config.services.iter().enumerate() {
        let (tx, rx) = mpsc::unbounded_channel();
        senders.push(tx);
        let monitoring = initial_monitoring(&config, service, &options);
        let task = ServiceTask::new(config.clone(), index, board.clone(), monitoring, request_tx.clone(), rx, &shared)
            .with_restored(restored(&options, service))
            .with_alerts(options.alerts.clone());
        let cancel = cancel.clone();
        tasks.spawn(task.run(start_delay, cancel));
    }
    let pidfiles = config
        .services
        .iter()
        .zip(senders.iter())
        .filter_map(|(s, tx)| match &s.check {
            crate::config::model::ServiceKind::Process(crate::config::model::ProcessTarget::Pidfile(p)) => {
                Some((std::path::PathBuf::from(p), tx.clone()))
            }
            _ => None,
        })
        .collect();
    tasks.spawn(pidfile_watch::run(pidfiles, cancel.clone()));
    let remembered = config.services.iter().map(|s| remembered(&config, &options, s)).collect();
    let coordinator = Coordinator::new(
        &config,
        senders.clone(),
        board.clone(),
        request_tx.clone(),
        remembered,
        cancel.clone(),
        options.alerts.clone(),
    );
    let cancel_coordinator = cancel.clone();
    tasks.spawn(async move {
        tokio::select! {
            _ = coordinator.run(request_rx) => {}
            _ = cancel_coordinator.cancelled() => {}
        }
    });
    EngineHandle {
        requests: request_tx,
        services: senders,
        names: Arc::new(config.services.iter().map(|s| s.name.clone()).collect()),
        board,
        config,
        alerts: options.alerts.clone(),
    }
}

fn restored<'a>(
    options: &'a EngineOptions,
    service: &crate::config::model::ServiceConfig,
) -> Option<&'a crate::state::persist::ServiceState> {
    options.restored.iter().find(|s| s.is_for(service))
}

/// What the state file kept for the coordinator: the deadline of an `unmonitor --for`
/// (only while the service is still unmonitored) and the dependants its unmonitor disabled.
fn remembered(config: &Config, options: &EngineOptions, service: &crate::config::model::ServiceConfig) -> Remembered {
    let Some(saved) = restored(options, service) else { return Remembered::default() };
    let unmonitored = initial_monitoring(config, service, options) == Monitoring::NotMonitored;
    Remembered {
        monitor_again_at: saved.monitor_again_at.filter(|_| unmonitored),
        disabled_dependants: saved
            .disabled_dependants
            .iter()
            .filter_map(|name| config.services.iter().position(|s| &s.name == name))
            .collect(),
    }
}

fn initial_monitoring(
    config: &Config,
    service: &crate::config::model::ServiceConfig,
    options: &EngineOptions,
) -> Monitoring {
    if let Some((_, m)) = options.initial_monitoring.iter().find(|(n, _)| n == &service.name) {
        return match m {
            Monitoring::NotMonitored => Monitoring::NotMonitored,
            _ => Monitoring::Initializing,
        };
    }
    match service.onreboot.or(config.onreboot) {
        Some(OnReboot::Nostart) => Monitoring::NotMonitored,
        _ => Monitoring::Initializing,
    }
}

/// Monit's XML type number.
pub fn type_number(kind: &crate::config::model::ServiceKind) -> u8 {
    use crate::config::model::ServiceKind as K;
    match kind {
        K::Filesystem { .. } => 0,
        K::Directory { .. } => 1,
        K::File { .. } => 2,
        K::Process(_) => 3,
        K::Host { .. } => 4,
        K::System => 5,
        K::Fifo { .. } => 6,
        K::Program(_) => 7,
        K::Network(_) => 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{LoadOptions, load_str};

    fn engine(text: &str) -> (EngineHandle, CancellationToken, JoinSet<()>) {
        let config = Arc::new(load_str("/x/monitrc", text, LoadOptions::default()).unwrap().config);
        let cancel = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let handle = spawn(config, EngineOptions::default(), cancel.clone(), &mut tasks);
        (handle, cancel, tasks)
    }

    /// Lets the engine's tasks run until they wait on the (paused) clock again.
    async fn settle() {
        for _ in 0..50 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn every_two_cycles_checks_every_second_cycle() {
        let (handle, cancel, _tasks) = engine("set daemon 10\ncheck system f\n every 2 cycles\n");
        let mut waiting = Vec::new();
        for _ in 0..5 {
            settle().await;
            waiting.push(handle.board().get("f").unwrap().waiting);
            tokio::time::advance(Duration::from_secs(10)).await;
        }
        cancel.cancel();
        assert_eq!(waiting, [false, true, false, true, false]);
    }

    #[tokio::test(start_paused = true)]
    async fn for_three_cycles_fails_on_the_third_cycle() {
        let (handle, cancel, _tasks) =
            engine("set daemon 5\ncheck system f\n if memory usage > 0.001% for 3 cycles then alert\n");
        let mut failed = Vec::new();
        for _ in 0..4 {
            settle().await;
            failed.push(!handle.board().get("f").unwrap().failed.is_empty());
            tokio::time::advance(Duration::from_secs(5)).await;
        }
        cancel.cancel();
        assert_eq!(failed, [false, false, true, true]);
    }

    #[tokio::test(start_paused = true)]
    async fn start_delay_holds_the_first_cycle() {
        let config = Arc::new(
            load_str("/x/monitrc", "set daemon 5 with start delay 30\ncheck system f\n", LoadOptions::default())
                .unwrap()
                .config,
        );
        let cancel = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let options = EngineOptions { apply_start_delay: true, ..EngineOptions::default() };
        let handle = spawn(config, options, cancel.clone(), &mut tasks);
        settle().await;
        assert_eq!(handle.board().get("f").unwrap().monitoring, Monitoring::Initializing);
        tokio::time::advance(Duration::from_secs(31)).await;
        settle().await;
        assert_eq!(handle.board().get("f").unwrap().monitoring, Monitoring::Monitored);
        cancel.cancel();
    }

    /// One cycle of `check file f` (missing, `if does not exist then alert`) started with a
    /// saved failure of the rule whose identity is `key`; the notices it posted.
    async fn notices_after_restore(key: impl FnOnce(&Config) -> String) -> Vec<crate::alert::Notice> {
        let text = "set daemon 5\ncheck file f path /nonexistent/rmonit-restore\n if does not exist then alert\n";
        let config = Arc::new(load_str("/x/monitrc", text, LoadOptions::default()).unwrap().config);
        let mut saved = crate::state::persist::ServiceState::new("f", "File");
        saved.events = vec![crate::state::persist::SavedEvent {
            rule: key(&config),
            state: crate::outcome::EventState::Failed,
            window: u64::MAX,
            cycles_in_state: 6,
            transitions: 1,
        }];
        let (tx, mut rx) = mpsc::unbounded_channel();
        let options = EngineOptions {
            restored: vec![saved],
            alerts: crate::alert::AlertSender::new(tx),
            ..EngineOptions::default()
        };
        let cancel = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let _handle = spawn(config, options, cancel.clone(), &mut tasks);
        // The first cycle's notices (the file check reads off the runtime), before the next.
        let first = tokio::time::timeout(Duration::from_secs(4), rx.recv()).await;
        settle().await;
        cancel.cancel();
        let mut notices = Vec::new();
        for intake in first.ok().flatten().into_iter().chain(std::iter::from_fn(|| rx.try_recv().ok())) {
            if let crate::alert::notifier::Intake::Notice(notice) = intake {
                notices.push(notice);
            }
        }
        notices
    }

    #[tokio::test(start_paused = true)]
    async fn a_kept_failure_is_not_alerted_again_and_its_reminders_keep_their_count() {
        let notices = notices_after_restore(|c| service::rule_key(&c.services[0].rules[0])).await;
        assert_eq!(notices.len(), 1, "{notices:?}");
        // A reminder (the 7th cycle in the state), not a new failure.
        assert_eq!(notices[0].cycles_in_state, 7);
    }

    #[tokio::test(start_paused = true)]
    async fn a_rule_whose_text_changed_starts_afresh() {
        let notices = notices_after_restore(|_| "Nonexist: if does not exist for 3 cycles then alert".to_owned()).await;
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert_eq!((notices[0].cycles_in_state, notices[0].state), (0, crate::alert::NoticeState::Failed));
        assert!(notices[0].event_id.as_deref().is_some_and(|id| id.ends_with("\n1")), "{notices:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_kept_deadline_and_disabled_dependants_come_back_from_the_state_file() {
        let config = Arc::new(
            load_str(
                "/x/monitrc",
                "set daemon 5\ncheck system base\ncheck file app path /nonexistent\n depends on base\n",
                LoadOptions::default(),
            )
            .unwrap()
            .config,
        );
        let at = std::time::SystemTime::now() + Duration::from_secs(600);
        let saved = |name: &str, type_name: &str| crate::state::persist::ServiceState {
            name: name.to_owned(),
            type_name: type_name.to_owned(),
            monitored: false,
            restarts: 0,
            last_action: None,
            content_position: None,
            checksum_baseline: None,
            monitor_again_at: (name == "base").then_some(at),
            disabled_dependants: if name == "base" { vec!["app".to_owned()] } else { Vec::new() },
            events: Vec::new(),
        };
        let options = EngineOptions {
            initial_monitoring: vec![
                ("base".to_owned(), Monitoring::NotMonitored),
                ("app".to_owned(), Monitoring::NotMonitored),
            ],
            restored: vec![saved("base", "System"), saved("app", "File")],
            ..EngineOptions::default()
        };
        let cancel = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let handle = spawn(config, options, cancel.clone(), &mut tasks);
        settle().await;
        let base = handle.board().get("base").unwrap();
        assert_eq!((base.monitor_again_at, base.disabled_dependants.as_slice()), (Some(at), &["app".to_owned()][..]));
        // At the deadline both are monitored again.
        tokio::time::advance(Duration::from_secs(601)).await;
        settle().await;
        assert_ne!(handle.board().get("base").unwrap().monitoring, Monitoring::NotMonitored);
        assert_ne!(handle.board().get("app").unwrap().monitoring, Monitoring::NotMonitored);
        cancel.cancel();
    }
}
