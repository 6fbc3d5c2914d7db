//! The unix control socket: bound with mode 0600 (or the configured permission), a stale
//! socket of a dead daemon removed first, and every client checked by its peer credentials
//! (root or the daemon's own user) before a byte is read. Each connection is served
//! concurrently, with a deadline for its request, so a slow client locks out no one.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::TokioIo;
use tokio::net::{UnixListener, UnixStream};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// How long one connection may take to send its request and get its answer (actions with
/// `wait=yes` get `ACTION_WAIT` on top).
pub const CONNECTION_DEADLINE: Duration = Duration::from_secs(30);

/// Binds the control socket. A socket file left by a dead daemon is replaced; one that
/// answers belongs to a running daemon, which is an error.
pub async fn bind(path: &Path, permission: u32) -> Result<UnixListener, String> {
    if path.exists() {
        if UnixStream::connect(path).await.is_ok() {
            return Err(format!("another daemon answers on the control socket {}", path.display()));
        }
        std::fs::remove_file(path).map_err(|e| format!("cannot remove the stale socket {}: {e}", path.display()))?;
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let listener = UnixListener::bind(path).map_err(|e| format!("cannot bind {}: {e}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(permission))
        .map_err(|e| format!("cannot set the permission of {}: {e}", path.display()))?;
    Ok(listener)
}

/// Whether a peer may use the socket: root, or the daemon's own user. Returns its uid.
fn authorized(stream: &UnixStream) -> Result<u32, String> {
    let cred = stream.peer_cred().map_err(|e| format!("no peer credentials: {e}"))?;
    let me = rustix::process::geteuid().as_raw();
    if cred.uid() == 0 || cred.uid() == me {
        Ok(cred.uid())
    } else {
        Err(format!("uid {} is neither root nor the daemon's user", cred.uid()))
    }
}

/// Serves the router on the listener until cancelled; removes the socket at the end.
/// `read_only` (`unixsocket ... read-only`) makes every client a read-only caller.
pub async fn serve(listener: UnixListener, path: PathBuf, router: Router, read_only: bool, cancel: CancellationToken) {
    info!("control socket listening on {}", path.display());
    loop {
        let (stream, _) = tokio::select! {
            _ = cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    warn!("control socket accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let uid = match authorized(&stream) {
            Ok(uid) => uid,
            Err(reason) => {
                warn!("control socket: refused a client: {reason}");
                continue;
            }
        };
        let caller = crate::http::Caller { who: format!("uid {uid}"), from: "unix socket".to_owned(), read_only };
        let router = router.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
                let router = router.clone();
                request.extensions_mut().insert(caller.clone());
                async move {
                    use tower::ServiceExt;
                    router.oneshot(request.map(axum::body::Body::new)).await
                }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = cancel.cancelled() => {}
                _ = tokio::time::sleep(CONNECTION_DEADLINE + crate::http::ACTION_WAIT) => {}
            }
        });
    }
    let _ = std::fs::remove_file(&path);
}
