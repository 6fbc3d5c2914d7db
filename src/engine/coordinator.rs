//! The coordinator carries out start, stop, restart, monitor and unmonitor with Monit's
//! dependency semantics (reference §2.4, §2.5, §2.7): parents start first; dependants are
//! stopped first and started again after a restart; `monitor` enables the parents,
//! `unmonitor` disables the dependants. Unlike Monit (§9.4), `monitor` also enables again
//! the dependants that the service's `unmonitor` disabled.
//!
//! Every request becomes a job in its service's queue (`queue`), run at once and in
//! arrival order by a worker of that service: none is lost or overwritten. While a job
//! waits or runs, the service's status reads `... - restart pending`. A job locks the
//! services it touches, always in configuration order, so jobs on independent chains run
//! in parallel. User actions are logged with Monit's wording (`'web' restart on user
//! request`, `'web' restart action done`), who asked for them, and their outcome, which
//! also goes to the service's events.
//!
//! A rule's request carries how many starts, stops and restarts the service had been
//! through when its cycle saw the failure; if another job acted on the service since (at
//! start, every missing service of a chain asks for a restart, and the first job starts
//! the others as parents or dependants), the request is stale and dropped: Monit, checking
//! serially in dependency order, never sees those failures.
//!
//! `unmonitor --for` keeps a deadline per service; when it passes, the service (and the
//! dependants its unmonitor disabled) are monitored again.

use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::{Mutex, mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::{error, info};

use super::queue::{Job, Next, Queued, ServiceQueue};
use super::service::Command;
use crate::alert::{AlertSender, Notice, NoticeState};
use crate::config::model::{Action, Config, EventKind};
use crate::outcome::EventState;
use crate::state::{Board, EventRecord, Monitoring, PendingAction};

/// Who asked for a user action, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    /// `uid 1000` on the unix socket, the user name on TCP.
    pub who: String,
    /// `unix socket`, or the client's address.
    pub from: String,
}

/// Why an action was requested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    User(Requester),
    /// A rule of the service, which saw its failure after the service's `after`-th start,
    /// stop or restart (see [`Command::ActionsDone`]).
    Rule {
        after: u64,
    },
    RestartLimit,
    /// The time of an `unmonitor --for` is up.
    Expiry,
}

impl Origin {
    pub fn is_user(&self) -> bool {
        matches!(self, Origin::User(_))
    }

    /// ` by uid 1000 from unix socket` for a user, nothing otherwise.
    fn by(&self) -> String {
        match self {
            Origin::User(r) => format!(" by {} from {}", r.who, r.from),
            Origin::Expiry => " (the time of the unmonitor is up)".to_owned(),
            Origin::Rule { .. } | Origin::RestartLimit => String::new(),
        }
    }

    /// Whether the action is logged and kept in the events: user actions and their expiry.
    fn audited(&self) -> bool {
        matches!(self, Origin::User(_) | Origin::Expiry)
    }
}

/// One action on one service.
#[derive(Debug)]
pub struct Request {
    pub service: usize,
    pub action: Action,
    pub origin: Origin,
    /// For `unmonitor --for`: when monitoring comes back by itself.
    pub until: Option<SystemTime>,
    /// Where the outcome goes, if someone waits for it.
    pub reply: Option<oneshot::Sender<Result<(), String>>>,
    /// A restart asked together with this ancestor's (see [`Job::along_with`]).
    pub along_with: Option<usize>,
}

/// What a service had kept across a restart of the daemon or a reload.
#[derive(Debug, Clone, Default)]
pub struct Remembered {
    /// The deadline of an `unmonitor --for`.
    pub monitor_again_at: Option<SystemTime>,
    /// The dependants its `unmonitor` disabled.
    pub disabled_dependants: Vec<usize>,
}

/// The dependency graph by service index.
#[derive(Debug, Clone)]
pub struct Graph {
    parents: Vec<Vec<usize>>,
    children: Vec<Vec<usize>>,
}

