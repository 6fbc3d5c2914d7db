//! Rules: `if <test> [tolerance] then <action> [else if succeeded [tolerance] then <action>]`,
//! restart limits, and the actions they fire (reference §1.3, §2.1).

use serde::{Deserialize, Serialize};

use super::connection::ConnectionTest;
use super::event::EventKind;
use super::global::HashType;
use super::is_false;
use super::pattern::{Pattern, PatternFile};
use super::values::{Comparison, Duration};

/// One rule of a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub test: Test,
    /// `for N cycles` / `X times within Y cycles`; none means the first failure counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Tolerance>,
    pub action: Action,
    /// `else if succeeded [tolerance] then <action>`; none means Monit's default (alert on
    /// recovery).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery: Option<Recovery>,
}

impl Rule {
    pub fn new(test: Test, action: Action) -> Self {
        Rule { test, tolerance: None, action, recovery: None }
    }
}

/// `X times within Y cycles` (`for N cycles` is N of N).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tolerance {
    pub count: u32,
    pub cycles: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recovery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Tolerance>,
    pub action: Action,
}

/// `if N restarts within M cycles then <action>` (reference §2.6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestartLimit {
    pub count: u32,
    pub cycles: u32,
    pub action: Action,
}

/// What a rule does (reference §2.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Action {
    Alert,
    Restart,
    Start,
    Stop,
    Unmonitor,
    Monitor,
    Exec(ExecAction),
    /// Extension: run the service's named action.
    Custom(String),
}

impl Action {
    pub fn name(&self) -> &str {
        match self {
            Action::Alert => "alert",
            Action::Restart => "restart",
            Action::Start => "start",
            Action::Stop => "stop",
            Action::Unmonitor => "unmonitor",
            Action::Monitor => "monitor",
            Action::Exec(_) => "exec",
            Action::Custom(name) => name,
        }
    }
}

/// `exec "<cmd>" [as uid U] [as gid G] [repeat every N cycles]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecAction {
    pub command: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_every: Option<u32>,
}

/// A content pattern: a regular expression, or a file with one per line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentPattern {
    /// `=` (matches) or `!=` (does not match).
    #[serde(default = "default_true", skip_serializing_if = "is_true")]
    pub matches: bool,
    pub pattern: PatternSource,
}

fn default_true() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatternSource {
    Regex(Pattern),
    File(PatternFile),
}

/// Which timestamp a file test reads (`timestamp` = the newer of ctime and mtime).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimestampKind {
    Timestamp,
    Atime,
    Ctime,
    Mtime,
}

impl TimestampKind {
    pub fn keyword(self) -> &'static str {
        match self {
            TimestampKind::Timestamp => "timestamp",
            TimestampKind::Atime => "atime",
            TimestampKind::Ctime => "ctime",
            TimestampKind::Mtime => "mtime",
        }
    }
}

/// The measured figures a resource rule can compare (reference §1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Cpu,
    TotalCpu,
    CpuUser,
    CpuSystem,
    CpuWait,
    CpuNice,
    CpuHardirq,
    CpuSoftirq,
    CpuSteal,
    CpuGuest,
    CpuGuestNice,
    Memory,
    TotalMemory,
    Swap,
    Threads,
    Children,
    Load1,
    Load5,
    Load15,
    Load1PerCore,
    Load5PerCore,
    Load15PerCore,
    Filedescriptors,
    TotalFiledescriptors,
    Space,
    SpaceFree,
    Inode,
    InodeFree,
    /// Process: bytes read per second (any I/O); filesystem: read rate.
    ReadBytes,
    WriteBytes,
    DiskReadBytes,
    DiskWriteBytes,
    ReadOperations,
    WriteOperations,
    ServiceTime,
    UploadBytes,
    DownloadBytes,
    UploadPackets,
    DownloadPackets,
    Saturation,
}

impl Metric {
    /// The control-file words that name the metric (for the renderer and messages).
    pub fn keyword(self) -> &'static str {
        match self {
            Metric::Cpu => "cpu",
            Metric::TotalCpu => "total cpu",
            Metric::CpuUser => "cpu user",
            Metric::CpuSystem => "cpu system",
            Metric::CpuWait => "cpu wait",
            Metric::CpuNice => "cpu nice",
            Metric::CpuHardirq => "cpu hardirq",
            Metric::CpuSoftirq => "cpu softirq",
            Metric::CpuSteal => "cpu steal",
            Metric::CpuGuest => "cpu guest",
            Metric::CpuGuestNice => "cpu guestnice",
            Metric::Memory => "memory",
            Metric::TotalMemory => "total memory",
            Metric::Swap => "swap",
            Metric::Threads => "threads",
            Metric::Children => "children",
            Metric::Load1 => "loadavg (1min)",
            Metric::Load5 => "loadavg (5min)",
            Metric::Load15 => "loadavg (15min)",
            Metric::Load1PerCore => "loadavg (1min) per core",
            Metric::Load5PerCore => "loadavg (5min) per core",
            Metric::Load15PerCore => "loadavg (15min) per core",
            Metric::Filedescriptors => "filedescriptors",
            Metric::TotalFiledescriptors => "total filedescriptors",
            Metric::Space => "space usage",
            Metric::SpaceFree => "space free",
            Metric::Inode => "inode usage",
            Metric::InodeFree => "inode free",
            Metric::ReadBytes => "read",
            Metric::WriteBytes => "write",
            Metric::DiskReadBytes => "disk read",
            Metric::DiskWriteBytes => "disk write",
            Metric::ReadOperations => "read",
            Metric::WriteOperations => "write",
            Metric::ServiceTime => "service time",
            Metric::UploadBytes => "upload",
            Metric::DownloadBytes => "download",
            Metric::UploadPackets => "upload",
            Metric::DownloadPackets => "download",
            Metric::Saturation => "saturation",
        }
    }

    /// The event a failing rule on this metric posts.
    pub fn event(self) -> EventKind {
        match self {
            Metric::UploadBytes => EventKind::Byteout,
            Metric::DownloadBytes => EventKind::Bytein,
            Metric::UploadPackets => EventKind::Packetout,
            Metric::DownloadPackets => EventKind::Packetin,
            Metric::Saturation => EventKind::Saturation,
            _ => EventKind::Resource,
        }
    }
}

