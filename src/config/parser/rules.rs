//! `if <test> [tolerance] then <action> [else if succeeded [tolerance] then <action>]`,
//! restart limits, and which tests each service type takes (reference §1.3, §2).

use super::arguments::Equals;
use super::reserved::ValueToken;
use super::values::UnitClass;
use super::{PResult, Parser};
use crate::config::lexer::TokenKind;
use crate::config::model::*;
use crate::config::source::Span;

/// The words that may follow `if`, for "did you mean".
const TEST_WORDS: &[&str] = &[
    "failed",
    "succeeded",
    "changed",
    "not",
    "exist",
    "match",
    "content",
    "cpu",
    "totalcpu",
    "total",
    "memory",
    "mem",
    "totalmem",
    "totalmemory",
    "swap",
    "threads",
    "children",
    "loadavg",
    "filedescriptors",
    "read",
    "write",
    "disk",
    "space",
    "inode",
    "inodes",
    "service",
    "upload",
    "download",
    "saturation",
    "uptime",
    "timestamp",
    "atime",
    "ctime",
    "mtime",
    "size",
    "status",
    "link",
];

const ACTIONS: &[&str] = &["alert", "restart", "start", "stop", "unmonitor", "monitor", "exec"];

/// Words that start a resource test, so that `if cpu > 50% memory > 100 MB then` reads as two.
const RESOURCE_WORDS: &[&str] = &[
    "cpu",
    "totalcpu",
    "memory",
    "mem",
    "totalmem",
    "totalmemory",
    "swap",
    "threads",
    "children",
    "loadavg",
    "loadavg1",
    "loadavg5",
    "loadavg15",
    "filedescriptors",
    "read",
    "write",
    "disk",
    "space",
    "inode",
    "inodes",
    "service",
    "servicetime",
    "upload",
    "download",
    "saturation",
];

