//! The protocol conversations against real servers on loopback: redis-server, memcached,
//! PostgreSQL (real logins, SCRAM-SHA-256 and MD5), MariaDB (a real login), an rsync daemon,
//! a mosquitto broker (with and without credentials), dnsmasq, slapd, pyftpdlib, aiosmtpd's
//! LMTP server and a python3-websockets server, each started by the test as a throw-away
//! instance on a free port and stopped by PID when the test ends, also on failure; and small
//! in-test UDP servers for ntp3, radius and sip. Most conversations are called directly on a
//! connected stream; a few tests go through the whole network check (TLS negotiated by the
//! databases, UDP for dns, ntp3, radius and sip). A server whose Debian package is missing
//! is skipped with a message, a failure under CI=true; .ci/run installs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use rmonit::checks::network;
use rmonit::checks::protocol::{self, Session};
use rmonit::config::model::{ConnectionTarget, ConnectionTest, Protocol, ProtocolConfig, SocketType, SslOptions};
use rmonit::outcome::TestResult;

use crate::util::{free_port, self_signed, wait_until};

/// How long a server may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one conversation may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// A server started by a test: stopped by its PID when dropped.
struct Server {
    _child: crate::util::Started,
    port: u16,
    _dir: tempfile::TempDir,
}

/// Starts `command` (told to listen on `port`) and waits until the port accepts connections.
fn start(mut command: Command, port: u16, dir: tempfile::TempDir) -> Server {
    let child =
        command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start the server");
    let server = Server { _child: crate::util::Started(child), port, _dir: dir };
    let listening = wait_until(START_TIMEOUT, || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    assert!(listening, "{command:?} does not listen on port {port}");
    server
}

/// The path of `program` when it is installed.
fn installed(candidates: &[&str]) -> Option<PathBuf> {
    let found = candidates.iter().map(PathBuf::from).find(|p| p.exists());
    if found.is_none() {
        crate::util::skip(&format!("none of {candidates:?} is installed (bash .ci/run installs it)"));
    }
    found
}

/// Runs `config`'s conversation on a fresh connection to 127.0.0.1:`port`.
fn converse(port: u16, config: ProtocolConfig) -> Result<(), String> {
    converse_with(port, config, None)
}

/// Runs `config`'s conversation with the test's `ssl` options.
fn converse_with(port: u16, config: ProtocolConfig, ssl: Option<SslOptions>) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let mut test = ConnectionTest::new(ConnectionTarget::Port {
            host: Some("127.0.0.1".to_owned()),
            port,
            address: None,
            ip_version: None,
        });
        test.protocol = Some(config.clone());
        test.ssl = ssl;
        let exchange = async {
            let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.map_err(|e| e.to_string())?;
            let mut session = Session {
                stream: &mut stream,
                test: &test,
                config: &config,
                host: "127.0.0.1",
                port: Some(port),
                udp: false,
                buffers: Default::default(),
            };
            protocol::run(config.name, &mut session).await
        };
        tokio::time::timeout(CHECK_TIMEOUT, exchange).await.unwrap_or_else(|_| Err("timed out".to_owned()))
    })
}

/// The whole connection test (connect, TLS as the network check decides, the conversation)
/// of `config` with `ssl` on 127.0.0.1:`port`: its verdict.
fn network_check(port: u16, config: ProtocolConfig, ssl: Option<SslOptions>) -> TestResult {
    network_check_over(port, config, ssl, None)
}

/// The same, with `type tcp|udp`.
fn network_check_over(
    port: u16,
    config: ProtocolConfig,
    ssl: Option<SslOptions>,
    socket_type: Option<SocketType>,
) -> TestResult {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let mut test = ConnectionTest::new(ConnectionTarget::Port {
        host: Some("127.0.0.1".to_owned()),
        port,
        address: None,
        ip_version: None,
    });
    test.protocol = Some(config);
    test.ssl = ssl;
    test.socket_type = socket_type;
    runtime.block_on(network::check(&test, "127.0.0.1", CHECK_TIMEOUT)).connection
}

