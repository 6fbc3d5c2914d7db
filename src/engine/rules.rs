//! Monit's event model (reference §2.2), as a pure function: a test's result this cycle and
//! the history of its (service, rule) pair in, a decision out (state transition, action to
//! run, alert due). No I/O and no clock: the scheduler calls it once per cycle per rule.
//!
//! Per (service, rule) a 64-bit shift register keeps the last cycles (1 = failed). A
//! transition happens when the last `cycles` bits hold at least `count` bits of the new
//! state and the new state differs from the current one; the register is then filled with
//! the new state, so the next flip needs the full count again. Before the first failure,
//! successes are ignored. While failed, start/stop/restart/unmonitor actions repeat every
//! cycle, `exec` only on the transition or every `repeat` cycles; alerts go out on
//! transitions (reminders are the alert channel's business, from `cycles_in_state`).

use crate::config::model::{Action, EventKind, Rule, Tolerance};
use crate::outcome::{EventState, TestResult};

/// What the evaluator needs of a rule: the event it posts, and the actions and tolerances
/// on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSpec {
    pub event: EventKind,
    pub failed: Action,
    pub failed_tolerance: Tolerance,
    /// None: nothing to do on recovery (change tests, `action` events).
    pub succeeded: Option<Action>,
    pub succeeded_tolerance: Tolerance,
}

const ONCE: Tolerance = Tolerance { count: 1, cycles: 1 };

impl RuleSpec {
    /// The spec of a written (or implicit) rule; recovery defaults to an alert, and change
    /// tests have none.
    pub fn from_rule(rule: &Rule) -> RuleSpec {
        let change = rule.test.is_change_test();
        RuleSpec {
            event: rule.test.event(),
            failed: rule.action.clone(),
            failed_tolerance: rule.tolerance.unwrap_or(ONCE),
            succeeded: if change {
                None
            } else {
                Some(rule.recovery.as_ref().map_or(Action::Alert, |r| r.action.clone()))
            },
            succeeded_tolerance: rule.recovery.as_ref().and_then(|r| r.tolerance).unwrap_or(ONCE),
        }
    }

    /// The spec of an implicit event (data, exec, invalid, action).
    pub fn implicit(event: EventKind, failed: Action, succeeded: Option<Action>) -> RuleSpec {
        RuleSpec { event, failed, failed_tolerance: ONCE, succeeded, succeeded_tolerance: ONCE }
    }
}

/// The history of one (service, rule) pair; persisted with the service state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct RuleHistory {
    pub state: EventState,
    /// Bit i set: the test failed i cycles ago (bit 0 = this cycle).
    pub window: u64,
    /// Cycles since the last transition (0 in the cycle of the transition).
    pub cycles_in_state: u32,
    /// Transitions so far: with the rule's identity, the identity of the latest one (its
    /// alert is queued once, see `alert::queue`).
    pub transitions: u64,
}

impl RuleHistory {
    /// The history as the state file keeps it, under the rule's identity.
    pub fn saved(&self, rule: &str) -> crate::state::persist::SavedEvent {
        crate::state::persist::SavedEvent {
            rule: rule.to_owned(),
            state: self.state,
            window: self.window,
            cycles_in_state: self.cycles_in_state,
            transitions: self.transitions,
        }
    }

    /// The history the state file kept.
    pub fn from_saved(saved: &crate::state::persist::SavedEvent) -> RuleHistory {
        RuleHistory {
            state: saved.state,
            window: saved.window,
            cycles_in_state: saved.cycles_in_state,
            transitions: saved.transitions,
        }
    }
}

/// The outcome of one evaluation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decision {
    /// The state entered this cycle, if any: the moment to post an event and alert.
    pub transition: Option<EventState>,
    /// The action to run now.
    pub action: Option<Action>,
    /// The test failed, but not yet often enough to act (Monit logs these as warnings).
    pub pending_failure: bool,
}

