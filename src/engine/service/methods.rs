//! The service's methods: start, stop and restart programs, run and waited for until the
//! process appears or is gone, the kill of a process tree when there is no stop program,
//! and the implicit `exec` event that records a method's failure.

use std::time::{Duration, Instant, SystemTime};

use tracing::{error, info};

use super::ServiceTask;
use super::events::alert_notice;
use super::process_tree::{process_tree, signal_tree, still_the_same};
use crate::checks::process::{Identity, Located};
use crate::config::model::{Action, EventKind};
use crate::engine::failure::{failure_text, not_ready, start_failure};
use crate::engine::rules::{RuleSpec, evaluate};
use crate::exec::notify::{Notification, NotifySocket};
use crate::exec::programs::{EventContext, program_spec};
use crate::exec::{self, Exit};
use crate::outcome::{EventState, TestResult};
use crate::state::ActionOutcome;

/// How long after a start program failed its process may still appear.
const FAILED_START_GRACE: Duration = Duration::from_secs(1);

impl ServiceTask {
    /// Starts the service if it is not running, and waits for its process.
    pub(super) async fn do_start(&mut self) -> Result<(), String> {
        if self.is_running().await {
            return Ok(());
        }
        let Some(program) = self.service().start.clone() else {
            return Err(format!("'{}' has no start program", self.name()));
        };
        self.run_method("start", &program, true).await
    }

    /// Stops the service and waits until its process is gone.
    pub(super) async fn do_stop(&mut self) -> Result<(), String> {
        let located = match self.observer.process() {
            Some(process) => Some(process.locate().await),
            None => None,
        };
        match (self.service().stop.clone(), located) {
            (_, Some(Located::Missing(_))) => Ok(()),
            (Some(program), _) => self.run_method("stop", &program, false).await,
            // Without a stop program nothing is signalled but a process verified as the
            // service's.
            (None, Some(Located::Unverified(reason))) => {
                let message = format!("not stopped: {reason}");
                error!(service = %self.name(), "{message}");
                Err(message)
            }
            (None, Some(Located::Running(id, _))) => {
                // No stop program: terminate the process and its descendants ourselves
                // (SIGTERM, then SIGKILL to what is left), so no worker is orphaned.
                let tree = process_tree(id.pid);
                info!(
                    service = %self.name(),
                    "no stop program: sending SIGTERM to pid {} and its {} descendants",
                    id.pid,
                    tree.len() - 1
                );
                signal_tree(&tree, rustix::process::Signal::TERM);
                let gone = self.wait_gone(self.config.limits.stop_timeout().as_std()).await;
                // Descendants get the same grace; whatever still runs is killed.
                if !gone || tree.iter().skip(1).any(|&(pid, started)| still_the_same(pid, started)) {
                    signal_tree(&tree, rustix::process::Signal::KILL);
                }
                Ok(())
            }
            (None, None) => Ok(()),
        }
    }