impl Graph {
    pub fn new(config: &Config) -> Graph {
        let n = config.services.len();
        let index = |name: &str| config.services.iter().position(|s| s.name.eq_ignore_ascii_case(name));
        let mut parents = vec![Vec::new(); n];
        let mut children = vec![Vec::new(); n];
        for (i, service) in config.services.iter().enumerate() {
            for dep in &service.depends {
                if let Some(p) = index(dep) {
                    parents[i].push(p);
                    children[p].push(i);
                }
            }
        }
        Graph { parents, children }
    }

    /// All ancestors, farthest first (the order to start them in).
    pub fn ancestors(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        self.walk(i, &self.parents, &mut out);
        out
    }

    /// All descendants, deepest first (the order to stop them in).
    pub fn descendants(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        self.walk(i, &self.children, &mut out);
        out
    }

    /// Post-order walk: for ancestors the farthest parent comes first.
    fn walk(&self, i: usize, edges: &[Vec<usize>], out: &mut Vec<usize>) {
        for &next in &edges[i] {
            if !out.contains(&next) && next != i {
                self.walk(next, edges, out);
                if !out.contains(&next) {
                    out.push(next);
                }
            }
        }
    }
}

/// Carries out requests.
pub struct Coordinator {
    graph: Graph,
    names: Vec<String>,
    services: Vec<mpsc::UnboundedSender<Command>>,
    locks: Vec<Arc<Mutex<()>>>,
    board: Board,
    // std Mutexes: each held for a few field updates, never across an await. The board's
    // lock may be taken inside them, never the other way round.
    queues: std::sync::Mutex<Vec<ServiceQueue>>,
    remembered: std::sync::Mutex<Vec<Remembered>>,
    /// For the deadlines of `unmonitor --for`, which come back as requests.
    requests: mpsc::UnboundedSender<Request>,
    cancel: CancellationToken,
    /// Where the `Action done` alerts of user actions go.
    alerts: AlertSender,
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The pending action shown in the status, for the actions that queue.
fn pending_of(action: &Action) -> Option<PendingAction> {
    Some(match action {
        Action::Start => PendingAction::Start,
        Action::Stop => PendingAction::Stop,
        Action::Restart => PendingAction::Restart,
        Action::Monitor => PendingAction::Monitor,
        Action::Unmonitor => PendingAction::Unmonitor,
        _ => return None,
    })
}

impl Coordinator {
    /// A coordinator for `services` (the service tasks' inboxes); `requests` is the sender
    /// of the channel `run` will read, `remembered` what each service kept (by index).
    pub fn new(
        config: &Config,
        services: Vec<mpsc::UnboundedSender<Command>>,
        board: Board,
        requests: mpsc::UnboundedSender<Request>,
        remembered: Vec<Remembered>,
        cancel: CancellationToken,
        alerts: AlertSender,
    ) -> Arc<Coordinator> {
        let n = services.len();
        let mut remembered = remembered;
        remembered.resize_with(n, Remembered::default);
        let coordinator = Arc::new(Coordinator {
            graph: Graph::new(config),
            names: config.services.iter().map(|s| s.name.clone()).collect(),
            locks: (0..n).map(|_| Arc::new(Mutex::new(()))).collect(),
            board,
            queues: std::sync::Mutex::new((0..n).map(|_| ServiceQueue::default()).collect()),
            remembered: std::sync::Mutex::new(remembered),
            requests,
            cancel,
            services,
            alerts,
        });
        for service in 0..n {
            coordinator.show_remembered(service);
        }
        coordinator
    }

    /// Receives requests until the channel closes; arms the deadlines kept from before.
    pub async fn run(self: Arc<Self>, mut requests: mpsc::UnboundedReceiver<Request>) {
        let deadlines: Vec<(usize, SystemTime)> = lock(&self.remembered)
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.monitor_again_at.map(|at| (i, at)))
            .collect();
        for (service, at) in deadlines {
            self.arm(service, at);
        }
        while let Some(request) = requests.recv().await {
            self.submit(request);
        }
    }

