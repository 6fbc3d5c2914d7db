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
use crate::engine::failure::{failure_text, start_failure};
use crate::engine::rules::{RuleSpec, evaluate};
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
            Ok(spec) => {
                let timeout = spec.timeout;
                info!(service = %name, "{method}: '{}'", program.command);
                let previous = self.observer.process().and_then(|p| p.tracked());
                self.run_and_wait(spec, timeout, expect_running, previous).await
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

    async fn run_and_wait(
        &mut self,
        spec: exec::ProgramSpec,
        timeout: Duration,
        expect_running: bool,
        previous: Option<Identity>,
    ) -> Result<(), String> {
        let command = spec.argv.join(" ");
        // Taken before the spawn: the program's own deadline is never earlier than this one.
        let deadline = Instant::now() + timeout;
        let mut running = exec::spawn(&spec).await.map_err(|e| format!("'{command}': {e}"))?;
        let is_process = self.observer.process().is_some();
        let mut exit: Option<Exit> = None;
        let mut failed_at: Option<Instant> = None;
        let mut delay = Duration::from_millis(10);
        loop {
            if exit.is_none() {
                if deadline.saturating_duration_since(Instant::now()) > delay {
                    tokio::select! {
                        e = running.exited() => exit = Some(e),
                        _ = tokio::time::sleep(delay) => {}
                    }
                } else {
                    // At the deadline: the exit, or the kill of the program's whole group,
                    // awaited to its end (a kill cut short could leave the group alive).
                    exit = Some(running.exited().await);
                }
            } else {
                tokio::time::sleep(delay).await;
            }
            if !is_process {
                if let Some(e) = exit {
                    let finished = running.finish(e).await;
                    return if finished.exit.success() {
                        Ok(())
                    } else {
                        Err(format!("'{command}' {} -- {}", finished.exit, finished.output.trim()))
                    };
                }
                continue;
            }
            // A fresh look, not the one the pidfd marked as exited.
            let Some(process) = self.observer.process() else { continue };
            let located = process.locate().await;
            // Started: a process other than the one before, or the same one once the
            // program reported success (a restart program may keep the pid).
            let done = match &located {
                Located::Running(id, _) => {
                    expect_running && (Some(*id) != previous || exit.as_ref().is_some_and(Exit::success))
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
            let failed = exit.as_ref().is_some_and(|e| !e.success())
                && failed_at.get_or_insert_with(Instant::now).elapsed() >= FAILED_START_GRACE;
            let timed_out = matches!(exit, Some(Exit::TimedOut));
            if failed || timed_out || Instant::now() >= deadline {
                if exit.is_none() {
                    // Still running at the deadline: it gets no longer than the timeout.
                    running.kill_group().await;
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