fn redis(extra: &[&str]) -> Option<Server> {
    let program = installed(&["/usr/bin/redis-server"])?;
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let mut command = Command::new(program);
    command.args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
    command.args(["--dir", &dir.path().display().to_string(), "--daemonize", "no"]).args(extra);
    Some(start(command, port, dir))
}

fn memcached() -> Option<Server> {
    let program = installed(&["/usr/bin/memcached"])?;
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let mut command = Command::new(program);
    command.args(["-l", "127.0.0.1", "-p", &port.to_string(), "-U", "0", "-m", "16"]);
    if nix::unistd::geteuid().is_root() {
        command.args(["-u", "nobody"]);
    }
    Some(start(command, port, dir))
}

#[test]
fn redis_ping_and_a_password_protected_redis() {
    let Some(open) = redis(&[]) else { return };
    assert_eq!(converse(open.port, ProtocolConfig::new(Protocol::Redis)), Ok(()));
    let Some(locked) = redis(&["--requirepass", "secret"]) else { return };
    assert_eq!(converse(locked.port, ProtocolConfig::new(Protocol::Redis)), Ok(()));
}

#[test]
fn memcached_noop_and_protocol_mismatches() {
    let Some(memcached) = memcached() else { return };
    assert_eq!(converse(memcached.port, ProtocolConfig::new(Protocol::Memcache)), Ok(()));
    let Some(redis) = redis(&[]) else { return };
    let error = converse(memcached.port, ProtocolConfig::new(Protocol::Redis)).unwrap_err();
    assert_eq!(error, "answer to PING: expected '+PONG' or '-NOAUTH', got 'ERROR'");
    let error = converse(redis.port, ProtocolConfig::new(Protocol::Memcache)).unwrap_err();
    assert!(error.starts_with("answer to NOOP: expected a binary response (magic 0x81), got '-ERR"), "{error}");
}

/// A throw-away PostgreSQL cluster with TLS (a self-signed certificate): `scram`
/// (SCRAM-SHA-256) and `md5user` (MD5) may log in over TCP with their passwords.
struct Postgres {
    server: Server,
}