impl Parser<'_> {
    pub(super) fn parse_if(&mut self) -> PResult<()> {
        if self.peek_is_number() && (self.peek_raw_is_word(1, "restarts") || self.peek_raw_is_word(1, "restart")) {
            return self.parse_restart_limit();
        }
        let mut tests = vec![self.parse_test()?];
        while tests.iter().all(|(t, _)| matches!(t, Test::Resource { .. })) && self.peek_is_any(RESOURCE_WORDS) {
            tests.push(self.parse_test()?);
        }
        let kind = self.service().0.check.clone();
        for (test, span) in &tests {
            if !test_allowed(&kind, test) {
                let what = test_name(test);
                return self.fail(*span, format!("'{what}' cannot be tested in a 'check {}' service", kind.keyword()));
            }
        }
        let tolerance = self.parse_tolerance()?;
        self.expect_keyword(&["then"], "'then' (or a number of cycles)")?;
        let action = self.parse_action()?;
        let recovery = if self.eat("else") {
            if self.eat("if") {
                self.expect_keyword(&["succeeded", "passed", "recovered"], "'succeeded'")?;
            }
            let tolerance = self.parse_tolerance()?;
            if tolerance.is_some() || self.peek_is("then") {
                self.expect_keyword(&["then"], "'then'")?;
            }
            let action = self.parse_action()?;
            Some(Recovery { tolerance, action })
        } else {
            None
        };
        if recovery.is_some()
            && let Some((_, span)) = tests.iter().find(|(t, _)| t.is_change_test())
        {
            let span = *span;
            return self.fail(span, "a 'changed' test has no recovery, so it takes no 'else'");
        }
        for (test, _) in tests {
            let rule = Rule { test, tolerance, action: action.clone(), recovery: recovery.clone() };
            self.service().0.rules.push(rule);
        }
        Ok(())
    }

    /// `if N restart(s) [within] M cycle(s) then <action>`.
    fn parse_restart_limit(&mut self) -> PResult<()> {
        let (count, count_span) = self.expect_u32("a number of restarts")?;
        self.next(); // restarts
        let (cycles, cycles_span) = self.expect_u32("a number of cycles")?;
        self.expect_cycles_word()?;
        let limit = self.check_cycles(count, count_span, cycles, cycles_span)?;
        self.expect_keyword(&["then"], "'then'")?;
        let action = if self.eat("timeout") { Action::Unmonitor } else { self.parse_action()? };
        self.service().0.restart_limits.push(RestartLimit { count: limit.count, cycles: limit.cycles, action });
        Ok(())
    }

    pub(crate) fn parse_action(&mut self) -> PResult<Action> {
        let token = self.peek().clone();
        let Some(word) = token.keyword() else {
            return self.unexpected("an action such as 'alert' or 'restart'", ACTIONS);
        };
        self.next();
        let action = match word.as_str() {
            "alert" => Action::Alert,
            "restart" => Action::Restart,
            "start" => Action::Start,
            "stop" => Action::Stop,
            "unmonitor" => Action::Unmonitor,
            "monitor" => Action::Monitor,
            "exec" => Action::Exec(self.parse_exec()?),
            _ if super::STATEMENT_WORDS.contains(&word.as_str()) || word == "else" => {
                return self
                    .fail(token.span, format!("unexpected '{word}', expected an action such as 'alert' or 'restart'"));
            }
            _ => {
                self.service().1.custom_actions.push((token.span, word.clone()));
                Action::Custom(token.text().unwrap_or_default().to_owned())
            }
        };
        Ok(action)
    }

    /// `exec "<cmd>" [as uid U] [as gid G] [repeat every N cycles]`.
    fn parse_exec(&mut self) -> PResult<ExecAction> {
        let (command, span) = self.parse_arguments(Equals::Never, "a command in quotes after 'exec'")?;
        let command = self.resolve_program(command, span)?;
        self.service().1.programs.push((span, command.clone()));
        let mut exec = ExecAction { command, uid: None, gid: None, repeat_every: None };
        loop {
            if self.eat("uid") {
                let (uid, span) = self.expect_account("a user name or id")?;
                self.service().1.accounts.push((span, uid.clone(), false));
                exec.uid = Some(uid);
            } else if self.eat("gid") {
                let (gid, span) = self.expect_account("a group name or id")?;
                self.service().1.accounts.push((span, gid.clone(), true));
                exec.gid = Some(gid);
            } else if self.eat("repeat") {
                let (_, every) = self.expect_keyword(&["every"], "'every'")?;
                self.check_every_argument(every)?;
                // Monit 5.33: `repeat every N cycles`, the number required.
                let n = self.expect_u32_in("a number of cycles", 1, u32::MAX)?.0;
                self.expect_cycles_word()?;
                exec.repeat_every = Some(n);
            } else {
                break;
            }
        }
        Ok(exec)
    }

    /// One test after `if`.
    fn parse_test(&mut self) -> PResult<(Test, Span)> {
        let token = self.peek().clone();
        let start = token.span;
        let Some(word) = token.keyword() else {
            return self.unexpected("a test such as 'failed port 80' or 'cpu > 80%'", TEST_WORDS);
        };
        let test = match word.as_str() {
            "failed" => {
                self.next();
                self.parse_failed_test(false)?
            }
            "succeeded" => {
                self.next();
                self.parse_failed_test(true)?
            }
            "changed" => {
                self.next();
                self.parse_changed_test()?
            }
            "not" => {
                self.next();
                let (w, _) = self.expect_keyword(&["exist", "exists", "match"], "'exist' or 'match'")?;
                if w.starts_with("exist") {
                    Test::NotExist
                } else {
                    Test::Content(self.parse_content_pattern(&w, false)?)
                }
            }
            "exist" | "exists" => {
                self.next();
                Test::Exist
            }
            "match" | "content" => {
                self.next();
                Test::Content(self.parse_content_pattern(word.as_str(), true)?)
            }
            "uptime" => {
                self.next();
                Test::Uptime(self.parse_comparison(UnitClass::Age)?.0)
            }
            "timestamp" | "time" | "atime" | "ctime" | "mtime" | "access" | "change" | "modify" | "modification" => {
                self.next();
                let kind = self.timestamp_kind_words(&word)?;
                Test::Timestamp { kind, limit: self.parse_comparison(UnitClass::Age)?.0 }
            }
            "size" => {
                self.next();
                Test::Size(self.parse_comparison(UnitClass::Size)?.0)
            }
            "status" => {
                self.next();
                Test::Status(self.parse_comparison(UnitClass::Count)?.0)
            }
            "link" => {
                self.next();
                let (state, _) = self.expect_keyword(&["down", "up"], "'down' or 'up'")?;
                if state == "down" { Test::LinkDown } else { Test::LinkUp }
            }
            "total" => {
                self.next();
                self.parse_total_test()?
            }
            _ => self.parse_resource_test()?,
        };
        Ok((test, start.to(self.current_span())))
    }

    /// `cpu > 80%`, `memory > 200 MB`, `loadavg (5min) per core > 2`, `space free < 10%` ...
    fn parse_resource_test(&mut self) -> PResult<Test> {
        let (word, _) = self.expect_keyword(RESOURCE_WORDS, "a test such as 'failed port 80' or 'cpu > 80%'")?;
        let (metric, class) = match word.as_str() {
            "cpu" => {
                let sub = [
                    "user",
                    "usr",
                    "us",
                    "system",
                    "sys",
                    "sy",
                    "wait",
                    "wa",
                    "iowait",
                    "nice",
                    "hardirq",
                    "softirq",
                    "steal",
                    "guest",
                    "guestnice",
                ];
                let metric = match self.peek_is_any(&sub).then(|| self.next()) {
                    Some(t) => match t.text().unwrap_or_default().to_ascii_lowercase().as_str() {
                        "user" | "usr" | "us" => Metric::CpuUser,
                        "system" | "sys" | "sy" => Metric::CpuSystem,
                        "wait" | "wa" | "iowait" => Metric::CpuWait,
                        "nice" => Metric::CpuNice,
                        "hardirq" => Metric::CpuHardirq,
                        "softirq" => Metric::CpuSoftirq,
                        "steal" => Metric::CpuSteal,
                        "guest" => Metric::CpuGuest,
                        _ => Metric::CpuGuestNice,
                    },
                    None => Metric::Cpu,
                };
                (metric, UnitClass::Percent)
            }
            "totalcpu" => (Metric::TotalCpu, UnitClass::Percent),
            "memory" | "mem" => (Metric::Memory, UnitClass::SizeOrPercent),
            "totalmem" | "totalmemory" => (Metric::TotalMemory, UnitClass::SizeOrPercent),
            "swap" => (Metric::Swap, UnitClass::SizeOrPercent),
            "threads" => (Metric::Threads, UnitClass::Count),
            "children" => (Metric::Children, UnitClass::Count),
            "loadavg" | "loadavg1" | "loadavg5" | "loadavg15" => {
                let minutes = match word.as_str() {
                    "loadavg5" => 5,
                    "loadavg15" => 15,
                    "loadavg1" => 1,
                    _ => self.parse_load_minutes(),
                };
                let per_core = self.eat("core");
                let metric = match (minutes, per_core) {
                    (5, false) => Metric::Load5,
                    (15, false) => Metric::Load15,
                    (_, false) => Metric::Load1,
                    (5, true) => Metric::Load5PerCore,
                    (15, true) => Metric::Load15PerCore,
                    (_, true) => Metric::Load1PerCore,
                };
                (metric, UnitClass::Count)
            }
            "filedescriptors" => (Metric::Filedescriptors, UnitClass::CountOrPercent),
            "read" | "write" | "disk" => {
                let disk = word == "disk";
                let read = if disk {
                    self.expect_keyword(&["read", "write"], "'read' or 'write'")?.0 == "read"
                } else {
                    word == "read"
                };
                let (limit, _) = self.parse_comparison(UnitClass::Rate)?;
                let metric = match (limit.limit.unit, read, disk) {
                    (Unit::OperationsPerSecond, true, _) => Metric::ReadOperations,
                    (Unit::OperationsPerSecond, false, _) => Metric::WriteOperations,
                    (_, true, true) => Metric::DiskReadBytes,
                    (_, false, true) => Metric::DiskWriteBytes,
                    (_, true, false) => Metric::ReadBytes,
                    (_, false, false) => Metric::WriteBytes,
                };
                return Ok(Test::Resource { metric, limit });
            }
            "space" => {
                let free = self.eat("free");
                (if free { Metric::SpaceFree } else { Metric::Space }, UnitClass::SizeOrPercent)
            }
            "inode" | "inodes" => {
                let free = self.eat("free");
                (if free { Metric::InodeFree } else { Metric::Inode }, UnitClass::CountOrPercent)
            }
            "service" | "servicetime" => {
                if word == "service" {
                    self.expect_keyword(&["time"], "'time'")?;
                }
                (Metric::ServiceTime, UnitClass::Time)
            }
            "upload" | "download" => {
                let (limit, _) = self.parse_comparison(UnitClass::NetRate)?;
                let packets = limit.limit.unit == Unit::PacketsPerSecond;
                let metric = match (word.as_str(), packets) {
                    ("upload", false) => Metric::UploadBytes,
                    ("upload", true) => Metric::UploadPackets,
                    (_, false) => Metric::DownloadBytes,
                    (_, true) => Metric::DownloadPackets,
                };
                return Ok(Test::Resource { metric, limit });
            }
            _ => (Metric::Saturation, UnitClass::Percent),
        };
        let (limit, _) = self.parse_comparison(class)?;
        Ok(Test::Resource { metric, limit })
    }

    /// The minutes of `loadavg (1min|5min|15min)`, also written `(5m)` or `(5)`; 1 if none.
    fn parse_load_minutes(&mut self) -> u32 {
        let token = self.peek().clone();
        let Some(text) = token.text().filter(|_| matches!(token.kind, TokenKind::Word(_))) else { return 1 };
        let digits = text.trim_end_matches("min").trim_end_matches('m');
        let minutes = match digits {
            "1" => 1,
            "5" => 5,
            "15" => 15,
            _ => return 1,
        };
        // A bare `5` is the window only when an operator or `per core` follows, as in
        // `loadavg (5) > 2`; otherwise it is the start of something else.
        if digits == text && !matches!(self.peek_raw(1).kind, TokenKind::Op(_)) && !self.peek_raw_is_word(1, "core") {
            let next = self.peek_raw(1).clone();
            if next.text().is_none_or(|w| Operator::from_word(w).is_none()) {
                return 1;
            }
        }
        self.next();
        minutes
    }

    /// After `total`: `cpu`, `memory`, `filedescriptors`, `uploaded|downloaded ... in last N hours`.
    fn parse_total_test(&mut self) -> PResult<Test> {
        let (word, _) = self.expect_keyword(
            &["cpu", "memory", "mem", "filedescriptors", "uploaded", "downloaded", "upload", "download"],
            "'cpu', 'memory', 'filedescriptors', 'uploaded' or 'downloaded'",
        )?;
        let (metric, class) = match word.as_str() {
            "cpu" => (Metric::TotalCpu, UnitClass::Percent),
            "memory" | "mem" => (Metric::TotalMemory, UnitClass::SizeOrPercent),
            "filedescriptors" => (Metric::TotalFiledescriptors, UnitClass::Count),
            _ => {
                let upload = word.starts_with("upload");
                let (limit, _) = self.parse_comparison(UnitClass::NetTotal)?;
                let packets = limit.limit.unit == Unit::Packets;
                let metric = match (upload, packets) {
                    (true, false) => Metric::UploadBytes,
                    (true, true) => Metric::UploadPackets,
                    (false, false) => Metric::DownloadBytes,
                    (false, true) => Metric::DownloadPackets,
                };
                let count = if self.peek_is_number() { self.expect_u32_in("a number", 1, u32::MAX)?.0 } else { 1 };
                let (unit, uspan) = self.expect_keyword(
                    &["minute", "minutes", "hour", "hours", "day", "days"],
                    "'minutes', 'hours' or 'day' (as in 'in last 24 hours')",
                )?;
                let unit_ms: u64 = match unit.as_str() {
                    "minute" | "minutes" => 60_000,
                    "hour" | "hours" => 3_600_000,
                    _ => 86_400_000,
                };
                let window = Duration::from_millis(unit_ms * u64::from(count));
                if window.millis > 86_400_000 {
                    return self.fail(uspan, "the window cannot be longer than one day");
                }
                return Ok(Test::TrafficTotal { metric, limit, window });
            }
        };
        let (limit, _) = self.parse_comparison(class)?;
        Ok(Test::Resource { metric, limit })
    }

    /// After `failed` (or `succeeded`).
    fn parse_failed_test(&mut self, succeeded: bool) -> PResult<Test> {
        let connection_words = ["host", "port", "unixsocket", "url"];
        let ping_words = ["ping", "ping4", "ping6", "icmp"];
        if self.peek_is_any(&connection_words) {
            let mut test = self.parse_connection_test()?;
            test.succeeded = succeeded;
            return Ok(Test::Connection(Box::new(test)));
        }
        if self.peek_is_any(&ping_words) {
            let mut ping = self.parse_ping()?;
            ping.succeeded = succeeded;
            return Ok(Test::Ping(ping));
        }
        if succeeded {
            return self.unexpected(
                "'port', 'host', 'unixsocket', 'url' or 'ping' after 'succeeded'",
                &["port", "host", "unixsocket", "url", "ping"],
            );
        }
        let (word, _) = self.expect_keyword(
            &[
                "host",
                "port",
                "unixsocket",
                "url",
                "ping",
                "uid",
                "euid",
                "gid",
                "checksum",
                "md5",
                "sha1",
                "sha256",
                "permission",
                "perm",
                "security",
                "link",
                "network",
            ],
            "a test such as 'port', 'host', 'uid', 'checksum' or 'permission' after 'failed'",
        )?;
        Ok(match word.as_str() {
            "uid" | "euid" => {
                let (user, span) = self.expect_account("a user name or id")?;
                self.service().1.accounts.push((span, user.clone(), false));
                Test::Uid { user, effective: word == "euid" }
            }
            "gid" => {
                let (group, span) = self.expect_account("a group name or id")?;
                self.service().1.accounts.push((span, group.clone(), true));
                Test::Gid { group }
            }
            "md5" | "sha1" | "sha256" | "checksum" => {
                let hash = match word.as_str() {
                    "md5" => Some(HashType::Md5),
                    "sha1" => Some(HashType::Sha1),
                    "sha256" => Some(HashType::Sha256),
                    _ => None,
                };
                if hash.is_some() {
                    self.expect_keyword(&["checksum"], "'checksum'")?;
                }
                let expect = if self.eat("expect") {
                    let (value, span) = self.expect_value("a checksum")?;
                    self.check_hex(&value, span, hash)?;
                    Some(value.to_ascii_lowercase())
                } else {
                    None
                };
                let hash = hash.or_else(|| expect.as_ref().and_then(|e| HashType::from_hex_len(e.len())));
                Test::Checksum { hash, expect }
            }
            "permission" | "perm" => Test::Permission(self.parse_permission()?),
            "security" => {
                self.expect_keyword(&["attribute"], "'attribute'")?;
                let (label, _) = self.expect_token_value(ValueToken::PathOrString, "a security label in quotes")?;
                Test::SecurityAttribute(label)
            }
            "link" | "network" => Test::LinkDown,
            // `host`, `port`, `unixsocket`, `url` and `ping` are handled above.
            _ => return self.fail(self.current_span(), "unexpected connection test"),
        })
    }

    /// After `changed`.
    fn parse_changed_test(&mut self) -> PResult<Test> {
        let (word, _) = self.expect_keyword(
            &[
                "pid",
                "ppid",
                "checksum",
                "md5",
                "sha1",
                "sha256",
                "timestamp",
                "time",
                "atime",
                "ctime",
                "mtime",
                "access",
                "change",
                "modify",
                "modification",
                "size",
                "permission",
                "perm",
                "fsflags",
                "fsflag",
                "status",
                "link",
            ],
            "what changed, such as 'pid', 'checksum', 'timestamp' or 'size'",
        )?;
        Ok(match word.as_str() {
            "pid" => Test::PidChanged,
            "ppid" => Test::PpidChanged,
            "checksum" => Test::ChecksumChanged { hash: None },
            "md5" | "sha1" | "sha256" => {
                self.expect_keyword(&["checksum"], "'checksum'")?;
                let hash = match word.as_str() {
                    "md5" => HashType::Md5,
                    "sha1" => HashType::Sha1,
                    _ => HashType::Sha256,
                };
                Test::ChecksumChanged { hash: Some(hash) }
            }
            "timestamp" | "time" | "atime" | "ctime" | "mtime" | "access" | "change" | "modify" | "modification" => {
                Test::TimestampChanged { kind: self.timestamp_kind_words(&word)? }
            }
            "size" => Test::SizeChanged,
            "permission" | "perm" => Test::PermissionChanged,
            "fsflags" | "fsflag" => Test::FsflagsChanged,
            "status" => Test::StatusChanged,
            _ => Test::LinkChanged,
        })
    }
}

