//! DWP (a WebDAV server's HTTP front): `HEAD / HTTP/1.1` must be answered with a status
//! below 400.

use super::{Session, http_head, io, reply};

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    let host = http_head::host(session.host, session.port);
    let request = format!("HEAD / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    io::send(session.stream, request.as_bytes()).await?;
    let status = http_head::read_status(session.stream, "answer to HEAD").await?;
    match status.code {
        Some(code) if code < 400 => Ok(()),
        _ => Err(reply::unexpected("answer to HEAD", "an HTTP status below 400", &status.line)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    #[tokio::test]
    async fn head_answered() {
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Dwp), b"HTTP/1.1 200 OK\r\n\r\n", check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent, b"HEAD / HTTP/1.1\r\nHost: localhost:1\r\nConnection: close\r\n\r\n");
    }

    #[tokio::test]
    async fn an_error_status_fails() {
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Dwp), b"HTTP/1.1 503 Busy\r\n\r\n", check).await;
        assert_eq!(
            verdict,
            Err("answer to HEAD: expected an HTTP status below 400, got 'HTTP/1.1 503 Busy'".to_owned())
        );
    }
}
