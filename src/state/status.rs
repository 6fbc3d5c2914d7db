//! The status of a service as every reader sees it (CLI, web, metrics): a consistent
//! snapshot taken under a short lock, with Monit's status text, the figures collected in
//! the last cycle, and the outcome of the last action.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::config::model::{EventKind, Mode, OnReboot};
use crate::outcome::EventState;

/// Whether a service is watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Monitoring {
    /// Watched, first cycle not done yet.
    #[default]
    Initializing,
    Monitored,
    NotMonitored,
}

/// A user or rule action waiting or running for a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingAction {
    Start,
    Stop,
    Restart,
    Monitor,
    Unmonitor,
}

impl PendingAction {
    pub fn name(self) -> &'static str {
        match self {
            PendingAction::Start => "start",
            PendingAction::Stop => "stop",
            PendingAction::Restart => "restart",
            PendingAction::Monitor => "monitor",
            PendingAction::Unmonitor => "unmonitor",
        }
    }
}

/// The figures of a process service.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProcessData {
    pub pid: i32,
    pub ppid: i32,
    pub uid: u32,
    pub euid: u32,
    pub gid: u32,
    pub uptime_secs: u64,
    pub threads: u32,
    pub children: u32,
    /// None until two samples exist.
    pub cpu_percent: Option<f64>,
    pub cpu_total_percent: Option<f64>,
    pub memory_bytes: u64,
    pub memory_percent: f64,
    pub memory_total_bytes: u64,
    pub memory_total_percent: f64,
    pub filedescriptors: Option<u64>,
    pub filedescriptors_total: Option<u64>,
    pub filedescriptors_limit: Option<(u64, u64)>,
    pub zombie: bool,
    /// From `/proc/PID/io`; empty when it cannot be read.
    #[serde(default)]
    pub read: IoFigures,
    #[serde(default)]
    pub write: IoFigures,
    /// The LSM label (`/proc/PID/attr/current`); `None` without an LSM or label.
    #[serde(default)]
    pub security_attribute: Option<String>,
}

/// A counter: its rate over the last cycle and its total.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct IoCounter {
    pub per_second: f64,
    pub total: u64,
}

/// One direction (read or write) of I/O, as Monit's `IOStatistics`: bytes through any I/O
/// (`bytes`; a process's `rchar`/`wchar`, a filesystem's disk bytes), bytes from or to disk
/// (`disk_bytes`, processes only) and operations. `None` where not known.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct IoFigures {
    pub bytes: Option<IoCounter>,
    pub disk_bytes: Option<IoCounter>,
    pub operations: Option<IoCounter>,
}

/// The figures of `check system`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SystemData {
    pub load: [f64; 3],
    pub cpu_count: usize,
    /// user, system, nice, iowait, hardirq, softirq, steal, guest, guest nice: percent.
    pub cpu: Option<CpuUsage>,
    pub memory_bytes: u64,
    pub memory_percent: f64,
    pub swap_bytes: u64,
    pub swap_percent: f64,
    pub uptime_secs: u64,
    pub boot_time: u64,
    pub filedescriptors: u64,
    pub filedescriptors_limit: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct CpuUsage {
    pub user: f64,
    pub system: f64,
    pub nice: f64,
    pub iowait: f64,
    pub hardirq: f64,
    pub softirq: f64,
    pub steal: f64,
    pub guest: f64,
    pub guest_nice: f64,
}

impl CpuUsage {
    pub fn total(&self) -> f64 {
        self.user + self.system + self.nice + self.iowait + self.hardirq + self.softirq + self.steal
    }
}

/// The figures of `check program`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProgramData {
    #[serde(with = "crate::timestamp::option", default)]
    pub started: Option<SystemTime>,
    pub exit_status: Option<i32>,
    pub output: String,
}

/// The figures of a file, fifo or directory (Monit's `inf.file`, `inf.directory`,
/// `inf.fifo`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FileData {
    /// Permission bits (`0o644`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Regular files only.
    pub size: Option<u64>,
    /// Seconds since the epoch.
    pub access: i64,
    pub change: i64,
    pub modify: i64,
    /// With a checksum rule: the sum and Monit's name of its hash (`MD5`, `SHA1`).
    pub checksum: Option<(String, String)>,
    /// Whether `if content` rules watch the file (Monit then prints `content match`).
    pub content_rules: bool,
}

/// The figures of a filesystem (Monit's `inf.filesystem`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FilesystemData {
    pub fs_type: String,
    pub flags: String,
    /// Permission and owner of the path checked: the mount point, or the device node when
    /// the service names one.
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub block_size: u64,
    pub blocks: u64,
    /// Free blocks, the superuser's reserve included.
    pub blocks_free: u64,
    /// Free blocks for unprivileged users.
    pub blocks_available: u64,
    pub inodes: u64,
    pub inodes_free: u64,
    /// Disk I/O (`bytes` and `operations`), once two readings exist.
    pub read: IoFigures,
    pub write: IoFigures,
    pub service_time: Option<ServiceTime>,
}

/// A filesystem's service time over the last cycle, in Monit's terms: milliseconds spent
/// reading and writing per second, and the operations of the cycle.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ServiceTime {
    pub read_ms_per_second: f64,
    pub write_ms_per_second: f64,
    pub operations: f64,
}

