//! Event types (reference §2.2): what a failed or recovered test posts, and the filters of
//! `set alert ... [not] { events }`.

use serde::{Deserialize, Serialize};

/// An event type; the names are Monit's alert-filter keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Action,
    Bytein,
    Byteout,
    Checksum,
    Connection,
    Content,
    Data,
    Exec,
    Exist,
    Fsflags,
    Gid,
    Icmp,
    Instance,
    Invalid,
    Link,
    Nonexist,
    Packetin,
    Packetout,
    Permission,
    Pid,
    Ppid,
    Resource,
    Saturation,
    Size,
    Speed,
    Status,
    Timeout,
    Timestamp,
    Uid,
    Uptime,
}

impl EventKind {
    pub const ALL: [EventKind; 30] = [
        EventKind::Action,
        EventKind::Bytein,
        EventKind::Byteout,
        EventKind::Checksum,
        EventKind::Connection,
        EventKind::Content,
        EventKind::Data,
        EventKind::Exec,
        EventKind::Exist,
        EventKind::Fsflags,
        EventKind::Gid,
        EventKind::Icmp,
        EventKind::Instance,
        EventKind::Invalid,
        EventKind::Link,
        EventKind::Nonexist,
        EventKind::Packetin,
        EventKind::Packetout,
        EventKind::Permission,
        EventKind::Pid,
        EventKind::Ppid,
        EventKind::Resource,
        EventKind::Saturation,
        EventKind::Size,
        EventKind::Speed,
        EventKind::Status,
        EventKind::Timeout,
        EventKind::Timestamp,
        EventKind::Uid,
        EventKind::Uptime,
    ];

