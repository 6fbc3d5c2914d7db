//! The global `set` statements (reference §4): daemon, log, files, mail, alerts, httpd,
//! limits, TLS options, M/Monit, and our `set environment` extension.

use serde::{Deserialize, Serialize};

use super::event::EventFilter;
use super::is_false;
use super::tls::TlsVersion;
use super::values::{ByteSize, Duration};

/// `set daemon N [with start delay D]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaemonConfig {
    /// The cycle length. Monit takes seconds only; `500 milliseconds` is our extension.
    pub interval: Duration,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_delay: Option<Duration>,
}

/// `set log <path>` or `set log syslog [facility F]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum LogConfig {
    File(String),
    Syslog {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        facility: Option<String>,
    },
}

/// `set eventqueue [basedir D] [slots N]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventQueueConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basedir: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slots: Option<u32>,
}

/// `set mailserver a [port ..] [username ..] ..., b ... [with timeout T] [using hostname H]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// Tried in order (failover).
    pub servers: Vec<MailServerConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailServerConfig {
    pub host: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// `using ssl|tls [with options {...}]`: implicit TLS, or STARTTLS on 25/587.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl: Option<SslOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_checksum: Option<CertificateChecksum>,
}

/// Where an alert goes: a mail address, or (extension) a webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum AlertTarget {
    Email(String),
    Webhook(WebhookConfig),
}

/// Extension: `alert webhook "<url>" [format json|slack|alertmanager] [header "Name: value"]...`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub url: String,
    #[serde(default, skip_serializing_if = "WebhookFormat::is_default")]
    pub format: WebhookFormat,
    /// `Name: value` lines sent with every request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    #[default]
    Json,
    Slack,
    /// Alertmanager's API v2 (`POST /api/v2/alerts`): a failure fires, its recovery
    /// resolves, a lasting failure is posted again before Alertmanager would let it expire.
    Alertmanager,
}

impl WebhookFormat {
    fn is_default(&self) -> bool {
        *self == WebhookFormat::Json
    }

    /// The word after `format`.
    pub fn keyword(self) -> &'static str {
        match self {
            WebhookFormat::Json => "json",
            WebhookFormat::Slack => "slack",
            WebhookFormat::Alertmanager => "alertmanager",
        }
    }
}

/// `set alert <to> [[not] {events}] [with mail-format {...}] [with reminder on N cycles]`,
/// and the per-service `alert` statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertConfig {
    pub to: AlertTarget,
    #[serde(default, skip_serializing_if = "EventFilter::is_all")]
    pub events: EventFilter,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_format: Option<MailFormat>,
    /// Re-send while the failure lasts, every N cycles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder: Option<u32>,
    /// Extension: `digest`: this address gets the alerts of one cycle as one mail.
    #[serde(default, skip_serializing_if = "is_false")]
    pub digest: bool,
}

/// `set mail-format { from: .. reply-to: .. subject: .. message: .. }`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailFormat {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `set httpd ...` (reference §4, §6).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpdConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// `port N read-only`: the TCP listener only serves reads.
    #[serde(skip_serializing_if = "is_false")]
    pub port_read_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unixsocket: Option<UnixSocketConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl: Option<SslOptions>,
    /// `signature enable|disable`: the version in the `Server` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<Allow>,
    /// Extension: `insecure` lets a TCP listener on a non-loopback address serve without
    /// TLS (passwords and session cookies then cross the network in clear). Without it
    /// such a listener refuses to start.
    #[serde(skip_serializing_if = "is_false")]
    pub insecure: bool,
    /// Extension: `history 2 hours`: how far back the dashboard's charts go (default one
    /// hour, at most a day).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnixSocketConfig {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
    /// Octal file mode, e.g. 0o660.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<u32>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub read_only: bool,
}

/// One `allow` clause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum Allow {
    /// `allow user:password` — the password in clear or as a crypt/PHC hash
    /// (`$argon2id$...`, `$2y$...`, `$6$...`, `$1$...`).
    User {
        user: String,
        password: String,
        #[serde(default, skip_serializing_if = "is_false")]
        read_only: bool,
    },
    /// `allow @group` — members of a Unix group.
    Group {
        group: String,
        #[serde(default, skip_serializing_if = "is_false")]
        read_only: bool,
    },
    /// `allow [cleartext|md5|crypt] /path/htpasswd [user ...]`.
    Htpasswd {
        path: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hash: Option<HtpasswdHash>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        users: Vec<String>,
        #[serde(default, skip_serializing_if = "is_false")]
        read_only: bool,
    },
    /// `allow <host|ip|ip/cidr|ip/mask>`.
    Host(HostAllow),
}

