//! `if failed ping [count N] [size N] [responsetime <op> T] [timeout T] [address A]` on a
//! `check host`: ICMP echo over an unprivileged datagram socket (`SOCK_DGRAM` +
//! `IPPROTO_ICMP`, allowed by `net.ipv4.ping_group_range`), or a raw socket when that is
//! refused and the daemon may open one (root, CAP_NET_RAW). Without either the test fails
//! and says how to allow it (Monit skips it silently). Up to `count` echoes are sent, one
//! at a time, each waiting up to the timeout; the first reply passes the test.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use rustix::net::{AddressFamily, SocketType, ipproto};

use super::connect;
use crate::config::model::{IpVersion, PingTest};
use crate::outcome::TestResult;
use crate::state::{ConnectionFigure, ConnectionKind};

/// Monit's defaults: 3 echoes of 64 bytes.
pub const DEFAULT_COUNT: u32 = 3;
pub const DEFAULT_SIZE: u32 = 64;

const ICMP_HEADER: usize = 8;

/// What a ping test found.
#[derive(Debug, Clone, PartialEq)]
pub struct PingReport {
    /// The `icmp` event.
    pub icmp: TestResult,
    /// The `speed` event of `responsetime`.
    pub response_time: TestResult,
    pub figure: ConnectionFigure,
}

impl PingReport {
    /// Whether the host answered (port tests of the host are skipped when not).
    pub fn answered(&self) -> bool {
        self.figure.available == Some(true)
    }
}

/// The longest a ping test can take.
pub fn budget(test: &PingTest, default_timeout: Duration) -> Duration {
    test.timeout.map_or(default_timeout, |t| t.as_std()) * test.count.unwrap_or(DEFAULT_COUNT).max(1)
}

/// Pings `host` as `test` asks.
pub async fn check(host: &str, test: &PingTest, default_timeout: Duration) -> PingReport {
    let timeout = test.timeout.map_or(default_timeout, |t| t.as_std());
    let count = test.count.unwrap_or(DEFAULT_COUNT).max(1);
    let size = test.size.unwrap_or(DEFAULT_SIZE) as usize;
    let outcome = echo(host, test, count, size, timeout).await;
    let mut figure = ConnectionFigure {
        kind: ConnectionKind::Ping,
        target: host.to_owned(),
        port: 0,
        request: String::new(),
        protocol: "ECHO".to_owned(),
        socket_type: "ICMP".to_owned(),
        ip_version: match test.ip_version {
            Some(IpVersion::Ipv4) => "IPv4",
            Some(IpVersion::Ipv6) => "IPv6",
            None => "IP",
        }
        .to_owned(),
        tls: false,
        response_time: None,
        available: Some(outcome.is_ok()),
    };
    match outcome {
        Ok(elapsed) => {
            figure.response_time = Some(elapsed.as_secs_f64());
            let millis = elapsed.as_secs_f64() * 1000.0;
            let shown = crate::state::report::format::millis(millis);
            let response_time = match &test.response_time {
                Some(limit) if limit.op.holds(millis, limit.limit.value) => {
                    TestResult::Failed(format!("ping response time {shown} doesn't match limit [time {limit}]"))
                }
                Some(limit) => {
                    TestResult::Succeeded(format!("ping response time {shown} matches limit [time {limit}]"))
                }
                None => TestResult::Skipped,
            };
            let message = format!("ping test succeeded [response time {shown}]");
            let icmp = if test.succeeded { TestResult::Failed(message) } else { TestResult::Succeeded(message) };
            PingReport { icmp, response_time, figure }
        }
        Err(reason) => {
            let message = format!("ping test failed -- {reason}");
            let icmp = if test.succeeded { TestResult::Succeeded(message) } else { TestResult::Failed(message) };
            PingReport { icmp, response_time: TestResult::Skipped, figure }
        }
    }
}

