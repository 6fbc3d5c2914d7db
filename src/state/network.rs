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

impl ConnectionFigure {
    /// Monit's `type TCP/IP` and `using TLS ` words.
    pub fn type_description(&self) -> String {
        format!("{}/{}", self.socket_type, self.ip_version)
    }
}