/// `ping|ping4|ping6 [count N] [size N] [responsetime <op> T] [timeout T] [address A]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PingTest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_version: Option<super::connection::IpVersion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_time: Option<Comparison>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Source address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// `if succeeded ping`: the rule fires when the host answers.
    #[serde(skip_serializing_if = "is_false")]
    pub succeeded: bool,
}

/// What a rule tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Test {
    /// `if does not exist` (the implicit rule of most types).
    NotExist,
    /// `if exist`.
    Exist,
    PidChanged,
    PpidChanged,
    /// `if failed uid|euid <user>`.
    Uid {
        user: String,
        #[serde(default, skip_serializing_if = "is_false")]
        effective: bool,
    },
    /// `if failed gid <group>`.
    Gid {
        group: String,
    },
    SecurityAttribute(String),
    Uptime(Comparison),
    /// `if <metric> <op> <limit>`.
    Resource {
        metric: Metric,
        limit: Comparison,
    },
    /// `if total uploaded|downloaded <op> N <unit|packets> in last K minutes|hours|days`.
    TrafficTotal {
        /// One of the upload/download metrics.
        metric: Metric,
        limit: Comparison,
        /// The window length.
        window: Duration,
    },
    Connection(Box<ConnectionTest>),
    Ping(PingTest),
    /// `if failed [md5|sha1] checksum [expect <hash>]`.
    Checksum {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hash: Option<HashType>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expect: Option<String>,
    },
    ChecksumChanged {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hash: Option<HashType>,
    },
    /// Age of a timestamp: `if timestamp > 15 minutes`.
    Timestamp {
        kind: TimestampKind,
        limit: Comparison,
    },
    TimestampChanged {
        kind: TimestampKind,
    },
    Size(Comparison),
    SizeChanged,
    /// `if failed permission 0644` (octal).
    Permission(u32),
    PermissionChanged,
    /// `if content = "regex"` (log watching; fires once per matching line batch).
    Content(ContentPattern),
    FsflagsChanged,
    /// `if status <op> N` for `check program`.
    Status(Comparison),
    StatusChanged,
    LinkDown,
    LinkUp,
    /// `if changed link [capacity]`.
    LinkChanged,
}

impl Test {
    /// The event a failing test posts.
    pub fn event(&self) -> EventKind {
        match self {
            Test::NotExist => EventKind::Nonexist,
            Test::Exist => EventKind::Exist,
            Test::PidChanged => EventKind::Pid,
            Test::PpidChanged => EventKind::Ppid,
            Test::Uid { .. } => EventKind::Uid,
            Test::Gid { .. } => EventKind::Gid,
            Test::SecurityAttribute(_) => EventKind::Invalid,
            Test::Uptime(_) => EventKind::Uptime,
            Test::Resource { metric, .. } | Test::TrafficTotal { metric, .. } => metric.event(),
            Test::Connection(_) => EventKind::Connection,
            Test::Ping(_) => EventKind::Icmp,
            Test::Checksum { .. } | Test::ChecksumChanged { .. } => EventKind::Checksum,
            Test::Timestamp { .. } | Test::TimestampChanged { .. } => EventKind::Timestamp,
            Test::Size(_) | Test::SizeChanged => EventKind::Size,
            Test::Permission(_) | Test::PermissionChanged => EventKind::Permission,
            Test::Content(_) => EventKind::Content,
            Test::FsflagsChanged => EventKind::Fsflags,
            Test::Status(_) | Test::StatusChanged => EventKind::Status,
            Test::LinkDown | Test::LinkUp => EventKind::Link,
            Test::LinkChanged => EventKind::Speed,
        }
    }

    /// Change tests fire once per change and have no recovery action (reference §1.3).
    pub fn is_change_test(&self) -> bool {
        matches!(
            self,
            Test::PidChanged
                | Test::PpidChanged
                | Test::ChecksumChanged { .. }
                | Test::TimestampChanged { .. }
                | Test::SizeChanged
                | Test::PermissionChanged
                | Test::FsflagsChanged
                | Test::StatusChanged
                | Test::LinkChanged
                | Test::Content(_)
        )
    }
}
