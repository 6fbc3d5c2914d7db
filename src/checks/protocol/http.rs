//! `protocol http|https` and `url` tests (reference §3.3): one HTTP/1.1 request over the
//! test's own connection (hyper's client on the session stream, so TLS options, the
//! certificate checks, the source address and the one deadline apply as to every other
//! protocol), sent as Monit sends it: its headers, Basic authentication, `Host:` with the
//! port unless 80/443. The test passes when `status <op> N` holds (default `< 400`) and
//! the body, read only for `content` or `checksum` and capped at `httpContentBuffer` (Monit's
//! 1 MB by default), matches.

use base64ct::{Base64, Encoding};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use md5::Digest;

use super::Session;
use crate::checks::file::Matcher;
use crate::config::model::{Comparison, HashType, HttpMethod, Operator, Quantity};

/// Sends the request and judges the response.
pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    let config = session.config;
    let test = session.test;
    let wants_body = test.content.is_some() || config.checksum.is_some();
    let head = config.method == Some(HttpMethod::Head);
    let request = build_request(session)?;
    let io = TokioIo::new(&mut *session.stream);
    let (mut sender, connection) =
        http1::handshake::<_, Empty<Bytes>>(io).await.map_err(|e| format!("HTTP: cannot start: {e}"))?;
    let mut connection = std::pin::pin!(connection);
    let mut sending = std::pin::pin!(sender.send_request(request));
    let response = tokio::select! {
        biased;
        response = &mut sending => response,
        ended = &mut connection => match ended {
            // The server answered and closed: the answer is already queued for `sending`.
            Ok(()) => sending.await,
            Err(e) => return Err(format!("HTTP: error receiving data -- {e}")),
        },
    }
    .map_err(|e| format!("HTTP: error receiving data -- {e}"))?;
    let status = response.status().as_u16();
    let expected = config.status.unwrap_or(Comparison::new(Operator::Lt, Quantity::count(400.0)));
    if !expected.op.holds(f64::from(status), expected.limit.value) {
        return Err(format!("HTTP error: Server returned status {status}"));
    }
    if !wants_body || head {
        return Ok(());
    }
    let body_limit = session.buffers.http_body;
    let mut body = response.into_body();
    let mut content = Vec::new();
    let mut connection_done = false;
    loop {
        tokio::select! {
            frame = body.frame() => match frame {
                None => break,
                Some(Err(e)) => return Err(format!("HTTP: error receiving data -- {e}")),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        let room = body_limit - content.len();
                        content.extend_from_slice(&data[..data.len().min(room)]);
                        if content.len() >= body_limit {
                            break;
                        }
                    }
                }
            },
            ended = &mut connection, if !connection_done => {
                connection_done = true;
                if let Err(e) = ended {
                    return Err(format!("HTTP: error receiving data -- {e}"));
                }
            }
        }
    }
    if let Some(expected) = &config.checksum {
        let hash = expected.hash.or(HashType::from_hex_len(expected.value.len())).unwrap_or(HashType::Md5);
        let got = digest(&content, hash);
        if !got.eq_ignore_ascii_case(&expected.value) {
            let name = match hash {
                HashType::Md5 => "MD5",
                HashType::Sha1 => "SHA1",
                HashType::Sha256 => "SHA256",
            };
            return Err(format!("Checksum error: {name} mismatch (expected {} got {got})", expected.value));
        }
    }
    if let Some(pattern) = &test.content {
        let matcher = Matcher::new(pattern).map_err(|e| format!("HTTP: content: {e}"))?;
        let text = String::from_utf8_lossy(&content);
        if !matcher.fires(&text) {
            // Monit's words (regerror's for a miss).
            return Err(if pattern.matches {
                "HTTP error: Regular expression doesn't match: No match".to_owned()
            } else {
                "HTTP error: Regular expression matches".to_owned()
            });
        }
    }
    Ok(())
}

/// Monit's request: method and path (spaces escaped), authentication, its fixed headers,
/// then `Host` and the configured headers.
fn build_request(session: &Session<'_>) -> Result<hyper::Request<Empty<Bytes>>, String> {
    let config = session.config;
    let path = config.request.clone().unwrap_or_else(|| "/".to_owned()).replace(' ', "%20");
    let path = if path.starts_with('/') { path } else { format!("/{path}") };
    let method = if config.method == Some(HttpMethod::Head) { hyper::Method::HEAD } else { hyper::Method::GET };
    let mut builder = hyper::Request::builder().method(method).uri(&path);
    if let Some(user) = &config.username {
        let credentials = format!("{user}:{}", config.password.as_deref().unwrap_or(""));
        builder = builder.header("Authorization", format!("Basic {}", Base64::encode_string(credentials.as_bytes())));
    }
    builder = builder
        .header("User-Agent", "Monit/5.33.0")
        .header("Accept", "*/*")
        .header("Accept-Encoding", "identity")
        .header("Connection", "close");
    let custom_host =
        config.headers.iter().any(|h| h.split(':').next().is_some_and(|n| n.trim().eq_ignore_ascii_case("host")));
    if !custom_host {
        let host = match &config.hostheader {
            Some(host) => host.clone(),
            None => super::http_head::host(session.host, session.port),
        };
        builder = builder.header("Host", host);
    }
    for header in &config.headers {
        let (name, value) = header.split_once(':').ok_or_else(|| format!("HTTP: header '{header}' has no ':'"))?;
        builder = builder.header(name.trim(), value.trim().trim_matches('"'));
    }
    builder.body(Empty::new()).map_err(|e| format!("HTTP: bad request {path}: {e}"))
}

