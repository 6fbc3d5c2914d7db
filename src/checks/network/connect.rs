//! Opening the connection of a test: `[host H] port P` over TCP or UDP (every address the
//! name resolves to, in turn, optionally only IPv4 or IPv6, optionally from a source
//! address), or a unix socket (stream or datagram). Datagram sockets are wrapped as
//! streams: each write is one datagram, each read one datagram.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpSocket, UdpSocket, UnixDatagram, UnixStream};

use crate::checks::protocol::Stream;
use crate::config::model::IpVersion;

/// Where a test connects.
#[derive(Debug, Clone)]
pub enum Endpoint {
    Inet {
        host: String,
        port: u16,
        /// Source address (`address A`).
        source: Option<String>,
        ip_version: Option<IpVersion>,
        udp: bool,
    },
    Unix {
        path: String,
        udp: bool,
    },
}

impl Endpoint {
    /// Whether the connection carries datagrams (UDP, or a unix datagram socket).
    pub fn is_udp(&self) -> bool {
        match self {
            Endpoint::Inet { udp, .. } | Endpoint::Unix { udp, .. } => *udp,
        }
    }
}

/// An open connection and the address it reached.
pub struct Connection {
    pub stream: Box<dyn Stream>,
    /// `127.0.0.1:80`, `[::1]:80` or the socket path.
    pub peer: String,
}

/// Connects to `endpoint`. With several addresses, each is tried in turn and the last
/// error is reported when none answers.
pub async fn connect(endpoint: &Endpoint) -> Result<Connection, String> {
    match endpoint {
        Endpoint::Unix { path, udp: false } => {
            let stream = UnixStream::connect(path).await.map_err(|e| e.to_string())?;
            Ok(Connection { stream: Box::new(stream), peer: path.clone() })
        }
        Endpoint::Unix { path, udp: true } => {
            let socket = UnixDatagram::unbound().map_err(|e| e.to_string())?;
            socket.connect(path).map_err(|e| e.to_string())?;
            Ok(Connection { stream: Box::new(Datagram::Unix(socket)), peer: path.clone() })
        }
        Endpoint::Inet { host, port, source, ip_version, udp } => {
            let source: Option<IpAddr> = match source {
                Some(text) => Some(resolve_one(text).await?),
                None => None,
            };
            let addresses = resolve(host, *port, *ip_version).await?;
            let mut last_error = format!("{host} has no address");
            for address in addresses {
                match connect_one(address, source, *udp).await {
                    Ok(stream) => return Ok(Connection { stream, peer: address.to_string() }),
                    Err(e) => last_error = e.to_string(),
                }
            }
            Err(last_error)
        }
    }
}

/// A UDP test without a protocol (Monit's): one NUL byte to each address in turn; only a
/// refusal (ICMP port unreachable) within `wait` fails it, as nothing need answer.
pub async fn probe_udp(endpoint: &Endpoint, wait: std::time::Duration) -> Result<(), String> {
    let (host, port, source, ip_version) = match endpoint {
        Endpoint::Inet { host, port, source, ip_version, .. } => (host, *port, source, *ip_version),
        Endpoint::Unix { path, .. } => {
            let socket = UnixDatagram::unbound().map_err(|e| e.to_string())?;
            socket.connect(path).map_err(|e| e.to_string())?;
            return socket.send(b"\0").await.map(|_| ()).map_err(|e| e.to_string());
        }
    };
    let source: Option<IpAddr> = match source {
        Some(text) => Some(resolve_one(text).await?),
        None => None,
    };
    let mut last_error = format!("{host} has no address");
    for address in resolve(host, port, ip_version).await? {
        match probe_one(address, source, wait).await {
            Ok(()) => return Ok(()),
            Err(e) => last_error = e.to_string(),
        }
    }
    Err(last_error)
}

/// The local end of a UDP socket to `address`: the source address if given, else any
/// address of the same family.
fn local_address(source: Option<IpAddr>, address: SocketAddr) -> SocketAddr {
    match (source, address.is_ipv4()) {
        (Some(ip), _) => SocketAddr::new(ip, 0),
        (None, true) => SocketAddr::from(([0, 0, 0, 0], 0)),
        (None, false) => SocketAddr::from(([0u16; 8], 0)),
    }
}

