//! Connection tests (reference §3.1): `[host H] port P`, `unixsocket PATH` and `url URL`,
//! each connected (`connect`), secured when asked (`tls`), then held to its protocol's
//! conversation (`checks::protocol`). One timeout bounds the whole exchange of an attempt
//! (connect, TLS, protocol), `retry N` tries again within the cycle, and the response time
//! is measured over the whole exchange. The tests of a service run concurrently, so a
//! service with several ports waits for its slowest, not their sum.

pub mod ber;
pub mod certificate;
pub mod connect;
pub mod ping;
pub mod tls;
pub mod url;

use std::time::{Duration, Instant, SystemTime};

use tokio::io::AsyncWriteExt;

use self::connect::{Connection, Endpoint};
use crate::checks::protocol::{self, Buffers, Session, Stream};
use crate::config::model::{
    Comparison, ConnectionTarget, ConnectionTest, HashType, IpVersion, Protocol, ProtocolConfig, SocketType,
};
use crate::outcome::TestResult;
use crate::state::{ConnectionFigure, ConnectionKind};

/// How long a UDP test without a protocol waits for a "port unreachable" (Monit: 1.2 s).
const UDP_REFUSAL_WAIT: Duration = Duration::from_millis(1200);

/// What one connection test found, one verdict per event it can post.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionReport {
    /// The `connection` event: the exchange worked (or, with `succeeded`, did not).
    pub connection: TestResult,
    /// The `speed` event of `responsetime <op> T`.
    pub response_time: TestResult,
    /// The `timestamp` event of `certificate valid > N days`.
    pub certificate: TestResult,
    pub figure: ConnectionFigure,
}

/// A test with its defaults settled: where it connects and what it speaks.
#[derive(Debug, Clone)]
pub struct Plan {
    pub endpoint: Endpoint,
    /// The host (or socket path) as messages show it.
    pub target: String,
    pub port: Option<u16>,
    pub protocol: ProtocolConfig,
    /// TLS is put on the connection before the protocol speaks.
    pub wrap_tls: bool,
    pub timeout: Duration,
    pub attempts: u32,
    pub figure: ConnectionFigure,
    /// The read sizes of `set limits` (Monit's unless [`Planned::with_buffers`] says).
    pub buffers: Buffers,
}

