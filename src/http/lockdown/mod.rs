//! The lock-down (reference §6.2, §9.6): what a request must pass before the application
//! sees it, as middleware inside [`super::router`], so that `router(state).oneshot(request)`
//! is the product as a browser, a script or the CLI meets it.
//!
//! The connection server that accepted a request puts its [`Transport`] into the request's
//! extensions (as axum's `ConnectInfo`). From the unix socket, whose clients were checked by
//! their peer credentials at accept, a request goes straight to the application as the
//! socket's [`Caller`]; one without a transport (a test calling the router) as
//! [`Caller::local`]. Over TCP it passes, outermost first:
//!
//! - a bound on the request head: larger than [`MAX_HEADERS`] is 431 (the one answer sent
//!   without the headers below);
//! - the lock-down headers on every answer (tower-http): the page policy, no framing by
//!   others, no sniffing, no referrer elsewhere, no caching, the `Server` signature, and
//!   HSTS over TLS;
//! - Monit's one-line error page for error answers other than the JSON API's and HTML pages
//!   (Monit's CLI prints what it says);
//! - the CSRF cookie: handed to a browser that has none, its value in the request for the
//!   pages' forms (see [`super::csrf`]);
//! - the `Origin` of a POST, when sent, must be this server;
//! - credentials, sessions, read-only callers and the CSRF double submit of form POSTs
//!   (`authenticate`), with the policy of the listener ([`Lockdown`], from `set httpd`).

mod authenticate;
#[cfg(test)]
mod tests;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, Response, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use tower::{ServiceBuilder, ServiceExt};
use tower_http::set_header::SetResponseHeaderLayer;
use tracing::warn;

use super::auth::Authenticator;
use super::session::Sessions;
use super::{Caller, csrf};
use crate::config::model::HttpdConfig;

/// The largest request head (request line and headers); larger ones get 431.
pub const MAX_HEADERS: usize = 32 * 1024;
/// How long a client may take to send a request's body.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// The page policy: nothing from elsewhere, no inline script.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'";
/// HSTS over TLS: two years.
const HSTS: &str = "max-age=63072000";

/// How a request arrived: put into its extensions by the connection server that accepted
/// it, before the router sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// The unix control socket, from a client its peer credentials let in; `read_only`
    /// when the socket is (`unixsocket ... read-only`).
    Unix { uid: u32, read_only: bool },
    /// TCP from `peer` (an IPv4-mapped address as IPv4), over TLS or not.
    Tcp { peer: IpAddr, tls: bool },
}

/// Marks an answer to a request whose caller proved who they are: the listener then never
/// closes its connection to make room (see `control::admission`).
#[derive(Debug, Clone, Copy)]
pub struct Authenticated;

/// The policy of the TCP listener: its credentials, the dashboard's sessions, whether the
/// listener is read-only (`port N read-only`), and its `Server` signature. Without one
/// ([`Lockdown::closed`]) no TCP request gets past the credentials.
pub struct Lockdown {
    auth: Arc<Authenticator>,
    sessions: Sessions,
    read_only: bool,
    server_header: HeaderValue,
}

impl Lockdown {
    /// The policy `set httpd` asks for, with its (already built) authenticator.
    pub fn new(httpd: &HttpdConfig, auth: Arc<Authenticator>) -> Lockdown {
        let signature =
            if httpd.signature == Some(false) { "rmonit".to_owned() } else { format!("rmonit {}", crate::VERSION) };
        Lockdown {
            auth,
            sessions: Sessions::default(),
            read_only: httpd.port_read_only,
            server_header: HeaderValue::from_str(&signature).unwrap_or(HeaderValue::from_static("rmonit")),
        }
    }

    /// No credentials at all: every TCP request is unauthorized.
    pub fn closed() -> Lockdown {
        let (auth, _) = Authenticator::new(&HttpdConfig::default());
        Lockdown::new(&HttpdConfig::default(), Arc::new(auth))
    }
}

impl Default for Lockdown {
    fn default() -> Lockdown {
        Lockdown::closed()
    }
}