async fn probe_one(address: SocketAddr, source: Option<IpAddr>, wait: std::time::Duration) -> io::Result<()> {
    let socket = UdpSocket::bind(local_address(source, address)).await?;
    socket.connect(address).await?;
    socket.send(b"\0").await?;
    // A refusal arrives as a socket error, which a plain read readiness would not report.
    let interest = tokio::io::Interest::READABLE | tokio::io::Interest::ERROR;
    if tokio::time::timeout(wait, socket.ready(interest)).await.is_ok() {
        if let Some(error) = socket.take_error()? {
            return Err(error);
        }
        let mut buffer = [0u8; 512];
        match socket.try_recv(&mut buffer) {
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// The addresses of `host`, filtered by IP version, in the resolver's order.
pub async fn resolve(host: &str, port: u16, ip_version: Option<IpVersion>) -> Result<Vec<SocketAddr>, String> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let found = tokio::net::lookup_host((bare, port)).await.map_err(|e| format!("cannot resolve {host}: {e}"))?;
    let addresses: Vec<SocketAddr> = found
        .filter(|a| match ip_version {
            Some(IpVersion::Ipv4) => a.is_ipv4(),
            Some(IpVersion::Ipv6) => a.is_ipv6(),
            None => true,
        })
        .collect();
    if addresses.is_empty() {
        let which = match ip_version {
            Some(IpVersion::Ipv4) => "IPv4 ",
            Some(IpVersion::Ipv6) => "IPv6 ",
            None => "",
        };
        return Err(format!("{host} has no {which}address"));
    }
    Ok(addresses)
}

async fn resolve_one(host: &str) -> Result<IpAddr, String> {
    Ok(resolve(host, 0, None).await?[0].ip())
}

async fn connect_one(address: SocketAddr, source: Option<IpAddr>, udp: bool) -> io::Result<Box<dyn Stream>> {
    if udp {
        let socket = UdpSocket::bind(local_address(source, address)).await?;
        socket.connect(address).await?;
        return Ok(Box::new(Datagram::Udp(socket)));
    }
    let socket = if address.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    if let Some(ip) = source {
        socket.bind(SocketAddr::new(ip, 0))?;
    }
    let stream = socket.connect(address).await?;
    stream.set_nodelay(true)?;
    Ok(Box::new(stream))
}

/// A connected datagram socket used as a stream.
pub enum Datagram {
    Udp(UdpSocket),
    Unix(UnixDatagram),
}

impl AsyncRead for Datagram {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Datagram::Udp(s) => s.poll_recv(cx, buf),
            Datagram::Unix(s) => s.poll_recv(cx, buf),
        }
    }
}

impl AsyncWrite for Datagram {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Datagram::Udp(s) => s.poll_send(cx, buf),
            Datagram::Unix(s) => s.poll_send(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[tokio::test]
    async fn tcp_connects_to_a_listener_and_refusal_is_an_error() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let endpoint = Endpoint::Inet {
            host: "127.0.0.1".into(),
            port,
            source: Some("127.0.0.1".into()),
            ip_version: None,
            udp: false,
        };
        let connection = connect(&endpoint).await.unwrap();
        assert_eq!(connection.peer, format!("127.0.0.1:{port}"));
        drop(listener);
        let error = connect(&endpoint).await.err().unwrap();
        assert!(error.contains("refused"), "{error}");
        let only_v6 = Endpoint::Inet {
            host: "127.0.0.1".into(),
            port,
            source: None,
            ip_version: Some(IpVersion::Ipv6),
            udp: false,
        };
        assert!(connect(&only_v6).await.err().unwrap().contains("no IPv6 address"));
    }

    #[tokio::test]
    async fn udp_datagrams_read_and_write_as_a_stream() {
        let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let port = server.local_addr().unwrap().port();
        let endpoint = Endpoint::Inet { host: "127.0.0.1".into(), port, source: None, ip_version: None, udp: true };
        let mut connection = connect(&endpoint).await.unwrap();
        connection.stream.write_all(b"ping").await.unwrap();
        let mut buf = [0u8; 16];
        let (n, from) = server.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"ping");
        server.send_to(b"pong", from).await.unwrap();
        let n = connection.stream.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"pong");
    }
}
