//! Generic `send "..."` / `expect "regex"` steps (reference §3.2): each `send` string is
//! written with its `\0xHH` escapes decoded; each `expect` reads one byte under the test's
//! deadline, then what else arrives within 200 ms (at most `sendExpectBuffer` less one byte
//! in all, Monit's 255 by default), and matches the regular expression against it, NUL bytes shown as `\0`.

use std::time::Duration;

use super::{Session, io};
use crate::config::model::SendExpect;

/// How long an `expect` waits for more bytes after the first one.
const MORE_BYTES_WAIT: Duration = Duration::from_millis(200);

/// Runs the `send`/`expect` steps in order.
pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    for step in &session.test.send_expect {
        match step {
            SendExpect::Send(text) => io::send(session.stream, &unescape(text)).await?,
            SendExpect::Expect(pattern) => {
                let answer = read_answer(session).await?;
                let shown = show_nuls(&answer);
                if !pattern.regex().is_match(&shown) {
                    // Monit's words.
                    return Err(format!(
                        "GENERIC: received unexpected data [{}] -- No match",
                        io::printable(shown.as_bytes())
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Reads one answer: the first byte under the caller's deadline, then whatever else comes
/// within [`MORE_BYTES_WAIT`], up to the session's expect buffer.
async fn read_answer(session: &mut Session<'_>) -> Result<Vec<u8>, String> {
    let mut answer = io::read_some(session.stream, 1).await?;
    if answer.is_empty() {
        return Err("EXPECT: the connection was closed without an answer".to_owned());
    }
    let most = session.buffers.expect;
    while answer.len() < most {
        let wanted = most - answer.len();
        match tokio::time::timeout(MORE_BYTES_WAIT, io::read_some(session.stream, wanted)).await {
            Ok(Ok(more)) if !more.is_empty() => answer.extend_from_slice(&more),
            _ => break,
        }
    }
    Ok(answer)
}

/// The answer as text for matching, NUL bytes written `\0` as Monit shows them.
fn show_nuls(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace('\0', "\\0")
}

/// Decodes Monit's escapes in a `send` string: `\0xHH` (a byte in hex), `\r`, `\n`, `\t`,
/// `\\`, `\"`; anything else stays as written.
pub fn unescape(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' || i + 1 >= bytes.len() {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        match bytes[i + 1] {
            b'0' if matches!(bytes.get(i + 2), Some(b'x' | b'X')) => {
                let hex = bytes.get(i + 3..i + 5).and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 5;
                    }
                    None => {
                        out.push(b'\\');
                        i += 1;
                    }
                }
            }
            b'r' => {
                out.push(b'\r');
                i += 2;
            }
            b'n' => {
                out.push(b'\n');
                i += 2;
            }
            b't' => {
                out.push(b'\t');
                i += 2;
            }
            b'\\' | b'"' => {
                out.push(bytes[i + 1]);
                i += 2;
            }
            _ => {
                out.push(b'\\');
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::checks::protocol::Buffers;
    use crate::config::model::{ByteSize, ConnectionTarget, ConnectionTest, Limits, Protocol, ProtocolConfig};

    #[test]
    fn escapes_are_decoded() {
        assert_eq!(unescape(r"PING\r\n"), b"PING\r\n");
        assert_eq!(unescape(r"\0x00\0x7Fa\0xzz"), b"\x00\x7Fa\\0xzz");
        assert_eq!(unescape(r"a\qb\\"), b"a\\qb\\");
    }

    async fn converse(steps: Vec<SendExpect>, reply: &'static [u8]) -> (Result<(), String>, Vec<u8>) {
        converse_reading(steps, reply.to_vec(), Buffers::default()).await
    }

    async fn converse_reading(
        steps: Vec<SendExpect>,
        reply: Vec<u8>,
        buffers: Buffers,
    ) -> (Result<(), String>, Vec<u8>) {
        let mut test =
            ConnectionTest::new(ConnectionTarget::Port { host: None, port: 1, address: None, ip_version: None });
        test.send_expect = steps;
        let config = ProtocolConfig::new(Protocol::Default);
        let (mut client, mut server) = tokio::io::duplex(1024);
        let peer = tokio::spawn(async move {
            let mut got = vec![0u8; 6];
            server.read_exact(&mut got).await.unwrap();
            server.write_all(&reply).await.unwrap();
            got
        });
        let mut session = super::super::testpeer::local_session(&mut client, &test, &config, 1);
        session.buffers = buffers;
        let result = check(&mut session).await;
        (result, peer.await.unwrap())
    }

    #[tokio::test]
    async fn send_then_expect() {
        let steps = vec![SendExpect::Send(r"PING\r\n".into()), SendExpect::Expect("^\\+PONG".into())];
        let (result, sent) = converse(steps.clone(), b"+PONG\r\n").await;
        assert_eq!(result, Ok(()));
        assert_eq!(sent, b"PING\r\n");
        let (result, _) = converse(steps, b"-ERR no\r\n").await;
        let message = result.unwrap_err();
        assert_eq!(message, "GENERIC: received unexpected data [-ERR no\\r\\n] -- No match");
    }

    #[tokio::test]
    async fn nul_bytes_match_as_backslash_zero() {
        let steps = vec![SendExpect::Send(r"\0x00abcde".into()), SendExpect::Expect(r"^ok\\0$".into())];
        let (result, sent) = converse(steps, b"ok\0").await;
        assert_eq!(result, Ok(()));
        assert_eq!(sent, b"\0abcde");
    }

    #[tokio::test]
    async fn an_expect_reads_as_much_as_the_send_expect_buffer() {
        // 600 bytes, the word looked for at the end: past Monit's 255, within 1 kB.
        let mut reply = vec![b'x'; 597];
        reply.extend_from_slice(b"END");
        let steps = vec![SendExpect::Send(r"PING\r\n".into()), SendExpect::Expect("END".into())];
        let (default, _) = converse_reading(steps.clone(), reply.clone(), Buffers::default()).await;
        assert!(default.unwrap_err().contains("No match"));
        let limits = Limits { send_expect_buffer: Some(ByteSize { bytes: 1024 }), ..Limits::default() };
        let (larger, _) = converse_reading(steps, reply, Buffers::of(&limits)).await;
        assert_eq!(larger, Ok(()));
        assert_eq!(Buffers::default().expect, 255);
    }
}