/// The lock-down in front of the application (`next`): requests are told apart by their
/// [`Transport`]; those over TCP pass the layers listed in the module's documentation,
/// outermost first.
pub(super) async fn gate(State(lockdown): State<Arc<Lockdown>>, mut request: Request, next: Next) -> Response<Body> {
    let tls = match request.extensions().get::<Transport>().copied() {
        None => return next.run(request).await,
        Some(Transport::Unix { uid, read_only }) => {
            let caller =
                Caller { who: format!("uid {uid}"), from: "unix socket".to_owned(), read_only, via_tcp: false };
            request.extensions_mut().insert(caller);
            return next.run(request).await;
        }
        Some(Transport::Tcp { tls, .. }) => tls,
    };
    let server = lockdown.server_header.clone();
    let layers = ServiceBuilder::new()
        .layer(from_fn(head_limit))
        .layer(SetResponseHeaderLayer::overriding(header::SERVER, server))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN")))
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            tls.then(|| HeaderValue::from_static(HSTS)),
        ))
        .layer(from_fn(monit_error_page))
        .layer(from_fn(csrf_cookie))
        .layer(from_fn(same_origin))
        .layer(from_fn_with_state(lockdown, authenticate::authenticate));
    match layers.service(next).oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The client's address and whether the connection is TLS, of a request over TCP.
fn tcp_facts(request: &Request) -> (IpAddr, bool) {
    match request.extensions().get::<Transport>() {
        Some(Transport::Tcp { peer, tls }) => (*peer, *tls),
        _ => (IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), false),
    }
}

/// A request head larger than [`MAX_HEADERS`] is refused before anything else.
async fn head_limit(request: Request, next: Next) -> Response<Body> {
    let head: usize = request.uri().path_and_query().map_or(0, |p| p.as_str().len())
        + request.headers().iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum::<usize>();
    if head > MAX_HEADERS {
        return text(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "Request header fields too large");
    }
    next.run(request).await
}

/// The CSRF token of the request (the browser's cookie, or a fresh one handed out with
/// the answer), for the pages' forms.
async fn csrf_cookie(mut request: Request, next: Next) -> Response<Body> {
    let (_, tls) = tcp_facts(&request);
    let old_token = csrf::cookie_token(request.headers());
    let token = old_token.clone().or_else(csrf::new_token).unwrap_or_default();
    request.extensions_mut().insert(crate::http::web::CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    if old_token.is_none()
        && let Some(cookie) = csrf::cookie_header(&token, tls)
    {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// A POST's `Origin`, when the browser sent one, must be this server (`Host`).
async fn same_origin(request: Request, next: Next) -> Response<Body> {
    let (ip, tls) = tcp_facts(&request);
    if request.method() == Method::POST && !is_same_origin(&request, tls) {
        warn!("refused a cross-origin POST to {} from [{ip}]", request.uri().path());
        return text(StatusCode::FORBIDDEN, "Cross-origin request refused");
    }
    next.run(request).await
}

fn is_same_origin(request: &Request, tls: bool) -> bool {
    let Some(origin) = request.headers().get(header::ORIGIN) else { return true };
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let scheme = if tls { "https" } else { "http" };
    origin.to_str().is_ok_and(|o| o.eq_ignore_ascii_case(&format!("{scheme}://{host}")))
}

/// The error page Monit sends, on one line: Monit's CLI prints the text between `</h2>` and
/// `<p>` of the first line, so `monit status nosuch` against rmonit says what went wrong.
/// The JSON API's errors and HTML pages are left as they are.
async fn monit_error_page(request: Request, next: Next) -> Response<Body> {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let html = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if response.status().as_u16() < 400 || is_api || html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let message = String::from_utf8_lossy(&bytes);
    let message = message.trim().replace('\n', " ");
    let page = error_page(parts.status, &message);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(page))
}

/// Monit's error page for `status` with `message` (text, escaped here).
pub fn error_page(status: StatusCode, message: &str) -> String {
    let escaped = message.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let reason = status.canonical_reason().unwrap_or("Error");
    format!(
        "<html><head><title>{code} {reason}</title></head><body bgcolor=#FFFFFF><h2>{reason}</h2>{escaped}<p><hr><a href='https://mmonit.com/monit/'><font size=-1>rmonit {version}</font></a></body></html>\r\n",
        code = status.as_u16(),
        version = crate::VERSION
    )
}

/// A plain-text answer (the error page layer turns error ones into Monit's page).
fn text(status: StatusCode, message: &str) -> Response<Body> {
    let mut response = Response::new(Body::from(format!("{message}\n")));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}