    /// Queues a request; starts the service's worker if none runs.
    fn submit(self: &Arc<Self>, request: Request) {
        let Request { service, action, origin, until, reply, along_with } = request;
        let Some(name) = self.names.get(service) else {
            if let Some(reply) = reply {
                let _ = reply.send(Err(format!("no service number {service}")));
            }
            return;
        };
        match &origin {
            Origin::User(_) => info!(service = %name, "{} on user request{}", action.name(), origin.by()),
            Origin::Expiry => info!(service = %name, "{} on schedule: the time of the unmonitor is up", action.name()),
            Origin::Rule { .. } | Origin::RestartLimit => {}
        }
        if pending_of(&action).is_none() {
            if let Some(reply) = reply {
                let _ = reply.send(Ok(()));
            }
            return;
        }
        let queued = {
            let mut queues = lock(&self.queues);
            let queued = queues[service].push(Job::new(action, origin, until, reply).along_with(along_with));
            self.show_pending(&queues, service);
            queued
        };
        if queued == Queued::First {
            let this = self.clone();
            tokio::spawn(async move { this.work(service).await });
        }
    }

    /// Shows the first job's action as the service's pending action (queues locked).
    fn show_pending(&self, queues: &[ServiceQueue], service: usize) {
        let pending = queues[service].pending().and_then(pending_of);
        self.board.update(&self.names[service], |s| s.pending = pending);
    }

    /// Runs the service's jobs one after the other until its queue is empty.
    async fn work(self: Arc<Self>, service: usize) {
        loop {
            let Some(Next { action, origin, until, along_with }) = lock(&self.queues)[service].start_next() else {
                return;
            };
            let result = self.execute(service, &action, &origin, until, along_with).await;
            let (job, more) = {
                let mut queues = lock(&self.queues);
                let job = queues[service].finish();
                self.show_pending(&queues, service);
                (job, !queues[service].is_empty())
            };
            self.audit(service, &action, &origin, job.as_ref().map_or(&[][..], |j| &j.joined[..]), &result);
            for reply in job.into_iter().flat_map(|j| j.replies) {
                let _ = reply.send(result.clone());
            }
            if !more {
                return;
            }
        }
    }

    /// Logs the outcome of a user action and adds it to the service's events.
    fn audit(&self, service: usize, action: &Action, origin: &Origin, joined: &[Origin], result: &Result<(), String>) {
        if !origin.audited() {
            return;
        }
        let name = &self.names[service];
        // Each requester once, though the same one may have asked several times.
        let mut by: Vec<String> = Vec::new();
        for requester in std::iter::once(origin).chain(joined).map(Origin::by) {
            if !by.contains(&requester) {
                by.push(requester);
            }
        }
        let by = by.join(",");
        record_action(&self.board, &self.alerts, name, action.name(), &by, result);
    }

    async fn execute(
        self: &Arc<Self>,
        service: usize,
        action: &Action,
        origin: &Origin,
        until: Option<SystemTime>,
        along_with: Option<usize>,
    ) -> Result<(), String> {
        let mut involved = vec![service];
        match action {
            Action::Start => involved.extend(self.graph.ancestors(service)),
            Action::Stop | Action::Unmonitor => involved.extend(self.graph.descendants(service)),
            Action::Monitor | Action::Restart => {
                involved.extend(self.graph.ancestors(service));
                involved.extend(self.graph.descendants(service));
            }
            _ => return Ok(()),
        }
        involved.sort_unstable();
        involved.dedup();
        // Locks in index order: no two jobs can wait on each other.
        let mut guards = Vec::with_capacity(involved.len());
        for &i in &involved {
            guards.push(self.locks[i].clone().lock_owned().await);
        }
        if let Origin::Rule { after } = origin
            && self.actions_done(service).await != Some(*after)
        {
            // Another job started, stopped or restarted the service after its rule saw
            // the failure (a parent's start, say, started it as well): what the rule saw is
            // gone. Its next cycle decides again.
            info!(service = %self.names[service], "{} not done: the service was acted on since the failure was seen", action.name());
            return Ok(());
        }
        let result = match action {
            Action::Start => self.start(service).await,
            Action::Stop => self.stop(service).await,
            // The ancestor's restart restarts the service as its dependant (once, after the
            // ancestor); its own job only makes sure that it runs.
            Action::Restart if along_with.is_some() => self.start(service).await,
            Action::Restart => self.restart(service).await,
            Action::Monitor => self.monitor(service).await,
            Action::Unmonitor => self.unmonitor(service).await,
            _ => Ok(()),
        };
        drop(guards);
        if result.is_ok() {
            // Any action ends an `unmonitor --for`; only a new one starts another.
            let until = if *action == Action::Unmonitor { until } else { None };
            lock(&self.remembered)[service].monitor_again_at = until;
            self.show_remembered(service);
            if let Some(at) = until {
                self.arm(service, at);
            }
        }
        result
    }

