//! Network tests with the real daemon against real servers on loopback, started here and
//! killed by PID: nginx (http, and https with a self-signed certificate made by openssl),
//! OpenSSH's sshd with its own host key, aiosmtpd, an in-test tarpit beside a heartbeat
//! that must stay on time, ping of 127.0.0.1, a refused port, `succeeded`, content, status
//! and certificate rules, and a unix socket. A server whose program is missing skips its
//! test with a message, and fails it under CI=true (`.ci/run` installs them).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::{Daemon, HEARTBEAT, free_port, header, stdout, wait_until, write_monitrc, write_script};

/// A server process started by a test, stopped by PID when dropped.
type Server = crate::util::Started;

fn spawn(program: &str, args: &[&str], log: &Path) -> Server {
    let out = std::fs::File::create(log).expect("server log");
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("log"))
        .stderr(out)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    crate::util::Started(child)
}

/// Whether `program` is installed; says so when not.
fn installed(program: &str) -> bool {
    let found = Path::new(program).exists();
    if !found {
        crate::util::skip(&format!("{program} is not installed (bash .ci/run installs it)"));
    }
    found
}

fn listening(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// The `status` lines of one service.
fn status(daemon: &Daemon, name: &str) -> String {
    stdout(&daemon.cli(&["status", name]))
}

/// The summary's status column of one service.
fn summary_status(daemon: &Daemon, name: &str) -> String {
    stdout(&daemon.cli(&["summary", name]))
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{name} ")))
        .map(|l| {
            l.trim_start()[name.len()..].trim().rsplit_once("  ").map_or(String::new(), |(s, _)| s.trim().to_owned())
        })
        .unwrap_or_default()
}

fn wait_status(daemon: &Daemon, name: &str, want: &str) {
    assert!(
        wait_until(Duration::from_secs(15), || summary_status(daemon, name) == want),
        "{name}: wanted '{want}', summary:\n{}\nlog:\n{}",
        stdout(&daemon.cli(&["summary"])),
        daemon.log()
    );
}

/// nginx on two ports, http and https (a self-signed certificate valid 30 days).
/// nginx in the foreground with everything under `dir`, serving `servers` (its `server`
/// blocks).
fn start_nginx(dir: &Path, servers: &str) -> Server {
    let d = dir.display();
    let conf = format!(
        "daemon off;\nmaster_process off;\nerror_log {d}/nginx.error.log;\npid {d}/nginx.pid;\nevents {{}}\n\
         http {{\n  access_log {d}/nginx.access.log;\n  client_body_temp_path {d};\n  proxy_temp_path {d};\n  \
         fastcgi_temp_path {d};\n  uwsgi_temp_path {d};\n  scgi_temp_path {d};\n  {servers}\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    spawn("/usr/sbin/nginx", &["-p", &d.to_string(), "-c", &format!("{d}/nginx.conf")], &dir.join("nginx.out"))
}

fn nginx(dir: &Path) -> Option<(Server, u16, u16)> {
    if !installed("/usr/sbin/nginx") || !installed("/usr/bin/openssl") {
        return None;
    }
    let (http, https) = (free_port(), free_port());
    let d = dir.display();
    crate::util::self_signed(dir);
    std::fs::create_dir_all(dir.join("www")).unwrap();
    std::fs::write(dir.join("www/index.html"), "hello from nginx\n").unwrap();
    let server = start_nginx(
        dir,
        &format!(
            "server {{ listen 127.0.0.1:{http}; root {d}/www; }}\n  \
             server {{ listen 127.0.0.1:{https} ssl; ssl_certificate {d}/cert.pem; ssl_certificate_key {d}/key.pem; root {d}/www; }}"
        ),
    );
    assert!(
        wait_until(Duration::from_secs(10), || listening(http) && listening(https)),
        "nginx did not start: {}",
        std::fs::read_to_string(dir.join("nginx.error.log")).unwrap_or_default()
    );
    Some((server, http, https))
}

#[test]
fn http_and_https_against_nginx() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let Some((_nginx, http, https)) = nginx(d) else { return };
    let text = format!(
        "{}check host web with address 127.0.0.1\n  if failed port {http} protocol http request \"/index.html\" and content = \"hello\" then alert\n\
         check host missing with address 127.0.0.1\n  if failed port {http} protocol http request \"/nope\" then alert\n\
         check host expected404 with address 127.0.0.1\n  if failed port {http} protocol http request \"/nope\" status = 404 then alert\n\
         check host wrongcontent with address 127.0.0.1\n  if failed port {http} protocol http content = \"absent\" then alert\n\
         check host secure with address 127.0.0.1\n  if failed port {https} protocol https certificate valid > 10 days then alert\n\
         check host expiring with address 127.0.0.1\n  if failed port {https} protocol https certificate valid > 60 days then alert\n\
         check host byurl with address 127.0.0.1\n  if failed url https://127.0.0.1:{https}/index.html and content = \"nginx\" then alert\n",
        header(d)
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    wait_status(&daemon, "web", "OK");
    wait_status(&daemon, "missing", "Connection failed");
    wait_status(&daemon, "expected404", "OK");
    wait_status(&daemon, "wrongcontent", "Connection failed");
    wait_status(&daemon, "secure", "OK");
    wait_status(&daemon, "expiring", "Timestamp failed");
    wait_status(&daemon, "byurl", "OK");
    let web = status(&daemon, "web");
    let line = web.lines().find(|l| l.starts_with("  port response time")).unwrap_or_default().to_owned();
    assert!(line.ends_with(&format!(" ms to 127.0.0.1:{http}/index.html type TCP/IP protocol HTTP")), "{web}");
    let missing = status(&daemon, "missing");
    assert!(
        missing.contains(&format!(
            "  port response time           FAILED to [127.0.0.1]:{http}/nope type TCP/IP protocol HTTP\n"
        )),
        "{missing}"
    );
    let secure = status(&daemon, "secure");
    assert!(secure.contains(&format!("to 127.0.0.1:{https} type TCP/IP using TLS protocol HTTPS")), "{secure}");
    assert!(daemon.log().contains("HTTP error: Server returned status 404"), "{}", daemon.log());
    let xml = stdout(&daemon.cli(&["status", "--json"]));
    assert!(xml.contains("\"connections\""), "{xml}");
}

/// nginx answering HTTP on [::1] only; `None` where nginx or IPv6 loopback is missing.
fn nginx_on_ipv6(dir: &Path) -> Option<(Server, u16)> {
    if !installed("/usr/sbin/nginx") || std::net::TcpListener::bind("[::1]:0").is_err() {
        return None;
    }
    let port = std::net::TcpListener::bind("[::1]:0").unwrap().local_addr().unwrap().port();
    let d = dir.display();
    std::fs::create_dir_all(dir.join("www")).unwrap();
    std::fs::write(dir.join("www/index.html"), "hello over IPv6\n").unwrap();
    let server = start_nginx(dir, &format!("server {{ listen [::1]:{port}; root {d}/www; }}"));
    let up = || std::net::TcpStream::connect(("::1", port)).is_ok();
    assert!(
        wait_until(Duration::from_secs(10), up),
        "nginx did not start: {}",
        std::fs::read_to_string(dir.join("nginx.error.log")).unwrap_or_default()
    );
    Some((server, port))
}

#[test]
fn http_over_ipv6_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let Some((_nginx, port)) = nginx_on_ipv6(d) else { return };
    let text = format!(
        "{}check host literal with address ::1\n  if failed port {port} protocol http request \"/index.html\" and content = \"IPv6\" then alert\n\
         check host forced with address ::1\n  if failed port {port} ipv6 protocol http then alert\n\
         check host v4only with address ::1\n  if failed port {port} ipv4 then alert\n\
         check host byurl with address ::1\n  if failed url http://[::1]:{port}/index.html and content = \"hello\" then alert\n",
        header(d)
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    wait_status(&daemon, "literal", "OK");
    wait_status(&daemon, "forced", "OK");
    wait_status(&daemon, "byurl", "OK");
    wait_status(&daemon, "v4only", "Connection failed");
    assert!(daemon.log().contains("::1 has no IPv4 address"), "{}", daemon.log());
    // The Host header carried the literal in brackets: nginx logged each request as 200.
    let access = std::fs::read_to_string(d.join("nginx.access.log")).unwrap_or_default();
    assert!(access.contains("\"GET /index.html HTTP/1.1\" 200"), "{access}");
    assert!(!access.contains("\" 400 "), "{access}");
}

/// The SHA1 fingerprint of the certificate nginx serves, as lower-case hex.
fn certificate_sha1(dir: &Path) -> String {
    let out = Command::new("/usr/bin/openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha1", "-in"])
        .arg(dir.join("cert.pem"))
        .output()
        .expect("run openssl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.trim().rsplit('=').next().unwrap_or_default().replace(':', "").to_ascii_lowercase()
}

#[test]
fn tls_options_and_certificate_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let Some((_nginx, _http, https)) = nginx(d) else { return };
    let sha1 = certificate_sha1(d);
    assert_eq!(sha1.len(), 40, "{sha1}");
    let text = format!(
        "{}check host selfsigned with address 127.0.0.1\n  if failed port {https} protocol https with ssl options {{verify: enable, selfsigned: allow}} then alert\n\
         check host verified with address 127.0.0.1\n  if failed port {https} protocol https with ssl options {{verify: enable}} then alert\n\
         check host pinned with address 127.0.0.1\n  if failed port {https} protocol https certificate checksum sha1 \"{sha1}\" then alert\n\
         check host mispinned with address 127.0.0.1\n  if failed port {https} type tcpssl certificate checksum sha1 \"{}\" then alert\n",
        header(d),
        "0".repeat(40)
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    wait_status(&daemon, "selfsigned", "OK");
    wait_status(&daemon, "verified", "Connection failed");
    wait_status(&daemon, "pinned", "OK");
    wait_status(&daemon, "mispinned", "Connection failed");
    let log = daemon.log();
    assert!(log.contains("TLS handshake failed: invalid peer certificate"), "{log}");
    assert!(log.contains(&format!("certificate checksum mismatch (expected {} got {sha1})", "0".repeat(40))), "{log}");
}

#[test]
fn ssh_and_smtp_against_real_servers() {
    if !installed("/usr/sbin/sshd") || !installed("/usr/bin/ssh-keygen") || !installed("/usr/bin/python3") {
        return;
    }
    let has_aiosmtpd =
        Command::new("/usr/bin/python3").args(["-c", "import aiosmtpd"]).status().is_ok_and(|s| s.success());
    if !has_aiosmtpd {
        crate::util::skip("python3-aiosmtpd is not installed (bash .ci/run installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (ssh_port, smtp_port) = (free_port(), free_port());
    let key = d.join("host_key");
    let made = Command::new("/usr/bin/ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f", key.to_str().unwrap()])
        .status()
        .expect("run ssh-keygen");
    assert!(made.success());
    // sshd insists on its privilege separation directory.
    let _ = std::fs::create_dir_all("/run/sshd");
    let sshd_config = d.join("sshd_config");
    std::fs::write(
        &sshd_config,
        format!(
            "Port {ssh_port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}/sshd.pid\nUsePAM no\nStrictModes no\n",
            key.display(),
            d.display()
        ),
    )
    .unwrap();
    let _sshd = spawn("/usr/sbin/sshd", &["-D", "-e", "-f", sshd_config.to_str().unwrap()], &d.join("sshd.log"));
    let _smtpd = spawn(
        "/usr/bin/python3",
        &["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{smtp_port}")],
        &d.join("smtpd.log"),
    );
    assert!(
        wait_until(Duration::from_secs(10), || listening(ssh_port) && listening(smtp_port)),
        "servers did not start: {}",
        std::fs::read_to_string(d.join("sshd.log")).unwrap_or_default()
    );
    let text = format!(
        "{}check host ssh with address 127.0.0.1\n  if failed port {ssh_port} protocol ssh then alert\n\
         check host notssh with address 127.0.0.1\n  if failed port {smtp_port} protocol ssh with timeout 3 seconds then alert\n\
         check host mail with address 127.0.0.1\n  if failed port {smtp_port} protocol smtp then alert\n\
         check host notmail with address 127.0.0.1\n  if failed port {ssh_port} protocol smtp with timeout 3 seconds then alert\n",
        header(d)
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    wait_status(&daemon, "ssh", "OK");
    wait_status(&daemon, "mail", "OK");
    wait_status(&daemon, "notssh", "Connection failed");
    wait_status(&daemon, "notmail", "Connection failed");
    let log = daemon.log();
    assert!(log.contains("SSH: protocol error, expected 'SSH-...', got '220 "), "{log}");
    assert!(log.contains("SMTP: Mailserver response error to greeting, expected 2xx, got 'SSH-2.0-OpenSSH"), "{log}");
    assert!(status(&daemon, "ssh").contains(&format!(" ms to 127.0.0.1:{ssh_port} type TCP/IP protocol SSH\n")));
}

#[test]
fn a_tarpit_fails_within_its_timeout_and_delays_no_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Two tarpits: each accepts and never answers, keeping the accepted sockets open and
    // counting them.
    let tarpit = || {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = accepted.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming().flatten() {
                held.push(stream);
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        });
        (port, accepted)
    };
    let (tarpit_port, _) = tarpit();
    let (stuck_port, stuck_accepted) = tarpit();
    // `stuck` waits an hour for its answer: cycles of the others meanwhile prove it delays
    // no one; `tarpit` fails at its 3 s timeout (the log says so) while `stuck` waits.
    let text = format!(
        "{}check host tarpit with address 127.0.0.1\n  if failed port {tarpit_port} protocol http with timeout 3 seconds then alert\n\
         check host stuck with address 127.0.0.1\n  if failed port {stuck_port} protocol http with timeout 3600 seconds then alert\n\
         {HEARTBEAT}",
        header(d)
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    let stuck_waits = || stuck_accepted.load(std::sync::atomic::Ordering::SeqCst) == 1;
    assert!(wait_until(Duration::from_secs(15), stuck_waits), "stuck connected: {}", daemon.log());
    wait_status(&daemon, "tarpit", "Connection failed");
    assert!(daemon.wait_cycles("heartbeat", 4, Duration::from_secs(30)), "{}", daemon.log());
    assert!(stuck_waits(), "stuck still waits on its one connection: {}", daemon.log());
    assert!(!summary_status(&daemon, "stuck").contains("failed"), "{}", summary_status(&daemon, "stuck"));
    assert!(
        daemon.log().contains(&format!("[127.0.0.1]:{tarpit_port} [TCP/IP] -- no answer within 3 s")),
        "{}",
        daemon.log()
    );
}

#[test]
fn ping_refusal_succeeded_and_unix_socket() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let closed = free_port();
    let open = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let open_port = open.local_addr().unwrap().port();
    let socket_path = d.join("app.sock");
    let unix = std::os::unix::net::UnixListener::bind(&socket_path).unwrap();
    // A process of the test's own (the test itself is rmonit's parent: never a service).
    let service = crate::util::Started::spawn("sleep", &["600"]);
    std::fs::write(d.join("me.pid"), service.pid().to_string()).unwrap();
    let text = format!(
        "{h}check host loopback with address 127.0.0.1\n  if failed ping count 2 then alert\n  if failed port {open_port} then alert\n\
         check host refused with address 127.0.0.1\n  if failed port {closed} then alert\n\
         check host reachable with address 127.0.0.1\n  if succeeded port {open_port} then alert\n\
         check process me with pidfile {d}/me.pid\n  if failed unixsocket {d}/app.sock then alert\n\
         check process nosocket with pidfile {d}/me.pid\n  if failed unixsocket {d}/none.sock then alert\n",
        h = header(d),
        d = d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    wait_status(&daemon, "refused", "Connection failed");
    wait_status(&daemon, "reachable", "Connection failed");
    wait_status(&daemon, "me", "OK");
    wait_status(&daemon, "nosocket", "Connection failed");
    let loopback = summary_status(&daemon, "loopback");
    let lines = status(&daemon, "loopback");
    if loopback == "OK" {
        assert!(lines.contains("  ping response time           "), "{lines}");
        assert!(lines.contains(&format!(" to 127.0.0.1:{open_port} type TCP/IP protocol DEFAULT\n")), "{lines}");
    } else {
        // No ICMP socket allowed here: the failure says how to allow one.
        assert!(daemon.log().contains("ping_group_range"), "{loopback}: {}", daemon.log());
    }
    let refused = status(&daemon, "refused");
    assert!(
        refused.contains(&format!(
            "  port response time           FAILED to [127.0.0.1]:{closed} type TCP/IP protocol DEFAULT\n"
        )),
        "{refused}"
    );
    assert!(
        daemon.log().contains(&format!(
            "failed protocol test [DEFAULT] at [127.0.0.1]:{closed} [TCP/IP] -- Connection refused"
        )),
        "{}",
        daemon.log()
    );
    let me = status(&daemon, "me");
    assert!(me.contains(&format!(" ms to {}/app.sock type TCP protocol DEFAULT\n", d.display())), "{me}");
    drop((open, unix));
}

#[test]
fn a_young_process_port_tests_wait_for_its_start_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let closed = free_port();
    let sleeper = Server::spawn("sleep", &["300"]);
    std::fs::write(d.join("app.pid"), sleeper.pid().to_string()).unwrap();
    let start = write_script(d, "start.sh", "exit 0");
    let text = format!(
        "{h}check process young with pidfile {d}/app.pid\n  start program = \"{start}\" with timeout 300 seconds\n  \
         if failed port {closed} then alert\n\
         check process plain with pidfile {d}/app.pid\n  if failed port {closed} then alert\n",
        h = header(d),
        d = d.display(),
        start = start.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    wait_status(&daemon, "plain", "Connection failed");
    // The same process and port, but within its start timeout: no verdict yet.
    assert_eq!(summary_status(&daemon, "young"), "OK");
    let young = status(&daemon, "young");
    assert!(young.contains("  port response time           -\n"), "{young}");
    drop(sleeper);
}

/// `openssl s_server` serving TLS with `cert` and `key` on a free port of 127.0.0.1.
fn tls_server(cert: &str, key: &str) -> (crate::util::Started, u16) {
    tls_server_with(cert, key, &[])
}

/// [`tls_server`] with more `openssl s_server` arguments.
fn tls_server_with(cert: &str, key: &str, extra: &[&str]) -> (crate::util::Started, u16) {
    let port = free_port();
    let child = Command::new("openssl")
        .args(["s_server", "-quiet", "-accept", &format!("127.0.0.1:{port}"), "-cert", cert, "-key", key, "-www"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl (Debian package openssl)");
    let server = crate::util::Started(child);
    assert!(wait_until(Duration::from_secs(10), || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()));
    (server, port)
}

#[test]
fn selfsigned_allow_refuses_an_expired_self_signed_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (cert, key) = crate::util::self_signed(d);
    let (_valid, valid_port) = tls_server(&cert.display().to_string(), &key.display().to_string());
    let path = |name: &str| d.join(name).display().to_string();
    std::fs::write(d.join("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n").unwrap();
    for args in [
        vec!["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", &path("old.key")]
            .into_iter()
            .chain(["-out", &path("old.csr")])
            .collect::<Vec<_>>(),
        vec!["x509", "-req", "-in", &path("old.csr"), "-signkey", &path("old.key"), "-days", "-1"]
            .into_iter()
            .chain(["-extfile", &path("san.ext"), "-out", &path("old.pem")])
            .collect(),
    ] {
        let made = Command::new("openssl").args(&args).stdout(Stdio::null()).stderr(Stdio::null()).status();
        assert!(made.expect("openssl").success(), "openssl {args:?}");
    }
    let (_expired, expired_port) = tls_server(&path("old.pem"), &path("old.key"));
    let options = "type tcpssl with ssl options {verify: enable, selfsigned: allow}";
    let text = format!(
        "{}check host valid with address 127.0.0.1\n  if failed port {valid_port} {options} then alert\n\
         check host expired with address 127.0.0.1\n  if failed port {expired_port} {options} then alert\n",
        header(d)
    );
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    wait_status(&daemon, "valid", "OK");
    wait_status(&daemon, "expired", "Connection failed");
    assert!(daemon.log().contains("the self-signed certificate expired on"), "{}", daemon.log());
}

#[test]
fn a_connection_tests_ciphers_restrict_the_suites_offered() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (cert, key) = crate::util::self_signed(d);
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    // The server speaks TLS 1.2 with one suite only.
    let (_server, port) = tls_server_with(&cert, &key, &["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"]);
    let test = |ciphers: &str| {
        format!("if failed port {port} type tcpssl with ssl options {{ciphers: \"{ciphers}\"}} then alert")
    };
    let text = format!(
        "{}check host same with address 127.0.0.1\n  {}\ncheck host other with address 127.0.0.1\n  {}\n",
        header(d),
        test("ECDHE-RSA-AES256-GCM-SHA384:TLS_AES_128_GCM_SHA256"),
        test("ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256")
    );
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    wait_status(&daemon, "same", "OK");
    wait_status(&daemon, "other", "Connection failed");
}

#[test]
fn cacertificatepath_trusts_every_certificate_of_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (ca, cert, key) = crate::alerts::ca_and_leaf(d);
    let (_server, port) = tls_server(&cert, &key);
    // OpenSSL's layout: the CA under its subject hash, a link to the PEM file; beside it a
    // file that is no certificate.
    let trusted = d.join("trusted");
    std::fs::create_dir(&trusted).unwrap();
    let out = Command::new("openssl").args(["x509", "-hash", "-noout", "-in", &ca]).output().expect("openssl");
    let hash = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    std::fs::copy(&ca, trusted.join("rmonit-test-ca.pem")).unwrap();
    std::os::unix::fs::symlink("rmonit-test-ca.pem", trusted.join(format!("{hash}.0"))).unwrap();
    std::fs::write(trusted.join("README"), "not a certificate\n").unwrap();
    let elsewhere = d.join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::copy(crate::util::self_signed(&elsewhere).0, elsewhere.join("other.pem")).unwrap();
    let test = |path: &Path| {
        format!(
            "if failed host localhost port {port} type tcpssl with ssl options {{verify: enable, cacertificatepath: {}}} then alert",
            path.display()
        )
    };
    let text = format!(
        "{}check host trusted with address 127.0.0.1\n  {}\ncheck host untrusted with address 127.0.0.1\n  {}\n",
        header(d),
        test(&trusted),
        test(&elsewhere)
    );
    let config = write_monitrc(d, "monitrc", &text);
    let check = crate::util::run_rmonit(&["-t", "-c", config.to_str().unwrap()]);
    assert!(!crate::util::stderr(&check).contains("cacertificatepath"), "{}", crate::util::stderr(&check));
    let daemon = Daemon::start(d, &config);
    wait_status(&daemon, "trusted", "OK");
    wait_status(&daemon, "untrusted", "Connection failed");
    assert!(daemon.log().contains("UnknownIssuer"), "{}", daemon.log());
}

#[test]
fn set_ssl_gives_the_defaults_of_every_tls_connection() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (cert, key) = crate::util::self_signed(d);
    let (_server, port) = tls_server(&cert.display().to_string(), &key.display().to_string());
    // `set ssl` turns verification on: the self-signed certificate fails a test that says
    // nothing more, and passes one that allows self-signed certificates (its own option,
    // with the global verify).
    let text = format!(
        "{}set ssl {{ verify: enable }}\n\
         check host strict with address 127.0.0.1\n  if failed port {port} type tcpssl then alert\n\
         check host lenient with address 127.0.0.1\n  if failed port {port} type tcpssl with ssl options {{selfsigned: allow}} then alert\n",
        header(d)
    );
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    wait_status(&daemon, "strict", "Connection failed");
    wait_status(&daemon, "lenient", "OK");
}
