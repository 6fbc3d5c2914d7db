//! Where the daemon keeps its files when the configuration does not say: Monit's defaults
//! (reference §4) for the pid, id and state files, and ours for the control socket. Part of
//! the configuration, below the daemon, because the CLI and the HTTP pages need the same
//! answers.

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

/// `set httpd unixsocket`, else beside the pid file with `.sock` for `.pid`
/// (`/run/rmonit.sock` for root and `~/.rmonit.sock` for a user by default): two daemons
/// with their own pid files never share a control socket, nor does their CLI.
pub fn control_socket(config: &Config) -> PathBuf {
    match config.httpd.as_ref().and_then(|h| h.unixsocket.as_ref()) {
        Some(socket) => PathBuf::from(&socket.path),
        None => socket_beside(&pidfile(config)),
    }
}

fn socket_beside(pidfile: &std::path::Path) -> PathBuf {
    let mut name = pidfile.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    if let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".pid")) {
        name = stem.into();
    }
    name.push(".sock");
    pidfile.with_file_name(name)
}

/// `set idfile`, else `~/.rmonit.id`.
pub fn idfile(config: &Config) -> PathBuf {
    match &config.idfile {
        Some(p) => PathBuf::from(p),
        None => home().join(".rmonit.id"),
    }
}

/// The instance id (32 hex digits), created on first use as Monit does.
pub fn instance_id(config: &Config) -> Result<String, String> {
    let path = idfile(config);
    if let Ok(text) = std::fs::read_to_string(&path) {
        let id = text.trim();
        if id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()) {
            return Ok(id.to_owned());
        }
    }
    let mut bytes = [0u8; 16];
    use std::io::Read;
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
    let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(&path, format!("{id}\n"))
        .map_err(|e| format!("cannot write the id file {}: {e}", path.display()))?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_socket_sits_beside_the_pid_file() {
        assert_eq!(socket_beside("/run/rmonit.pid".as_ref()), PathBuf::from("/run/rmonit.sock"));
        assert_eq!(socket_beside("/home/u/.rmonit.pid".as_ref()), PathBuf::from("/home/u/.rmonit.sock"));
        assert_eq!(socket_beside("/srv/b/pid".as_ref()), PathBuf::from("/srv/b/pid.sock"));
        let text = "set pidfile /srv/a/monit.pid\n";
        let config = crate::config::load_str("/x/monitrc", text, crate::config::LoadOptions::default()).unwrap().config;
        assert_eq!(control_socket(&config), PathBuf::from("/srv/a/monit.sock"));
    }
}