impl Plan {
    /// The plan of `test`; `default_host` is `localhost` for a process, the address of a
    /// `check host`.
    pub fn new(test: &ConnectionTest, default_host: &str, default_timeout: Duration) -> Result<Plan, String> {
        let mut protocol = test.protocol.clone().unwrap_or_else(|| ProtocolConfig::new(Protocol::Default));
        let udp = speaks_udp(test, protocol.name);
        let (endpoint, target, port, ip_version, scheme_tls) = match &test.target {
            ConnectionTarget::Port { host, port, address, ip_version } => {
                let host = host.clone().unwrap_or_else(|| default_host.to_owned());
                let endpoint = Endpoint::Inet {
                    host: host.clone(),
                    port: *port,
                    source: address.clone(),
                    ip_version: *ip_version,
                    udp,
                };
                (endpoint, host, Some(*port), *ip_version, false)
            }
            ConnectionTarget::Unixsocket { path } => {
                (Endpoint::Unix { path: path.clone(), udp }, path.clone(), None, None, false)
            }
            ConnectionTarget::Url { url } => {
                let parsed = url::Url::parse(url)?;
                protocol = ProtocolConfig {
                    request: Some(parsed.request.clone()),
                    username: parsed.username.clone(),
                    password: parsed.password.clone(),
                    ..test.protocol.clone().unwrap_or_else(|| ProtocolConfig::new(Protocol::Http))
                };
                protocol.name = if parsed.tls { Protocol::Https } else { Protocol::Http };
                let endpoint = Endpoint::Inet {
                    host: parsed.host.clone(),
                    port: parsed.port,
                    source: None,
                    ip_version: None,
                    udp: false,
                };
                (endpoint, parsed.host, Some(parsed.port), None, parsed.tls)
            }
        };
        let implicit_tls =
            matches!(protocol.name, Protocol::Https | Protocol::Smtps | Protocol::Imaps | Protocol::Pops);
        let asked_tls = super::protocol::tls_asked(test);
        // Protocols that secure the connection themselves: STARTTLS (SMTP on 25/587, IMAP on
        // 143), and the databases' own requests for TLS (MySQL's SSLRequest, PostgreSQL's).
        let starttls = super::protocol::starttls(protocol.name, port)
            || matches!(protocol.name, Protocol::Mysql | Protocol::Mysqls | Protocol::Pgsql);
        let wrap_tls = scheme_tls || implicit_tls || (asked_tls && !starttls);
        let protocol_name = if test.protocol.is_none() && !test.send_expect.is_empty() {
            "GENERIC".to_owned()
        } else {
            protocol.name.display_name()
        };
        let figure = ConnectionFigure {
            kind: if port.is_some() { ConnectionKind::Port } else { ConnectionKind::Unix },
            target: target.clone(),
            port: port.unwrap_or(0),
            request: match protocol.name {
                Protocol::Http | Protocol::Https | Protocol::Websocket => protocol.request.clone().unwrap_or_default(),
                _ => String::new(),
            },
            protocol: protocol_name,
            socket_type: if endpoint.is_udp() { "UDP".to_owned() } else { "TCP".to_owned() },
            ip_version: match ip_version {
                Some(IpVersion::Ipv4) => "IPv4",
                Some(IpVersion::Ipv6) => "IPv6",
                None => "IP",
            }
            .to_owned(),
            tls: wrap_tls || asked_tls,
            response_time: None,
            available: None,
        };
        Ok(Plan {
            endpoint,
            target,
            port,
            protocol,
            wrap_tls,
            timeout: test.timeout.map_or(default_timeout, |t| t.as_std()),
            attempts: test.retry.unwrap_or(1).max(1),
            figure,
            buffers: Buffers::default(),
        })
    }

    /// The longest a test can take: every attempt running to its timeout.
    pub fn budget(&self) -> Duration {
        self.timeout * self.attempts
    }

    /// Whether the test speaks UDP (decided once, by `speaks_udp`).
    pub fn udp(&self) -> bool {
        self.endpoint.is_udp()
    }

    /// `[127.0.0.1]:80` or the socket path, as Monit's messages show the target.
    fn where_(&self) -> String {
        match self.port {
            Some(port) => format!("[{}]:{port}{}", self.target, self.figure.request),
            None => self.target.clone(),
        }
    }
}

/// Whether a `port` or `unixsocket` test speaks UDP: `type udp`, or (on a port) a protocol
/// Monit always speaks over UDP. The one place this is decided: the plan's endpoint carries
/// it, and the protocols read it from their session.
fn speaks_udp(test: &ConnectionTest, protocol: Protocol) -> bool {
    let forced =
        matches!(protocol, Protocol::Ntp3 | Protocol::Radius) && matches!(test.target, ConnectionTarget::Port { .. });
    test.socket_type == Some(SocketType::Udp) || forced
}

/// A connection test with its plan, settled once when the service's task is built (a
/// reload builds new tasks): each cycle only runs it.
#[derive(Debug)]
pub struct Planned {
    pub test: ConnectionTest,
    /// The plan, or why the test cannot have one (a URL that does not parse).
    plan: Result<Plan, String>,
    default_host: String,
    default_timeout: Duration,
}

impl Planned {
    pub fn new(test: ConnectionTest, default_host: &str, default_timeout: Duration) -> Planned {
        let plan = Plan::new(&test, default_host, default_timeout);
        Planned { test, plan, default_host: default_host.to_owned(), default_timeout }
    }

    /// The same test with the read sizes of `set limits`.
    pub fn with_buffers(mut self, buffers: Buffers) -> Planned {
        if let Ok(plan) = &mut self.plan {
            plan.buffers = buffers;
        }
        self
    }

    /// The longest the test can take.
    pub fn budget(&self) -> Duration {
        self.plan.as_ref().map_or(self.default_timeout, Plan::budget)
    }

