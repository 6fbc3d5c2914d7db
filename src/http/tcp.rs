//! The TCP listener (`set httpd port N [address A]`): the same router as the unix socket,
//! for browsers and Monit's own CLI. Locked down by default (reference §6.2, §9.6):
//!
//! - it binds 127.0.0.1 unless an address is given, and does not start without a
//!   credential (Monit would serve an ACL-only listener; we refuse to serve without a
//!   password);
//! - the host ACL is checked at accept, Basic credentials on every request (see
//!   [`super::auth`]), Monit's CSRF double-submit on every form POST (see [`super::csrf`]);
//! - read-only users and `port N read-only` listeners cannot act;
//! - concurrent and bounded: every connection is its own task; headers must arrive within
//!   [`HEADER_TIMEOUT`], a body within [`BODY_TIMEOUT`], and at most [`MAX_CONNECTIONS`] are
//!   served at once, so slow clients cannot lock anyone out (the CLI has its own socket);
//! - TLS with `with ssl { pemfile ... }` (rustls, ring), and optional client certificates.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::Caller;
use super::auth::{Authenticator, Denied};
use super::csrf;
use crate::config::model::HttpdConfig;

/// How long a client may take to send a request's headers (and to start the next one on a
/// kept-alive connection).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client may take to send a request's body.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once; more are closed at accept.
pub const MAX_CONNECTIONS: usize = 512;
/// How long a TLS handshake may take.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Paths that act: read-only callers get 403 on them, whatever the method.
const ACTING_PATHS: &[&str] = &["/_doaction", "/_run", "/_reload", "/_viewlog", "/api/v1/actions"];

/// What every connection of one listener shares.
struct Listener {
    router: Router,
    auth: Arc<Authenticator>,
    read_only: bool,
    tls: bool,
    server_header: HeaderValue,
}

/// A running TCP listener; dropped or [`TcpServer::stop`]ped, it stops accepting.
pub struct TcpServer {
    pub address: SocketAddr,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl TcpServer {
    /// Starts the listener `set httpd port` asks for; `Ok(None)` when there is no port.
    pub async fn start(httpd: Option<&HttpdConfig>, router: Router) -> Result<Option<TcpServer>, String> {
        let Some(httpd) = httpd else { return Ok(None) };
        let Some(port) = httpd.port else { return Ok(None) };
        let (auth, warnings) = Authenticator::new(httpd);
        for warning in warnings {
            warn!("httpd: {warning}");
        }
        if !auth.has_credentials() {
            return Err(format!(
                "httpd port {port}: no credentials to check; add `allow user:password` (the CLI uses the unix socket and needs none)"
            ));
        }
        let tls = match &httpd.ssl {
            Some(ssl) => Some(super::tls::acceptor(ssl)?),
            None => None,
        };
        let address = bind_address(httpd.address.as_deref(), port)?;
        let listener = TcpListener::bind(address).await.map_err(|e| format!("cannot bind {address}: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let signature =
            if httpd.signature == Some(false) { "rmonit".to_owned() } else { format!("rmonit {}", crate::VERSION) };
        let shared = Arc::new(Listener {
            router,
            auth: Arc::new(auth),
            read_only: httpd.port_read_only,
            tls: tls.is_some(),
            server_header: HeaderValue::from_str(&signature).unwrap_or(HeaderValue::from_static("rmonit")),
        });
        let cancel = CancellationToken::new();
        let scheme = if tls.is_some() { "https" } else { "http" };
        info!("web interface listening on {scheme}://{address}");
        let task = tokio::spawn(accept_loop(listener, shared, tls, cancel.clone()));
        Ok(Some(TcpServer { address, cancel, task }))
    }

    /// Stops accepting and ends the open connections.
    pub async fn stop(self) {
        self.cancel.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(2), self.task).await;
    }
}

/// `address A` (a name or an IP) or 127.0.0.1.
fn bind_address(address: Option<&str>, port: u16) -> Result<SocketAddr, String> {
    let host = address.unwrap_or("127.0.0.1");
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    use std::net::ToSocketAddrs;
    (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("httpd address {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("httpd address {host}: no address"))
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Listener>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    cancel: CancellationToken,
) {
    let open = Arc::new(AtomicUsize::new(0));
    loop {
        let (stream, peer) = tokio::select! {
            _ = cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    warn!("web interface: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let ip = peer.ip().to_canonical();
        if !shared.auth.host_allowed(ip) {
            warn!("Denied connection from non-authorized client [{ip}]");
            continue;
        }
        if open.load(Ordering::Relaxed) >= MAX_CONNECTIONS {
            warn!("web interface: {MAX_CONNECTIONS} connections open; refused one from [{ip}]");
            continue;
        }
        open.fetch_add(1, Ordering::Relaxed);
        let guard = OpenConnection(Arc::clone(&open));
        let shared = Arc::clone(&shared);
        let tls = tls.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            let _guard = guard;
            let _ = stream.set_nodelay(true);
            match tls {
                None => serve_connection(stream, ip, shared, cancel).await,
                Some(acceptor) => match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(stream)) => serve_connection(stream, ip, shared, cancel).await,
                    Ok(Err(e)) => warn!("web interface: TLS handshake with [{ip}] failed: {e}"),
                    Err(_) => warn!("web interface: TLS handshake with [{ip}] timed out"),
                },
            }
        });
    }
}

/// Counts an open connection until dropped.
struct OpenConnection(Arc<AtomicUsize>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn serve_connection<S>(stream: S, ip: IpAddr, shared: Arc<Listener>, cancel: CancellationToken)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, std::convert::Infallible>(handle(request.map(Body::new), ip, &shared).await) }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        _ = cancel.cancelled() => {}
    }
}