/// Type-specific figures; `None` before the first collection.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceData {
    #[default]
    None,
    Process(ProcessData),
    System(SystemData),
    Program(ProgramData),
    /// Files, fifos and directories.
    File(FileData),
    Filesystem(FilesystemData),
    /// A network interface.
    Network(NetworkData),
    /// Other types until their checks report figures of their own.
    Generic(BTreeMap<String, String>),
}

/// One direction of a network interface: per-second rates (while two readings exist) and
/// totals since the interface came up.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct LinkDirection {
    pub packets_per_second: f64,
    pub packets_total: u64,
    pub bytes_per_second: f64,
    pub bytes_total: u64,
    pub errors_per_second: f64,
    pub errors_total: u64,
}

/// A network interface's figures.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NetworkData {
    pub up: bool,
    /// Mb/s, when the driver says.
    pub speed_mbps: Option<u64>,
    pub full_duplex: Option<bool>,
    pub download: LinkDirection,
    pub upload: LinkDirection,
}

/// The outcome of the last action on a service (user-requested or rule-driven).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionOutcome {
    pub action: String,
    #[serde(with = "crate::timestamp")]
    pub at: SystemTime,
    pub success: bool,
    pub message: String,
}

/// Where content reading of a file stopped: the file's inode and the offset after the last
/// complete line. Kept in the state file so that a restart neither re-alerts nor misses lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ContentPosition {
    pub inode: u64,
    pub offset: u64,
}

/// One service's status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceStatus {
    pub name: String,
    /// Monit's type name ("Process", "System", ...).
    pub type_name: String,
    /// Monit's XML type number (0 filesystem ... 8 network).
    pub type_number: u8,
    pub monitoring: Monitoring,
    pub mode: Mode,
    pub onreboot: OnReboot,
    /// Events currently failed, with their messages.
    pub failed: BTreeMap<EventKind, String>,
    /// Events that changed in the last cycle.
    pub changed: BTreeMap<EventKind, String>,
    pub pending: Option<PendingAction>,
    /// `every` says this cycle was not due.
    pub waiting: bool,
    #[serde(with = "crate::timestamp::option")]
    pub collected_at: Option<SystemTime>,
    pub data: ServiceData,
    pub last_action: Option<ActionOutcome>,
    /// Restarts counted against the restart limits.
    pub restarts: u32,
    /// How long the last check of each kind took, in milliseconds.
    pub check_millis: BTreeMap<String, u64>,
    /// The latest events (state transitions), newest last; the alert channel delivers them.
    pub events: Vec<EventRecord>,
    /// Where content reading of a file stopped (kept in the state file).
    pub content_position: Option<ContentPosition>,
    /// The checksum `if failed checksum` compares with (kept in the state file).
    pub checksum_baseline: Option<String>,
    /// `unmonitor --for`: when monitoring comes back by itself (kept in the state file).
    #[serde(with = "crate::timestamp::option", default)]
    pub monitor_again_at: Option<SystemTime>,
    /// The dependants this service's `unmonitor` disabled, which its `monitor` enables
    /// again (kept in the state file).
    #[serde(default)]
    pub disabled_dependants: Vec<String>,
    /// What the connection and ping tests found in the last cycle, in rule order.
    #[serde(default)]
    pub connections: Vec<super::network::ConnectionFigure>,
    /// Each rule's event state as of the last cycle (kept in the state file, not shown).
    #[serde(skip)]
    pub saved_events: Vec<super::persist::SavedEvent>,
}

/// One event: a rule's state changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    #[serde(with = "crate::timestamp")]
    pub at: SystemTime,
    pub event: EventKind,
    /// Failed, succeeded, changed or unchanged (spelled `failed`... in the JSON and the
    /// state file).
    pub state: EventState,
    pub message: String,
    /// The action the rule called for.
    pub action: String,
}

/// How many events a status keeps.
pub const RECENT_EVENTS: usize = 20;

impl ServiceStatus {
    /// Adds events, keeping the [`RECENT_EVENTS`] newest.
    pub fn push_events(&mut self, events: impl IntoIterator<Item = EventRecord>) {
        self.events.extend(events);
        let excess = self.events.len().saturating_sub(RECENT_EVENTS);
        self.events.drain(..excess);
    }

    pub fn new(name: &str, type_name: &str, type_number: u8, mode: Mode, onreboot: OnReboot) -> Self {
        ServiceStatus {
            name: name.to_owned(),
            type_name: type_name.to_owned(),
            type_number,
            monitoring: Monitoring::Initializing,
            mode,
            onreboot,
            failed: BTreeMap::new(),
            changed: BTreeMap::new(),
            pending: None,
            waiting: false,
            collected_at: None,
            data: ServiceData::None,
            last_action: None,
            restarts: 0,
            check_millis: BTreeMap::new(),
            events: Vec::new(),
            content_position: None,
            checksum_baseline: None,
            monitor_again_at: None,
            disabled_dependants: Vec::new(),
            connections: Vec::new(),
            saved_events: Vec::new(),
        }
    }
}
