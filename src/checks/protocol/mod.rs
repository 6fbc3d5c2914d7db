//! Protocol conversations of connection tests (reference §3.2): one file per protocol, each
//! with `pub async fn check(session: &mut Session<'_>) -> Result<(), String>`, run on a
//! stream that is already connected (and TLS-wrapped when the test asks for it). The whole
//! exchange runs under the test's deadline, which the caller enforces; a protocol only has
//! to read and write. Every failure says what was expected and what came back.

pub mod io;

use tokio::io::{AsyncRead, AsyncWrite};

use crate::config::model::{ConnectionTest, ProtocolConfig};

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