    /// What the status shows of the test in a cycle it does not run.
    pub fn untested_figure(&self) -> Option<ConnectionFigure> {
        self.plan.as_ref().ok().map(|plan| plan.figure.clone())
    }

    /// Runs the test (every attempt it is allowed) and judges it.
    pub async fn check(&self) -> ConnectionReport {
        let test = &self.test;
        let plan = match &self.plan {
            Ok(plan) => plan,
            Err(message) => {
                let figure = ConnectionFigure {
                    kind: ConnectionKind::Port,
                    target: self.default_host.clone(),
                    port: 0,
                    request: String::new(),
                    protocol: String::new(),
                    socket_type: "TCP".to_owned(),
                    ip_version: "IP".to_owned(),
                    tls: false,
                    response_time: None,
                    available: Some(false),
                };
                return ConnectionReport {
                    connection: invert(test.succeeded, Err(message.clone()), ""),
                    response_time: TestResult::Skipped,
                    certificate: TestResult::Skipped,
                    figure,
                };
            }
        };
        run_plan(test, plan).await
    }
}

/// Plans `test` and runs it: [`Planned`] in one go.
pub async fn check(test: &ConnectionTest, default_host: &str, default_timeout: Duration) -> ConnectionReport {
    Planned::new(test.clone(), default_host, default_timeout).check().await
}

/// Runs a planned test (every attempt it is allowed) and judges it.
async fn run_plan(test: &ConnectionTest, plan: &Plan) -> ConnectionReport {
    let mut outcome = Err(String::new());
    for attempt in 1..=plan.attempts {
        outcome = attempt_once(test, plan).await;
        match &outcome {
            Ok(_) => break,
            Err(message) if plan.attempts > 1 => {
                tracing::debug!(target = %plan.where_(), "{message} (attempt {attempt}/{})", plan.attempts);
            }
            Err(_) => {}
        }
    }
    let mut figure = plan.figure.clone();
    figure.available = Some(outcome.is_ok());
    let (response_time, certificate) = match &outcome {
        Ok(found) => {
            figure.response_time = Some(found.elapsed.as_secs_f64());
            (
                test.response_time.as_ref().map_or(TestResult::Skipped, |limit| judge_speed(found.elapsed, limit)),
                match (test.certificate_valid_days, found.days_left) {
                    (Some(days), Some(left)) => judge_certificate(left, days),
                    _ => TestResult::Skipped,
                },
            )
        }
        Err(_) => (TestResult::Skipped, TestResult::Skipped),
    };
    // As Monit logs it, in the same shape as the failures.
    let success = format!("connection succeeded to {} [{}]", plan.where_(), figure.type_description());
    ConnectionReport {
        connection: invert(test.succeeded, outcome.map(|_| ()), &success),
        response_time,
        certificate,
        figure,
    }
}

/// What a successful exchange measured.
struct Found {
    elapsed: Duration,
    days_left: Option<i64>,
}

/// `succeeded` turns a working connection into the failure.
fn invert(succeeded: bool, outcome: Result<(), String>, success: &str) -> TestResult {
    match (outcome, succeeded) {
        (Ok(()), false) => TestResult::Succeeded(success.to_owned()),
        (Err(message), false) => TestResult::Failed(message),
        (Ok(()), true) => TestResult::Failed(success.to_owned()),
        (Err(message), true) => TestResult::Succeeded(message),
    }
}

fn judge_speed(elapsed: Duration, limit: &Comparison) -> TestResult {
    let millis = elapsed.as_secs_f64() * 1000.0;
    let shown = crate::state::report::format::millis(millis);
    if limit.op.holds(millis, limit.limit.value) {
        TestResult::Failed(format!("response time {shown} doesn't match limit [time {limit}]"))
    } else {
        TestResult::Succeeded(format!("response time {shown} matches limit [time {limit}]"))
    }
}

fn judge_certificate(days_left: i64, wanted: u32) -> TestResult {
    if days_left < i64::from(wanted) {
        TestResult::Failed(format!(
            "certificate expiry in {days_left} days doesn't match limit [valid > {wanted} days]"
        ))
    } else {
        TestResult::Succeeded(format!("certificate valid for {days_left} more days"))
    }
}

