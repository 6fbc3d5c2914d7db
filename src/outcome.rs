//! The vocabulary of checks and events: what one test found this cycle ([`TestResult`]) and
//! the state of a (service, rule) event ([`EventState`]). A leaf: checks produce these, the
//! rule evaluator, the status and the state file read them, and it depends on nothing.

/// What one test found this cycle.
#[derive(Debug, Clone, PartialEq)]
pub enum TestResult {
    Succeeded(String),
    Failed(String),
    /// A change test saw a change (checksum, pid, size...).
    Changed(String),
    /// A change test saw nothing new.
    Unchanged(String),
    /// No verdict this cycle (data not yet available, test skipped): history does not move.
    Skipped,
}

impl TestResult {
    /// A failure for the event's count: failed, or a change test that saw a change.
    pub fn is_failure(&self) -> bool {
        matches!(self, TestResult::Failed(_) | TestResult::Changed(_))
    }

    pub fn message(&self) -> &str {
        match self {
            TestResult::Succeeded(m) | TestResult::Failed(m) | TestResult::Changed(m) | TestResult::Unchanged(m) => m,
            TestResult::Skipped => "",
        }
    }
}

/// The state of a (service, rule) event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventState {
    /// No failure seen yet.
    #[default]
    Init,
    Failed,
    Succeeded,
    Changed,
    Unchanged,
}

impl EventState {
    /// The state's name as the events, the JSON API and the state file spell it: `failed`,
    /// `succeeded`, `changed`, `unchanged` (`init` before the first failure).
    pub fn name(self) -> &'static str {
        match self {
            EventState::Init => "init",
            EventState::Failed => "failed",
            EventState::Succeeded => "succeeded",
            EventState::Changed => "changed",
            EventState::Unchanged => "unchanged",
        }
    }
}

impl std::fmt::Display for EventState {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serialized_spelling() {
        for state in
            [EventState::Init, EventState::Failed, EventState::Succeeded, EventState::Changed, EventState::Unchanged]
        {
            assert_eq!(serde_json::to_value(state).unwrap(), serde_json::Value::String(state.name().to_owned()));
        }
    }
}
