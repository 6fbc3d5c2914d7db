//! What the last cycle's connection and ping tests of a service found, for `status`
//! (`port response time 1.501 ms to 127.0.0.1:80/index.html type TCP/IP protocol HTTP`),
//! the XML status (`<port>`, `<unix>`, `<icmp>`) and the JSON API.

use serde::{Deserialize, Serialize};

/// Which kind of test a figure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionKind {
    Port,
    Unix,
    Ping,
}

/// One test's figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionFigure {
    pub kind: ConnectionKind,
    /// The host name (port, ping) or the socket path (unix).
    pub target: String,
    /// 0 for unix sockets and pings.
    pub port: u16,
    /// The HTTP request path, shown after the port (`/index.html`), or empty.
    pub request: String,
    /// Monit's protocol name: `HTTP`, `SSH`, `DEFAULT`, `GENERIC`; `ECHO` for a ping.
    pub protocol: String,
    /// `TCP` or `UDP`.
    pub socket_type: String,
    /// `IP`, `IPv4` or `IPv6`.
    pub ip_version: String,
    pub tls: bool,
    /// Seconds; `None` while the test failed or has not run.
    pub response_time: Option<f64>,
    /// `None`: not tested yet (a process younger than its start timeout, a host whose ping
    /// failed); `Some(false)`: failed.
    pub available: Option<bool>,
}

/// The figures in the order Monit prints them: pings, then ports, then unix sockets, each
/// kind last-declared first (Monit prepends every test to its kind's list).
pub fn in_monit_order(figures: &[ConnectionFigure]) -> Vec<&ConnectionFigure> {
    [ConnectionKind::Ping, ConnectionKind::Port, ConnectionKind::Unix]
        .into_iter()
        .flat_map(|kind| figures.iter().rev().filter(move |f| f.kind == kind))
        .collect()
}

impl ConnectionFigure {
    /// Monit's `type TCP/IP` and `using TLS ` words.
    pub fn type_description(&self) -> String {
        format!("{}/{}", self.socket_type, self.ip_version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monit_prints_pings_then_ports_then_sockets_each_last_declared_first() {
        let figure = |kind, port| ConnectionFigure {
            kind,
            target: "h".into(),
            port,
            request: String::new(),
            protocol: "DEFAULT".into(),
            socket_type: "TCP".into(),
            ip_version: "IP".into(),
            tls: false,
            response_time: None,
            available: None,
        };
        let declared = [
            figure(ConnectionKind::Port, 80),
            figure(ConnectionKind::Unix, 0),
            figure(ConnectionKind::Port, 443),
            figure(ConnectionKind::Ping, 0),
        ];
        let order: Vec<(ConnectionKind, u16)> = in_monit_order(&declared).iter().map(|f| (f.kind, f.port)).collect();
        assert_eq!(
            order,
            [
                (ConnectionKind::Ping, 0),
                (ConnectionKind::Port, 443),
                (ConnectionKind::Port, 80),
                (ConnectionKind::Unix, 0)
            ]
        );
    }
}
