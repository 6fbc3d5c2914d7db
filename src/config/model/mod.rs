//! The typed model of a control file: what the monitrc and YAML front ends both produce, and
//! what every other part of rmonit reads.
//!
//! The model has no spans and does no I/O. Values are normalized (bytes, milliseconds) and
//! optional settings stay `None` when the file did not set them, so that a round trip through
//! either syntax gives back the same model; the defaults Monit applies are named constants in
//! [`defaults`] and applied by the readers (`Limits::start_timeout()` and so on).
//!
//! Serialized (YAML/JSON) it is the second syntax of the language: field names are the
//! monitrc keywords in snake_case, enums are maps keyed by their variant, values with units
//! are short strings (`"200 MB"`, `"> 80%"`).

pub mod ciphers;
pub mod connection;
pub mod cron;
pub mod defaults;
pub mod event;
pub mod global;
pub mod implicit;
pub mod pattern;
pub mod rule;
pub mod service;
pub mod tls;
pub mod values;

pub use connection::*;
pub use event::*;
pub use global::*;
pub use pattern::{Pattern, PatternError, PatternFile, PatternFileError};
pub use rule::*;
pub use service::*;
pub use tls::{TlsRemoved, TlsVersion, TlsVersionMeaning};
pub use values::*;

use serde::{Deserialize, Serialize};

/// A whole control file, includes resolved.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daemon: Option<DaemonConfig>,
    /// `set init`: run in the foreground (as `-I`).
    #[serde(skip_serializing_if = "is_false")]
    pub init: bool,
    /// `set terminal batch`: CLI output without colours (as `-B`).
    #[serde(skip_serializing_if = "is_false")]
    pub terminal_batch: bool,
    /// `set fips`.
    #[serde(skip_serializing_if = "is_false")]
    pub fips: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<LogConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pidfile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idfile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statefile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eventqueue: Option<EventQueueConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<MailConfig>,
    /// Global recipients (`set alert`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<AlertConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_format: Option<MailFormat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub httpd: Option<HttpdConfig>,
    #[serde(skip_serializing_if = "Limits::is_empty")]
    pub limits: Limits,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onreboot: Option<OnReboot>,
    /// `set ssl { ... }`: defaults for every TLS connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl: Option<SslOptions>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mmonit: Vec<MmonitConfig>,
    /// Extension: `set environment NAME = "value"`, given to every program.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub environment: Vec<EnvVar>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ServiceConfig>,
}

impl Config {
    /// The service with this name (case-insensitive, as Monit compares names).
    pub fn service(&self, name: &str) -> Option<&ServiceConfig> {
        self.services.iter().find(|s| s.name.eq_ignore_ascii_case(name))
    }
}

pub(crate) fn is_false(value: &bool) -> bool {
    !*value
}