fn postgres() -> Option<Postgres> {
    let bin = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
        .find(|bin| bin.join("postgres").exists());
    let Some(bin) = bin else {
        crate::util::skip("PostgreSQL is not installed (bash .ci/run installs it)");
        return None;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let socket_dir = dir.path().to_path_buf();
    // PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user.
    let root = nix::unistd::geteuid().is_root();
    if root {
        std::os::unix::fs::chown(dir.path(), Some(postgres_uid()), None).expect("chown the cluster's directory");
    }
    let as_owner = |program: &Path| {
        let mut command;
        if root {
            command = Command::new("setpriv");
            command.args(["--reuid=postgres", "--regid=postgres", "--init-groups"]).arg(program);
        } else {
            command = Command::new(program);
        }
        command
    };
    let status = as_owner(&bin.join("initdb"))
        .args(["-D", &data.display().to_string(), "-U", "postgres", "--auth-local=trust", "--auth-host=reject"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run initdb");
    assert!(status.success(), "initdb failed");
    std::fs::write(
        data.join("pg_hba.conf"),
        "local all all trust\nhost all md5user 127.0.0.1/32 md5\nhost all all 127.0.0.1/32 scram-sha-256\n",
    )
    .expect("write pg_hba.conf");
    let port = free_port();
    let mut command = as_owner(&bin.join("postgres"));
    command.args(["-D", &data.display().to_string(), "-p", &port.to_string(), "-k", &socket_dir.display().to_string()]);
    command.args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "ssl=on"]);
    let (certificate, key) = self_signed(dir.path());
    if root {
        for file in [&certificate, &key] {
            std::os::unix::fs::chown(file, Some(postgres_uid()), None).expect("chown the certificate");
        }
    }
    command.args(["-c", &format!("ssl_cert_file={}", certificate.display())]);
    command.args(["-c", &format!("ssl_key_file={}", key.display())]);
    let server = start(command, port, dir);
    let sql = "SET password_encryption = 'md5'; CREATE ROLE md5user LOGIN PASSWORD 'md5secret'; \
               SET password_encryption = 'scram-sha-256'; CREATE ROLE scram LOGIN PASSWORD 'scramsecret';";
    let mut psql = as_owner(&bin.join("psql"));
    psql.args(["-h", &socket_dir.display().to_string(), "-p", &port.to_string(), "-U", "postgres", "-d", "postgres"]);
    let status = psql.args(["-q", "-c", sql]).stdout(Stdio::null()).status().expect("run psql");
    assert!(status.success(), "creating the roles failed");
    Some(Postgres { server })
}

fn postgres_uid() -> u32 {
    nix::unistd::User::from_name("postgres").ok().flatten().map(|u| u.uid.as_raw()).expect("a postgres user")
}

fn pgsql_login(user: &str, password: &str) -> ProtocolConfig {
    let mut config = ProtocolConfig::new(Protocol::Pgsql);
    config.username = Some(user.to_owned());
    config.password = Some(password.to_owned());
    config.database = Some("postgres".to_owned());
    config
}

#[test]
fn postgresql_logins_with_scram_and_md5_in_clear_and_over_tls() {
    let Some(postgres) = postgres() else { return };
    let port = postgres.server.port;
    assert_eq!(converse(port, ProtocolConfig::new(Protocol::Pgsql)), Ok(()));
    assert_eq!(converse(port, pgsql_login("scram", "scramsecret")), Ok(()));
    assert_eq!(converse(port, pgsql_login("md5user", "md5secret")), Ok(()));
    assert_eq!(
        converse(port, pgsql_login("scram", "wrong")),
        Err("login: expected success, got FATAL 28P01: password authentication failed for user \"scram\"".to_owned())
    );
    assert_eq!(
        converse(port, pgsql_login("md5user", "wrong")),
        Err("login: expected success, got FATAL 28P01: password authentication failed for user \"md5user\"".to_owned())
    );
    let mut missing_database = pgsql_login("scram", "scramsecret");
    missing_database.database = Some("nosuchdb".to_owned());
    assert_eq!(
        converse(port, missing_database),
        Err("login: expected success, got FATAL 3D000: database \"nosuchdb\" does not exist".to_owned())
    );
    let tls = Some(SslOptions::default());
    assert_eq!(converse_with(port, ProtocolConfig::new(Protocol::Pgsql), tls.clone()), Ok(()));
    assert_eq!(converse_with(port, pgsql_login("scram", "scramsecret"), tls.clone()), Ok(()));
    assert_eq!(
        converse_with(port, pgsql_login("md5user", "wrong"), tls),
        Err("login: expected success, got FATAL 28P01: password authentication failed for user \"md5user\"".to_owned())
    );
    // Through the network check: PostgreSQL's TLS is negotiated by the conversation, not
    // put on the connection before it.
    let verdict = network_check(port, pgsql_login("scram", "scramsecret"), Some(SslOptions::default()));
    assert!(matches!(verdict, TestResult::Succeeded(_)), "{verdict:?}");
}

/// A throw-away MariaDB server with TLS (a self-signed certificate): `monit` may log in from
/// 127.0.0.1 with password `secret` (mysql_native_password, MariaDB's default).
fn mariadb() -> Option<Server> {
    let install = installed(&["/usr/bin/mariadb-install-db"])?;
    let server = installed(&["/usr/sbin/mariadbd"])?;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data").display().to_string();
    let socket = dir.path().join("socket").display().to_string();
    // mariadbd refuses to run as root unless told to.
    let user: &[&str] = if nix::unistd::geteuid().is_root() { &["--user=root"] } else { &[] };
    let status = Command::new(install)
        .args(["--no-defaults", &format!("--datadir={data}"), "--auth-root-authentication-method=normal"])
        .args(["--skip-test-db"])
        .args(user)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run mariadb-install-db");
    assert!(status.success(), "mariadb-install-db failed");
    let (certificate, key) = self_signed(dir.path());
    let port = free_port();
    let mut command = Command::new(server);
    command.args(["--no-defaults", &format!("--datadir={data}"), &format!("--socket={socket}")]);
    command.arg(format!("--ssl-cert={}", certificate.display())).arg(format!("--ssl-key={}", key.display()));
    command.args([&format!("--port={port}"), "--bind-address=127.0.0.1", "--skip-name-resolve"]);
    command.arg(format!("--pid-file={}", dir.path().join("pid").display())).args(user);
    let server = start(command, port, dir);
    let status = Command::new("mariadb")
        .args(["--no-defaults", "-S", &socket, "-u", "root"])
        .args(["-e", "CREATE USER 'monit'@'127.0.0.1' IDENTIFIED BY 'secret'"])
        .status()
        .expect("run the mariadb client");
    assert!(status.success(), "creating the user failed");
    Some(server)
}

fn mysql_login(user: &str, password: &str) -> ProtocolConfig {
    mysql_login_as(Protocol::Mysql, user, password)
}

fn mysql_login_as(protocol: Protocol, user: &str, password: &str) -> ProtocolConfig {
    let mut config = ProtocolConfig::new(protocol);
    config.username = Some(user.to_owned());
    config.password = Some(password.to_owned());
    config
}

#[test]
fn mariadb_greeting_and_logins_in_clear_and_over_tls() {
    let Some(mariadb) = mariadb() else { return };
    let port = mariadb.port;
    assert_eq!(converse(port, ProtocolConfig::new(Protocol::Mysql)), Ok(()));
    assert_eq!(converse(port, mysql_login("monit", "secret")), Ok(()));
    assert_eq!(
        converse(port, mysql_login("monit", "wrong")),
        Err("login: expected success, got error 1045 (28000): Access denied for user 'monit'@'127.0.0.1' (using password: YES)"
            .to_owned())
    );
    assert_eq!(converse(port, ProtocolConfig::new(Protocol::Mysqls)), Ok(()));
    assert_eq!(converse(port, mysql_login_as(Protocol::Mysqls, "monit", "secret")), Ok(()));
    assert_eq!(
        converse(port, mysql_login_as(Protocol::Mysqls, "monit", "wrong")),
        Err("login: expected success, got error 1045 (28000): Access denied for user 'monit'@'127.0.0.1' (using password: YES)"
            .to_owned())
    );
    let verdict = network_check(port, mysql_login("monit", "secret"), Some(SslOptions::default()));
    assert!(matches!(verdict, TestResult::Succeeded(_)), "{verdict:?}");
    let verdict = network_check(port, mysql_login("monit", "wrong"), None);
    assert!(matches!(&verdict, TestResult::Failed(m) if m.contains("Access denied")), "{verdict:?}");
}

/// A UDP server on 127.0.0.1 that answers each of `requests` datagrams with `answer`'s
/// bytes, then stops (or stops after a quiet START_TIMEOUT).
fn udp_server(requests: usize, answer: fn(&[u8]) -> Vec<u8>) -> (u16, std::thread::JoinHandle<()>) {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind a UDP socket");
    socket.set_read_timeout(Some(START_TIMEOUT)).expect("a read timeout");
    let port = socket.local_addr().expect("its address").port();
    let server = std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        for _ in 0..requests {
            let Ok((n, peer)) = socket.recv_from(&mut buffer) else { return };
            let _ = socket.send_to(&answer(&buffer[..n]), peer);
        }
    });
    (port, server)
}

