//! Where the daemon keeps its files when the configuration does not say: Monit's defaults
//! (reference §4) for the pid, id and state files, and ours for the control socket.

use std::path::PathBuf;

use crate::config::model::Config;

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("/"), PathBuf::from)
}

/// `set pidfile`, else `/run/rmonit.pid` for root and `~/.rmonit.pid` for a user.
pub fn pidfile(config: &Config) -> PathBuf {
    match &config.pidfile {
        Some(p) => PathBuf::from(p),
        None if is_root() => PathBuf::from("/run/rmonit.pid"),
        None => home().join(".rmonit.pid"),
    }
}

/// `set statefile`, else `~/.rmonit.state`.
pub fn statefile(config: &Config) -> PathBuf {
    match &config.statefile {
        Some(p) => PathBuf::from(p),
        None => home().join(".rmonit.state"),
    }
}

/// `set httpd unixsocket`, else `/run/rmonit.sock` for root and `~/.rmonit.sock` for a user.
pub fn control_socket(config: &Config) -> PathBuf {
    match config.httpd.as_ref().and_then(|h| h.unixsocket.as_ref()) {
        Some(socket) => PathBuf::from(&socket.path),
        None if is_root() => PathBuf::from("/run/rmonit.sock"),
        None => home().join(".rmonit.sock"),
    }
}