/// `Connection refused (os error 111)` as the C library says it: `Connection refused`.
fn without_os_error_number(message: &str) -> &str {
    match message.rfind(" (os error ") {
        Some(at) if message.ends_with(')') => &message[..at],
        _ => message,
    }
}

/// One attempt under the test's timeout.
async fn attempt_once(test: &ConnectionTest, plan: &Plan) -> Result<Found, String> {
    let started = Instant::now();
    match tokio::time::timeout(plan.timeout, exchange(test, plan)).await {
        Ok(Ok(days_left)) => Ok(Found { elapsed: started.elapsed(), days_left }),
        Ok(Err(message)) => Err(message),
        Err(_) => Err(format!(
            "failed protocol test [{}] at {} [{}] -- no answer within {}",
            plan.figure.protocol,
            plan.where_(),
            plan.figure.type_description(),
            crate::state::report::format::millis(plan.timeout.as_secs_f64() * 1000.0)
        )),
    }
}

/// Connect, TLS, protocol. Returns the days left on the server's certificate, when read.
async fn exchange(test: &ConnectionTest, plan: &Plan) -> Result<Option<i64>, String> {
    // Monit's words for every failure, a refused connection included: `failed protocol
    // test [DEFAULT] at [127.0.0.1]:8080 [TCP/IP] -- Connection refused`.
    let protocol_error = |message: String| {
        format!(
            "failed protocol test [{}] at {} [{}] -- {}",
            plan.figure.protocol,
            plan.where_(),
            plan.figure.type_description(),
            without_os_error_number(&message)
        )
    };
    if plan.udp() && plan.protocol.name == Protocol::Default && test.send_expect.is_empty() {
        let probe = connect::probe_udp(&plan.endpoint, UDP_REFUSAL_WAIT.min(plan.timeout)).await;
        return probe.map(|()| None).map_err(|e| protocol_error(e.to_string()));
    }
    let Connection { stream, .. } =
        connect::connect(&plan.endpoint).await.map_err(|e| protocol_error(e.to_string()))?;
    if !plan.wrap_tls {
        let mut stream = stream;
        converse(test, plan, &mut *stream).await.map_err(protocol_error)?;
        return Ok(None);
    }
    let mut secured = tls::handshake(stream, &plan.target, test.ssl.as_ref()).await.map_err(protocol_error)?;
    let certificate = tls::peer_certificate(&secured);
    if let Some(expected) = &test.certificate_checksum {
        let hash = expected.hash.or(HashType::from_hex_len(expected.value.len())).unwrap_or(HashType::Md5);
        let got = certificate.as_ref().map(|c| certificate::checksum(c, hash)).unwrap_or_default();
        if !got.eq_ignore_ascii_case(&expected.value) {
            return Err(protocol_error(format!(
                "certificate checksum mismatch (expected {} got {got})",
                expected.value.to_ascii_lowercase()
            )));
        }
    }
    converse(test, plan, &mut secured).await.map_err(protocol_error)?;
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    Ok(certificate.and_then(|c| certificate::days_left(&c, now)))
}

