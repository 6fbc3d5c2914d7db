//! The unix control socket: bound with mode 0600 (or the configured permission, owner and
//! group: `set httpd unixsocket PATH uid U gid G permission 0660`), a stale socket of a dead
//! daemon removed first, and every client checked by its peer credentials (root, the
//! daemon's own user, or a member of the socket's configured group) before a byte is read.
//! Each connection is served concurrently (see [`super::connection`]), with a deadline for
//! its request, so a slow client locks out no one; refused clients are logged once and
//! then summarised (see [`super::refusals`]).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::Router;
use tokio::net::{UnixListener, UnixStream};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::connection::HeadLimits;
use super::refusals::{Kind, RefusalLog, summary_timer};
use crate::config::model::UnixSocketConfig;
use crate::http::lockdown::Transport;

/// How long one connection may take to send its request and get its answer (actions with
/// `wait=yes` get `ACTION_WAIT` on top).
pub const CONNECTION_DEADLINE: Duration = Duration::from_secs(30);
/// How long a client may take to send a request head (408 after that, as on TCP).
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// A refused peer, by its uid, in the log's summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Peer(u32);

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "uid {}", self.0)
    }
}

/// Who may use the socket besides root and the daemon's user, and how.
#[derive(Debug, Clone, Default)]
pub struct SocketAccess {
    /// Members of this group (`unixsocket ... gid G`) are let in too.
    pub group: Option<u32>,
    /// `unixsocket ... read-only`: every client is a read-only caller.
    pub read_only: bool,
}

/// Binds the control socket. A socket file left by a dead daemon is replaced; one that
/// answers belongs to a running daemon, which is an error. Returns the listener and who
/// may use it.
pub async fn bind(path: &Path, config: Option<&UnixSocketConfig>) -> Result<(UnixListener, SocketAccess), String> {
    if path.exists() {
        if UnixStream::connect(path).await.is_ok() {
            return Err(format!("another daemon answers on the control socket {}", path.display()));
        }
        std::fs::remove_file(path).map_err(|e| format!("cannot remove the stale socket {}: {e}", path.display()))?;
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let uid = config.and_then(|c| c.uid.as_deref()).map(user_id).transpose()?;
    let gid = config.and_then(|c| c.gid.as_deref()).map(group_id).transpose()?;
    let listener = UnixListener::bind(path).map_err(|e| format!("cannot bind {}: {e}", path.display()))?;
    if uid.is_some() || gid.is_some() {
        nix::unistd::chown(path, uid.map(nix::unistd::Uid::from_raw), gid.map(nix::unistd::Gid::from_raw))
            .map_err(|e| format!("cannot change the owner of {}: {e}", path.display()))?;
    }
    let permission = config.and_then(|c| c.permission).unwrap_or(0o600);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(permission))
        .map_err(|e| format!("cannot set the permission of {}: {e}", path.display()))?;
    Ok((listener, SocketAccess { group: gid, read_only: config.is_some_and(|c| c.read_only) }))
}

fn user_id(name: &str) -> Result<u32, String> {
    if let Ok(id) = name.parse() {
        return Ok(id);
    }
    match nix::unistd::User::from_name(name) {
        Ok(Some(user)) => Ok(user.uid.as_raw()),
        _ => Err(format!("unixsocket: no user named '{name}'")),
    }
}

fn group_id(name: &str) -> Result<u32, String> {
    if let Ok(id) = name.parse() {
        return Ok(id);
    }
    match nix::unistd::Group::from_name(name) {
        Ok(Some(group)) => Ok(group.gid.as_raw()),
        _ => Err(format!("unixsocket: no group named '{name}'")),
    }
}

/// Whether a peer may use the socket: root, the daemon's own user, or a member of the
/// socket's group (primary or supplementary, read from /proc). Returns its uid.
fn authorized(stream: &UnixStream, access: &SocketAccess) -> Result<u32, String> {
    let cred = stream.peer_cred().map_err(|e| format!("no peer credentials: {e}"))?;
    let me = rustix::process::geteuid().as_raw();
    if cred.uid() == 0 || cred.uid() == me {
        return Ok(cred.uid());
    }
    if let Some(group) = access.group
        && (cred.gid() == group || cred.pid().is_some_and(|pid| supplementary_groups(pid).contains(&group)))
    {
        return Ok(cred.uid());
    }
    Err(format!("uid {} is neither root nor the daemon's user nor in the socket's group", cred.uid()))
}

/// The supplementary groups of a process (`Groups:` of /proc/PID/status).
fn supplementary_groups(pid: i32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Groups:"))
                .map(|g| g.split_whitespace().filter_map(|id| id.parse().ok()).collect())
        })
        .unwrap_or_default()
}

/// Serves the router on the listener until cancelled; removes the socket at the end.
pub async fn serve(
    listener: UnixListener,
    path: PathBuf,
    router: Router,
    access: SocketAccess,
    cancel: CancellationToken,
) {
    let read_only = access.read_only;
    info!("control socket listening on {}", path.display());
    let refusals = RefusalLog::new("control socket");
    let mut summary = summary_timer();
    while let Some((stream, _)) = refusals.next_connection(|| listener.accept(), &mut summary, &cancel).await {
        let uid = match authorized(&stream, &access) {
            Ok(uid) => uid,
            Err(reason) => {
                let peer = stream.peer_cred().ok().map(|c| Peer(c.uid()));
                if refusals.note(Kind::Denied, peer) {
                    warn!("control socket: refused a client: {reason}");
                }
                continue;
            }
        };
        let transport = Transport::Unix { uid, read_only };
        let router = router.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            let limits = HeadLimits { timeout: HEAD_TIMEOUT, max_size: None };
            tokio::select! {
                _ = super::connection::serve(stream, transport, router, limits, None) => {}
                _ = cancel.cancelled() => {}
                _ = tokio::time::sleep(CONNECTION_DEADLINE + crate::http::ACTION_WAIT) => {}
            }
        });
    }
    refusals.flush();
    let _ = std::fs::remove_file(&path);
}
