//! Protocol conversations of connection tests (reference §3.2): one file per protocol, each
//! with `pub async fn check(session: &mut Session<'_>) -> Result<(), String>`, run on a
//! stream that is already connected (and TLS-wrapped when the test asks for it). The whole
//! exchange runs under the test's deadline, which the caller enforces; a protocol only has
//! to read and write. Every failure says what was expected and what came back.

pub mod default;
pub mod generic;
pub mod http;
pub mod io;
pub mod smtp;
pub mod ssh;

use tokio::io::{AsyncRead, AsyncWrite};

use crate::config::model::{ConnectionTest, Protocol, ProtocolConfig};

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
}

/// Runs `protocol`'s conversation on the session's stream. Generic `send`/`expect` steps
/// are run by the caller when the test has no protocol.
pub async fn run(protocol: Protocol, session: &mut Session<'_>) -> Result<(), String> {
    match protocol {
        Protocol::Default => default::check(session).await,
        Protocol::Http | Protocol::Https => http::check(session).await,
        Protocol::Ssh => ssh::check(session).await,
        Protocol::Smtp | Protocol::Smtps => smtp::check(session).await,
        other => Err(format!("protocol {} is not supported", other.display_name())),
    }
}