/// Moves the history by one cycle and decides.
pub fn evaluate(spec: &RuleSpec, history: &mut RuleHistory, result: &TestResult) -> Decision {
    if matches!(result, TestResult::Skipped) {
        return Decision::default();
    }
    let failing = result.is_failure();
    if history.state == EventState::Init && !failing {
        // Before the first failure a success is no event at all; after sub-threshold
        // failures it only slides the window, so `X times within Y cycles` counts
        // failures that are not consecutive. There is nothing to recover from yet.
        history.window <<= 1;
        return Decision::default();
    }
    history.window = (history.window << 1) | u64::from(failing);
    history.cycles_in_state = history.cycles_in_state.saturating_add(1);
    let new_state = match result {
        TestResult::Failed(_) => EventState::Failed,
        TestResult::Changed(_) => EventState::Changed,
        TestResult::Unchanged(_) => EventState::Unchanged,
        _ => EventState::Succeeded,
    };
    let tolerance = if failing { spec.failed_tolerance } else { spec.succeeded_tolerance };
    let cycles = tolerance.cycles.clamp(1, 64);
    let mask = if cycles == 64 { u64::MAX } else { (1u64 << cycles) - 1 };
    let recent = history.window & mask;
    let count = if failing { recent.count_ones() } else { cycles - recent.count_ones() };
    // A change fires on every change, even right after another one.
    let differs = history.state != new_state || new_state == EventState::Changed;
    if count >= tolerance.count && differs {
        history.state = new_state;
        history.window = if failing { u64::MAX } else { 0 };
        history.cycles_in_state = 0;
        history.transitions = history.transitions.wrapping_add(1);
        let action = if failing { Some(spec.failed.clone()) } else { spec.succeeded.clone() };
        return Decision { transition: Some(new_state), action, pending_failure: false };
    }
    if failing && history.state == EventState::Failed {
        return Decision {
            transition: None,
            action: repeat_action(&spec.failed, history.cycles_in_state),
            pending_failure: false,
        };
    }
    Decision { transition: None, action: None, pending_failure: failing }
}

/// The failure action again while a failure lasts: state-changing actions every cycle,
/// `exec` every `repeat` cycles if it has one; alerts and custom actions never.
fn repeat_action(action: &Action, cycles_in_state: u32) -> Option<Action> {
    match action {
        Action::Restart | Action::Start | Action::Stop | Action::Unmonitor => Some(action.clone()),
        Action::Exec(exec) => match exec.repeat_every {
            Some(n) if n > 0 && cycles_in_state.is_multiple_of(n) => Some(action.clone()),
            _ => None,
        },
        Action::Alert | Action::Monitor | Action::Custom(_) => None,
    }
}

/// The cycles of event-driven starts and restarts, for the restart limits (reference
/// §2.6: `if N restarts within M cycles then <action>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestartLog {
    cycles: std::collections::VecDeque<u64>,
}

impl RestartLog {
    pub fn len(&self) -> usize {
        self.cycles.len()
    }

    /// A log holding `count` restarts at cycle 0 (restored from the state file).
    pub fn restored(count: u32) -> RestartLog {
        RestartLog { cycles: std::iter::repeat_n(0, count as usize).collect() }
    }

    pub fn is_empty(&self) -> bool {
        self.cycles.is_empty()
    }