    /// The filter keyword (`set alert x only on { nonexist }`).
    pub fn keyword(self) -> &'static str {
        match self {
            EventKind::Action => "action",
            EventKind::Bytein => "bytein",
            EventKind::Byteout => "byteout",
            EventKind::Checksum => "checksum",
            EventKind::Connection => "connection",
            EventKind::Content => "content",
            EventKind::Data => "data",
            EventKind::Exec => "exec",
            EventKind::Exist => "exist",
            EventKind::Fsflags => "fsflags",
            EventKind::Gid => "gid",
            EventKind::Icmp => "icmp",
            EventKind::Instance => "instance",
            EventKind::Invalid => "invalid",
            EventKind::Link => "link",
            EventKind::Nonexist => "nonexist",
            EventKind::Packetin => "packetin",
            EventKind::Packetout => "packetout",
            EventKind::Permission => "permission",
            EventKind::Pid => "pid",
            EventKind::Ppid => "ppid",
            EventKind::Resource => "resource",
            EventKind::Saturation => "saturation",
            EventKind::Size => "size",
            EventKind::Speed => "speed",
            EventKind::Status => "status",
            EventKind::Timeout => "timeout",
            EventKind::Timestamp => "timestamp",
            EventKind::Uid => "uid",
            EventKind::Uptime => "uptime",
        }
    }

    /// The event for a filter keyword, with the other spellings Monit's lexer takes for
    /// it (`nonexists`, `exists`; `fsflag` too, through the lexer's aliases). Monit 5.33
    /// refuses `ping`, `timestamps`, `permissions` and `checksums` in a filter.
    pub fn from_keyword(word: &str) -> Option<EventKind> {
        let word = word.to_ascii_lowercase();
        let word = match word.as_str() {
            "nonexists" => "nonexist",
            "exists" => "exist",
            "fsflag" => "fsflags",
            other => other,
        };
        EventKind::ALL.into_iter().find(|e| e.keyword() == word)
    }

    /// Monit's name of the event in the "failed" state, as in mail subjects and status.
    pub fn failed_text(self) -> &'static str {
        match self {
            EventKind::Action => "Action done",
            EventKind::Bytein => "Download bytes exceeded",
            EventKind::Byteout => "Upload bytes exceeded",
            EventKind::Checksum => "Checksum failed",
            EventKind::Connection => "Connection failed",
            EventKind::Content => "Content failed",
            EventKind::Data => "Data access error",
            EventKind::Exec => "Execution failed",
            EventKind::Exist => "Does exist",
            EventKind::Fsflags => "Filesystem flags failed",
            EventKind::Gid => "GID failed",
            EventKind::Icmp => "ICMP failed",
            EventKind::Instance => "Monit instance failed",
            EventKind::Invalid => "Invalid type",
            EventKind::Link => "Link down",
            EventKind::Nonexist => "Does not exist",
            EventKind::Packetin => "Download packets exceeded",
            EventKind::Packetout => "Upload packets exceeded",
            EventKind::Permission => "Permission failed",
            EventKind::Pid => "PID failed",
            EventKind::Ppid => "PPID failed",
            EventKind::Resource => "Resource limit matched",
            EventKind::Saturation => "Saturation exceeded",
            EventKind::Size => "Size failed",
            EventKind::Speed => "Speed failed",
            EventKind::Status => "Status failed",
            EventKind::Timeout => "Timeout",
            EventKind::Timestamp => "Timestamp failed",
            EventKind::Uid => "UID failed",
            EventKind::Uptime => "Uptime failed",
        }
    }

    /// Monit's name of the event in the "succeeded" state.
    pub fn succeeded_text(self) -> &'static str {
        match self {
            EventKind::Action => "Action done",
            EventKind::Bytein => "Download bytes ok",
            EventKind::Byteout => "Upload bytes ok",
            EventKind::Checksum => "Checksum succeeded",
            EventKind::Connection => "Connection succeeded",
            EventKind::Content => "Content succeeded",
            EventKind::Data => "Data access succeeded",
            EventKind::Exec => "Execution succeeded",
            EventKind::Exist => "Exists not",
            EventKind::Fsflags => "Filesystem flags succeeded",
            EventKind::Gid => "GID succeeded",
            EventKind::Icmp => "ICMP succeeded",
            EventKind::Instance => "Monit instance succeeded",
            EventKind::Invalid => "Type succeeded",
            EventKind::Link => "Link up",
            EventKind::Nonexist => "Exists",
            EventKind::Packetin => "Download packets ok",
            EventKind::Packetout => "Upload packets ok",
            EventKind::Permission => "Permission succeeded",
            EventKind::Pid => "PID succeeded",
            EventKind::Ppid => "PPID succeeded",
            EventKind::Resource => "Resource limit succeeded",
            EventKind::Saturation => "Saturation ok",
            EventKind::Size => "Size succeeded",
            EventKind::Speed => "Speed ok",
            EventKind::Status => "Status succeeded",
            EventKind::Timeout => "Timeout recovery",
            EventKind::Timestamp => "Timestamp succeeded",
            EventKind::Uid => "UID succeeded",
            EventKind::Uptime => "Uptime succeeded",
        }
    }

    /// Monit's name of the event in the "changed" state.
    pub fn changed_text(self) -> &'static str {
        match self {
            EventKind::Checksum => "Checksum changed",
            EventKind::Connection => "Connection changed",
            EventKind::Content => "Content match",
            EventKind::Fsflags => "Filesystem flags changed",
            EventKind::Gid => "GID changed",
            EventKind::Instance => "Monit instance changed",
            EventKind::Permission => "Permission changed",
            EventKind::Pid => "PID changed",
            EventKind::Ppid => "PPID changed",
            EventKind::Size => "Size changed",
            EventKind::Speed => "Speed changed",
            EventKind::Status => "Status changed",
            EventKind::Timestamp => "Timestamp changed",
            EventKind::Uid => "UID changed",
            EventKind::Bytein => "Download bytes changed",
            EventKind::Byteout => "Upload bytes changed",
            other => other.failed_text(),
        }
    }
}

/// `{ e1, e2 }` (only these) or `not { e1 }` (all but these). Empty and not negated = all.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventFilter {
    #[serde(skip_serializing_if = "super::is_false")]
    pub not: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventKind>,
}

impl EventFilter {
    pub fn is_all(&self) -> bool {
        !self.not && self.events.is_empty()
    }

    /// Whether an event of this kind passes the filter.
    pub fn accepts(&self, kind: EventKind) -> bool {
        if self.events.is_empty() {
            return !self.not;
        }
        self.events.contains(&kind) != self.not
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_round_trip_and_filters_apply() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::from_keyword(kind.keyword()), Some(kind));
        }
        let only = EventFilter { not: false, events: vec![EventKind::Nonexist] };
        assert!(only.accepts(EventKind::Nonexist));
        assert!(!only.accepts(EventKind::Resource));
        let not = EventFilter { not: true, events: vec![EventKind::Action] };
        assert!(!not.accepts(EventKind::Action));
        assert!(not.accepts(EventKind::Resource));
        assert!(EventFilter::default().accepts(EventKind::Action));
    }
}