#[test]
fn ntp3_and_radius_over_udp_through_the_network_check() {
    // NTP: a synchronized version-3 server, and one whose clock is not synchronized.
    let (port, server) = udp_server(1, |request| [&[0b00_011_100][..], &request[1..]].concat());
    let verdict = network_check(port, ProtocolConfig::new(Protocol::Ntp3), None);
    assert!(matches!(verdict, TestResult::Succeeded(_)), "{verdict:?}");
    server.join().ok();
    let (port, server) = udp_server(1, |request| [&[0b11_011_100][..], &request[1..]].concat());
    let verdict = network_check(port, ProtocolConfig::new(Protocol::Ntp3), None);
    assert!(matches!(&verdict, TestResult::Failed(m) if m.contains("leap indicator 3")), "{verdict:?}");
    server.join().ok();

    // RADIUS: Access-Accept signed with the default secret `testing123`.
    let (port, server) = udp_server(2, |request| {
        use md5::Digest;
        let mut answer = vec![2, request[1], 0, 20];
        let signature = md5::Md5::digest([&answer[..4], &request[4..20], b"testing123"].concat());
        answer.extend_from_slice(&signature);
        answer
    });
    let verdict = network_check(port, ProtocolConfig::new(Protocol::Radius), None);
    assert!(matches!(verdict, TestResult::Succeeded(_)), "{verdict:?}");
    let mut other_secret = ProtocolConfig::new(Protocol::Radius);
    other_secret.secret = Some("another".to_owned());
    let verdict = network_check(port, other_secret, None);
    assert!(
        matches!(&verdict, TestResult::Failed(m) if m.contains("the response authenticator does not match")),
        "{verdict:?}"
    );
    server.join().ok();
}