    /// Puts what the service remembers on the board (and so into the state file).
    fn show_remembered(&self, service: usize) {
        let remembered = lock(&self.remembered)[service].clone();
        let dependants: Vec<String> = remembered.disabled_dependants.iter().map(|&d| self.names[d].clone()).collect();
        self.board.update(&self.names[service], |s| {
            s.monitor_again_at = remembered.monitor_again_at;
            s.disabled_dependants = dependants;
        });
    }

    /// Monitors the service again at `at`, unless another action changed it before.
    fn arm(self: &Arc<Self>, service: usize, at: SystemTime) {
        let this = self.clone();
        tokio::spawn(async move {
            let wait = at.duration_since(SystemTime::now()).unwrap_or_default();
            tokio::select! {
                _ = this.cancel.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
            if lock(&this.remembered)[service].monitor_again_at != Some(at) {
                return;
            }
            let _ = this.requests.send(Request {
                service,
                action: Action::Monitor,
                origin: Origin::Expiry,
                until: None,
                reply: None,
                along_with: None,
            });
        });
    }

    async fn send(
        &self,
        service: usize,
        make: impl FnOnce(oneshot::Sender<Result<(), String>>) -> Command,
    ) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        self.services[service].send(make(tx)).map_err(|_| "the service's task has ended".to_owned())?;
        rx.await.unwrap_or_else(|_| Err("the service's task has ended".to_owned()))
    }

    async fn is_up(&self, service: usize) -> bool {
        let (tx, rx) = oneshot::channel();
        if self.services[service].send(Command::IsUp(tx)).is_err() {
            return false;
        }
        rx.await.unwrap_or(false)
    }

    /// How many start, stop and restart commands the service has carried out.
    async fn actions_done(&self, service: usize) -> Option<u64> {
        let (tx, rx) = oneshot::channel();
        self.services[service].send(Command::ActionsDone(tx)).ok()?;
        rx.await.ok()
    }

    /// Parents first (those not up), then the service.
    async fn start(&self, service: usize) -> Result<(), String> {
        for parent in self.graph.ancestors(service) {
            if !self.is_up(parent).await {
                self.send(parent, Command::Start)
                    .await
                    .map_err(|e| format!("could not start required service '{}': {e}", self.names[parent]))?;
            }
        }
        self.send(service, Command::Start).await
    }

    /// Dependants first, each stopped and unmonitored, then the service.
    async fn stop(&self, service: usize) -> Result<(), String> {
        for dependant in self.graph.descendants(service) {
            self.send(dependant, |reply| Command::Stop { keep_monitoring: false, reply }).await?;
        }
        self.send(service, |reply| Command::Stop { keep_monitoring: false, reply }).await
    }

    /// Dependants stopped (monitoring kept), the service restarted (parents started first
    /// if needed), then the dependants that were up started again.
    async fn restart(&self, service: usize) -> Result<(), String> {
        let dependants = self.graph.descendants(service);
        let mut were_up = Vec::new();
        for &d in &dependants {
            if self.is_up(d).await {
                were_up.push(d);
                self.send(d, |reply| Command::Stop { keep_monitoring: true, reply }).await?;
            }
        }
        for parent in self.graph.ancestors(service) {
            if !self.is_up(parent).await {
                self.send(parent, Command::Start).await?;
            }
        }
        self.send(service, Command::Restart).await?;
        for &d in dependants.iter().rev() {
            if were_up.contains(&d) {
                self.send(d, Command::Start).await?;
            }
        }
        Ok(())
    }

