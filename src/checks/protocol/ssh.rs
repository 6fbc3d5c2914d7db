//! `protocol ssh` (reference §3.2): the server's identification line must start with
//! `SSH-`; it is echoed back as the client's (a version the server surely speaks), then
//! whatever the server sends next (its key exchange offer) is read and the connection
//! closed. Nothing is authenticated.

use super::{Session, io};

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    let banner = io::read_line(session.stream).await.map_err(|e| format!("SSH: {e}"))?;
    if !banner.starts_with("SSH-") {
        return Err(format!("SSH: protocol error, expected 'SSH-...', got '{}'", io::printable(banner.as_bytes())));
    }
    io::send(session.stream, format!("{banner}\r\n").as_bytes()).await.map_err(|e| format!("SSH: {e}"))?;
    let next = io::read_some(session.stream, 2048).await.map_err(|e| format!("SSH: {e}"))?;
    if next.starts_with(b"Protocol mismatch") || next.starts_with(b"Invalid SSH") {
        return Err(format!("SSH: the server refused its own version: '{}'", io::printable(&next)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::config::model::{ConnectionTarget, ConnectionTest, Protocol, ProtocolConfig};

    async fn against(greeting: &'static [u8]) -> (Result<(), String>, Vec<u8>) {
        let test =
            ConnectionTest::new(ConnectionTarget::Port { host: None, port: 22, address: None, ip_version: None });
        let config = ProtocolConfig::new(Protocol::Ssh);
        let (mut client, mut server) = tokio::io::duplex(4096);
        let peer = tokio::spawn(async move {
            server.write_all(greeting).await.unwrap();
            let mut got = vec![0u8; 256];
            let n = server.read(&mut got).await.unwrap_or(0);
            got.truncate(n);
            let _ = server.write_all(b"\x00\x00\x01\x0c\x0a\x14kex").await;
            got
        });
        let mut session = super::super::testpeer::local_session(&mut client, &test, &config, 22);
        let result = check(&mut session).await;
        drop(client);
        (result, peer.await.unwrap())
    }

    #[tokio::test]
    async fn the_banner_is_echoed() {
        let (result, sent) = against(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n").await;
        assert_eq!(result, Ok(()));
        assert_eq!(sent, b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
        let (result, _) = against(b"220 smtp.example.com ESMTP\r\n").await;
        assert_eq!(result, Err("SSH: protocol error, expected 'SSH-...', got '220 smtp.example.com ESMTP'".to_owned()));
    }
}