/// One request: credentials, read-only and CSRF checks, the router, the lock-down headers.
async fn handle(request: Request<Body>, ip: IpAddr, shared: &Listener) -> Response<Body> {
    let authorization = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let had_token = csrf::cookie_token(request.headers()).is_some();
    let is_api = request.uri().path().starts_with("/api/");
    let mut response = match shared.auth.authenticate(authorization.as_deref(), ip).await {
        Err(Denied::Unauthorized { delay }) => {
            tokio::time::sleep(delay).await;
            unauthorized()
        }
        Ok(login) => {
            let caller =
                Caller { who: login.user, from: ip.to_string(), read_only: login.read_only || shared.read_only };
            authorized(request, caller, shared).await
        }
    };
    if response.status().as_u16() >= 400 && !is_api {
        response = monit_error_page(response).await;
    }
    let headers = response.headers_mut();
    headers.insert(header::SERVER, shared.server_header.clone());
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("frame-ancestors 'self'"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if shared.tls {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=63072000"));
    }
    if !had_token && let Some(cookie) = csrf::new_cookie(shared.tls) {
        headers.append(header::SET_COOKIE, cookie);
    }
    response
}

async fn authorized(request: Request<Body>, caller: Caller, shared: &Listener) -> Response<Body> {
    let path = request.uri().path().to_ascii_lowercase();
    if caller.read_only
        && (ACTING_PATHS.contains(&path.as_str()) || request.method() == Method::POST && is_action_post(&path))
    {
        return text(StatusCode::FORBIDDEN, "You do not have sufficient privileges to access this page");
    }
    let mut request = if request.method() == Method::POST && !path.starts_with("/api/") {
        match csrf::check(request, BODY_TIMEOUT).await {
            Ok(request) => request,
            Err(refusal) => return text(StatusCode::FORBIDDEN, &refusal),
        }
    } else {
        request
    };
    request.extensions_mut().insert(caller);
    use tower::ServiceExt;
    match shared.router.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// POSTs that act besides [`ACTING_PATHS`]: a service page's buttons (`POST /<service>`)
/// and `/_runtime` actions.
fn is_action_post(path: &str) -> bool {
    !matches!(path, "/_status" | "/_status2" | "/_summary" | "/_report" | "/_ping" | "/_getid")
}

/// The error page Monit sends, on one line: Monit's CLI prints the text between `</h2>` and
/// `<p>` of the first line, so `monit status nosuch` against rmonit says what went wrong.
async fn monit_error_page(response: Response<Body>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let message = String::from_utf8_lossy(&bytes);
    let message = message.trim().replace('\n', " ");
    let escaped = message.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let reason = parts.status.canonical_reason().unwrap_or("Error");
    let page = format!(
        "<html><head><title>{code} {reason}</title></head><body bgcolor=#FFFFFF><h2>{reason}</h2>{escaped}<p><hr><a href='https://mmonit.com/monit/'><font size=-1>rmonit {version}</font></a></body></html>\r\n",
        code = parts.status.as_u16(),
        version = crate::VERSION
    );
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(page))
}

fn unauthorized() -> Response<Body> {
    let mut response = text(
        StatusCode::UNAUTHORIZED,
        "You are not authorized to access rmonit. Either you supplied the wrong credentials (e.g. bad password), or your browser doesn't understand how to supply the credentials required",
    );
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"monit\""));
    response
}

fn text(status: StatusCode, message: &str) -> Response<Body> {
    let mut response = Response::new(Body::from(format!("{message}\n")));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}
