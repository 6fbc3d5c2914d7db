//! WebSocket: an HTTP/1.1 Upgrade request (`request` path, default `/`; `hostheader`;
//! `origin`, default Monit's `https://mmonit.com`; `version`, default 13) must be answered
//! with `101` and the `Sec-WebSocket-Accept` that matches the key; then a ping frame must be
//! answered with a pong, and a close frame ends the conversation.

use base64ct::{Base64, Encoding};
use sha1::{Digest, Sha1};

use super::{Session, Stream, http_head, io, reply};

const DEFAULT_ORIGIN: &str = "https://mmonit.com";
const DEFAULT_VERSION: &str = "13";
/// The GUID RFC 6455 appends to the key.
const ACCEPT_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/// Frames the server may send before its pong (messages of its own).
const MAX_FRAMES: usize = 16;
const MAX_FRAME: usize = 64 * 1024;
const OPCODE_CLOSE: u8 = 0x8;
const OPCODE_PING: u8 = 0x9;
const OPCODE_PONG: u8 = 0xa;

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).map_err(|e| format!("no random key: {e}"))?;
    let key = Base64::encode_string(&random);
    let request = upgrade_request(session, &key);
    io::send(session.stream, request.as_bytes()).await?;
    read_upgrade(session.stream, &key).await?;
    io::send(session.stream, &client_frame(OPCODE_PING, b"rmonit")).await?;
    for _ in 0..MAX_FRAMES {
        let (opcode, payload) = read_frame(session.stream).await?;
        match opcode {
            OPCODE_PONG => return io::send(session.stream, &client_frame(OPCODE_CLOSE, &[0x03, 0xe8])).await,
            OPCODE_CLOSE => {
                return Err(format!(
                    "answer to ping: expected a pong, got a close frame '{}'",
                    io::printable(&payload)
                ));
            }
            _ => {}
        }
    }
    Err(format!("answer to ping: no pong within {MAX_FRAMES} frames"))
}

fn upgrade_request(session: &Session<'_>, key: &str) -> String {
    let config = session.config;
    let path = config.request.as_deref().filter(|r| !r.is_empty()).unwrap_or("/");
    let host = match &config.hostheader {
        Some(header) => header.clone(),
        None => http_head::host(session.host, session.port),
    };
    let origin = config.origin.as_deref().unwrap_or(DEFAULT_ORIGIN);
    let version = config.version.as_deref().unwrap_or(DEFAULT_VERSION);
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: {version}\r\nOrigin: {origin}\r\n\
         User-Agent: rmonit\r\n\r\n"
    )
}

/// Reads the answer to the upgrade: `101`, and the accept value the key calls for.
async fn read_upgrade(stream: &mut dyn Stream, key: &str) -> Result<(), String> {
    const STEP: &str = "answer to the upgrade";
    let head = http_head::read_head(stream, STEP).await?;
    if head.status.code != Some(101) {
        return Err(reply::unexpected(STEP, "'HTTP/1.1 101 Switching Protocols'", &head.status.line));
    }
    let expected = accept_value(key);
    let mut accepted = false;
    for value in head.values("sec-websocket-accept") {
        if value != expected {
            let got = format!("Sec-WebSocket-Accept: {value}");
            return Err(reply::unexpected(STEP, &format!("'Sec-WebSocket-Accept: {expected}'"), &got));
        }
        accepted = true;
    }
    if accepted { Ok(()) } else { Err(format!("{STEP}: expected 'Sec-WebSocket-Accept: {expected}', got none")) }
}

/// base64(SHA1(key + GUID)).
fn accept_value(key: &str) -> String {
    Base64::encode_string(&Sha1::digest(format!("{key}{ACCEPT_GUID}").as_bytes()))
}

/// A final, masked client frame (payloads under 126 bytes).
fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut mask = [0u8; 4];
    // A zero mask is valid when no random numbers are to be had.
    let _ = getrandom::fill(&mut mask);
    let mut frame = vec![0x80 | opcode, 0x80 | payload.len() as u8];
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

/// Reads one server frame: its opcode and payload.
async fn read_frame(stream: &mut dyn Stream) -> Result<(u8, Vec<u8>), String> {
    let step = |e: String| format!("answer to ping: {e}");
    let head = io::read_exact(stream, 2).await.map_err(step)?;
    let length = match head[1] & 0x7f {
        126 => {
            let bytes = io::read_exact(stream, 2).await.map_err(step)?;
            usize::from(u16::from_be_bytes([bytes[0], bytes[1]]))
        }
        127 => {
            let bytes = io::read_exact(stream, 8).await.map_err(step)?;
            usize::try_from(u64::from_be_bytes(bytes.try_into().unwrap_or_default())).unwrap_or(usize::MAX)
        }
        short => usize::from(short),
    };
    if length > MAX_FRAME {
        return Err(format!("answer to ping: a frame of {length} bytes is too long"));
    }
    let mask = if head[1] & 0x80 != 0 { io::read_exact(stream, 4).await.map_err(step)? } else { vec![0; 4] };
    let payload = io::read_exact(stream, length).await.map_err(step)?;
    Ok((head[0] & 0x0f, payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]).collect()))
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse_answering;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    /// A server's answer to the upgrade `request`, with `accept` computed from its key when
    /// none is given, followed by `frames`.
    fn answer(request: &[u8], accept: Option<&str>, frames: &[u8]) -> Vec<u8> {
        let text = String::from_utf8_lossy(request);
        let key = text.lines().find_map(|l| l.strip_prefix("Sec-WebSocket-Key: ")).unwrap_or_default();
        let accept = accept.map_or_else(|| accept_value(key), str::to_owned);
        let head =
            format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {accept}\r\n\r\n");
        [head.as_bytes(), frames].concat()
    }

    #[test]
    fn the_accept_value_of_rfc6455() {
        assert_eq!(accept_value("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[tokio::test]
    async fn upgrade_ping_pong_close() {
        let mut config = ProtocolConfig::new(Protocol::Websocket);
        config.request = Some("/ws".to_owned());
        config.origin = Some("http://example.com".to_owned());
        let (verdict, sent) =
            converse_answering(config, |request| answer(request, None, b"\x81\x02hi\x8a\x06rmonit"), check).await;
        assert_eq!(verdict, Ok(()));
        let text = String::from_utf8_lossy(&sent);
        assert!(text.starts_with("GET /ws HTTP/1.1\r\nHost: localhost:1\r\nUpgrade: websocket\r\n"), "{text}");
        assert!(text.contains("Sec-WebSocket-Version: 13\r\nOrigin: http://example.com\r\n"), "{text}");
        let end = text.find("\r\n\r\n").unwrap() + 4;
        assert_eq!(sent[end] & 0x0f, OPCODE_PING);
        assert_eq!(sent[end + 12] & 0x0f, OPCODE_CLOSE);
    }

    #[tokio::test]
    async fn a_refused_upgrade_or_a_wrong_accept_fails() {
        let config = ProtocolConfig::new(Protocol::Websocket);
        let (verdict, _) =
            converse_answering(config.clone(), |_| b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec(), check).await;
        assert_eq!(
            verdict,
            Err("answer to the upgrade: expected 'HTTP/1.1 101 Switching Protocols', got 'HTTP/1.1 400 Bad Request'"
                .to_owned())
        );
        let (verdict, _) = converse_answering(config, |request| answer(request, Some("bogus"), b""), check).await;
        assert!(verdict.unwrap_err().contains("got 'Sec-WebSocket-Accept: bogus'"));
    }
}