impl Parser<'_> {
    /// The timestamp named by `word` (already read), reading the `time`/`timestamp` after
    /// Monit's two-word spellings (`access time`, `modify timestamp`).
    fn timestamp_kind_words(&mut self, word: &str) -> PResult<TimestampKind> {
        let kind = match word {
            "access" => TimestampKind::Atime,
            "change" => TimestampKind::Ctime,
            "modify" | "modification" => TimestampKind::Mtime,
            other => return Ok(timestamp_kind(other)),
        };
        self.expect_keyword(&["time", "timestamp"], "'time' or 'timestamp'")?;
        Ok(kind)
    }
}

fn timestamp_kind(word: &str) -> TimestampKind {
    match word {
        "atime" => TimestampKind::Atime,
        "ctime" => TimestampKind::Ctime,
        "mtime" => TimestampKind::Mtime,
        _ => TimestampKind::Timestamp,
    }
}

/// A short name of a test for messages.
pub(crate) fn test_name(test: &Test) -> String {
    match test {
        Test::NotExist | Test::Exist => "exist".into(),
        Test::PidChanged => "changed pid".into(),
        Test::PpidChanged => "changed ppid".into(),
        Test::Uid { effective: true, .. } => "euid".into(),
        Test::Uid { .. } => "uid".into(),
        Test::Gid { .. } => "gid".into(),
        Test::SecurityAttribute(_) => "security attribute".into(),
        Test::Uptime(_) => "uptime".into(),
        Test::Resource { metric, .. } | Test::TrafficTotal { metric, .. } => metric.keyword().into(),
        Test::Connection(c) => match c.target {
            ConnectionTarget::Port { .. } => "port".into(),
            ConnectionTarget::Unixsocket { .. } => "unixsocket".into(),
            ConnectionTarget::Url { .. } => "url".into(),
        },
        Test::Ping(_) => "ping".into(),
        Test::Checksum { .. } | Test::ChecksumChanged { .. } => "checksum".into(),
        Test::Timestamp { kind, .. } | Test::TimestampChanged { kind } => kind.keyword().into(),
        Test::Size(_) | Test::SizeChanged => "size".into(),
        Test::Permission(_) | Test::PermissionChanged => "permission".into(),
        Test::Content(_) => "content".into(),
        Test::FsflagsChanged => "fsflags".into(),
        Test::Status(_) | Test::StatusChanged => "status".into(),
        Test::LinkDown | Test::LinkUp | Test::LinkChanged => "link".into(),
    }
}