#[test]
fn rsync_daemon_lists_its_modules() {
    let Some(program) = installed(&["/usr/bin/rsync"]) else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("rsyncd.conf");
    let module = format!("use chroot = no\n[data]\n  path = {}\n  comment = test data\n", dir.path().display());
    std::fs::write(&config, module).expect("write rsyncd.conf");
    let port = free_port();
    let mut command = Command::new(program);
    command.args(["--daemon", "--no-detach", "--address=127.0.0.1", &format!("--port={port}")]);
    command.arg(format!("--config={}", config.display()));
    let rsync = start(command, port, dir);
    assert_eq!(converse(rsync.port, ProtocolConfig::new(Protocol::Rsync)), Ok(()));
    let error = converse(rsync.port, ProtocolConfig::new(Protocol::Ftp)).unwrap_err();
    assert!(error.starts_with("greeting: expected a numeric reply, got '@RSYNCD: "), "{error}");
}

/// A throw-away mosquitto broker where `bob` logs in with `secret` and anonymous clients
/// are refused.
fn mosquitto() -> Option<Server> {
    let program = installed(&["/usr/sbin/mosquitto"])?;
    let passwd = installed(&["/usr/bin/mosquitto_passwd"])?;
    let dir = tempfile::tempdir().expect("temp dir");
    let passwords = dir.path().join("passwd");
    let status = Command::new(passwd).arg("-c").arg("-b").arg(&passwords).args(["bob", "secret"]).status();
    assert!(status.expect("run mosquitto_passwd").success(), "mosquitto_passwd failed");
    let port = free_port();
    // As root the broker would switch to its own user, who cannot read the temp dir.
    let config = format!(
        "listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {}\npersistence false\nuser root\n",
        passwords.display()
    );
    let config_file = dir.path().join("mosquitto.conf");
    std::fs::write(&config_file, config).expect("write mosquitto.conf");
    let mut command = Command::new(program);
    command.arg("-c").arg(&config_file);
    Some(start(command, port, dir))
}

fn mqtt_login(user: &str, password: &str) -> ProtocolConfig {
    let mut config = ProtocolConfig::new(Protocol::Mqtt);
    config.username = Some(user.to_owned());
    config.password = Some(password.to_owned());
    config
}

#[test]
fn mosquitto_connect_with_and_without_credentials() {
    let Some(broker) = mosquitto() else { return };
    assert_eq!(converse(broker.port, mqtt_login("bob", "secret")), Ok(()));
    assert_eq!(
        converse(broker.port, mqtt_login("bob", "wrong")),
        Err("answer to CONNECT: expected return code 0 (accepted), got 5 (not authorized)".to_owned())
    );
    assert_eq!(
        converse(broker.port, ProtocolConfig::new(Protocol::Mqtt)),
        Err("answer to CONNECT: expected return code 0 (accepted), got 5 (not authorized)".to_owned())
    );
}

