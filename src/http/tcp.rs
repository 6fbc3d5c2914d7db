//! The TCP listener (`set httpd port N [address A]`): the same router as the unix socket,
//! for browsers and Monit's own CLI. Locked down by default (reference §6.2, §9.6):
//!
//! - it binds 127.0.0.1 unless an address is given, and does not start without a
//!   credential (Monit would serve an ACL-only listener; we refuse to serve without a
//!   password);
//! - the host ACL is checked at accept, Basic credentials on every request (see
//!   [`super::auth`]), Monit's CSRF double-submit on every form POST (see [`super::csrf`]);
//! - read-only users and `port N read-only` listeners cannot act;
//! - concurrent and bounded: every connection is its own task; a request head must arrive
//!   within [`HEADER_TIMEOUT`] (or the client gets 408, see [`super::connection`]), a body
//!   within [`BODY_TIMEOUT`]; [`super::admission`] caps the connections of each client and
//!   of the listener, and closes unauthenticated ones to make room, so a flood costs the
//!   flooder and authenticated users still get in (the CLI has its own socket);
//! - refusals are logged once per kind and then summarised (see [`super::refusals`]);
//! - TLS with `with ssl { pemfile ... }` (rustls, ring), and optional client certificates.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, Response, StatusCode, header};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::Caller;
use super::admission::{Admission, Client, Full, Limits, Ticket};
use super::auth::{Authenticator, Denied};
use super::connection::HeadLimits;
use super::csrf;
use super::refusals::{Kind, RefusalLog, SUMMARY_INTERVAL};
use crate::config::model::HttpdConfig;

/// How long a client may take to send a request's headers (and to start the next one on a
/// kept-alive connection).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request head (request line and headers); larger ones get 431.
pub const MAX_HEADERS: usize = 32 * 1024;
/// How long a client may take to send a request's body.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a TLS handshake may take.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the login form needs, served without credentials.
const PUBLIC_ASSETS: &[&str] = &["/_assets/app.css", "/_assets/app.js"];

/// Paths that act: read-only callers get 403 on them, whatever the method.
const ACTING_PATHS: &[&str] = &["/_doaction", "/_run", "/_reload", "/_viewlog", "/api/v1/actions"];

