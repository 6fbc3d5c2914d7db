//! Connection tests (reference §3.1-3.3): `if failed [host H] port N ...`,
//! `if failed unixsocket P ...`, `if failed url U ...`, with their protocols and options.

use serde::{Deserialize, Serialize};

use super::global::{CertificateChecksum, HashType, SslOptions};
use super::is_false;
use super::pattern::Pattern;
use super::rule::ContentPattern;
use super::values::{Comparison, Duration};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionTest {
    pub target: ConnectionTarget,
    /// `type tcp|udp|tcpssl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub socket_type: Option<SocketType>,
    /// `ssl|tls [with options {...}]` (or `type tcpssl`): TLS on the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl: Option<SslOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_checksum: Option<CertificateChecksum>,
    /// `certificate valid > N days`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_valid_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<ProtocolConfig>,
    /// Generic `send "..."` / `expect "regex"` steps, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub send_expect: Vec<SendExpect>,
    /// `content = | != "regex"` on the response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<ContentPattern>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_time: Option<Comparison>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<u32>,
    /// `if succeeded port ...`: the rule fires when the connection works.
    #[serde(default, skip_serializing_if = "is_false")]
    pub succeeded: bool,
}

impl ConnectionTest {
    pub fn new(target: ConnectionTarget) -> Self {
        ConnectionTest {
            target,
            socket_type: None,
            ssl: None,
            certificate_checksum: None,
            certificate_valid_days: None,
            protocol: None,
            send_expect: Vec::new(),
            content: None,
            response_time: None,
            timeout: None,
            retry: None,
            succeeded: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum ConnectionTarget {
    Port {
        /// Default: `localhost` for a process, the host's address for `check host`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        host: Option<String>,
        port: u16,
        /// Source address (`address A`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ip_version: Option<IpVersion>,
    },
    Unixsocket {
        path: String,
    },
    Url {
        url: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpVersion {
    Ipv4,
    Ipv6,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SocketType {
    Tcp,
    Udp,
    Tcpssl,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum SendExpect {
    Send(String),
    Expect(Pattern),
}

/// The protocols of reference §3.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    Default,
    Http,
    Https,
    Ssh,
    Smtp,
    Smtps,
    Imap,
    Imaps,
    Pop,
    Pops,
    Ftp,
    Nntp,
    Lmtp,
    Sieve,
    Redis,
    Memcache,
    Mysql,
    Mysqls,
    Pgsql,
    Mongodb,
    Mqtt,
    Dns,
    Ntp3,
    Ldap2,
    Ldap3,
    Rdate,
    Rsync,
    Clamav,
    Spamassassin,
    Fail2ban,
    PostfixPolicy,
    Tns,
    Dwp,
    Gps,
    Radius,
    Sip,
    Websocket,
    ApacheStatus,
}

impl Protocol {
    pub const ALL: [Protocol; 38] = [
        Protocol::Default,
        Protocol::Http,
        Protocol::Https,
        Protocol::Ssh,
        Protocol::Smtp,
        Protocol::Smtps,
        Protocol::Imap,
        Protocol::Imaps,
        Protocol::Pop,
        Protocol::Pops,
        Protocol::Ftp,
        Protocol::Nntp,
        Protocol::Lmtp,
        Protocol::Sieve,
        Protocol::Redis,
        Protocol::Memcache,
        Protocol::Mysql,
        Protocol::Mysqls,
        Protocol::Pgsql,
        Protocol::Mongodb,
        Protocol::Mqtt,
        Protocol::Dns,
        Protocol::Ntp3,
        Protocol::Ldap2,
        Protocol::Ldap3,
        Protocol::Rdate,
        Protocol::Rsync,
        Protocol::Clamav,
        Protocol::Spamassassin,
        Protocol::Fail2ban,
        Protocol::PostfixPolicy,
        Protocol::Tns,
        Protocol::Dwp,
        Protocol::Gps,
        Protocol::Radius,
        Protocol::Sip,
        Protocol::Websocket,
        Protocol::ApacheStatus,
    ];

    /// The keyword after `protocol`.
    pub fn keyword(self) -> &'static str {
        match self {
            Protocol::Default => "default",
            Protocol::Http => "http",
            Protocol::Https => "https",
            Protocol::Ssh => "ssh",
            Protocol::Smtp => "smtp",
            Protocol::Smtps => "smtps",
            Protocol::Imap => "imap",
            Protocol::Imaps => "imaps",
            Protocol::Pop => "pop",
            Protocol::Pops => "pops",
            Protocol::Ftp => "ftp",
            Protocol::Nntp => "nntp",
            Protocol::Lmtp => "lmtp",
            Protocol::Sieve => "sieve",
            Protocol::Redis => "redis",
            Protocol::Memcache => "memcache",
            Protocol::Mysql => "mysql",
            Protocol::Mysqls => "mysqls",
            Protocol::Pgsql => "pgsql",
            Protocol::Mongodb => "mongodb",
            Protocol::Mqtt => "mqtt",
            Protocol::Dns => "dns",
            Protocol::Ntp3 => "ntp3",
            Protocol::Ldap2 => "ldap2",
            Protocol::Ldap3 => "ldap3",
            Protocol::Rdate => "rdate",
            Protocol::Rsync => "rsync",
            Protocol::Clamav => "clamav",
            Protocol::Spamassassin => "spamassassin",
            Protocol::Fail2ban => "fail2ban",
            Protocol::PostfixPolicy => "postfix-policy",
            Protocol::Tns => "tns",
            Protocol::Dwp => "dwp",
            Protocol::Gps => "gps",
            Protocol::Radius => "radius",
            Protocol::Sip => "sip",
            Protocol::Websocket => "websocket",
            Protocol::ApacheStatus => "apache-status",
        }
    }

    /// The protocol for a keyword, with Monit's aliases.
    pub fn from_keyword(word: &str) -> Option<Protocol> {
        let word = word.to_ascii_lowercase();
        let word = match word.as_str() {
            "pop3" => "pop",
            "pop3s" => "pops",
            "memcached" => "memcache",
            "postgres" | "postgresql" => "pgsql",
            "ntp" => "ntp3",
            "apache_status" | "apachestatus" => "apache-status",
            "postfix_policy" => "postfix-policy",
            "ws" => "websocket",
            "mongo" => "mongodb",
            "ldap" => "ldap3",
            other => other,
        };
        Protocol::ALL.into_iter().find(|p| p.keyword() == word)
    }

    /// The name Monit prints (`protocol HTTP`).
    pub fn display_name(self) -> String {
        self.keyword().to_ascii_uppercase()
    }

    /// The options that may follow `protocol <name>` (reference §3.2-3.3).
    pub fn allowed_options(self) -> &'static [ProtocolOption] {
        use ProtocolOption as O;
        match self {
            Protocol::Http | Protocol::Https => {
                &[O::Username, O::Password, O::Request, O::Method, O::Status, O::Checksum, O::Hostheader, O::Headers]
            }
            Protocol::Smtp | Protocol::Smtps | Protocol::Mqtt => &[O::Username, O::Password],
            Protocol::Mysql | Protocol::Mysqls => &[O::Username, O::Password, O::RsakeyChecksum],
            Protocol::Pgsql => &[O::Username, O::Password, O::Database],
            Protocol::Radius => &[O::Secret],
            Protocol::Sip => &[O::Target, O::Maxforward],
            Protocol::Websocket => &[O::Request, O::Hostheader, O::Origin, O::Version],
            Protocol::ApacheStatus => &[O::Username, O::Password, O::Path, O::Limits],
            _ => &[],
        }
    }
}

/// A protocol sub-option keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolOption {
    Username,
    Password,
    Request,
    Method,
    Status,
    Checksum,
    Hostheader,
    Headers,
    Database,
    Secret,
    Target,
    Maxforward,
    Origin,
    Version,
    RsakeyChecksum,
    Path,
    Limits,
}

/// `protocol <name>` with its options; the options a protocol does not take stay empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtocolConfig {
    pub name: Protocol,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// HTTP/websocket request path and query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<HttpMethod>,
    /// Expected HTTP status; default `< 400`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Comparison>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<BodyChecksum>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostheader: Option<String>,
    /// `http headers [Name: value, ...]`, each as `Name: value`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maxforward: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rsakey_checksum: Option<CertificateChecksum>,
    /// apache-status: the status page path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// apache-status: `loglimit > 10% or closelimit > 20% ...`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limits: Vec<ApacheLimit>,
}

/// A checksum of an HTTP body: `checksum <hash>`, the type guessed from its length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyChecksum {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<HashType>,
    pub value: String,
}

impl ProtocolConfig {
    pub fn new(name: Protocol) -> Self {
        ProtocolConfig {
            name,
            username: None,
            password: None,
            request: None,
            method: None,
            status: None,
            checksum: None,
            hostheader: None,
            headers: Vec::new(),
            database: None,
            secret: None,
            target: None,
            maxforward: None,
            origin: None,
            version: None,
            rsakey_checksum: None,
            path: None,
            limits: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Head,
}

/// One apache-status scoreboard limit (`waitlimit < 10%`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApacheLimit {
    pub name: ApacheScore,
    pub limit: Comparison,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApacheScore {
    Loglimit,
    Closelimit,
    Dnslimit,
    Keepalivelimit,
    Replylimit,
    Requestlimit,
    Startlimit,
    Waitlimit,
    Gracefullimit,
    Cleanuplimit,
}

impl ApacheScore {
    pub const ALL: [ApacheScore; 10] = [
        ApacheScore::Loglimit,
        ApacheScore::Closelimit,
        ApacheScore::Dnslimit,
        ApacheScore::Keepalivelimit,
        ApacheScore::Replylimit,
        ApacheScore::Requestlimit,
        ApacheScore::Startlimit,
        ApacheScore::Waitlimit,
        ApacheScore::Gracefullimit,
        ApacheScore::Cleanuplimit,
    ];

    pub fn keyword(self) -> &'static str {
        match self {
            ApacheScore::Loglimit => "loglimit",
            ApacheScore::Closelimit => "closelimit",
            ApacheScore::Dnslimit => "dnslimit",
            ApacheScore::Keepalivelimit => "keepalivelimit",
            ApacheScore::Replylimit => "replylimit",
            ApacheScore::Requestlimit => "requestlimit",
            ApacheScore::Startlimit => "startlimit",
            ApacheScore::Waitlimit => "waitlimit",
            ApacheScore::Gracefullimit => "gracefullimit",
            ApacheScore::Cleanuplimit => "cleanuplimit",
        }
    }
}