    /// The service and all its parents, then the dependants its `unmonitor` disabled.
    async fn monitor(&self, service: usize) -> Result<(), String> {
        for parent in self.graph.ancestors(service) {
            self.send(parent, |reply| Command::SetMonitoring(true, reply)).await?;
        }
        self.send(service, |reply| Command::SetMonitoring(true, reply)).await?;
        let dependants = std::mem::take(&mut lock(&self.remembered)[service].disabled_dependants);
        for &dependant in dependants.iter().rev() {
            self.send(dependant, |reply| Command::SetMonitoring(true, reply)).await?;
        }
        Ok(())
    }

    /// The service and all its dependants; those that were monitored are remembered, for
    /// `monitor` to enable again.
    async fn unmonitor(&self, service: usize) -> Result<(), String> {
        for dependant in self.graph.descendants(service) {
            let monitored = self.board.find(&self.names[dependant]).is_some_and(|(m, _)| m != Monitoring::NotMonitored);
            self.send(dependant, |reply| Command::SetMonitoring(false, reply)).await?;
            let mut remembered = lock(&self.remembered);
            let disabled = &mut remembered[service].disabled_dependants;
            if monitored && !disabled.contains(&dependant) {
                disabled.push(dependant);
            }
        }
        self.send(service, |reply| Command::SetMonitoring(false, reply)).await
    }
}