/// The protocol's conversation on a connected (and secured) stream.
async fn converse(test: &ConnectionTest, plan: &Plan, stream: &mut dyn Stream) -> Result<(), String> {
    let mut session = Session {
        stream,
        test,
        config: &plan.protocol,
        host: &plan.target,
        port: plan.port,
        udp: plan.udp(),
        buffers: plan.buffers,
    };
    if test.protocol.is_none() && !test.send_expect.is_empty() {
        return protocol::generic::check(&mut session).await;
    }
    let result = protocol::run(plan.protocol.name, &mut session).await;
    let _ = session.stream.shutdown().await;
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{Operator, Quantity, SendExpect};

    fn port_test(port: u16) -> ConnectionTest {
        ConnectionTest::new(ConnectionTarget::Port { host: None, port, address: None, ip_version: None })
    }

    #[tokio::test]
    async fn a_listener_passes_and_a_closed_port_fails() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let report = check(&port_test(port), "127.0.0.1", Duration::from_secs(2)).await;
        assert_eq!(
            report.connection,
            TestResult::Succeeded(format!("connection succeeded to [127.0.0.1]:{port} [TCP/IP]"))
        );
        assert!(report.figure.response_time.is_some());
        drop(listener);
        let report = check(&port_test(port), "127.0.0.1", Duration::from_secs(2)).await;
        let TestResult::Failed(message) = report.connection else { panic!("{report:?}") };
        assert_eq!(
            message,
            format!("failed protocol test [DEFAULT] at [127.0.0.1]:{port} [TCP/IP] -- Connection refused")
        );
        assert_eq!(report.figure.available, Some(false));
    }

    #[tokio::test]
    async fn succeeded_inverts_and_response_time_is_judged() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut test = port_test(port);
        test.succeeded = true;
        test.response_time = Some(Comparison::new(Operator::Gt, Quantity::millis(60_000.0)));
        let report = check(&test, "127.0.0.1", Duration::from_secs(2)).await;
        assert!(matches!(report.connection, TestResult::Failed(_)), "{report:?}");
        assert!(matches!(report.response_time, TestResult::Succeeded(_)), "{report:?}");
    }

    #[test]
    fn udp_is_decided_once_by_the_plan() {
        let udp = |test: &ConnectionTest| {
            let plan = Plan::new(test, "127.0.0.1", Duration::from_secs(1)).unwrap();
            assert_eq!(plan.figure.socket_type, if plan.udp() { "UDP" } else { "TCP" });
            plan.udp()
        };
        let mut test = port_test(123);
        assert!(!udp(&test));
        test.protocol = Some(ProtocolConfig::new(Protocol::Ntp3));
        assert!(udp(&test), "ntp3 always speaks UDP on a port");
        test.protocol = Some(ProtocolConfig::new(Protocol::Dns));
        test.socket_type = Some(SocketType::Udp);
        assert!(udp(&test));
        let mut socket = ConnectionTest::new(ConnectionTarget::Unixsocket { path: "/run/x.sock".into() });
        socket.protocol = Some(ProtocolConfig::new(Protocol::Radius));
        assert!(!udp(&socket), "a unix socket is a datagram socket only with type udp");
        socket.socket_type = Some(SocketType::Udp);
        assert!(udp(&socket));
        let url = ConnectionTest::new(ConnectionTarget::Url { url: "http://127.0.0.1:8080/".into() });
        assert!(!udp(&url));
    }

    #[tokio::test]
    async fn udp_fails_only_on_a_refusal() {
        let open = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let mut test = port_test(open.local_addr().unwrap().port());
        test.socket_type = Some(SocketType::Udp);
        let report = check(&test, "127.0.0.1", Duration::from_secs(3)).await;
        assert!(matches!(report.connection, TestResult::Succeeded(_)), "{report:?}");
        assert_eq!(report.figure.socket_type, "UDP");
        let mut buf = [0u8; 4];
        assert_eq!(open.try_recv(&mut buf).ok(), Some(1), "the probe is one NUL byte");
        let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        test.target = ConnectionTarget::Port {
            host: None,
            port: closed.local_addr().unwrap().port(),
            address: None,
            ip_version: None,
        };
        drop(closed);
        let report = check(&test, "127.0.0.1", Duration::from_secs(3)).await;
        let TestResult::Failed(message) = report.connection else { panic!("{report:?}") };
        assert!(message.contains("refused"), "{message}");
    }

    #[tokio::test]
    async fn a_tarpit_fails_within_the_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut test = port_test(port);
        test.send_expect = vec![SendExpect::Expect("^OK".into())];
        let started = Instant::now();
        let report = check(&test, "127.0.0.1", Duration::from_millis(300)).await;
        assert!(started.elapsed() < Duration::from_secs(2));
        let TestResult::Failed(message) = report.connection else { panic!("{report:?}") };
        assert!(message.contains("no answer within 300 ms"), "{message}");
    }
}
