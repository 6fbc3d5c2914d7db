//! The TCP listener (`set httpd port N [address A]`): the product router, with the
//! lock-down of `set httpd` (see [`crate::http::lockdown`]), for browsers and Monit's own
//! CLI.
//! What this listener adds (reference §6.2, §9.6):
//!
//! - it binds 127.0.0.1 unless an address is given, and does not start without a
//!   credential (Monit would serve an ACL-only listener; we refuse to serve without a
//!   password), nor on a public address without TLS unless told `insecure`;
//! - the host ACL is checked at accept (see [`crate::http::auth`]), before a byte is read;
//! - concurrent and bounded: every connection is its own task; a request head must arrive
//!   within [`HEADER_TIMEOUT`] (or the client gets 408, see [`super::connection`]);
//!   [`super::admission`] caps the connections of each client and of the listener, and
//!   closes unauthenticated ones to make room, so a flood costs the flooder and
//!   authenticated users still get in (the CLI has its own socket);
//! - refusals are logged once per kind and then summarised (see [`super::refusals`]);
//! - TLS with `with ssl { pemfile ... }` (rustls, ring), and optional client certificates;
//! - every request carries its [`Transport`] (the client's address, TLS or not) for the
//!   lock-down.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::admission::{Admission, Client, Full, Limits, Ticket};
use super::connection::HeadLimits;
use super::refusals::{Kind, RefusalLog, summary_timer};
use crate::config::model::HttpdConfig;
use crate::http::AppState;
use crate::http::auth::Authenticator;
use crate::http::lockdown::{Lockdown, MAX_HEADERS, Transport};

/// How long a client may take to send a request's headers (and to start the next one on a
/// kept-alive connection).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a TLS handshake may take.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What every connection of one listener shares.
struct Listener {
    /// The product router, with this listener's lock-down.
    router: Router,
    /// For the host ACL at accept.
    auth: Arc<Authenticator>,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

/// A running TCP listener; dropped or [`TcpServer::stop`]ped, it stops accepting.
pub struct TcpServer {
    pub address: SocketAddr,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl TcpServer {
    /// Starts the listener `set httpd port` asks for; `Ok(None)` when there is no port.
    pub async fn start(httpd: Option<&HttpdConfig>, state: AppState) -> Result<Option<TcpServer>, String> {
        let Some(httpd) = httpd else { return Ok(None) };
        let Some(port) = httpd.port else { return Ok(None) };
        // htpasswd files are read, and the host name of `address` resolved, off the async
        // threads: a slow disk or resolver delays this listener only. (The nets of `allow`
        // were resolved when the configuration was loaded.)
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
        let auth = Arc::new(auth);
        let lockdown = Lockdown::new(httpd, Arc::clone(&auth));
        let scheme = if tls.is_some() { "https" } else { "http" };
        let shared = Arc::new(Listener { router: crate::http::router(state.with_lockdown(lockdown)), auth, tls });
        let cancel = CancellationToken::new();
        info!("web interface listening on {scheme}://{address}");
        let task = tokio::spawn(accept_loop(listener, shared, cancel.clone()));
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

async fn accept_loop(listener: TcpListener, shared: Arc<Listener>, cancel: CancellationToken) {
    let admission = Admission::new(Limits::default());
    let refusals = Arc::new(RefusalLog::new("web interface"));
    let mut summary = summary_timer();
    while let Some((stream, peer)) = refusals.next_connection(|| listener.accept(), &mut summary, &cancel).await {
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
        let evicted = ticket.evicted();
        let cancel = cancel.clone();
        let refusals = Arc::clone(&refusals);
        tokio::spawn(async move {
            tokio::select! {
                _ = serve_client(stream, ip, &shared, ticket, &refusals) => {}
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
    shared: &Listener,
    ticket: Ticket,
    refusals: &RefusalLog<Client>,
) {
    let _ = stream.set_nodelay(true);
    let router = shared.router.clone();
    let Some(acceptor) = &shared.tls else {
        return serve_connection(stream, Transport::Tcp { peer: ip, tls: false }, router, ticket).await;
    };
    let failure = match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => {
            return serve_connection(stream, Transport::Tcp { peer: ip, tls: true }, router, ticket).await;
        }
        Ok(Err(e)) => format!("failed: {e}"),
        Err(_) => "timed out".to_owned(),
    };
    if refusals.note(Kind::Handshake, Some(Client::of(ip))) {
        warn!("web interface: TLS handshake with [{ip}] {failure}");
    }
}

/// The connection, with its [`Transport`] in every request and its admission ticket told
/// when a request starts and ends (and whether its caller authenticated).
async fn serve_connection<S>(stream: S, transport: Transport, router: Router, ticket: Ticket)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let limits = HeadLimits { timeout: HEADER_TIMEOUT, max_size: Some(MAX_HEADERS) };
    super::connection::serve(stream, transport, router, limits, Some(ticket)).await;
}