/// A throw-away dnsmasq without upstream servers: it answers everything with REFUSED, which
/// shows a live server (Monit's rule).
fn dnsmasq() -> Option<Server> {
    let program = installed(&["/usr/sbin/dnsmasq"])?;
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let mut command = Command::new(program);
    command.args(["--no-daemon", &format!("--port={port}"), "--listen-address=127.0.0.1", "--bind-interfaces"]);
    command.args(["--no-resolv", "--no-hosts", "--conf-file=/dev/null"]);
    command.arg(format!("--pid-file={}", dir.path().join("pid").display()));
    if nix::unistd::geteuid().is_root() {
        command.arg("--user=root");
    }
    Some(start(command, port, dir))
}

#[test]
fn dnsmasq_answers_over_tcp_and_udp() {
    let Some(dnsmasq) = dnsmasq() else { return };
    assert_eq!(converse(dnsmasq.port, ProtocolConfig::new(Protocol::Dns)), Ok(()));
    let verdict = network_check_over(dnsmasq.port, ProtocolConfig::new(Protocol::Dns), None, Some(SocketType::Udp));
    assert!(matches!(verdict, TestResult::Succeeded(_)), "{verdict:?}");
}

#[test]
fn sip_options_over_udp_through_the_network_check() {
    // The answer is one datagram, read whole.
    let (port, server) =
        udp_server(1, |_| b"SIP/2.0 200 OK\r\nCSeq: 63104 OPTIONS\r\nContent-Length: 0\r\n\r\n".to_vec());
    let verdict = network_check_over(port, ProtocolConfig::new(Protocol::Sip), None, Some(SocketType::Udp));
    assert!(matches!(verdict, TestResult::Succeeded(_)), "{verdict:?}");
    server.join().ok();
    let (port, server) = udp_server(1, |_| b"SIP/2.0 503 Service Unavailable\r\n\r\n".to_vec());
    let verdict = network_check_over(port, ProtocolConfig::new(Protocol::Sip), None, Some(SocketType::Udp));
    assert!(
        matches!(&verdict, TestResult::Failed(m) if m.contains("got 'SIP/2.0 503 Service Unavailable'")),
        "{verdict:?}"
    );
    server.join().ok();
}

/// A throw-away slapd without databases (a bind needs none); `locked` refuses anonymous binds.
fn slapd(locked: bool) -> Option<Server> {
    let program = installed(&["/usr/sbin/slapd"])?;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config =
        format!("pidfile {}/slapd.pid\nargsfile {}/slapd.args\n", dir.path().display(), dir.path().display());
    if locked {
        config.push_str("disallow bind_anon\n");
    }
    let config_file = dir.path().join("slapd.conf");
    std::fs::write(&config_file, config).expect("write slapd.conf");
    let port = free_port();
    let mut command = Command::new(program);
    command.arg("-f").arg(&config_file).args(["-h", &format!("ldap://127.0.0.1:{port}/"), "-d", "0"]);
    Some(start(command, port, dir))
}

#[test]
fn slapd_anonymous_binds() {
    let Some(open) = slapd(false) else { return };
    assert_eq!(converse(open.port, ProtocolConfig::new(Protocol::Ldap3)), Ok(()));
    // slapd speaks LDAPv2 only with `allow bind_v2`: ldap2's bind is refused, and says why.
    assert_eq!(
        converse(open.port, ProtocolConfig::new(Protocol::Ldap2)),
        Err("answer to bind: expected result 0 (success), got 2 (protocolError) 'historical protocol version requested, use LDAPv3 instead'".to_owned())
    );
    let Some(locked) = slapd(true) else { return };
    let error = converse(locked.port, ProtocolConfig::new(Protocol::Ldap3)).unwrap_err();
    assert!(
        error.starts_with("answer to bind: expected result 0 (success), got 48 (inappropriateAuthentication)"),
        "{error}"
    );
}

