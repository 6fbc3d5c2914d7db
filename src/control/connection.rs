//! One connection, as both listeners serve it: the one place where a stream meets the
//! router. Every request gets the connection's [`Transport`] in its extensions (the
//! lock-down inside [`crate::http::router`] reads it) and, on TCP, the connection's
//! admission [`Ticket`] is told when a request starts and ends, and whether its caller
//! authenticated.
//!
//! HTTP/1 with hyper, with a deadline for every request head (counted from the start of
//! the connection and from the end of the previous answer). A client that sent part of a
//! head and then stalled gets `408 Request Timeout` before the connection is closed; one
//! that sent nothing is closed without a word (a browser's spare connection, or a
//! kept-alive one not used again), as HTTP lets a server close an idle connection.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tower::ServiceExt;

use super::admission::Ticket;
use crate::http::lockdown::{Authenticated, Transport};

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

/// Serves `router` on `stream` until the client is done or a head is late: every request
/// with `transport` in its extensions, and `ticket` (the TCP listener's admission) told
/// about each one.
pub async fn serve<S>(stream: S, transport: Transport, router: Router, limits: HeadLimits, ticket: Option<Ticket>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let ticket = ticket.map(Arc::new);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        let router = router.clone();
        let ticket = ticket.clone();
        request.extensions_mut().insert(transport);
        async move {
            if let Some(ticket) = &ticket {
                ticket.request_started();
            }
            let response = match router.oneshot(request.map(Body::new)).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if let Some(ticket) = &ticket {
                ticket.request_done(response.extensions().get::<Authenticated>().is_some());
            }
            Ok::<_, Infallible>(response)
        }
    });
    serve_http(stream, service, limits).await;
}

/// Serves `service` on `io` until the client or the service is done, or a head is late.
async fn serve_http<I, S, B>(io: I, service: S, limits: HeadLimits)
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
    let page = crate::http::lockdown::error_page(
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
        let router = Router::new().fallback(|| async { "ok" });
        let transport = Transport::Unix { uid: 0, read_only: false };
        let served = tokio::spawn(serve(server, transport, router, LIMITS, None));
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