/// Sends up to `count` echoes; the round trip of the first answered.
async fn echo(host: &str, test: &PingTest, count: u32, size: usize, timeout: Duration) -> Result<Duration, String> {
    let address = connect::resolve(host, 0, test.ip_version).await?[0].ip();
    let (socket, raw) = open(address)?;
    if let Some(source) = &test.address {
        let ip = connect::resolve(source, 0, None).await?[0].ip();
        rustix::net::bind(&socket, &SocketAddr::new(ip, 0)).map_err(|e| format!("cannot bind to {source}: {e}"))?;
    }
    let std_socket = std::net::UdpSocket::from(socket);
    std_socket.set_nonblocking(true).map_err(|e| e.to_string())?;
    let socket = tokio::net::UdpSocket::from_std(std_socket).map_err(|e| e.to_string())?;
    let identifier = (std::process::id() & 0xFFFF) as u16;
    let mut last_error =
        format!("no answer within {}", crate::state::report::format::millis(timeout.as_secs_f64() * 1000.0));
    for sequence in 1..=count as u16 {
        let packet = request(address.is_ipv4(), identifier, sequence, size.saturating_sub(ICMP_HEADER));
        let started = Instant::now();
        socket.send_to(&packet, SocketAddr::new(address, 0)).await.map_err(|e| format!("cannot send: {e}"))?;
        let wait = async {
            let mut buffer = vec![0u8; 65_536];
            loop {
                let (n, from) = socket.recv_from(&mut buffer).await?;
                if from.ip() == address && is_reply(&buffer[..n], address.is_ipv4(), raw, identifier, sequence) {
                    return Ok::<_, std::io::Error>(());
                }
            }
        };
        match tokio::time::timeout(timeout, wait).await {
            Ok(Ok(())) => return Ok(started.elapsed()),
            Ok(Err(e)) => last_error = e.to_string(),
            Err(_) => {}
        }
    }
    Err(last_error)
}

/// An ICMP socket for `address`: datagram first, raw when that is refused. The flag says
/// raw.
fn open(address: IpAddr) -> Result<(std::os::fd::OwnedFd, bool), String> {
    let (family, protocol) =
        if address.is_ipv4() { (AddressFamily::INET, ipproto::ICMP) } else { (AddressFamily::INET6, ipproto::ICMPV6) };
    let dgram_error = match rustix::net::socket(family, SocketType::DGRAM, Some(protocol)) {
        Ok(fd) => return Ok((fd, false)),
        Err(e) => e,
    };
    match rustix::net::socket(family, SocketType::RAW, Some(protocol)) {
        Ok(fd) => Ok((fd, true)),
        Err(raw_error) => Err(format!(
            "cannot open an ICMP socket ({dgram_error}; raw: {raw_error}): allow unprivileged ping with \
             sysctl net.ipv4.ping_group_range (it must include the daemon's group), or give the daemon \
             CAP_NET_RAW"
        )),
    }
}

/// An echo request: type 8 (IPv4) or 128 (IPv6), with its checksum (the kernel fills in
/// ICMPv6's).
fn request(ipv4: bool, identifier: u16, sequence: u16, payload: usize) -> Vec<u8> {
    let mut packet = vec![if ipv4 { 8 } else { 128 }, 0, 0, 0];
    packet.extend_from_slice(&identifier.to_be_bytes());
    packet.extend_from_slice(&sequence.to_be_bytes());
    packet.extend((0..payload).map(|i| i as u8));
    if ipv4 {
        let sum = checksum(&packet);
        packet[2..4].copy_from_slice(&sum.to_be_bytes());
    }
    packet
}

/// The internet checksum.
fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data.chunks(2).map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))).sum();
    while sum >> 16 != 0 {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

/// Whether `data` is the reply to our echo. Raw IPv4 sockets see the IP header first, and
/// every ICMP message of the host, so the identifier is checked too; datagram sockets get
/// only their own replies (the kernel sets the identifier).
fn is_reply(data: &[u8], ipv4: bool, raw: bool, identifier: u16, sequence: u16) -> bool {
    let icmp = if raw && ipv4 {
        let header = usize::from(data.first().map_or(0, |b| b & 0x0F)) * 4;
        match data.get(header..) {
            Some(rest) => rest,
            None => return false,
        }
    } else {
        data
    };
    if icmp.len() < ICMP_HEADER || icmp[0] != if ipv4 { 0 } else { 129 } {
        return false;
    }
    let same_sequence = u16::from_be_bytes([icmp[6], icmp[7]]) == sequence;
    same_sequence && (!raw || u16::from_be_bytes([icmp[4], icmp[5]]) == identifier)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_carry_a_valid_checksum() {
        let packet = request(true, 0x1234, 7, 56);
        assert_eq!(packet.len(), 64);
        assert_eq!(checksum(&packet), 0);
        let mut reply = packet.clone();
        reply[0] = 0;
        assert!(is_reply(&reply, true, false, 0, 7));
        assert!(!is_reply(&reply, true, false, 0, 8));
    }

    #[tokio::test]
    async fn loopback_answers_or_the_failure_says_why() {
        let report = check("127.0.0.1", &PingTest::default(), Duration::from_secs(2)).await;
        match &report.icmp {
            TestResult::Succeeded(message) => assert!(message.starts_with("ping test succeeded [response time ")),
            TestResult::Failed(message) => assert!(message.contains("ping_group_range"), "{message}"),
            other => panic!("{other:?}"),
        }
    }
}