/// What every connection of one listener shares.
struct Listener {
    router: Router,
    auth: Arc<Authenticator>,
    sessions: super::session::Sessions,
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
        // Host names in `allow` and `address` are resolved (and htpasswd files read) off the
        // async threads: a slow resolver delays this listener only.
        let owned = httpd.clone();
        let (auth, warnings) = tokio::task::spawn_blocking(move || Authenticator::new(&owned))
            .await
            .map_err(|e| format!("httpd: reading the allow list failed: {e}"))?;
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
        let host = httpd.address.clone();
        let address = tokio::task::spawn_blocking(move || bind_address(host.as_deref(), port))
            .await
            .map_err(|e| format!("httpd address: resolving failed: {e}"))??;
        if !address.ip().is_loopback() && tls.is_none() && !httpd.insecure {
            return Err(format!(
                "httpd: refusing to serve {address} without TLS: passwords would cross the network in clear; \
                 add `with ssl {{ pemfile: /path/cert.pem }}`, bind a loopback address, or say `insecure` to serve anyway"
            ));
        }
        let listener = TcpListener::bind(address).await.map_err(|e| format!("cannot bind {address}: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let signature =
            if httpd.signature == Some(false) { "rmonit".to_owned() } else { format!("rmonit {}", crate::VERSION) };
        let shared = Arc::new(Listener {
            router,
            auth: Arc::new(auth),
            sessions: Default::default(),
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
    let admission = Admission::new(Limits::default());
    let refusals = Arc::new(RefusalLog::new("web interface"));
    let mut summary = tokio::time::interval(SUMMARY_INTERVAL);
    summary.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let (stream, peer) = tokio::select! {
            _ = cancel.cancelled() => break,
            _ = summary.tick() => {
                refusals.flush();
                continue;
            }
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    if refusals.note(Kind::AcceptFailed, None) {
                        warn!("web interface: accept failed: {e}");
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let ip = peer.ip().to_canonical();
        let client = Client::of(ip);
        if !shared.auth.host_allowed(ip) {
            if refusals.note(Kind::Denied, Some(client)) {
                warn!("Denied connection from non-authorized client [{ip}]");
            }
            continue;
        }
        let ticket = match admission.admit(client) {
            Ok(admitted) => {
                if let Some(evicted) = admitted.evicted
                    && refusals.note(Kind::Evicted, Some(evicted.client))
                {
                    warn!(
                        "web interface: {}; closed an unauthenticated connection of [{}] to let [{ip}] in",
                        full(evicted.full),
                        evicted.client
                    );
                }
                admitted.ticket
            }
            Err(limit) => {
                if refusals.note(Kind::Full, Some(client)) {
                    warn!("web interface: {}, all authenticated; refused a connection from [{ip}]", full(limit));
                }
                continue;
            }
        };
        let shared = Arc::clone(&shared);
        let tls = tls.clone();
        let evicted = ticket.evicted();
        let cancel = cancel.clone();
        let refusals = Arc::clone(&refusals);
        tokio::spawn(async move {
            tokio::select! {
                _ = serve_client(stream, ip, shared, tls, ticket, &refusals) => {}
                _ = evicted.cancelled() => {}
                _ = cancel.cancelled() => {}
            }
        });
    }
    refusals.flush();
}

/// A limit in words, for the log.
fn full(limit: Full) -> String {
    match limit {
        Full::Client => format!("{} connections open from one client", super::admission::MAX_PER_CLIENT),
        Full::Listener => format!("{} connections open", super::admission::MAX_CONNECTIONS),
    }
}

/// One admitted connection: the TLS handshake if any, then HTTP.
async fn serve_client(
    stream: tokio::net::TcpStream,
    ip: IpAddr,
    shared: Arc<Listener>,
    tls: Option<tokio_rustls::TlsAcceptor>,
    ticket: Ticket,
    refusals: &RefusalLog<Client>,
) {
    let _ = stream.set_nodelay(true);
    let Some(acceptor) = tls else { return serve_connection(stream, ip, shared, ticket).await };
    let failure = match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => return serve_connection(stream, ip, shared, ticket).await,
        Ok(Err(e)) => format!("failed: {e}"),
        Err(_) => "timed out".to_owned(),
    };
    if refusals.note(Kind::Handshake, Some(Client::of(ip))) {
        warn!("web interface: TLS handshake with [{ip}] {failure}");
    }
}

/// Marks an answer to a request whose caller proved who they are: its connection is then
/// never closed to make room (see [`super::admission`]).
#[derive(Debug, Clone, Copy)]
struct Authenticated;

async fn serve_connection<S>(stream: S, ip: IpAddr, shared: Arc<Listener>, ticket: Ticket)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let ticket = Arc::new(ticket);
    let service = hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
        let shared = Arc::clone(&shared);
        let ticket = Arc::clone(&ticket);
        async move {
            ticket.request_started();
            let response = handle(request.map(Body::new), ip, &shared).await;
            ticket.request_done(response.extensions().get::<Authenticated>().is_some());
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    let limits = HeadLimits { timeout: HEADER_TIMEOUT, max_size: Some(MAX_HEADERS) };
    super::connection::serve(stream, service, limits).await;
}

/// The page policy: nothing from elsewhere, no inline script.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'";

/// One request: the Origin check, credentials (session cookie, Basic, or the way to the
/// login form), read-only and CSRF checks, the router, the lock-down headers.
async fn handle(mut request: Request<Body>, ip: IpAddr, shared: &Listener) -> Response<Body> {
    let head: usize = request.uri().path_and_query().map_or(0, |p| p.as_str().len())
        + request.headers().iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum::<usize>();
    if head > MAX_HEADERS {
        return text(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "Request header fields too large");
    }
    let is_api = request.uri().path().starts_with("/api/");
    let old_token = csrf::cookie_token(request.headers());
    let token = old_token.clone().or_else(csrf::new_token).unwrap_or_default();
    request.extensions_mut().insert(crate::http::web::CsrfToken(token.clone()));
    let mut response = if request.method() == Method::POST && !same_origin(&request, shared.tls) {
        warn!("refused a cross-origin POST to {} from [{ip}]", request.uri().path());
        text(StatusCode::FORBIDDEN, "Cross-origin request refused")
    } else {
        route(request, ip, shared).await
    };
    let html = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if response.status().as_u16() >= 400 && !is_api && !html {
        response = monit_error_page(response).await;
    }
    let headers = response.headers_mut();
    headers.insert(header::SERVER, shared.server_header.clone());
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if shared.tls {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=63072000"));
    }
    if old_token.is_none()
        && let Some(cookie) = csrf::cookie_header(&token, shared.tls)
    {
        headers.append(header::SET_COOKIE, cookie);
    }
    response
}

/// A POST's `Origin`, when the browser sent one, must be this server (`Host`).
fn same_origin(request: &Request<Body>, tls: bool) -> bool {
    let Some(origin) = request.headers().get(header::ORIGIN) else { return true };
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let scheme = if tls { "https" } else { "http" };
    origin.to_str().is_ok_and(|o| o.eq_ignore_ascii_case(&format!("{scheme}://{host}")))
}

/// Public paths (the login form and the assets it needs), the login and logout posts, and
/// everything else after authentication.
async fn route(request: Request<Body>, ip: IpAddr, shared: &Listener) -> Response<Body> {
    let path = request.uri().path().to_owned();
    let post = request.method() == Method::POST;
    if path == "/_login" && post {
        return login(request, ip, shared).await;
    }
    if (path == "/_login" && request.method() == Method::GET) || PUBLIC_ASSETS.contains(&path.as_str()) {
        let anonymous = Caller { who: "anonymous".to_owned(), from: ip.to_string(), read_only: true, via_tcp: true };
        return dispatch(request, anonymous, shared).await;
    }
    let session = super::session::cookie(request.headers()).and_then(|t| shared.sessions.get(&t).map(|l| (t, l)));
    let login = match session {
        Some((token, login)) => {
            if path == "/_logout" && post {
                return logout(request, &token, shared).await;
            }
            Ok(login)
        }
        None => {
            let authorization =
                request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
            if authorization.is_none() && wants_page(&request) {
                let next = request.uri().path_and_query().map_or("/", |p| p.as_str());
                let location = format!("/_login?next={}", crate::http::web::overview::urlencode(next));
                return redirect(&location);
            }
            shared.auth.authenticate(authorization.as_deref(), ip).await
        }
    };
    match login {
        Err(Denied::Unauthorized { delay }) => {
            tokio::time::sleep(delay).await;
            unauthorized()
        }
        Ok(login) => {
            if path == "/_logout" && post {
                // Basic authentication has nothing to close; back to the form.
                return redirect("/_login");
            }
            let caller = Caller {
                who: login.user,
                from: ip.to_string(),
                read_only: login.read_only || shared.read_only,
                via_tcp: true,
            };
            let mut response = authorized(request, caller, shared).await;
            response.extensions_mut().insert(Authenticated);
            response
        }
    }
}

/// A browser asking for a page (not a script or Monit's CLI).
fn wants_page(request: &Request<Body>) -> bool {
    request.method() == Method::GET && crate::http::web::wants_html(request.headers())
}

/// `POST /_login`: CSRF, then the credentials; a session cookie and back to `next`, or the
/// form again with an error after the throttling delay.
async fn login(request: Request<Body>, ip: IpAddr, shared: &Listener) -> Response<Body> {
    let request = match csrf::check(request, BODY_TIMEOUT).await {
        Ok(request) => request,
        Err((status, refusal)) => return text(status, &refusal),
    };
    let token = request.extensions().get::<crate::http::web::CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
    let body = axum::body::to_bytes(request.into_body(), 64 * 1024).await.unwrap_or_default();
    let form: std::collections::HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let user = form.get("user").map(String::as_str).unwrap_or("");
    let password = form.get("password").map(String::as_str).unwrap_or("");
    let next = crate::http::web::login::safe_next(form.get("next").map(String::as_str));
    match shared.auth.login(user, password, ip).await {
        Ok(login) => {
            tracing::info!("'{}' logged in from {ip}", login.user);
            let Some(session) = shared.sessions.open(login) else {
                return text(StatusCode::INTERNAL_SERVER_ERROR, "cannot make a session token");
            };
            let mut response = redirect(&next);
            let secure = if shared.tls { "; Secure" } else { "" };
            let cookie = format!(
                "{}={session}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{secure}",
                super::session::COOKIE,
                super::session::LIFETIME.as_secs()
            );
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response.extensions_mut().insert(Authenticated);
            response
        }
        Err(Denied::Unauthorized { delay }) => {
            tokio::time::sleep(delay).await;
            let page = crate::http::web::login::form(&token, &next, Some("Wrong user or password."));
            let mut response = crate::http::web::html_response(page);
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            response
        }
    }
}

/// `POST /_logout` with a session: CSRF, then the session closed and its cookie cleared.
async fn logout(request: Request<Body>, token: &str, shared: &Listener) -> Response<Body> {
    if let Err((status, refusal)) = csrf::check(request, BODY_TIMEOUT).await {
        return text(status, &refusal);
    }
    shared.sessions.close(token);
    let mut response = redirect("/_login");
    let cookie = format!("{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict", super::session::COOKIE);
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn redirect(location: &str) -> Response<Body> {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
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
    let request = if request.method() == Method::POST && !path.starts_with("/api/") {
        match csrf::check(request, BODY_TIMEOUT).await {
            Ok(request) => request,
            Err((status, refusal)) => return text(status, &refusal),
        }
    } else {
        request
    };
    dispatch(request, caller, shared).await
}

async fn dispatch(mut request: Request<Body>, caller: Caller, shared: &Listener) -> Response<Body> {
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
    let page = error_page(parts.status, &message);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(page))
}

/// Monit's error page for `status` with `message` (text, escaped here).
pub(crate) fn error_page(status: StatusCode, message: &str) -> String {
    let escaped = message.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let reason = status.canonical_reason().unwrap_or("Error");
    format!(
        "<html><head><title>{code} {reason}</title></head><body bgcolor=#FFFFFF><h2>{reason}</h2>{escaped}<p><hr><a href='https://mmonit.com/monit/'><font size=-1>rmonit {version}</font></a></body></html>\r\n",
        code = status.as_u16(),
        version = crate::VERSION
    )
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

#[cfg(test)]
mod tests {
    //! The lock-down layer in front of the router, request by request (`handle` is what every
    //! TCP connection runs): a small router stands in for the application.
    use super::*;
    use crate::config::model::Allow;

    fn listener(read_only_listener: bool) -> Listener {
        let httpd = HttpdConfig {
            port: Some(0),
            allow: vec![
                Allow::User { user: "admin".into(), password: "monit".into(), read_only: false },
                Allow::User { user: "guest".into(), password: "guest".into(), read_only: true },
            ],
            ..HttpdConfig::default()
        };
        let (auth, _) = Authenticator::new(&httpd);
        let router = Router::new().route("/_status", axum::routing::any(|| async { "status" })).route(
            "/_doaction",
            axum::routing::post(|caller: Caller| async move { format!("done by {}", caller.who) }),
        );
        Listener {
            router,
            auth: Arc::new(auth),
            sessions: Default::default(),
            read_only: read_only_listener,
            tls: false,
            server_header: HeaderValue::from_static("rmonit"),
        }
    }

    fn basic(user: &str, password: &str) -> String {
        use base64ct::{Base64, Encoding};
        format!("Basic {}", Base64::encode_string(format!("{user}:{password}").as_bytes()))
    }

    fn post(auth: &str, cookie: Option<&str>, body: &str) -> Request<Body> {
        let mut builder = Request::post("/_doaction")
            .header(header::HOST, "127.0.0.1:2812")
            .header(header::AUTHORIZATION, auth)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            builder = builder.header(header::COOKIE, format!("securitytoken={c}"));
        }
        builder.body(Body::from(body.to_owned())).unwrap()
    }

    async fn body(response: Response<Body>) -> String {
        String::from_utf8_lossy(&axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap()).into_owned()
    }

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[tokio::test]
    async fn credentials() {
        let l = listener(false);
        let get = |auth: Option<&str>| {
            let mut builder = Request::get("/_status");
            if let Some(a) = auth {
                builder = builder.header(header::AUTHORIZATION, a);
            }
            builder.body(Body::empty()).unwrap()
        };
        let none = handle(get(None), IP, &l).await;
        assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(none.headers()[header::WWW_AUTHENTICATE], "Basic realm=\"monit\"");
        assert_eq!(handle(get(Some(&basic("admin", "nope"))), IP, &l).await.status(), StatusCode::UNAUTHORIZED);
        let ok = handle(get(Some(&basic("admin", "monit"))), IP, &l).await;
        assert_eq!(ok.status(), StatusCode::OK);
        for name in [header::CONTENT_SECURITY_POLICY, header::X_FRAME_OPTIONS, header::CACHE_CONTROL] {
            assert!(ok.headers().contains_key(&name), "{name}");
        }
        assert!(ok.headers()[header::SET_COOKIE].to_str().unwrap().starts_with("securitytoken="));
        assert_eq!(body(ok).await, "status");
    }

    #[tokio::test(start_paused = true)]
    async fn wrong_passwords_are_throttled() {
        let l = listener(false);
        let mut waits = Vec::new();
        for _ in 0..5 {
            let request = Request::get("/_status")
                .header(header::AUTHORIZATION, basic("admin", "guess"))
                .body(Body::empty())
                .unwrap();
            let start = tokio::time::Instant::now();
            assert_eq!(handle(request, IP, &l).await.status(), StatusCode::UNAUTHORIZED);
            waits.push(start.elapsed().as_millis());
        }
        assert_eq!(waits, [0, 0, 0, 100, 200]);
    }

    #[tokio::test]
    async fn csrf_origin_and_read_only() {
        let l = listener(false);
        let admin = basic("admin", "monit");
        let missing = handle(post(&admin, None, "action=start"), IP, &l).await;
        assert_eq!(missing.status(), StatusCode::FORBIDDEN);
        assert!(body(missing).await.contains("Invalid CSRF Token"));
        let mismatched = handle(post(&admin, Some("a"), "action=start&securitytoken=b"), IP, &l).await;
        assert_eq!(mismatched.status(), StatusCode::FORBIDDEN);
        let ok = handle(post(&admin, Some("a"), "action=start&securitytoken=a"), IP, &l).await;
        assert_eq!(body(ok).await, "done by admin");

        let mut foreign = post(&admin, Some("a"), "action=start&securitytoken=a");
        foreign.headers_mut().insert(header::ORIGIN, HeaderValue::from_static("http://evil.example"));
        assert_eq!(handle(foreign, IP, &l).await.status(), StatusCode::FORBIDDEN);
        let mut own = post(&admin, Some("a"), "action=start&securitytoken=a");
        own.headers_mut().insert(header::ORIGIN, HeaderValue::from_static("http://127.0.0.1:2812"));
        assert_eq!(handle(own, IP, &l).await.status(), StatusCode::OK);

        let guest = handle(post(&basic("guest", "guest"), Some("a"), "action=start&securitytoken=a"), IP, &l).await;
        assert_eq!(guest.status(), StatusCode::FORBIDDEN);
        let read_only_listener = listener(true);
        let refused = handle(post(&admin, Some("a"), "action=start&securitytoken=a"), IP, &read_only_listener).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);

        let big = format!("securitytoken=a&x={}", "y".repeat(100 * 1024));
        assert_eq!(handle(post(&admin, Some("a"), &big), IP, &l).await.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[tokio::test]
    async fn the_login_form_opens_a_session_and_logout_closes_it() {
        let l = listener(false);
        let page = Request::get("/_status").header(header::ACCEPT, "text/html").body(Body::empty()).unwrap();
        let redirected = handle(page, IP, &l).await;
        assert_eq!(redirected.status(), StatusCode::SEE_OTHER);
        assert_eq!(redirected.headers()[header::LOCATION], "/_login?next=%2F_status");

        let form = |body: &str| {
            Request::post("/_login")
                .header(header::COOKIE, "securitytoken=t")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body.to_owned()))
                .unwrap()
        };
        let wrong = handle(form("securitytoken=t&user=admin&password=x&next=/_status"), IP, &l).await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert!(body(wrong).await.contains("Wrong user or password."));
        let right = handle(form("securitytoken=t&user=admin&password=monit&next=//evil.example"), IP, &l).await;
        assert_eq!(right.status(), StatusCode::SEE_OTHER);
        assert_eq!(right.headers()[header::LOCATION], "/", "only local paths are followed");
        let cookie = right.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        let session = cookie.split(';').next().unwrap().to_owned();

        let with_session = |path: &str| {
            Request::get(path)
                .header(header::COOKIE, format!("{session}; securitytoken=t"))
                .body(Body::empty())
                .unwrap()
        };
        assert_eq!(handle(with_session("/_status"), IP, &l).await.status(), StatusCode::OK);
        let logout = Request::post("/_logout")
            .header(header::COOKIE, format!("{session}; securitytoken=t"))
            .body(Body::from("securitytoken=t"))
            .unwrap();
        assert_eq!(handle(logout, IP, &l).await.status(), StatusCode::SEE_OTHER);
        assert_eq!(handle(with_session("/_status"), IP, &l).await.status(), StatusCode::UNAUTHORIZED);
    }
}