/// Which tests each service type takes (the `opt*` lists of Monit's grammar).
pub fn test_allowed(kind: &ServiceKind, test: &Test) -> bool {
    use Metric as M;
    match kind {
        ServiceKind::Process(_) => match test {
            Test::NotExist
            | Test::Exist
            | Test::PidChanged
            | Test::PpidChanged
            | Test::Uid { .. }
            | Test::Gid { .. }
            | Test::SecurityAttribute(_)
            | Test::Uptime(_)
            | Test::Connection(_) => true,
            Test::Resource { metric, .. } => matches!(
                metric,
                M::Cpu
                    | M::TotalCpu
                    | M::Memory
                    | M::TotalMemory
                    | M::Threads
                    | M::Children
                    | M::Load1
                    | M::Load5
                    | M::Load15
                    | M::Load1PerCore
                    | M::Load5PerCore
                    | M::Load15PerCore
                    | M::Filedescriptors
                    | M::TotalFiledescriptors
                    | M::ReadBytes
                    | M::WriteBytes
                    | M::DiskReadBytes
                    | M::DiskWriteBytes
                    | M::ReadOperations
                    | M::WriteOperations
            ),
            _ => false,
        },
        ServiceKind::File { .. } => matches!(
            test,
            Test::NotExist
                | Test::Exist
                | Test::Checksum { .. }
                | Test::ChecksumChanged { .. }
                | Test::Timestamp { .. }
                | Test::TimestampChanged { .. }
                | Test::Size(_)
                | Test::SizeChanged
                | Test::Permission(_)
                | Test::PermissionChanged
                | Test::Uid { effective: false, .. }
                | Test::Gid { .. }
                | Test::Content(_)
        ),
        ServiceKind::Fifo { .. } | ServiceKind::Directory { .. } => matches!(
            test,
            Test::NotExist
                | Test::Exist
                | Test::Timestamp { .. }
                | Test::TimestampChanged { .. }
                | Test::Permission(_)
                | Test::PermissionChanged
                | Test::Uid { effective: false, .. }
                | Test::Gid { .. }
        ),
        ServiceKind::Filesystem { .. } => match test {
            Test::NotExist
            | Test::Exist
            | Test::FsflagsChanged
            | Test::Permission(_)
            | Test::PermissionChanged
            | Test::Uid { effective: false, .. }
            | Test::Gid { .. } => true,
            Test::Resource { metric, .. } => matches!(
                metric,
                M::Space
                    | M::SpaceFree
                    | M::Inode
                    | M::InodeFree
                    | M::ReadBytes
                    | M::WriteBytes
                    | M::ReadOperations
                    | M::WriteOperations
                    | M::ServiceTime
            ),
            _ => false,
        },
        ServiceKind::Host { .. } => match test {
            Test::Ping(_) => true,
            Test::Connection(c) => !matches!(c.target, ConnectionTarget::Unixsocket { .. }),
            _ => false,
        },
        ServiceKind::System => match test {
            Test::Uptime(_) => true,
            Test::Resource { metric, .. } => matches!(
                metric,
                M::Cpu
                    | M::CpuUser
                    | M::CpuSystem
                    | M::CpuWait
                    | M::CpuNice
                    | M::CpuHardirq
                    | M::CpuSoftirq
                    | M::CpuSteal
                    | M::CpuGuest
                    | M::CpuGuestNice
                    | M::Memory
                    | M::Swap
                    | M::Load1
                    | M::Load5
                    | M::Load15
                    | M::Load1PerCore
                    | M::Load5PerCore
                    | M::Load15PerCore
                    | M::Filedescriptors
            ),
            _ => false,
        },
        ServiceKind::Program(_) => matches!(test, Test::Status(_) | Test::StatusChanged | Test::Content(_)),
        ServiceKind::Network(_) => match test {
            Test::LinkDown | Test::LinkUp | Test::LinkChanged | Test::TrafficTotal { .. } => true,
            Test::Resource { metric, .. } => matches!(
                metric,
                M::Saturation | M::UploadBytes | M::DownloadBytes | M::UploadPackets | M::DownloadPackets
            ),
            _ => false,
        },
    }
}
