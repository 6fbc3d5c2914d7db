//! Protocol conversations of connection tests (reference §3.2): one file per protocol, each
//! with `pub async fn check(session: &mut Session<'_>) -> Result<(), String>`, run on a
//! stream that is already connected (and TLS-wrapped when the test asks for it). The whole
//! exchange runs under the test's deadline, which the caller enforces; a protocol only has
//! to read and write. Every failure says what was expected and what came back.

pub mod apache_status;
pub mod clamav;
pub mod default;
pub mod dns;
pub mod dwp;
pub mod fail2ban;
pub mod ftp;
pub mod generic;
pub mod gps;
pub mod http;
pub mod http_head;
pub mod imap;
pub mod io;
pub mod ldap;
pub mod lmtp;
pub mod memcache;
pub mod mongodb;
pub mod mqtt;
pub mod mysql;
pub mod mysql_auth;
pub mod nntp;
pub mod ntp3;
pub mod pgsql;
pub mod pop;
pub mod postfix_policy;
pub mod radius;
pub mod rdate;
pub mod redis;
pub mod reply;
pub mod rsync;
pub mod scram;
pub mod sieve;
pub mod sip;
pub mod smtp;
pub mod spamassassin;
pub mod ssh;
#[cfg(test)]
mod testpeer;
pub mod tns;
pub mod websocket;

use tokio::io::{AsyncRead, AsyncWrite};

use crate::config::model::{ConnectionTest, Limits, Protocol, ProtocolConfig};

/// The sizes `set limits` (and `set expectbuffer`) give the protocols: the bytes one
/// `expect` reads (Monit's `sendExpectBuffer` less its NUL) and the body bytes an HTTP
/// test reads for `content` or `checksum` (`httpContentBuffer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buffers {
    pub expect: usize,
    pub http_body: usize,
}

impl Buffers {
    pub fn of(limits: &Limits) -> Buffers {
        let size = |bytes: u64| usize::try_from(bytes).unwrap_or(usize::MAX);
        Buffers {
            expect: size(limits.send_expect_buffer().bytes).saturating_sub(1).max(1),
            http_body: size(limits.http_content_buffer().bytes).max(1),
        }
    }
}

impl Default for Buffers {
    /// Monit's: 255 bytes per `expect`, 1 MB of an HTTP body.
    fn default() -> Buffers {
        Buffers::of(&Limits::default())
    }
}

/// A connected byte stream: TCP, TLS over TCP, or a unix socket.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// What a protocol check works with.
pub struct Session<'a> {
    pub stream: &'a mut dyn Stream,
    /// The whole test (options such as `content`, `send`/`expect`).
    pub test: &'a ConnectionTest,
    /// The protocol's options (`request`, `username`, `status` ...).
    pub config: &'a ProtocolConfig,
    /// The host name the test connects to (for `Host:` headers, greetings).
    pub host: &'a str,
    pub port: Option<u16>,
    /// The connection carries datagrams (UDP): one write is one datagram, one read one
    /// answer. Decided once by the connection plan (`type udp`, or a UDP-only protocol).
    pub udp: bool,
    pub buffers: Buffers,
}

/// Whether the test asks for TLS (`ssl`, `type tcpssl`): what protocols that secure the
/// connection themselves (STARTTLS, the databases' TLS requests) go by.
pub fn tls_asked(test: &ConnectionTest) -> bool {
    test.ssl.is_some() || test.socket_type == Some(crate::config::model::SocketType::Tcpssl)
}

/// Whether asking for TLS means STARTTLS inside the conversation rather than TLS from the
/// first byte: SMTP on 25 and 587, IMAP on 143 (as Monit does).
pub fn starttls(protocol: Protocol, port: Option<u16>) -> bool {
    matches!((protocol, port), (Protocol::Smtp, Some(25 | 587)) | (Protocol::Imap, Some(143)))
}

/// Runs `protocol`'s conversation on the session's stream. Generic `send`/`expect` steps
/// are run by the caller when the test has no protocol.
pub async fn run(protocol: Protocol, session: &mut Session<'_>) -> Result<(), String> {
    match protocol {
        Protocol::Default => default::check(session).await,
        Protocol::Http | Protocol::Https => http::check(session).await,
        Protocol::Ssh => ssh::check(session).await,
        Protocol::Smtp | Protocol::Smtps => smtp::check(session).await,
        Protocol::Imap | Protocol::Imaps => imap::check(session).await,
        Protocol::Pop | Protocol::Pops => pop::check(session).await,
        Protocol::Ftp => ftp::check(session).await,
        Protocol::Nntp => nntp::check(session).await,
        Protocol::Lmtp => lmtp::check(session).await,
        Protocol::Sieve => sieve::check(session).await,
        Protocol::Redis => redis::check(session).await,
        Protocol::Memcache => memcache::check(session).await,
        Protocol::Mysql | Protocol::Mysqls => mysql::check(session).await,
        Protocol::Pgsql => pgsql::check(session).await,
        Protocol::Mongodb => mongodb::check(session).await,
        Protocol::Mqtt => mqtt::check(session).await,
        Protocol::Dns => dns::check(session).await,
        Protocol::Ntp3 => ntp3::check(session).await,
        Protocol::Ldap2 | Protocol::Ldap3 => ldap::check(session).await,
        Protocol::Rdate => rdate::check(session).await,
        Protocol::Rsync => rsync::check(session).await,
        Protocol::Clamav => clamav::check(session).await,
        Protocol::Spamassassin => spamassassin::check(session).await,
        Protocol::Fail2ban => fail2ban::check(session).await,
        Protocol::PostfixPolicy => postfix_policy::check(session).await,
        Protocol::Tns => tns::check(session).await,
        Protocol::Gps => gps::check(session).await,
        Protocol::Radius => radius::check(session).await,
        Protocol::Sip => sip::check(session).await,
        Protocol::Websocket => websocket::check(session).await,
        Protocol::ApacheStatus => apache_status::check(session).await,
        Protocol::Dwp => dwp::check(session).await,
    }
}
