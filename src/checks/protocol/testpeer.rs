//! In-memory peers for the conversations' unit tests: a peer that has its replies ready,
//! sends them, then records what the client sends until the client hangs up; and a session
//! around such a stream with a protocol's options.

use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::task::JoinHandle;

use super::Session;
use crate::config::model::{ConnectionTarget, ConnectionTest, Protocol, ProtocolConfig};

/// A client stream whose peer sends `replies` at once (a conversation reads them in turn),
/// then closes its side (reads past them see the end) and keeps what the client writes; the handle yields those bytes once the client is dropped.
pub fn replying(replies: &[u8]) -> (DuplexStream, JoinHandle<Vec<u8>>) {
    let (client, mut server) = tokio::io::duplex(64 * 1024);
    let replies = replies.to_vec();
    let peer = tokio::spawn(async move {
        let _ = server.write_all(&replies).await;
        let _ = server.shutdown().await;
        let mut received = Vec::new();
        let _ = server.read_to_end(&mut received).await;
        received
    });
    (client, peer)
}

/// A client stream whose peer reads the client's first message (one read) and answers it
/// with `respond`'s bytes, closes its side, and keeps what else the client writes.
pub fn answering(respond: impl FnOnce(&[u8]) -> Vec<u8> + Send + 'static) -> (DuplexStream, JoinHandle<Vec<u8>>) {
    let (client, mut server) = tokio::io::duplex(64 * 1024);
    let peer = tokio::spawn(async move {
        let mut first = vec![0u8; 64 * 1024];
        let n = server.read(&mut first).await.unwrap_or(0);
        first.truncate(n);
        let _ = server.write_all(&respond(&first)).await;
        let _ = server.shutdown().await;
        let mut received = first;
        let _ = server.read_to_end(&mut received).await;
        received
    });
    (client, peer)
}

/// Runs `check` against a peer that answers `replies`: the verdict and what the client sent.
pub async fn converse<F>(config: ProtocolConfig, replies: &[u8], check: F) -> (Result<(), String>, Vec<u8>)
where
    F: AsyncFnOnce(&mut Session<'_>) -> Result<(), String>,
{
    converse_on(replying(replies), config, check).await
}

/// Runs `check` against a peer that answers the client's first message with `respond`.
pub async fn converse_answering<F>(
    config: ProtocolConfig,
    respond: impl FnOnce(&[u8]) -> Vec<u8> + Send + 'static,
    check: F,
) -> (Result<(), String>, Vec<u8>)
where
    F: AsyncFnOnce(&mut Session<'_>) -> Result<(), String>,
{
    converse_on(answering(respond), config, check).await
}

async fn converse_on<F>(
    (mut stream, peer): (DuplexStream, JoinHandle<Vec<u8>>),
    config: ProtocolConfig,
    check: F,
) -> (Result<(), String>, Vec<u8>)
where
    F: AsyncFnOnce(&mut Session<'_>) -> Result<(), String>,
{
    let test = test_for(config.name);
    let verdict = {
        let mut session = local_session(&mut stream, &test, &config, 1);
        check(&mut session).await
    };
    drop(stream);
    (verdict, peer.await.unwrap_or_default())
}

/// A connection test on port 1 of localhost with `protocol`.
/// A TCP session with `localhost` on `port`, as the connection plan builds one.
pub fn local_session<'a>(
    stream: &'a mut dyn super::Stream,
    test: &'a ConnectionTest,
    config: &'a ProtocolConfig,
    port: u16,
) -> Session<'a> {
    Session { stream, test, config, host: "localhost", port: Some(port), udp: false, buffers: Default::default() }
}

pub fn test_for(protocol: Protocol) -> ConnectionTest {
    let mut test = ConnectionTest::new(ConnectionTarget::Port { host: None, port: 1, address: None, ip_version: None });
    test.protocol = Some(ProtocolConfig::new(protocol));
    test
}
