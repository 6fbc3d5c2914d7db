//! The CLI's plain request: one HTTP/1.1 POST over a blocking unix stream, `Connection:
//! close`, the answer read to its end under one deadline. No runtime and no HTTP library
//! at the CLI's start: a `summary` costs little more than the process itself.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// The most an answer may hold (a status of many thousands of services fits well).
const MAX_ANSWER: usize = 256 << 20;

/// Why an exchange failed.
#[derive(Debug, PartialEq, Eq)]
pub enum WireError {
    /// Nothing listens on the socket.
    NotListening,
    /// No complete answer within the deadline.
    TimedOut,
    Failed(String),
}

/// Sends `body` (a form) to `path` and returns the status and the body of the answer.
pub fn post(socket: &Path, path: &str, body: &str, timeout: Duration) -> Result<(u16, Vec<u8>), WireError> {
    let deadline = Instant::now() + timeout;
    let mut stream = UnixStream::connect(socket).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused => WireError::NotListening,
        _ => WireError::Failed(format!("cannot connect to {}: {e}", socket.display())),
    })?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/x-www-form-urlencoded\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.set_write_timeout(Some(timeout)).map_err(failed)?;
    stream.write_all(request.as_bytes()).map_err(|e| timed_out_or(e, "cannot send the request"))?;
    let mut answer = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let left =
            deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero()).ok_or(WireError::TimedOut)?;
        stream.set_read_timeout(Some(left)).map_err(failed)?;
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) if answer.len() + n > MAX_ANSWER => {
                return Err(WireError::Failed(format!("the daemon's answer is over {} MiB", MAX_ANSWER >> 20)));
            }
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(timed_out_or(e, "cannot read the answer")),
        }
    }
    parse_answer(&answer)
}

fn failed(e: std::io::Error) -> WireError {
    WireError::Failed(e.to_string())
}

fn timed_out_or(e: std::io::Error, what: &str) -> WireError {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => WireError::TimedOut,
        _ => WireError::Failed(format!("{what}: {e}")),
    }
}

/// The status and body of a whole HTTP/1.1 answer (a length, chunks, or up to the end).
fn parse_answer(answer: &[u8]) -> Result<(u16, Vec<u8>), WireError> {
    let bad = |why: &str| WireError::Failed(format!("the daemon's answer is not HTTP: {why}"));
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| bad("no end of its headers"))?;
    let head = std::str::from_utf8(&answer[..end]).map_err(|_| bad("headers not text"))?;
    let rest = &answer[end + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .strip_prefix("HTTP/1.")
        .and_then(|s| s.get(2..5))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| bad("no status line"))?;
    let mut chunked = false;
    let mut length = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().split(',').any(|c| c.trim() == "chunked");
        } else if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse::<usize>().map_err(|_| bad("a bad content-length"))?);
        }
    }
    let body = match (chunked, length) {
        (true, _) => dechunk(rest).ok_or_else(|| bad("broken chunks"))?,
        (false, Some(n)) if rest.len() >= n => rest[..n].to_vec(),
        (false, Some(_)) => return Err(bad("shorter than its content-length")),
        (false, None) => rest.to_vec(),
    };
    Ok((status, body))
}

/// A chunked body put together; None when it is cut short or malformed.
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        if rest.len() < size + 2 {
            return None;
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_by_length_by_chunks_and_to_the_end() {
        let by_length = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";
        assert_eq!(parse_answer(by_length), Ok((200, b"hello".to_vec())));
        let chunked =
            b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_answer(chunked), Ok((404, b"abcde".to_vec())));
        assert_eq!(parse_answer(b"HTTP/1.0 302 Found\r\n\r\nrest"), Ok((302, b"rest".to_vec())));
        for broken in [&b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nshort"[..], b"garbage", b"HTTP/1.1 2\r\n\r\n"] {
            assert!(matches!(parse_answer(broken), Err(WireError::Failed(_))), "{broken:?}");
        }
        assert!(parse_answer(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nab").is_err());
    }

    #[test]
    fn a_socket_nobody_listens_on_and_a_silent_one() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("s");
        assert_eq!(post(&socket, "/", "", Duration::from_secs(1)), Err(WireError::NotListening));
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        // Accepted by the kernel's backlog, never answered.
        assert_eq!(post(&socket, "/", "a=b", Duration::from_millis(100)), Err(WireError::TimedOut));
    }
}
