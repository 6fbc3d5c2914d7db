//! The actions a service's rules call for, sent where they are carried out: alerts are the
//! notifier's, `exec` and custom actions run here in the background (their outcome goes
//! to the status), and start, stop, restart, monitor and unmonitor go to the coordinator,
//! through the restart limits and passive mode.

use std::time::SystemTime;

use tracing::{error, info, warn};

use super::ServiceTask;
use crate::alert::{Notice, NoticeState};
use crate::config::model::{Action, EventKind, Mode};
use crate::engine::coordinator::{Origin, Request};
use crate::exec::programs::{EventContext, command_spec, program_spec};
use crate::exec::{self, ProgramSpec};
use crate::state::ActionOutcome;

impl ServiceTask {
    /// Sends a rule's action where it is carried out.
    pub(super) fn dispatch(&mut self, action: Action, event: EventKind, message: String) {
        let name = self.name();
        let passive = matches!(self.service().mode, Some(Mode::Passive));
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
            // Monit's passive mode: start, stop and restart become alerts; monitor and
            // unmonitor are carried out.
            Action::Restart | Action::Start | Action::Stop if passive => {
                info!(service = %name, "passive mode: {} not done, alert only", action.name())
            }
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
    fn spawn_program(&self, what: &str, spec: Result<ProgramSpec, String>) {
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
