//! A cycle's results turned into what they mean: each result evaluated against its rule's
//! history, the event records and log lines of the transitions, the alerts (transitions
//! and reminders), the service's status on the board, and the actions the rules call for.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use tracing::{error, info, warn};

use super::{ServiceTask, Slot};
use crate::alert::{Notice, NoticeState};
use crate::checks::observer::Kept;
use crate::config::model::{Action, EventKind};
use crate::engine::rules::{Decision, RuleHistory, RuleSpec, evaluate};
use crate::outcome::{EventState, TestResult};
use crate::state::{EventRecord, Monitoring, ServiceData};

/// The alert an evaluation calls for: every transition with an action (Monit alerts on
/// each, whatever the action), and, while the event stays failed, a notice per cycle that
/// recipients with a `reminder` count.
pub(super) fn alert_notice(
    service: &str,
    spec: &RuleSpec,
    history: &RuleHistory,
    result: &TestResult,
    decision: &Decision,
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

impl ServiceTask {
    /// Evaluates the results, updates the status, and dispatches the actions.
    pub(super) async fn apply(&mut self, results: Vec<(Slot, TestResult)>, elapsed: Duration) {
        let name = self.name();
        let mut actions: Vec<(Action, EventKind, String)> = Vec::new();
        let mut events: Vec<EventRecord> = Vec::new();
        let mut notices: Vec<Notice> = Vec::new();
        let mut failed = BTreeMap::new();
        let mut changed = BTreeMap::new();
        let data_spec = RuleSpec::implicit(EventKind::Data, Action::Alert, Some(Action::Alert));
        let invalid_spec = RuleSpec::implicit(EventKind::Invalid, Action::Restart, Some(Action::Alert));
        for (slot, result) in &results {
            let (spec, history, key) = match *slot {
                Slot::Rule(index) => {
                    let rule = &mut self.rules[index];
                    (rule.spec.clone(), &mut rule.history, rule.key.as_str())
                }
                Slot::Invalid => (invalid_spec.clone(), &mut self.invalid_history, super::INVALID_KEY),
                Slot::Data => (data_spec.clone(), &mut self.data_history, super::DATA_KEY),
            };
            let decision = evaluate(&spec, history, result);
            let message = result.message().to_owned();
            if let Some(state) = decision.transition {
                events.push(EventRecord {
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
            notices.extend(alert_notice(&name, &spec, history, result, &decision).map(|mut notice| {
                if decision.transition.is_some() {
                    notice.event_id = Some(format!("{name}\n{key}\n{}", history.transitions));
                }
                notice
            }));
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
        let saved_events = self.saved_events();
        self.board.update(&name, |s| {
            s.saved_events = saved_events;
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
}
