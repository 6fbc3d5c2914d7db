//! systemd's readiness protocol (`sd_notify(3)`, for `Type=notify` units), spoken when
//! systemd passes `NOTIFY_SOCKET`: `READY=1` once the engine and the control socket run,
//! `RELOADING=1` (with `MONOTONIC_USEC`) and `READY=1` around a reload, `STOPPING=1` at the
//! stop, a one-line `STATUS=` (what `systemctl status` shows) as the services change, and
//! `WATCHDOG=1` at half the `WatchdogSec` systemd asked for (`WATCHDOG_USEC`, for this pid).
//! Without `NOTIFY_SOCKET` every call does nothing. A datagram that cannot be sent is
//! dropped: systemd being away must never stop the daemon.

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

/// The notification socket systemd gave this process, if any.
pub struct Notifier {
    socket: UnixDatagram,
    address: std::os::unix::net::SocketAddr,
}

impl Notifier {
    /// From `NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace).
    pub fn from_env() -> Option<Notifier> {
        let path = std::env::var_os("NOTIFY_SOCKET")?;
        let path = path.to_str()?;
        let address = if let Some(name) = path.strip_prefix('@') {
            use std::os::linux::net::SocketAddrExt;
            std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).ok()?
        } else {
            std::os::unix::net::SocketAddr::from_pathname(path).ok()?
        };
        let socket = UnixDatagram::unbound().ok()?;
        Some(Notifier { socket, address })
    }

    /// Sends one notification (`KEY=value` lines).
    pub fn notify(&self, state: &str) {
        let _ = self.socket.send_to_addr(state.as_bytes(), &self.address);
    }

    pub fn ready(&self, status: &str) {
        self.notify(&format!("READY=1\nSTATUS={}", one_line(status)));
    }

    /// A reload begins: `RELOADING=1` with the monotonic clock, as systemd 253 wants it.
    pub fn reloading(&self) {
        let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
        let micros = now.tv_sec as u64 * 1_000_000 + now.tv_nsec as u64 / 1000;
        self.notify(&format!("RELOADING=1\nMONOTONIC_USEC={micros}"));
    }

    pub fn stopping(&self) {
        self.notify("STOPPING=1\nSTATUS=stopping");
    }

    pub fn status(&self, status: &str) {
        self.notify(&format!("STATUS={}", one_line(status)));
    }

    pub fn watchdog(&self) {
        self.notify("WATCHDOG=1");
    }
}

/// The notifier of this process, read from the environment once.
fn notifier() -> Option<&'static Notifier> {
    static NOTIFIER: std::sync::OnceLock<Option<Notifier>> = std::sync::OnceLock::new();
    NOTIFIER.get_or_init(Notifier::from_env).as_ref()
}

/// The daemon runs: `READY=1`, then a task that keeps `STATUS=` current (checked every
/// second, sent when it changed) and pings the watchdog.
pub fn started(state: &crate::http::AppState) {
    let Some(notifier) = notifier() else { return };
    let mut last = summary(&state.engine().board().snapshot());
    notifier.ready(&last);
    let watchdog = watchdog_interval();
    let state = state.clone();
    tokio::spawn(async move {
        let tick = watchdog.map_or(STATUS_EVERY, |w| w.min(STATUS_EVERY));
        let mut ticker = tokio::time::interval(tick);
        let mut pinged = tokio::time::Instant::now();
        loop {
            ticker.tick().await;
            let now = summary(&state.engine().board().snapshot());
            if now != last {
                notifier.status(&now);
                last = now;
            }
            if let Some(every) = watchdog
                && pinged.elapsed() >= every
            {
                notifier.watchdog();
                pinged = tokio::time::Instant::now();
            }
        }
    });
}

/// How often the status line is looked at.
const STATUS_EVERY: Duration = Duration::from_secs(1);

/// A reload begins.
pub fn reloading() {
    if let Some(notifier) = notifier() {
        notifier.reloading();
    }
}

/// A reload is over (done or refused: the daemon runs either way).
pub fn reloaded(state: &crate::http::AppState) {
    if let Some(notifier) = notifier() {
        notifier.ready(&summary(&state.engine().board().snapshot()));
    }
}

/// The daemon stops.
pub fn stopping() {
    if let Some(notifier) = notifier() {
        notifier.stopping();
    }
}

/// How often to ping the watchdog: half of `WATCHDOG_USEC`, when it is meant for this
/// process (`WATCHDOG_PID` unset or ours).
pub fn watchdog_interval() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    if let Ok(pid) = std::env::var("WATCHDOG_PID")
        && pid.parse::<u32>().ok() != Some(std::process::id())
    {
        return None;
    }
    (usec > 0).then(|| Duration::from_micros(usec / 2))
}

/// A status line: no newline may start a new `KEY=` of its own.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// `12 services: 10 OK, 1 failed (web), 1 not monitored`: what `systemctl status` shows,
/// in the classes of `rmonit report` (a failed service is one `report` counts as down).
pub fn summary(snapshot: &crate::state::Snapshot) -> String {
    use crate::state::report::{Filter, count, is_down};
    let counts = count(snapshot, &Filter::default());
    let mut line = format!("{} services: {} OK", counts.total, counts.up);
    if counts.down > 0 {
        const NAMED: usize = 5;
        let failed: Vec<&str> = snapshot.services.iter().filter(|s| is_down(s)).map(|s| s.name.as_str()).collect();
        let mut names = failed.iter().take(NAMED).copied().collect::<Vec<_>>().join(", ");
        if failed.len() > NAMED {
            names.push_str(", ...");
        }
        line.push_str(&format!(", {} failed ({names})", counts.down));
    }
    for (n, word) in [(counts.initialising, "initializing"), (counts.unmonitored, "not monitored")] {
        if n > 0 {
            line.push_str(&format!(", {n} {word}"));
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_reach_the_socket_systemd_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        let notifier = Notifier {
            socket: UnixDatagram::unbound().unwrap(),
            address: std::os::unix::net::SocketAddr::from_pathname(&path).unwrap(),
        };
        notifier.ready("3 services:\n3 OK");
        let mut buf = [0u8; 256];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\nSTATUS=3 services: 3 OK");
        notifier.reloading();
        let n = listener.recv(&mut buf).unwrap();
        let text = std::str::from_utf8(&buf[..n]).unwrap();
        assert!(text.starts_with("RELOADING=1\nMONOTONIC_USEC=") && text.len() > 30, "{text}");
    }

    #[test]
    fn the_summary_names_the_failed_services() {
        use crate::config::model::{EventKind, Mode, OnReboot};
        use crate::state::{Monitoring, ServiceStatus};
        let mut services: Vec<ServiceStatus> = ["a", "b", "c", "d"]
            .iter()
            .map(|n| ServiceStatus::new(n, "Process", 3, Mode::Active, OnReboot::Start))
            .collect();
        services[0].monitoring = Monitoring::Monitored;
        services[1].monitoring = Monitoring::Monitored;
        services[1].failed.insert(EventKind::Nonexist, "gone".to_owned());
        services[2].monitoring = Monitoring::NotMonitored;
        let snapshot =
            crate::state::Snapshot { services, started: std::time::SystemTime::now(), poll_interval_ms: 1000 };
        assert_eq!(summary(&snapshot), "4 services: 1 OK, 1 failed (b), 1 initializing, 1 not monitored");
    }
}