/// An `allow` host word and its nets, filled when the configuration is loaded (a host
/// name's addresses as resolved then). Compared and written as the word.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct HostAllow {
    pub word: String,
    pub nets: Vec<ipnet::IpNet>,
}

impl PartialEq for HostAllow {
    fn eq(&self, other: &HostAllow) -> bool {
        self.word == other.word
    }
}

impl From<String> for HostAllow {
    fn from(word: String) -> HostAllow {
        HostAllow { word, nets: Vec::new() }
    }
}

impl From<&str> for HostAllow {
    fn from(word: &str) -> HostAllow {
        HostAllow::from(word.to_owned())
    }
}

impl From<HostAllow> for String {
    fn from(host: HostAllow) -> String {
        host.word
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HtpasswdHash {
    Cleartext,
    Md5,
    Crypt,
}

/// `set limits { ... }`; `None` means Monit's default (see [`super::defaults`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program_output: Option<ByteSize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_expect_buffer: Option<ByteSize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_content_buffer: Option<ByteSize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_content_buffer: Option<ByteSize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_timeout: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program_timeout: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_timeout: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_timeout: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_timeout: Option<Duration>,
    /// `execTimeout`: how long an `exec` action may run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exec_timeout: Option<Duration>,
}

impl Limits {
    pub fn is_empty(&self) -> bool {
        *self == Limits::default()
    }
}

/// `onreboot start|nostart|laststate` (`mode manual` = laststate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnReboot {
    Start,
    Nostart,
    Laststate,
}

/// TLS options (`set ssl {...}`, `ssl with options {...}` on tests, httpd and mail servers).
/// An empty value means "TLS on, defaults".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SslOptions {
    /// `version: auto | tlsv12 | -tlsv1 ...`, in the order written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<TlsVersion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify: Option<bool>,
    /// `selfsigned: allow|reject`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selfsigned: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ciphers: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pemfile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pemchain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pemkey: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clientpemfile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cacertificatefile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cacertificatepath: Option<String>,
}

impl SslOptions {
    /// These options, with what they leave unset taken from `set ssl { ... }` (Monit's
    /// defaults for every TLS connection).
    pub fn or_defaults(&self, global: &SslOptions) -> SslOptions {
        let pick = |own: &Option<String>, global: &Option<String>| own.clone().or_else(|| global.clone());
        SslOptions {
            versions: if self.versions.is_empty() { global.versions.clone() } else { self.versions.clone() },
            verify: self.verify.or(global.verify),
            selfsigned: self.selfsigned.or(global.selfsigned),
            ciphers: pick(&self.ciphers, &global.ciphers),
            pemfile: pick(&self.pemfile, &global.pemfile),
            pemchain: pick(&self.pemchain, &global.pemchain),
            pemkey: pick(&self.pemkey, &global.pemkey),
            clientpemfile: pick(&self.clientpemfile, &global.clientpemfile),
            cacertificatefile: pick(&self.cacertificatefile, &global.cacertificatefile),
            cacertificatepath: pick(&self.cacertificatepath, &global.cacertificatepath),
        }
    }
}

/// `certificate checksum [md5|sha1] <hash>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateChecksum {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<HashType>,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HashType {
    Md5,
    Sha1,
    /// Extension: SHA-256 (64 hexadecimal digits).
    Sha256,
}

impl HashType {
    /// Monit guesses the hash from an expected value's length (32 = MD5, 40 = SHA1).
    pub fn from_hex_len(len: usize) -> Option<HashType> {
        match len {
            32 => Some(HashType::Md5),
            40 => Some(HashType::Sha1),
            64 => Some(HashType::Sha256),
            _ => None,
        }
    }
}

/// `set mmonit <url> [with timeout T] [ssl ...] [register without credentials]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MmonitConfig {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl: Option<SslOptions>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub register_without_credentials: bool,
}

/// Extension: one environment variable for programs (`environment NAME = "value"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
}