    /// Before a restart in `cycle`: the action of the first limit it would exceed (the
    /// restart is then not done and the log starts afresh), or none (the restart is
    /// recorded).
    pub fn check_and_record(
        &mut self,
        limits: &[crate::config::model::RestartLimit],
        cycle: u64,
    ) -> Option<(Action, u32, u32)> {
        if let Some(longest) = limits.iter().map(|l| u64::from(l.cycles)).max() {
            while self.cycles.front().is_some_and(|&c| cycle.saturating_sub(c) >= longest) {
                self.cycles.pop_front();
            }
            for limit in limits {
                let recent =
                    self.cycles.iter().filter(|&&c| cycle.saturating_sub(c) < u64::from(limit.cycles)).count() as u32;
                if recent >= limit.count {
                    // Monit names the cycles the counted restarts span, not the window.
                    let oldest = self
                        .cycles
                        .iter()
                        .copied()
                        .filter(|&c| cycle.saturating_sub(c) < u64::from(limit.cycles))
                        .min()
                        .unwrap_or(cycle);
                    let spanned = cycle.saturating_sub(oldest).max(1) as u32;
                    self.cycles.clear();
                    return Some((limit.action.clone(), recent, spanned));
                }
            }
        }
        self.cycles.push_back(cycle);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{ExecAction, Recovery, Test};

    fn spec(count: u32, cycles: u32) -> RuleSpec {
        RuleSpec {
            event: EventKind::Resource,
            failed: Action::Restart,
            failed_tolerance: Tolerance { count, cycles },
            succeeded: Some(Action::Alert),
            succeeded_tolerance: ONCE,
        }
    }

    fn fail() -> TestResult {
        TestResult::Failed("cpu usage of 90% matches limit".into())
    }

    fn ok() -> TestResult {
        TestResult::Succeeded("cpu usage check succeeded".into())
    }

    /// Runs a sequence ('F' fail, 'S' succeed, 'C' changed, 'U' unchanged, '-' skipped) and
    /// returns the transitions and actions, one per cycle.
    fn run(spec: &RuleSpec, seq: &str) -> Vec<(Option<EventState>, Option<Action>)> {
        let mut history = RuleHistory::default();
        seq.chars()
            .map(|c| {
                let result = match c {
                    'F' => fail(),
                    'S' => ok(),
                    'C' => TestResult::Changed("checksum changed".into()),
                    'U' => TestResult::Unchanged("checksum not changed".into()),
                    _ => TestResult::Skipped,
                };
                let d = evaluate(spec, &mut history, &result);
                (d.transition, d.action)
            })
            .collect()
    }

    #[test]
    fn successes_before_the_first_failure_are_ignored() {
        let out = run(&spec(1, 1), "SSS");
        assert!(out.iter().all(|(t, a)| t.is_none() && a.is_none()));
    }

    #[test]
    fn first_failure_acts_at_once_with_no_tolerance() {
        let out = run(&spec(1, 1), "F");
        assert_eq!(out[0], (Some(EventState::Failed), Some(Action::Restart)));
    }

    #[test]
    fn for_n_cycles_needs_n_consecutive_failures() {
        let out = run(&spec(3, 3), "FFSFFF");
        assert_eq!(out[0].0, None);
        assert_eq!(out[1].0, None);
        // The success at cycle 3 breaks the run; failures at 4, 5, 6 reach three in a row.
        assert_eq!(out[3].0, None);
        assert_eq!(out[4].0, None);
        assert_eq!(out[5], (Some(EventState::Failed), Some(Action::Restart)));
    }

    #[test]
    fn x_times_within_y_cycles_counts_non_consecutive_failures() {
        let out = run(&spec(2, 4), "FSSF");
        assert_eq!(out[3].0, Some(EventState::Failed));
        let out = run(&spec(2, 3), "FSSF");
        assert_eq!(out[3].0, None, "the first failure fell out of the 3-cycle window");
    }

    #[test]
    fn recovery_fires_once_with_its_own_tolerance() {
        let mut s = spec(1, 1);
        s.succeeded_tolerance = Tolerance { count: 2, cycles: 2 };
        let out = run(&s, "FSSS");
        assert_eq!(out[1].0, None);
        assert_eq!(out[2], (Some(EventState::Succeeded), Some(Action::Alert)));
        assert_eq!(out[3], (None, None));
    }

    #[test]
    fn state_changing_actions_repeat_while_failed_but_alerts_do_not() {
        let out = run(&spec(1, 1), "FFF");
        assert_eq!(out[1], (None, Some(Action::Restart)));
        assert_eq!(out[2], (None, Some(Action::Restart)));
        let mut alert = spec(1, 1);
        alert.failed = Action::Alert;
        let out = run(&alert, "FFF");
        assert_eq!(out[0].1, Some(Action::Alert));
        assert_eq!(out[1], (None, None));
    }

    #[test]
    fn exec_repeats_only_every_n_cycles() {
        let mut s = spec(1, 1);
        let exec = |repeat| {
            Action::Exec(ExecAction { command: "/bin/page".into(), uid: None, gid: None, repeat_every: repeat })
        };
        s.failed = exec(Some(2));
        let out = run(&s, "FFFFF");
        let actions: Vec<bool> = out.iter().map(|(_, a)| a.is_some()).collect();
        assert_eq!(actions, [true, false, true, false, true]);
        s.failed = exec(None);
        let out = run(&s, "FFF");
        let actions: Vec<bool> = out.iter().map(|(_, a)| a.is_some()).collect();
        assert_eq!(actions, [true, false, false]);
    }

    #[test]
    fn after_a_transition_the_next_flip_needs_the_full_count() {
        let mut s = spec(2, 2);
        s.succeeded_tolerance = Tolerance { count: 2, cycles: 2 };
        let out = run(&s, "FFSFSS");
        assert_eq!(out[1].0, Some(EventState::Failed));
        // One success, one failure, then two successes: recovery only at the end.
        assert_eq!(out[2].0, None);
        assert_eq!(out[3].0, None);
        assert_eq!(out[4].0, None);
        assert_eq!(out[5].0, Some(EventState::Succeeded));
    }

    #[test]
    fn changes_fire_on_every_change_and_have_no_recovery() {
        let rule =
            Rule { test: Test::ChecksumChanged { hash: None }, tolerance: None, action: Action::Alert, recovery: None };
        let s = RuleSpec::from_rule(&rule);
        assert_eq!(s.succeeded, None);
        let out = run(&s, "UCCUC");
        assert_eq!(out[0], (None, None), "no change before the first one is no event");
        assert_eq!(out[1], (Some(EventState::Changed), Some(Action::Alert)));
        assert_eq!(out[2], (Some(EventState::Changed), Some(Action::Alert)));
        assert_eq!(out[3], (Some(EventState::Unchanged), None));
        assert_eq!(out[4], (Some(EventState::Changed), Some(Action::Alert)));
    }

    #[test]
    fn sub_threshold_failures_then_successes_are_silent() {
        let out = run(&spec(3, 3), "FFSSSS");
        assert!(out.iter().all(|(t, a)| t.is_none() && a.is_none()), "{out:?}");
    }

    #[test]
    fn skipped_cycles_do_not_move_the_window() {
        let out = run(&spec(2, 2), "F--F");
        assert_eq!(out[3].0, Some(EventState::Failed));
    }

    #[test]
    fn sixty_four_cycle_windows_work() {
        let s = spec(64, 64);
        let seq: String = "F".repeat(64);
        let out = run(&s, &seq);
        assert!(out[..63].iter().all(|(t, _)| t.is_none()));
        assert_eq!(out[63].0, Some(EventState::Failed));
    }

    #[test]
    fn restart_limits_stop_a_restart_loop() {
        use crate::config::model::RestartLimit;
        let limits = [RestartLimit { count: 2, cycles: 3, action: Action::Unmonitor }];
        let mut log = RestartLog::default();
        assert_eq!(log.check_and_record(&limits, 1), None);
        assert_eq!(log.check_and_record(&limits, 2), None);
        // A third restart within 3 cycles of the first two: the limit fires instead, and
        // names the 2 cycles the restarts spanned, as Monit does.
        assert_eq!(log.check_and_record(&limits, 3), Some((Action::Unmonitor, 2, 2)));
        assert!(log.is_empty(), "the log starts afresh");
        // Restarts far enough apart never reach the limit.
        for cycle in [10, 13, 16, 19] {
            assert_eq!(log.check_and_record(&limits, cycle), None);
        }
        assert!(log.len() <= 1);
    }

    #[test]
    fn spec_from_rule_uses_recovery_and_defaults() {
        let rule = Rule {
            test: Test::NotExist,
            tolerance: Some(Tolerance { count: 3, cycles: 5 }),
            action: Action::Restart,
            recovery: Some(Recovery { tolerance: Some(Tolerance { count: 2, cycles: 2 }), action: Action::Unmonitor }),
        };
        let s = RuleSpec::from_rule(&rule);
        assert_eq!(s.event, EventKind::Nonexist);
        assert_eq!(s.failed_tolerance, Tolerance { count: 3, cycles: 5 });
        assert_eq!(s.succeeded, Some(Action::Unmonitor));
        assert_eq!(s.succeeded_tolerance, Tolerance { count: 2, cycles: 2 });
        let plain = RuleSpec::from_rule(&Rule::new(Test::NotExist, Action::Restart));
        assert_eq!(plain.succeeded, Some(Action::Alert));
        assert_eq!(plain.failed_tolerance, ONCE);
    }
}