#[test]
fn pyftpdlib_greets_and_says_goodbye() {
    let Some(python) = installed(&["/usr/bin/python3"]) else { return };
    let available = Command::new(&python).args(["-c", "import pyftpdlib"]).stderr(Stdio::null()).status();
    if !available.is_ok_and(|s| s.success()) {
        crate::util::skip("python3-pyftpdlib is not installed (bash .ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let mut command = Command::new(python);
    command.args(["-m", "pyftpdlib", "-i", "127.0.0.1", "-p", &port.to_string(), "-d"]).arg(dir.path());
    let ftp = start(command, port, dir);
    assert_eq!(converse(ftp.port, ProtocolConfig::new(Protocol::Ftp)), Ok(()));
    let error = converse(ftp.port, ProtocolConfig::new(Protocol::Pop)).unwrap_err();
    assert!(error.starts_with("greeting: expected '+OK...', got '220 pyftpdlib"), "{error}");
}

/// An LMTP server of aiosmtpd's (python3-aiosmtpd) on `port`, accepting and dropping mail.
const LMTP_SERVER: &str = "
import asyncio, sys
from aiosmtpd.lmtp import LMTP
from aiosmtpd.handlers import Sink
async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: LMTP(Sink()), '127.0.0.1', int(sys.argv[1]))
    await server.serve_forever()
asyncio.run(main())
";

#[test]
fn aiosmtpd_lmtp_conversation() {
    let Some(python) = installed(&["/usr/bin/python3"]) else { return };
    let available = Command::new(&python).args(["-c", "import aiosmtpd.lmtp"]).stderr(Stdio::null()).status();
    if !available.is_ok_and(|s| s.success()) {
        crate::util::skip("python3-aiosmtpd is not installed (bash .ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let mut command = Command::new(python);
    command.args(["-c", LMTP_SERVER, &port.to_string()]);
    let lmtp = start(command, port, dir);
    assert_eq!(converse(lmtp.port, ProtocolConfig::new(Protocol::Lmtp)), Ok(()));
    let error = converse(lmtp.port, ProtocolConfig::new(Protocol::Nntp)).unwrap_err();
    assert!(error.starts_with("greeting: expected a 200 reply, got '220 "), "{error}");
}

/// A WebSocket echo server of python3-websockets on `port`, answering pings itself; it
/// refuses origins other than `http://allowed.example`.
const WEBSOCKET_SERVER: &str = "
import asyncio, sys, websockets
async def echo(socket, path):
    async for message in socket:
        await socket.send(message)
async def main():
    async with websockets.serve(echo, '127.0.0.1', int(sys.argv[1]), origins=['http://allowed.example']):
        await asyncio.Future()
asyncio.run(main())
";

#[test]
fn python_websockets_upgrade_and_ping() {
    let Some(python) = installed(&["/usr/bin/python3"]) else { return };
    let available = Command::new(&python).args(["-c", "import websockets"]).stderr(Stdio::null()).status();
    if !available.is_ok_and(|s| s.success()) {
        crate::util::skip("python3-websockets is not installed (bash .ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let mut command = Command::new(python);
    command.args(["-c", WEBSOCKET_SERVER, &port.to_string()]);
    let server = start(command, port, dir);
    let mut allowed = ProtocolConfig::new(Protocol::Websocket);
    allowed.origin = Some("http://allowed.example".to_owned());
    allowed.request = Some("/chat".to_owned());
    assert_eq!(converse(server.port, allowed), Ok(()));
    // Monit's default origin, https://mmonit.com, is refused by this server.
    let error = converse(server.port, ProtocolConfig::new(Protocol::Websocket)).unwrap_err();
    assert!(
        error.starts_with("answer to the upgrade: expected 'HTTP/1.1 101 Switching Protocols', got 'HTTP/1.1 403"),
        "{error}"
    );
}
