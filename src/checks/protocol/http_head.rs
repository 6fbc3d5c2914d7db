//! The head of the HTTP/1.x exchanges the protocols write by hand (apache-status, DWP,
//! the WebSocket upgrade): the `Host` header's value, written one way for every request
//! (`http` uses it too), and the status line and header lines of the response, read under
//! a size cap so that a peer cannot grow the head without bound.

use super::{Stream, reply};

/// The most bytes a response head (status line, headers, line ends) may take.
pub const MAX_HEAD: usize = 32 * 1024;
/// The most header lines a response head may have.
pub const MAX_HEADERS: usize = 100;

/// The value of a request's `Host` header: `host:port`, the port left out for 80 and 443
/// (or when there is none); an IPv6 address in brackets (`[::1]:8080`).
pub fn host(host: &str, port: Option<u16>) -> String {
    let host = if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host.to_owned() };
    match port {
        Some(80 | 443) | None => host,
        Some(port) => format!("{host}:{port}"),
    }
}

/// A response's status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The line as it came (for messages).
    pub line: String,
    /// The status code, when the line is `HTTP/... NNN ...`.
    pub code: Option<u16>,
}

/// A response's head: its status line and headers, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub status: Status,
    /// `(name, value)`, the value trimmed; lines without a `:` are left out.
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// The values of the headers named `name` (ASCII case ignored), in order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Reads the status line for `step` (its name in messages).
pub async fn read_status(stream: &mut dyn Stream, step: &str) -> Result<Status, String> {
    let line = reply::line(stream, step).await?;
    let code = if line.starts_with("HTTP/") {
        line.split_whitespace().nth(1).and_then(|c| c.parse::<u16>().ok())
    } else {
        None
    };
    Ok(Status { line, code })
}

/// Reads the status line and, when it is an HTTP one, the header lines up to the empty
/// line (a peer that does not speak HTTP is not waited for). Fails when the head is longer
/// than [`MAX_HEAD`] bytes or [`MAX_HEADERS`] lines.
pub async fn read_head(stream: &mut dyn Stream, step: &str) -> Result<Head, String> {
    let status = read_status(stream, step).await?;
    let mut headers = Vec::new();
    if status.code.is_none() {
        return Ok(Head { status, headers });
    }
    let mut size = status.line.len() + 2;
    for _ in 0..MAX_HEADERS {
        let line = reply::line(stream, step).await?;
        if line.is_empty() {
            return Ok(Head { status, headers });
        }
        size += line.len() + 2;
        if size > MAX_HEAD {
            return Err(format!("{step}: a response head longer than {MAX_HEAD} bytes came back"));
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    Err(format!("{step}: more than {MAX_HEADERS} header lines came back"))
}

#[cfg(test)]
mod tests {
    use super::super::testpeer;
    use super::*;

    #[test]
    fn the_host_header_brackets_ipv6_and_drops_default_ports() {
        assert_eq!(host("::1", Some(8080)), "[::1]:8080");
        assert_eq!(host("fe80::1", Some(443)), "[fe80::1]");
        assert_eq!(host("[::1]", Some(81)), "[::1]:81");
        assert_eq!(host("127.0.0.1", Some(8080)), "127.0.0.1:8080");
        assert_eq!(host("example.com", Some(80)), "example.com");
        assert_eq!(host("example.com", None), "example.com");
    }

    #[tokio::test]
    async fn a_head_is_read_up_to_the_empty_line() {
        let (mut stream, _peer) =
            testpeer::replying(b"HTTP/1.1 101 Switching\r\nUpgrade: websocket\r\nno colon\r\nX-A:  b:c \r\n\r\nbody");
        let head = read_head(&mut stream, "answer").await.unwrap();
        assert_eq!(head.status, Status { line: "HTTP/1.1 101 Switching".to_owned(), code: Some(101) });
        assert_eq!(head.values("upgrade").collect::<Vec<_>>(), ["websocket"]);
        assert_eq!(head.values("x-a").collect::<Vec<_>>(), ["b:c"]);
        assert_eq!(head.headers.len(), 2);
        assert_eq!(crate::checks::protocol::io::read_line(&mut stream).await.unwrap(), "body");
    }

    #[tokio::test]
    async fn a_peer_that_is_not_http_is_not_waited_for() {
        let (mut stream, _peer) = testpeer::replying(b"SSH-2.0-OpenSSH\r\n");
        let head = read_head(&mut stream, "answer").await.unwrap();
        assert_eq!(head.status.code, None);
        assert!(head.headers.is_empty());
    }

    #[tokio::test]
    async fn the_head_is_capped_in_bytes_and_lines() {
        let value = "x".repeat(1000);
        let long: String = (0..40).map(|i| format!("X-{i}: {value}\r\n")).collect();
        let replies = format!("HTTP/1.1 200 OK\r\n{long}\r\n");
        let (mut stream, _peer) = testpeer::replying(replies.as_bytes());
        assert_eq!(
            read_head(&mut stream, "answer").await,
            Err(format!("answer: a response head longer than {MAX_HEAD} bytes came back"))
        );
        let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: y\r\n")).collect();
        let replies = format!("HTTP/1.1 200 OK\r\n{many}\r\n");
        let (mut stream, _peer) = testpeer::replying(replies.as_bytes());
        assert_eq!(
            read_head(&mut stream, "answer").await,
            Err(format!("answer: more than {MAX_HEADERS} header lines came back"))
        );
    }
}
