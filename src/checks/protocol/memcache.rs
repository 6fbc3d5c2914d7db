//! memcached, binary protocol: a NOOP request (magic 0x80, opcode 0x0a, a 24-byte header and
//! no body) must be answered by a response header (magic 0x81) with status 0.

use super::{Session, io};

const HEADER_LEN: usize = 24;
const REQUEST_MAGIC: u8 = 0x80;
const RESPONSE_MAGIC: u8 = 0x81;
const OPCODE_NOOP: u8 = 0x0a;
/// The largest response body read (a NOOP answer has none; an error has a short text).
const MAX_BODY: usize = 64 * 1024;

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    let mut request = [0u8; HEADER_LEN];
    request[0] = REQUEST_MAGIC;
    request[1] = OPCODE_NOOP;
    io::send(session.stream, &request).await?;
    let header = io::read_exact(session.stream, HEADER_LEN).await.map_err(|e| format!("answer to NOOP: {e}"))?;
    if header[0] != RESPONSE_MAGIC {
        return Err(format!(
            "answer to NOOP: expected a binary response (magic 0x81), got '{}'",
            io::printable(&header)
        ));
    }
    let status = u16::from_be_bytes([header[6], header[7]]);
    let body_len = u32::from_be_bytes([header[8], header[9], header[10], header[11]]) as usize;
    let body = if body_len > 0 && body_len <= MAX_BODY {
        io::read_exact(session.stream, body_len).await.map_err(|e| format!("answer to NOOP: {e}"))?
    } else {
        Vec::new()
    };
    if status != 0 {
        return Err(format!(
            "answer to NOOP: expected status 0, got {status} ({}) '{}'",
            status_name(status),
            io::printable(&body)
        ));
    }
    Ok(())
}

/// The name of a binary-protocol response status.
fn status_name(status: u16) -> &'static str {
    match status {
        0x01 => "key not found",
        0x02 => "key exists",
        0x03 => "value too large",
        0x04 => "invalid arguments",
        0x05 => "item not stored",
        0x06 => "incr/decr on a non-numeric value",
        0x20 => "authentication error",
        0x21 => "authentication continue",
        0x81 => "unknown command",
        0x82 => "out of memory",
        _ => "unknown status",
    }
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    fn response(status: u16, body: &[u8]) -> Vec<u8> {
        let mut header = vec![0u8; HEADER_LEN];
        header[0] = RESPONSE_MAGIC;
        header[1] = OPCODE_NOOP;
        header[6..8].copy_from_slice(&status.to_be_bytes());
        header[8..12].copy_from_slice(&(body.len() as u32).to_be_bytes());
        [header, body.to_vec()].concat()
    }

    #[tokio::test]
    async fn noop_answered() {
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Memcache), &response(0, b""), check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent.len(), HEADER_LEN);
        assert_eq!(&sent[..2], &[0x80, 0x0a]);
    }

    #[tokio::test]
    async fn an_error_status_fails() {
        let replies = response(0x20, b"Auth failure");
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Memcache), &replies, check).await;
        assert_eq!(
            verdict,
            Err("answer to NOOP: expected status 0, got 32 (authentication error) 'Auth failure'".to_owned())
        );
    }

    #[tokio::test]
    async fn a_text_answer_fails() {
        let (verdict, _) =
            converse(ProtocolConfig::new(Protocol::Memcache), b"ERROR\r\nERROR\r\nERROR\r\nERROR\r\nERROR\r\n", check)
                .await;
        assert_eq!(
            verdict,
            Err("answer to NOOP: expected a binary response (magic 0x81), got 'ERROR\\r\\nERROR\\r\\nERROR\\r\\nERR'"
                .to_owned())
        );
    }
}