/// Logs the outcome of a user action (`'web' restart action done by admin from ...`), sends
/// its `Action done` alert and adds it to the service's events; returns the message. The
/// one place for every kind of user action: the job queue's and the custom actions'.
pub(crate) fn record_action(
    board: &Board,
    alerts: &AlertSender,
    name: &str,
    action: &str,
    by: &str,
    result: &Result<(), String>,
) -> String {
    let message = match result {
        Ok(()) => {
            info!(service = %name, "{action} action done{by}");
            format!("{action} action done{by}")
        }
        Err(e) => {
            error!(service = %name, "{action} action failed{by} -- {e}");
            format!("{action} action failed{by} -- {e}")
        }
    };
    let state = if result.is_ok() { NoticeState::Changed } else { NoticeState::Failed };
    // Monit's `Action done` mail says `Action: alert` whatever was done.
    alerts.post(Notice::transition(name, EventKind::Action, state, &message, "alert"));
    let record = EventRecord {
        at: SystemTime::now(),
        event: EventKind::Action,
        state: if result.is_ok() { EventState::Changed } else { EventState::Failed },
        message: message.clone(),
        action: action.to_owned(),
    };
    board.update(name, |s| s.push_events([record]));
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_farthest_first_and_descendants_deepest_first() {
        // a -> b -> c -> d (a depends on b ...)
        let config = crate::config::load_str(
            "/x/monitrc",
            "check process a pidfile /a\n depends on b\ncheck process b pidfile /b\n depends on c\n\
             check process c pidfile /c\n depends on d\ncheck process d pidfile /d\n",
            crate::config::LoadOptions::default(),
        )
        .unwrap()
        .config;
        let g = Graph::new(&config);
        assert_eq!(g.ancestors(0), [3, 2, 1], "start order d, c, b before a");
        assert_eq!(g.descendants(3), [0, 1, 2], "stop order a, b, c before d");
        assert!(g.ancestors(3).is_empty());
    }

    /// Services that answer the coordinator's commands themselves: each command is logged
    /// as `name: command`, a restart takes 10 s (of paused time), and monitoring changes
    /// go to the board as the real service tasks do.
    struct Fixture {
        board: Board,
        requests: mpsc::UnboundedSender<Request>,
        log: Arc<std::sync::Mutex<Vec<String>>>,
        _cancel: tokio_util::sync::DropGuard,
    }

    fn fixture(text: &str, remembered: Vec<Remembered>) -> Fixture {
        let config = crate::config::load_str("/x/monitrc", text, crate::config::LoadOptions::default()).unwrap().config;
        let statuses = config
            .services
            .iter()
            .map(|s| {
                crate::state::ServiceStatus::new(
                    &s.name,
                    s.type_name(),
                    3,
                    crate::config::model::Mode::Active,
                    crate::config::model::OnReboot::Start,
                )
            })
            .collect();
        let board = Board::new(statuses, 1000);
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut senders = Vec::new();
        for service in &config.services {
            let (tx, mut rx) = mpsc::unbounded_channel::<Command>();
            senders.push(tx);
            let (name, log, board) = (service.name.clone(), log.clone(), board.clone());
            tokio::spawn(async move {
                let mut done = 0;
                while let Some(command) = rx.recv().await {
                    if matches!(command, Command::Start(_) | Command::Stop { .. } | Command::Restart(_)) {
                        done += 1;
                    }
                    let entry = match &command {
                        Command::SetMonitoring(on, _) => format!("{name}: monitor {on}"),
                        other => format!("{name}: {}", format!("{other:?}").split(['(', ' ']).next().unwrap_or("")),
                    };
                    log.lock().unwrap().push(entry);
                    match command {
                        Command::Restart(reply) => {
                            tokio::time::sleep(std::time::Duration::from_secs(10)).await;
                            let _ = reply.send(Ok(()));
                        }
                        Command::SetMonitoring(on, reply) => {
                            let monitoring = if on { Monitoring::Monitored } else { Monitoring::NotMonitored };
                            board.update(&name, |s| s.monitoring = monitoring);
                            let _ = reply.send(Ok(()));
                        }
                        Command::Start(reply) | Command::Stop { reply, .. } => {
                            let _ = reply.send(Ok(()));
                        }
                        Command::IsUp(reply) => {
                            let _ = reply.send(true);
                        }
                        Command::ActionsDone(reply) => {
                            let _ = reply.send(done);
                        }
                        Command::CheckNow => {}
                    }
                }
            });
        }
        let (requests, inbox) = mpsc::unbounded_channel();
        let cancel = CancellationToken::new();
        let coordinator = Coordinator::new(
            &config,
            senders,
            board.clone(),
            requests.clone(),
            remembered,
            cancel.clone(),
            Default::default(),
        );
        tokio::spawn(coordinator.run(inbox));
        Fixture { board, requests, log, _cancel: cancel.drop_guard() }
    }

    impl Fixture {
        fn user(
            &self,
            service: usize,
            action: Action,
            until: Option<SystemTime>,
        ) -> oneshot::Receiver<Result<(), String>> {
            let (tx, rx) = oneshot::channel();
            let origin = Origin::User(Requester { who: "uid 0".into(), from: "test".into() });
            self.requests.send(Request { service, action, origin, until, reply: Some(tx), along_with: None }).unwrap();
            rx
        }

        fn rule(&self, service: usize, action: Action, after: u64) {
            let origin = Origin::Rule { after };
            self.requests
                .send(Request { service, action, origin, until: None, reply: None, along_with: None })
                .unwrap();
        }

        fn log(&self) -> Vec<String> {
            self.log.lock().unwrap().clone()
        }
    }

    /// Lets every task run until all wait on the (paused) clock.
    async fn settle() {
        for _ in 0..50 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn jobs_run_at_once_in_order_and_identical_waiting_ones_run_once() {
        let f = fixture("check process web pidfile /w\n", Vec::new());
        let running = f.user(0, Action::Restart, None);
        settle().await;
        assert_eq!(f.log(), ["web: Restart"], "at once, not at a cycle");
        assert_eq!(f.board.get("web").unwrap().pending, Some(PendingAction::Restart));
        let first = f.user(0, Action::Restart, None);
        let joined = f.user(0, Action::Restart, None);
        let then = f.user(0, Action::Unmonitor, None);
        settle().await;
        tokio::time::advance(std::time::Duration::from_secs(10)).await;
        settle().await;
        assert_eq!(f.log(), ["web: Restart", "web: Restart"], "the second restart started after the first");
        tokio::time::advance(std::time::Duration::from_secs(10)).await;
        settle().await;
        assert_eq!(f.log(), ["web: Restart", "web: Restart", "web: monitor false"]);
        for rx in [running, first, joined, then] {
            assert_eq!(rx.await, Ok(Ok(())));
        }
        let status = f.board.get("web").unwrap();
        assert_eq!(status.pending, None);
        let done: Vec<&str> = status.events.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            done,
            [
                "restart action done by uid 0 from test",
                "restart action done by uid 0 from test",
                "unmonitor action done by uid 0 from test"
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_unmonitor_for_a_while_ends_by_itself_unless_another_action_came() {
        let f = fixture("check process web pidfile /w\ncheck process db pidfile /d\n", Vec::new());
        let hour = std::time::Duration::from_secs(3600);
        f.user(0, Action::Unmonitor, Some(SystemTime::now() + hour)).await.unwrap().unwrap();
        f.user(1, Action::Unmonitor, Some(SystemTime::now() + hour)).await.unwrap().unwrap();
        assert!(f.board.get("web").unwrap().monitor_again_at.is_some());
        // db is unmonitored again without a deadline: that one stands.
        f.user(1, Action::Unmonitor, None).await.unwrap().unwrap();
        assert_eq!(f.board.get("db").unwrap().monitor_again_at, None);
        tokio::time::advance(hour + std::time::Duration::from_secs(1)).await;
        settle().await;
        assert_eq!(f.board.get("web").unwrap().monitoring, Monitoring::Monitored);
        assert_eq!(f.board.get("web").unwrap().monitor_again_at, None);
        assert_eq!(f.board.get("db").unwrap().monitoring, Monitoring::NotMonitored);
    }

    #[tokio::test(start_paused = true)]
    async fn a_deadline_kept_from_before_is_armed_at_start() {
        let at = SystemTime::now() + std::time::Duration::from_secs(60);
        let remembered = vec![Remembered { monitor_again_at: Some(at), disabled_dependants: Vec::new() }];
        let f = fixture("check process web pidfile /w\n", remembered);
        settle().await;
        assert_eq!(f.board.get("web").unwrap().monitor_again_at, Some(at));
        tokio::time::advance(std::time::Duration::from_secs(61)).await;
        settle().await;
        assert_eq!(f.log(), ["web: monitor true"]);
    }

    #[tokio::test(start_paused = true)]
    async fn monitor_enables_the_dependants_that_were_monitored_before_the_unmonitor() {
        // app and other depend on base; other was unmonitored by hand before.
        let f = fixture(
            "check process base pidfile /b\ncheck process app pidfile /a\n depends on base\n\
             check process other pidfile /o\n depends on base\n",
            Vec::new(),
        );
        f.user(2, Action::Unmonitor, None).await.unwrap().unwrap();
        f.user(0, Action::Unmonitor, None).await.unwrap().unwrap();
        assert_eq!(f.board.get("base").unwrap().disabled_dependants, ["app"]);
        f.user(0, Action::Monitor, None).await.unwrap().unwrap();
        assert_eq!(f.board.get("app").unwrap().monitoring, Monitoring::Monitored);
        assert_eq!(f.board.get("other").unwrap().monitoring, Monitoring::NotMonitored);
        assert!(f.board.get("base").unwrap().disabled_dependants.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_rule_request_is_dropped_when_another_job_acted_on_the_service_meanwhile() {
        // app depends on base. Both fail at start; base's restart restarts app as well, so
        // app's own request (made before) is stale. A request made after it still counts.
        let f = fixture("check process app pidfile /a\n depends on base\ncheck process base pidfile /b\n", Vec::new());
        f.user(1, Action::Restart, None).await.unwrap().unwrap();
        assert_eq!(f.log(), ["app: IsUp", "app: Stop", "base: Restart", "app: Start"]);
        f.rule(0, Action::Restart, 0);
        settle().await;
        assert_eq!(f.log()[4..], ["app: ActionsDone"], "stale: not done");
        f.rule(0, Action::Restart, 2);
        settle().await;
        assert_eq!(f.log()[5..], ["app: ActionsDone", "base: IsUp", "app: Restart"]);
    }
}