fn digest(data: &[u8], hash: HashType) -> String {
    let bytes: Vec<u8> = match hash {
        HashType::Md5 => md5::Md5::digest(data).to_vec(),
        HashType::Sha1 => sha1::Sha1::digest(data).to_vec(),
        HashType::Sha256 => sha2::Sha256::digest(data).to_vec(),
    };
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::config::model::{
        BodyChecksum, ConnectionTarget, ConnectionTest, ContentPattern, PatternSource, Protocol, ProtocolConfig,
    };

    /// Runs the check against a peer that answers `reply`; returns the verdict and the
    /// request the peer read.
    async fn exchange(
        test: ConnectionTest,
        config: ProtocolConfig,
        reply: &'static [u8],
    ) -> (Result<(), String>, String) {
        exchange_reading(test, config, reply.to_vec(), Default::default()).await
    }

    async fn exchange_reading(
        test: ConnectionTest,
        config: ProtocolConfig,
        reply: Vec<u8>,
        buffers: crate::checks::protocol::Buffers,
    ) -> (Result<(), String>, String) {
        let (mut client, mut server) = tokio::io::duplex(64 * 1024);
        let peer = tokio::spawn(async move {
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                let n = server.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
            }
            server.write_all(&reply).await.unwrap();
            String::from_utf8(request).unwrap()
        });
        let mut session = Session {
            stream: &mut client,
            test: &test,
            config: &config,
            host: "127.0.0.1",
            port: Some(8080),
            udp: false,
            buffers,
        };
        let result = check(&mut session).await;
        (result, peer.await.unwrap())
    }

    fn test() -> ConnectionTest {
        ConnectionTest::new(ConnectionTarget::Port { host: None, port: 8080, address: None, ip_version: None })
    }

    const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";

    #[tokio::test]
    async fn the_request_is_monits() {
        let mut config = ProtocolConfig::new(Protocol::Http);
        config.request = Some("/health?y=a b".into());
        config.username = Some("user".into());
        config.password = Some("pa:ss".into());
        config.headers = vec!["X-Custom: one".into()];
        let (result, request) = exchange(test(), config, OK).await;
        assert_eq!(result, Ok(()));
        assert!(request.starts_with("GET /health?y=a%20b HTTP/1.1\r\n"), "{request}");
        for line in [
            "authorization: Basic dXNlcjpwYTpzcw==",
            "user-agent: Monit/5.33.0",
            "host: 127.0.0.1:8080",
            "x-custom: one",
        ] {
            assert!(request.to_ascii_lowercase().contains(&line.to_ascii_lowercase()), "{line} in {request}");
        }
    }

    #[tokio::test]
    async fn the_body_is_read_up_to_the_http_content_buffer() {
        use crate::checks::protocol::Buffers;
        let mut reply = b"HTTP/1.1 200 OK\r\nContent-Length: 2000\r\nConnection: close\r\n\r\n".to_vec();
        reply.extend_from_slice(&[b'x'; 1997]);
        reply.extend_from_slice(b"END");
        let mut with_content = test();
        with_content.content = Some(ContentPattern { matches: true, pattern: PatternSource::Regex("END".into()) });
        let config = ProtocolConfig::new(Protocol::Http);
        let read = |http_body| Buffers { http_body, ..Buffers::default() };
        let whole = exchange_reading(with_content.clone(), config.clone(), reply.clone(), read(2000)).await.0;
        assert_eq!(whole, Ok(()));
        let cut = exchange_reading(with_content, config, reply, read(1000)).await.0;
        assert_eq!(cut, Err("HTTP error: Regular expression doesn't match: No match".to_owned()));
        assert_eq!(Buffers::default().http_body, 1 << 20);
    }

    #[tokio::test]
    async fn status_content_and_checksum_are_judged() {
        let (result, _) = exchange(
            test(),
            ProtocolConfig::new(Protocol::Http),
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
        )
        .await;
        assert_eq!(result, Err("HTTP error: Server returned status 404".to_owned()));
        let mut config = ProtocolConfig::new(Protocol::Http);
        config.status = Some(Comparison::new(Operator::Eq, Quantity::count(404.0)));
        let (result, _) = exchange(test(), config, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n").await;
        assert_eq!(result, Ok(()));
        let mut with_content = test();
        with_content.content = Some(ContentPattern { matches: true, pattern: PatternSource::Regex("^hel+o$".into()) });
        assert_eq!(exchange(with_content.clone(), ProtocolConfig::new(Protocol::Http), OK).await.0, Ok(()));
        with_content.content = Some(ContentPattern { matches: false, pattern: PatternSource::Regex("hello".into()) });
        let message = exchange(with_content, ProtocolConfig::new(Protocol::Http), OK).await.0.unwrap_err();
        assert_eq!(message, "HTTP error: Regular expression matches");
        let mut config = ProtocolConfig::new(Protocol::Http);
        config.checksum = Some(BodyChecksum { hash: None, value: "5d41402abc4b2a76b9719d911017c592".into() });
        assert_eq!(exchange(test(), config.clone(), OK).await.0, Ok(()));
        config.checksum = Some(BodyChecksum { hash: None, value: "d41d8cd98f00b204e9800998ecf8427e".into() });
        let message = exchange(test(), config, OK).await.0.unwrap_err();
        assert!(message.starts_with("Checksum error: MD5 mismatch (expected d41d8"), "{message}");
    }
}