    /// Runs a start, stop or restart program. For a process service, waits until its
    /// process appears (start/restart) or disappears (stop) within the method's timeout.
    pub(super) async fn run_method(
        &mut self,
        method: &str,
        program: &crate::config::model::ProgramConfig,
        expect_running: bool,
    ) -> Result<(), String> {
        let name = self.name();
        let limits = &self.config.limits;
        let default_timeout = match method {
            "start" => limits.start_timeout(),
            "stop" => limits.stop_timeout(),
            _ => limits.restart_timeout(),
        }
        .as_std();
        let result = match program_spec(
            &self.config,
            self.service(),
            program,
            default_timeout,
            &self.data,
            &EventContext::default(),
        ) {
            Ok(mut spec) => {
                let timeout = spec.timeout;
                info!(service = %name, "{method}: '{}'", program.command);
                let previous = self.observer.process().and_then(|p| p.tracked());
                match readiness_socket(program, &mut spec) {
                    Ok(notify) => self.run_and_wait(spec, timeout, expect_running, previous, notify).await,
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        };
        let (success, message) = match &result {
            Ok(()) => (true, format!("{method} succeeded")),
            Err(e) => (false, e.clone()),
        };
        if let Err(e) = &result {
            error!(service = %name, "{}", failure_text(method, e));
        } else {
            info!(service = %name, "{method} succeeded");
        }
        self.board.update(&name, |s| {
            s.last_action = Some(ActionOutcome { action: method.to_owned(), at: SystemTime::now(), success, message });
        });
        self.exec_event(match &result {
            Ok(()) => TestResult::Succeeded(format!("{method} succeeded")),
            Err(e) => TestResult::Failed(failure_text(method, e)),
        });
        result
    }

    /// Posts the implicit `exec` event (Monit's `Execution failed`): failed when a start,
    /// stop or restart program fails (exits non-zero, times out, or its process never
    /// comes or goes), succeeded when one works again or the process is found running.
    /// It stays in the status until then.
    pub(super) fn exec_event(&mut self, result: TestResult) {
        let name = self.name();
        let spec = RuleSpec::implicit(EventKind::Exec, Action::Alert, Some(Action::Alert));
        let decision = evaluate(&spec, &mut self.exec_history, &result);
        let mut events = Vec::new();
        if let Some(state) = decision.transition {
            if state == EventState::Succeeded {
                // (A failure is logged where the program failed.)
                info!(service = %name, "{}", result.message());
            }
            events.push(crate::state::EventRecord {
                at: SystemTime::now(),
                event: EventKind::Exec,
                state,
                message: result.message().to_owned(),
                action: decision.action.as_ref().map_or("ignore", |a| a.name()).to_owned(),
            });
        }
        if let Some(notice) = alert_notice(&name, &spec, &self.exec_history, &result, &decision) {
            self.alerts.post(notice);
        }
        self.exec_failure = (self.exec_history.state == EventState::Failed).then(|| result.message().to_owned());
        let failure = self.exec_failure.clone();
        self.board.update(&name, |s| {
            s.push_events(events);
            match failure {
                Some(message) => s.failed.insert(EventKind::Exec, message),
                None => s.failed.remove(&EventKind::Exec),
            };
        });
    }

    /// Runs a method's program and waits for its outcome: its exit (a service without a
    /// process) or its process (a process service), and with `notify` its `READY=1` too.
    async fn run_and_wait(
        &mut self,
        spec: exec::ProgramSpec,
        timeout: Duration,
        expect_running: bool,
        previous: Option<Identity>,
        notify: Option<NotifySocket>,
    ) -> Result<(), String> {
        let command = spec.argv.join(" ");
        // Taken before the spawn: the program's own deadline is never earlier than this one.
        let mut deadline = Instant::now() + timeout;
        let mut running = exec::spawn(&spec).await.map_err(|e| format!("'{command}': {e}"))?;
        let is_process = self.observer.process().is_some();
        let mut exit: Option<Exit> = None;
        let mut failed_at: Option<Instant> = None;
        let mut delay = Duration::from_millis(10);
        let mut readiness = Readiness::new(notify);
        loop {
            if exit.is_none() && deadline.saturating_duration_since(Instant::now()) <= delay {
                // At the deadline: the exit, or the kill of the program's whole group,
                // awaited to its end (a kill cut short could leave the group alive).
                exit = Some(running.exited().await);
            } else {
                tokio::select! {
                    e = running.exited(), if exit.is_none() => exit = Some(e),
                    n = readiness.next() => if let Some(later) = readiness.note(n) {
                        // The program asked for more time (`EXTEND_TIMEOUT_USEC`).
                        deadline = deadline.max(later);
                        running.extend_deadline(deadline);
                    },
                    _ = tokio::time::sleep(delay) => {}
                }
            }
            let failed = exit.as_ref().is_some_and(|e| !e.success());
            if !is_process {
                let timed_out = matches!(exit, Some(Exit::TimedOut));
                if !readiness.ready && (timed_out || (exit.is_some() && !failed && Instant::now() >= deadline)) {
                    // Never ready: what the program left in its group goes too.
                    running.kill_group().await;
                    return Err(readiness.failure(&command, exit.as_ref(), &running.output(), timeout));
                }
                if let Some(e) = exit.clone().filter(|_| failed || readiness.ready) {
                    let finished = running.finish(e).await;
                    return if finished.exit.success() {
                        Ok(())
                    } else {
                        Err(format!("'{command}' {} -- {}", finished.exit, finished.output.trim()))
                    };
                }
                if readiness.said_ready() {
                    // A program that said READY=1 and goes on running is the service.
                    return Ok(());
                }
                continue;
            }
            // A fresh look, not the one the pidfd marked as exited.
            let Some(process) = self.observer.process() else { continue };
            let located = process.locate().await;
            // Started: a process other than the one before, or the same one once the
            // program reported success (a restart program may keep the pid); and, with a
            // ready notification, once it said READY=1.
            let done = match &located {
                Located::Running(id, _) => {
                    expect_running
                        && readiness.ready
                        && (Some(*id) != previous || exit.as_ref().is_some_and(Exit::success) || readiness.said_ready())
                }
                Located::Missing(_) => !expect_running,
                // A stop program that succeeded is believed, though its process cannot
                // be told apart; a start waits for a process that can.
                Located::Unverified(_) => !expect_running && exit.as_ref().is_some_and(Exit::success),
            };
            if done {
                if let Located::Running(id, _) = located {
                    process.track(id);
                }
                return Ok(());
            }
            // A program that failed gets a short grace for its process to show up (some
            // report failure yet start), not the whole timeout as in Monit.
            let failed = failed && failed_at.get_or_insert_with(Instant::now).elapsed() >= FAILED_START_GRACE;
            let timed_out = matches!(exit, Some(Exit::TimedOut));
            if failed || timed_out || Instant::now() >= deadline {
                if exit.is_none() || !readiness.ready {
                    // Still running at the deadline, or never ready: it gets no longer than
                    // the timeout (a daemon it forked in its group goes too).
                    running.kill_group().await;
                }
                if !readiness.ready && !failed && !matches!(exit, Some(Exit::SpawnFailed(_))) {
                    return Err(readiness.failure(&command, exit.as_ref(), &running.output(), timeout));
                }
                return Err(start_failure(&command, exit.as_ref(), &running.output(), timeout));
            }
            delay = (delay * 2).min(Duration::from_millis(250));
        }
    }

    /// Waits until the tracked process is gone, up to `timeout`.
    async fn wait_gone(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if !self.is_running().await {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }
}

/// With `with ready notification`: a socket of the start's own, its `NOTIFY_SOCKET` in the
/// program's environment.
fn readiness_socket(
    program: &crate::config::model::ProgramConfig,
    spec: &mut exec::ProgramSpec,
) -> Result<Option<NotifySocket>, String> {
    if !program.ready_notification {
        return Ok(None);
    }
    let uid = spec.credentials.as_ref().map_or_else(|| rustix::process::geteuid().as_raw(), |c| c.uid);
    let socket = NotifySocket::bind(uid).map_err(|e| format!("cannot make a readiness socket: {e}"))?;
    exec::set_env(&mut spec.env, "NOTIFY_SOCKET", socket.address());
    Ok(Some(socket))
}

/// Where a start with a ready notification stands.
struct Readiness {
    socket: Option<NotifySocket>,
    /// `READY=1` came, or no notification was asked for.
    ready: bool,
    /// The last `STATUS=`, named if the start fails.
    status: Option<String>,
}

impl Readiness {
    fn new(socket: Option<NotifySocket>) -> Readiness {
        let ready = socket.is_none();
        Readiness { socket, ready, status: None }
    }

    /// Whether the program itself said READY=1 (not merely: no notification asked).
    fn said_ready(&self) -> bool {
        self.socket.is_some() && self.ready
    }

    /// The next notification; pending for ever once ready or without a socket.
    async fn next(&self) -> std::io::Result<Notification> {
        match &self.socket {
            Some(socket) if !self.ready => socket.recv().await,
            _ => std::future::pending().await,
        }
    }

    /// Takes a notification in; a new deadline when it asks for more time.
    fn note(&mut self, received: std::io::Result<Notification>) -> Option<Instant> {
        let notification = match received {
            Ok(n) => n,
            Err(e) => {
                // The socket is gone: the start is judged without it.
                error!("readiness socket: {e}");
                self.socket = None;
                self.ready = true;
                return None;
            }
        };
        if notification.status.is_some() {
            self.status = notification.status;
        }
        self.ready |= notification.ready;
        notification.extend.map(|more| Instant::now() + more)
    }

    fn failure(&self, command: &str, exit: Option<&Exit>, output: &str, timeout: Duration) -> String {
        not_ready(command, exit, output, timeout, self.status.as_deref())
    }
}
