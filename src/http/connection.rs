//! One HTTP/1 connection, as both listeners serve it: hyper, with a deadline for every
//! request head (counted from the start of the connection and from the end of the previous
//! answer). A client that sent part of a head and then stalled gets `408 Request Timeout`
//! before the connection is closed; one that sent nothing is closed without a word (a
//! browser's spare connection, or a kept-alive one not used again), as HTTP lets a server
//! close an idle connection.

use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

/// How long the 408 may take to leave.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(1);

/// The limits of a connection's request heads.
#[derive(Debug, Clone, Copy)]
pub struct HeadLimits {
    /// How long a client may take to send a request head.
    pub timeout: Duration,
    /// The largest head buffered (hyper answers 431 beyond it); `None`: hyper's default.
    pub max_size: Option<usize>,
}

/// Serves `service` on `io` until the client or the service is done, or a head is late.
pub async fn serve<I, S, B>(io: I, service: S, limits: HeadLimits)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::HttpService<Incoming, ResBody = B> + Unpin,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: hyper::body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.timeout);
    if let Some(size) = limits.max_size {
        builder.max_buf_size(size);
    }
    let mut connection = builder.serve_connection(TokioIo::new(io), service);
    let Err(error) = (&mut connection).await else { return };
    if !error.is_timeout() {
        return;
    }
    // hyper gives up on the head without a word; the connection is still ours to answer on.
    let parts = connection.into_parts();
    if parts.read_buf.is_empty() {
        return;
    }
    let mut io = parts.io.into_inner();
    let answer = timeout_answer(limits.timeout);
    let _ = tokio::time::timeout(ANSWER_TIMEOUT, async {
        io.write_all(&answer).await?;
        io.shutdown().await
    })
    .await;
}

/// `408 Request Timeout`, with Monit's one-line error page.
fn timeout_answer(timeout: Duration) -> Vec<u8> {
    let page = super::lockdown::error_page(
        hyper::StatusCode::REQUEST_TIMEOUT,
        &format!("The request did not arrive within {} s", timeout.as_secs_f64()),
    );
    format!(
        "HTTP/1.1 408 Request Timeout\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{page}",
        page.len()
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    const LIMITS: HeadLimits = HeadLimits { timeout: Duration::from_millis(200), max_size: None };

    /// What the client reads after sending `sent` and stalling, and how long it took.
    async fn after_stalling(sent: &[u8]) -> (String, Duration) {
        let (mut client, server) = tokio::io::duplex(4096);
        let service = hyper::service::service_fn(|_request| async {
            Ok::<_, std::convert::Infallible>(hyper::Response::new(http_body_util::Full::new(
                axum::body::Bytes::from_static(b"ok"),
            )))
        });
        let served = tokio::spawn(serve(server, service, LIMITS));
        let start = std::time::Instant::now();
        client.write_all(sent).await.unwrap();
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), client.read_to_end(&mut answer)).await.unwrap().unwrap();
        served.await.unwrap();
        (String::from_utf8_lossy(&answer).into_owned(), start.elapsed())
    }

    #[tokio::test]
    async fn a_stalled_head_gets_408_at_the_deadline() {
        let (answer, took) = after_stalling(b"GET /_status HTTP/1.1\r\nHost: x\r\n").await;
        assert!(answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{answer}");
        assert!(answer.contains("<h2>Request Timeout</h2>The request did not arrive within 0.2 s<p>"), "{answer}");
        assert!(took >= LIMITS.timeout, "{took:?}");
    }

    #[tokio::test]
    async fn a_silent_connection_is_closed_without_a_word() {
        let (answer, took) = after_stalling(b"").await;
        assert_eq!(answer, "");
        assert!(took >= LIMITS.timeout, "{took:?}");
    }

    #[tokio::test]
    async fn after_an_answer_a_stalled_next_head_gets_408_too() {
        let (answer, _) = after_stalling(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTT").await;
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.contains("ok") && answer.contains("HTTP/1.1 408 Request Timeout\r\n"), "{answer}");
    }
}
