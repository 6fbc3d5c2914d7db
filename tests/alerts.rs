//! Alerts against real servers on loopback: Debian's aiosmtpd (python3-aiosmtpd) storing
//! every message in a Maildir, a black hole that accepts and never answers, and a small
//! HTTP receiver for webhooks. Mail format, filters and reminders, failover, STARTTLS,
//! the queue across a server outage and a `kill -9`, and checks that keep their pace while
//! the mail server hangs. A full disk under the queue: [`full_disk`].

mod full_disk;
mod restart;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::util::{Daemon, free_port, self_signed, stdout, wait_until, write_monitrc};

/// Debian's python, which has aiosmtpd (pyenv's `python3` on PATH may not).
const PYTHON: &str = "/usr/bin/python3";

/// An aiosmtpd server writing every message into `maildir`; killed by PID when dropped.
struct SmtpServer {
    _child: crate::util::Started,
    port: u16,
    maildir: PathBuf,
}

/// One received message.
#[derive(Debug, Clone)]
struct Mail {
    headers: Vec<(String, String)>,
    body: String,
}

impl Mail {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn subject(&self) -> &str {
        self.header("Subject").unwrap_or_default()
    }

    fn to(&self) -> &str {
        self.header("To").unwrap_or_default()
    }
}

impl SmtpServer {
    /// Starts aiosmtpd on `port` with extra arguments (TLS), and waits until it listens.
    fn start(dir: &Path, port: u16, extra: &[&str]) -> SmtpServer {
        let mut command = Command::new(PYTHON);
        command
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .args(extra)
            .arg(SmtpServer::maildir(dir, port));
        SmtpServer::run(dir, port, command)
    }

    /// Where the server on `port` stores what it receives.
    fn maildir(dir: &Path, port: u16) -> PathBuf {
        dir.join(format!("maildir-{port}"))
    }

    /// Runs `command`, an SMTP server on `port` storing into [`SmtpServer::maildir`], with its
    /// output in `dir/smtp-PORT.log`, and waits until it listens.
    fn run(dir: &Path, port: u16, mut command: Command) -> SmtpServer {
        let log = std::fs::File::create(dir.join(format!("smtp-{port}.log"))).expect("smtp log");
        let child = command
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("python3-aiosmtpd (Debian package) is needed: /usr/bin/python3 -m aiosmtpd");
        let server = SmtpServer { _child: crate::util::Started(child), port, maildir: SmtpServer::maildir(dir, port) };
        assert!(
            wait_until(Duration::from_secs(15), || TcpStream::connect(("127.0.0.1", port)).is_ok()),
            "aiosmtpd listens on {port}: {}",
            std::fs::read_to_string(dir.join(format!("smtp-{port}.log"))).unwrap_or_default()
        );
        server
    }

    /// The messages received so far, in the order they arrived.
    fn messages(&self) -> Vec<Mail> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else { return Vec::new() };
        let mut files: Vec<(SystemTime, PathBuf)> =
            entries.flatten().filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path()))).collect();
        files.sort();
        files.iter().filter_map(|(_, path)| std::fs::read_to_string(path).ok()).map(|text| parse(&text)).collect()
    }

    /// The messages whose subject contains `text`.
    fn with_subject(&self, text: &str) -> Vec<Mail> {
        self.messages().into_iter().filter(|m| m.subject().contains(text)).collect()
    }
}

fn parse(text: &str) -> Mail {
    let text = text.replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let headers = head
        .lines()
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    Mail { headers, body: body.to_owned() }
}

/// The common head of the control files: one-second cycles, files in `dir`.
fn header(dir: &Path, mailservers: &str) -> String {
    format!("{}set mailserver {mailservers}\n", crate::util::header(dir))
}

/// A file service on `dir/flag` that alerts when the file is missing.
fn flag_service(dir: &Path) -> String {
    format!("check file flag path {}/flag\n  if does not exist then alert\n", dir.display())
}

/// How many alerts wait in the default queue directory.
fn queued(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("rmonit.state.alerts"))
        .map(|entries| entries.flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".alert")).count())
        .unwrap_or(0)
}

#[test]
fn failure_and_recovery_mails_read_as_monits_with_auto_submitted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let smtp = SmtpServer::start(d, free_port(), &[]);
    let text =
        format!("{}set alert root@localhost\n{}", header(d, &format!("127.0.0.1 port {}", smtp.port)), flag_service(d));
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    assert!(
        wait_until(Duration::from_secs(20), || !smtp.with_subject("Does not exist flag").is_empty()),
        "the failure mail arrived: {}",
        daemon.log()
    );
    std::fs::write(d.join("flag"), "here").unwrap();
    assert!(
        wait_until(Duration::from_secs(20), || !smtp.with_subject("Exists flag").is_empty()),
        "the recovery mail arrived: {}",
        daemon.log()
    );
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_owned();
    let failure = &smtp.with_subject("Does not exist flag")[0];
    assert_eq!(failure.subject(), "monit alert --  Does not exist flag");
    assert_eq!(failure.header("From"), Some(format!("monit@{host}").as_str()));
    assert_eq!(failure.to(), "root@localhost");
    assert_eq!(failure.header("Auto-Submitted"), Some("auto-generated"));
    assert_eq!(failure.header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(failure.header("MIME-Version"), Some("1.0"));
    assert!(failure.header("Message-Id").is_some_and(|id| id.ends_with(&format!("@{host}>"))), "{failure:?}");
    assert!(failure.header("Date").is_some());
    let lines: Vec<&str> = failure.body.trim_end_matches('\n').lines().collect();
    assert_eq!(lines[0], "Does not exist Service flag ");
    assert_eq!(lines[1], "");
    assert!(lines[2].starts_with("\tDate:        "), "{lines:?}");
    assert_eq!(lines[3], "\tAction:      alert");
    assert_eq!(lines[4], format!("\tHost:        {host}"));
    assert_eq!(lines[5], "\tDescription: file doesn't exist", "Monit's words");
    assert_eq!(&lines[6..], ["", "Your faithful employee,", "Monit"]);
    let recovery = &smtp.with_subject("Exists flag")[0];
    assert_eq!(recovery.subject(), "monit alert --  Exists flag");
    assert!(recovery.body.starts_with("Exists Service flag \n"), "{}", recovery.body);
    assert_eq!(recovery.header("Auto-Submitted"), Some("auto-generated"));
    // The monitor's own start is an event too, and so is a reload, whose action is
    // Monit's: `start`.
    assert_eq!(smtp.with_subject("Monit instance changed").len(), 1);
    assert!(daemon.cli(&["reload"]).status.success());
    assert!(
        wait_until(Duration::from_secs(20), || smtp.with_subject("Monit instance changed").len() == 2),
        "the reload mail arrived: {}",
        daemon.log()
    );
    let reload = &smtp.with_subject("Monit instance changed")[1];
    assert!(reload.body.contains("\tAction:      start\n"), "{}", reload.body);
    assert!(reload.body.contains("\tDescription: rmonit reloaded\n"), "{}", reload.body);
}

#[test]
fn filters_and_reminders_choose_the_recipients() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let smtp = SmtpServer::start(d, free_port(), &[]);
    let text = format!(
        "{}set alert all@example.com not {{ instance }}\n\
         set alert missing@example.com {{ nonexist }}\n\
         set alert remind@example.com {{ nonexist }} reminder 2 cycles\n\
         set alert quiet@example.com not {{ action, instance }}\n\
         set mail-format {{ subject: $EVENT on $SERVICE }}\n{}",
        header(d, &format!("127.0.0.1 port {}", smtp.port)),
        flag_service(d)
    );
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    let to = |address: &str, subject: &str| -> usize {
        smtp.messages().iter().filter(|m| m.to() == address && m.subject() == subject).count()
    };
    assert!(
        wait_until(Duration::from_secs(30), || to("remind@example.com", "Does not exist on flag") >= 3),
        "the first alert and two reminders: {}",
        daemon.log()
    );
    assert!(daemon.cli(&["unmonitor", "flag"]).status.success());
    assert!(
        wait_until(Duration::from_secs(20), || to("all@example.com", "Action done on flag") == 1 && queued(d) == 0),
        "the user action's alert: {}",
        daemon.log()
    );
    assert_eq!(to("all@example.com", "Does not exist on flag"), 1, "no reminders without `reminder`");
    assert_eq!(to("missing@example.com", "Does not exist on flag"), 1);
    assert_eq!(to("quiet@example.com", "Does not exist on flag"), 1);
    assert_eq!(to("missing@example.com", "Action done on flag"), 0, "{{ nonexist }} only");
    assert_eq!(to("quiet@example.com", "Action done on flag"), 0, "not {{ action }}");
    assert_eq!(to("remind@example.com", "Action done on flag"), 0);
    assert!(smtp.with_subject("Monit instance changed").is_empty(), "nobody takes instance events here");
}

#[test]
fn the_second_mail_server_takes_over_when_the_first_is_down() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let down = free_port();
    let smtp = SmtpServer::start(d, free_port(), &[]);
    let servers = format!("127.0.0.1 port {down}, 127.0.0.1 port {}", smtp.port);
    let text = format!("{}set alert root@localhost\n{}", header(d, &servers), flag_service(d));
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    assert!(
        wait_until(Duration::from_secs(20), || !smtp.with_subject("Does not exist flag").is_empty()),
        "the second server got the alert: {}",
        daemon.log()
    );
    assert!(daemon.log().contains(&format!("mail server 127.0.0.1:{down} failed")), "{}", daemon.log());
}

#[test]
fn starttls_with_a_self_signed_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (cert, key) = self_signed(d);
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    // aiosmtpd refuses MAIL FROM until STARTTLS was done (its --requiretls default).
    let smtp = SmtpServer::start(d, free_port(), &["--tlscert", &cert, "--tlskey", &key]);
    let text =
        format!("{}set alert root@localhost\n{}", header(d, &format!("127.0.0.1 port {}", smtp.port)), flag_service(d));
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    assert!(
        wait_until(Duration::from_secs(20), || !smtp.with_subject("Does not exist flag").is_empty()),
        "the alert went through STARTTLS: {}",
        daemon.log()
    );
}

#[test]
fn using_tls_on_another_port_than_25_or_587_is_implicit_tls() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (cert, key) = self_signed(d);
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let smtp = SmtpServer::start(d, free_port(), &["--smtpscert", &cert, "--smtpskey", &key]);
    let text = format!(
        "{}set alert root@localhost\n{}",
        header(d, &format!("127.0.0.1 port {} using tls", smtp.port)),
        flag_service(d)
    );
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    assert!(
        wait_until(Duration::from_secs(20), || !smtp.with_subject("Does not exist flag").is_empty()),
        "the alert went over implicit TLS: {}",
        daemon.log()
    );
}

/// A CA and a certificate it issued for localhost (with the subjectAltName rustls needs).
pub(crate) fn ca_and_leaf(dir: &Path) -> (String, String, String) {
    let path = |name: &str| dir.join(name).display().to_string();
    let openssl = |args: &[&str]| {
        let status = Command::new("openssl").args(args).stdout(Stdio::null()).stderr(Stdio::null()).status();
        assert!(status.expect("openssl (Debian package openssl)").success(), "openssl {args:?}");
    };
    std::fs::write(dir.join("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n").unwrap();
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=rmonit test CA",
        "-keyout",
        &path("ca.key"),
        "-out",
        &path("ca.pem"),
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        &path("leaf.key"),
        "-out",
        &path("leaf.csr"),
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        &path("leaf.csr"),
        "-CA",
        &path("ca.pem"),
        "-CAkey",
        &path("ca.key"),
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        &path("san.ext"),
        "-out",
        &path("leaf.pem"),
    ]);
    (path("ca.pem"), path("leaf.pem"), path("leaf.key"))
}

#[test]
fn verify_enable_checks_the_mail_servers_certificate_against_the_ca_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (ca, cert, key) = ca_and_leaf(d);
    let smtp = SmtpServer::start(d, free_port(), &["--smtpscert", &cert, "--smtpskey", &key]);
    // The first server entry trusts only Debian's bundle and must refuse the certificate;
    // the second, the same server with our CA and TLS 1.3 only, takes the mail.
    let servers = format!(
        "localhost port {p} using tls with options {{ verify: enable }},\n  \
         localhost port {p} using tls with options {{ verify: enable, cacertificatefile: {ca}, version: tlsv13 }}",
        p = smtp.port
    );
    let text = format!("{}set alert root@localhost\n{}", header(d, &servers), flag_service(d));
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    assert!(
        wait_until(Duration::from_secs(20), || !smtp.with_subject("Does not exist flag").is_empty()),
        "the alert went through the verified server: {}",
        daemon.log()
    );
    assert!(daemon.log().contains("invalid peer certificate: UnknownIssuer"), "{}", daemon.log());
}

/// A self-signed certificate for localhost and 127.0.0.1 that expired yesterday (its
/// `notAfter` a day before its `notBefore`: openssl 3.0 `x509 -days -1`), and its key.
fn expired_self_signed(dir: &Path) -> (String, String) {
    let path = |name: &str| dir.join(name).display().to_string();
    let openssl = |args: &[&str]| {
        let status = Command::new("openssl").args(args).stdout(Stdio::null()).stderr(Stdio::null()).status();
        assert!(status.expect("openssl (Debian package openssl)").success(), "openssl {args:?}");
    };
    std::fs::write(dir.join("expired-san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n").unwrap();
    let (key, csr, cert) = (path("expired.key"), path("expired.csr"), path("expired.pem"));
    openssl(&["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", &key, "-out", &csr]);
    let ext = path("expired-san.ext");
    openssl(&["x509", "-req", "-in", &csr, "-signkey", &key, "-days", "-1", "-extfile", &ext, "-out", &cert]);
    (cert, key)
}

/// The SHA-256 of a PEM certificate's DER, as lower-case hex (openssl's fingerprint).
fn sha256_fingerprint(cert: &str) -> String {
    let out = Command::new("openssl").args(["x509", "-in", cert, "-noout", "-fingerprint", "-sha256"]).output();
    let text = String::from_utf8(out.expect("openssl").stdout).unwrap();
    text.trim().rsplit('=').next().unwrap().replace(':', "").to_ascii_lowercase()
}

#[test]
fn selfsigned_allow_takes_a_valid_self_signed_certificate_but_not_an_expired_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (expired_cert, expired_key) = expired_self_signed(d);
    let expired = SmtpServer::start(d, free_port(), &["--smtpscert", &expired_cert, "--smtpskey", &expired_key]);
    let (cert, key) = self_signed(d);
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let valid = SmtpServer::start(d, free_port(), &["--smtpscert", &cert, "--smtpskey", &key]);
    // The expired server comes first: it must be refused, and the valid one take the mail.
    let options = "using tls with options { verify: enable, selfsigned: allow }";
    let servers = format!("localhost port {} {options},\n  localhost port {} {options}", expired.port, valid.port);
    let text = format!("{}set alert root@localhost\n{}", header(d, &servers), flag_service(d));
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    assert!(
        wait_until(Duration::from_secs(20), || !valid.with_subject("Does not exist flag").is_empty()),
        "the alert went to the valid self-signed server: {}",
        daemon.log()
    );
    assert!(expired.messages().is_empty(), "the expired certificate was accepted");
    assert!(daemon.log().contains("the self-signed certificate expired on"), "{}", daemon.log());
}

#[test]
fn a_mail_servers_certificate_checksum_is_compared() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (cert, key) = self_signed(d);
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let smtp = SmtpServer::start(d, free_port(), &["--smtpscert", &cert, "--smtpskey", &key]);
    let right = sha256_fingerprint(&cert);
    let wrong = format!("{}{}", if right.starts_with('0') { "1" } else { "0" }, &right[1..]);
    // The same server twice: first pinned to another certificate (refused), then to its own.
    let servers = format!(
        "localhost port {p} using tls certificate checksum sha256 {wrong},\n  \
         localhost port {p} using tls certificate checksum sha256 {right}",
        p = smtp.port
    );
    let text = format!("{}set alert root@localhost\n{}", header(d, &servers), flag_service(d));
    let config = write_monitrc(d, "monitrc", &text);
    let check = crate::util::run_rmonit(&["-t", "-c", config.to_str().unwrap()]);
    assert!(!crate::util::stderr(&check).contains("checksum"), "{}", crate::util::stderr(&check));
    let daemon = Daemon::start(d, &config);
    assert!(
        wait_until(Duration::from_secs(20), || smtp.with_subject("Does not exist flag").len() == 1),
        "the alert went through the pinned server: {}",
        daemon.log()
    );
    assert!(
        daemon.log().contains(&format!("certificate checksum mismatch (expected {wrong} got {right})")),
        "{}",
        daemon.log()
    );
}

#[test]
fn a_reload_brings_new_recipients_and_keeps_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let servers = format!("127.0.0.1 port {port} with timeout 5 seconds");
    let before = format!("{}set alert first@example.com not {{ instance }}\n{}", header(d, &servers), flag_service(d));
    let config = write_monitrc(d, "monitrc", &before);
    let daemon = Daemon::start(d, &config);
    assert!(
        wait_until(Duration::from_secs(20), || queued(d) == 1),
        "queued while the server is down: {}",
        daemon.log()
    );
    // The new configuration drops 'flag' and mails someone else about a new service.
    let after = format!(
        "{}set alert second@example.com not {{ instance }}\ncheck file gone path {}/gone\n  if does not exist then alert\n",
        header(d, &servers),
        d.display()
    );
    write_monitrc(d, "monitrc", &after);
    assert!(daemon.cli(&["reload"]).status.success(), "{}", daemon.log());
    assert!(wait_until(Duration::from_secs(20), || queued(d) == 2), "the new service's alert joins the queue");
    let smtp = SmtpServer::start(d, port, &[]);
    assert!(
        wait_until(Duration::from_secs(30), || queued(d) == 0 && smtp.messages().len() >= 2),
        "both delivered: {}",
        daemon.log()
    );
    let sent: Vec<(String, String)> =
        smtp.messages().iter().map(|m| (m.to().to_owned(), m.subject().to_owned())).collect();
    assert_eq!(
        sent,
        [
            ("first@example.com".to_owned(), "monit alert --  Does not exist flag".to_owned()),
            ("second@example.com".to_owned(), "monit alert --  Does not exist gone".to_owned()),
        ]
    );
    assert!(daemon.log().contains("delivering a queued alert of 'flag', a service no longer configured"));
}

#[test]
fn alerts_wait_while_the_server_is_down_then_arrive_once_each_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let text = format!(
        "{}set alert root@localhost not {{ instance }}\n{}",
        header(d, &format!("127.0.0.1 port {port} with timeout 5 seconds")),
        flag_service(d)
    );
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    // Six events while nothing listens: missing, back, missing, back, missing, back.
    for n in 1..=5 {
        assert!(wait_until(Duration::from_secs(20), || queued(d) == n), "alert {n} queued: {}", daemon.log());
        if n % 2 == 1 {
            std::fs::write(d.join("flag"), "here").unwrap();
        } else {
            std::fs::remove_file(d.join("flag")).unwrap();
        }
    }
    assert!(wait_until(Duration::from_secs(20), || queued(d) == 6), "alert 6 queued: {}", daemon.log());
    let status = stdout(&daemon.cli(&["status"]));
    assert!(status.contains("Alerts: 6 queued, 0 delivered, last delivery error: no mail server took"), "{status}");
    let json: serde_json::Value = serde_json::from_str(&stdout(&daemon.cli(&["status", "--json"]))).unwrap();
    assert_eq!(json["daemon"]["alerts"]["queued"], 6, "{json}");
    assert!(
        json["daemon"]["alerts"]["last_error"].as_str().is_some_and(|e| e.contains("Connection refused")),
        "{json}"
    );
    let smtp = SmtpServer::start(d, port, &[]);
    assert!(
        wait_until(Duration::from_secs(30), || queued(d) == 0 && smtp.messages().len() >= 6),
        "all delivered once the server came up: {}",
        daemon.log()
    );
    let subjects: Vec<String> = smtp.messages().iter().map(|m| m.subject().to_owned()).collect();
    let expected: Vec<String> = (0..6)
        .map(|i| format!("monit alert --  {} flag", if i % 2 == 0 { "Does not exist" } else { "Exists" }))
        .collect();
    assert_eq!(subjects, expected);
    // The queue is empty: the error it had is history, and status no longer shows it.
    assert!(
        wait_until(Duration::from_secs(10), || !stdout(&daemon.cli(&["status"])).contains("last delivery error")),
        "{}",
        stdout(&daemon.cli(&["status"]))
    );
}

#[test]
fn alerts_queued_before_a_kill_9_go_out_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let text = format!(
        "{}set alert root@localhost not {{ instance }}\n{}",
        header(d, &format!("127.0.0.1 port {port} with timeout 5 seconds")),
        flag_service(d)
    );
    let config = write_monitrc(d, "monitrc", &text);
    let mut daemon = Daemon::start(d, &config);
    assert!(wait_until(Duration::from_secs(20), || queued(d) == 1), "the alert is queued: {}", daemon.log());
    daemon.child.kill().unwrap();
    assert!(daemon.wait_exit(Duration::from_secs(5)));
    drop(daemon);
    // The file is back, so the new daemon sees no event of its own: only the queued one.
    std::fs::write(d.join("flag"), "here").unwrap();
    let smtp = SmtpServer::start(d, port, &[]);
    let daemon = Daemon::start(d, &config);
    assert!(
        wait_until(Duration::from_secs(30), || queued(d) == 0 && !smtp.messages().is_empty()),
        "the queued alert was delivered after the restart: {}",
        daemon.log()
    );
    let subjects: Vec<String> = smtp.messages().iter().map(|m| m.subject().to_owned()).collect();
    assert_eq!(subjects, ["monit alert --  Does not exist flag"]);
}

#[test]
fn a_black_holed_mail_server_never_delays_a_check() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Accepts connections and never says a word.
    let hole = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = hole.local_addr().unwrap().port();
    let held: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
    let keep = held.clone();
    std::thread::spawn(move || {
        for stream in hole.incoming().flatten() {
            keep.lock().unwrap().push(stream);
        }
    });
    // The server's timeout is an hour: cycles while the notifier waits prove it waits alone.
    let text = format!(
        "{}set alert root@localhost\n{}{}",
        header(d, &format!("127.0.0.1 port {port} with timeout 3600 seconds")),
        flag_service(d),
        crate::util::HEARTBEAT
    );
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    assert!(wait_until(Duration::from_secs(20), || !held.lock().unwrap().is_empty()), "the notifier connected");
    assert!(daemon.wait_cycles("heartbeat", 6, Duration::from_secs(30)), "heartbeats: {}", daemon.log());
    assert!(queued(d) >= 2, "the alerts wait in the queue meanwhile");
}

/// The requests a receiver got: head and body of each.
type Received = Arc<Mutex<Vec<(String, String)>>>;

/// A minimal HTTP receiver: answers 200 and records each request's head and body.
fn webhook_receiver() -> (u16, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let received: Received = Arc::default();
    let store = received.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut data = Vec::new();
            let mut buffer = [0u8; 4096];
            let request = loop {
                let Ok(n) = stream.read(&mut buffer) else { break None };
                if n == 0 {
                    break None;
                }
                data.extend_from_slice(&buffer[..n]);
                let text = String::from_utf8_lossy(&data).into_owned();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned())
                        })
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(0);
                    if body.len() >= length {
                        break Some((head.to_owned(), body.to_owned()));
                    }
                }
            };
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            if let Some(request) = request {
                store.lock().unwrap().push(request);
            }
        }
    });
    (port, received)
}

#[test]
fn webhooks_receive_the_alert_as_json_and_in_slacks_shape() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (port, received) = webhook_receiver();
    let text = format!(
        "{}set alert webhook \"http://127.0.0.1:{port}/hook\" header \"X-Token: s3cret\" {{ nonexist }}\n\
         set alert webhook \"http://127.0.0.1:{port}/slack\" format slack {{ nonexist }}\n{}",
        header(d, &format!("127.0.0.1 port {}", free_port())),
        flag_service(d)
    );
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    assert!(
        wait_until(Duration::from_secs(20), || received.lock().unwrap().len() >= 2),
        "both webhooks were called: {}",
        daemon.log()
    );
    let requests = received.lock().unwrap().clone();
    let (head, body) = requests.iter().find(|(head, _)| head.starts_with("POST /hook ")).expect("POST /hook");
    assert!(head.to_ascii_lowercase().contains("x-token: s3cret"), "{head}");
    assert!(head.to_ascii_lowercase().contains("content-type: application/json"), "{head}");
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["service"], "flag");
    assert_eq!(json["event"], "nonexist");
    assert_eq!(json["state"], "failed");
    assert_eq!(json["summary"], "Does not exist");
    assert_eq!(json["action"], "alert");
    let (_, slack) = requests.iter().find(|(head, _)| head.starts_with("POST /slack ")).expect("POST /slack");
    let slack: serde_json::Value = serde_json::from_str(slack).unwrap();
    assert!(slack["text"].as_str().is_some_and(|t| t.starts_with("*Does not exist flag* on ")), "{slack}");
}

#[test]
fn a_full_queue_refuses_alerts_with_one_log_line_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = format!(
        "{}set eventqueue basedir {}/queue slots 1\n\
         set alert a@example.com not {{ instance }}\nset alert b@example.com not {{ instance }}\n{}",
        header(d, &format!("127.0.0.1 port {} with timeout 5 seconds", free_port())),
        d.display(),
        flag_service(d)
    );
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    let full = "the alert queue is full (1 slots): alert 'Does not exist flag' to b@example.com dropped";
    assert!(wait_until(Duration::from_secs(20), || daemon.log().contains(full)), "{}", daemon.log());
    // The recovery's two alerts are refused too: counted, not logged each.
    std::fs::write(d.join("flag"), "here").unwrap();
    let dropped = || -> serde_json::Value {
        let json: serde_json::Value =
            serde_json::from_str(&stdout(&daemon.cli(&["status", "--json"]))).unwrap_or_default();
        json["daemon"]["alerts"]["dropped"].clone()
    };
    assert!(wait_until(Duration::from_secs(20), || dropped() == 3), "{} {}", dropped(), daemon.log());
    assert_eq!(daemon.log().matches("the alert queue is full").count(), 1, "{}", daemon.log());
    assert!(stdout(&daemon.cli(&["status"])).contains("Alerts: 1 queued, 0 delivered, 3 dropped, "));
    let files: Vec<String> = std::fs::read_dir(d.join("queue"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let queued: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("queue").join(&files[0])).unwrap()).unwrap();
    assert_eq!(queued["payload"]["to"], "a@example.com");
}

#[test]
fn a_digest_recipient_gets_the_failures_of_one_cycle_as_one_mail() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let smtp = SmtpServer::start(d, free_port(), &[]);
    let text = format!(
        "{}set alert digest@example.com not {{ instance }} digest\nset alert each@example.com not {{ instance }}\n\
         check file one path {d}/one\n  if does not exist then alert\n\
         check file two path {d}/two\n  if does not exist then alert\n",
        header(d, &format!("127.0.0.1 port {}", smtp.port)),
        d = d.display()
    );
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    let to = |address: &str| -> Vec<Mail> { smtp.messages().into_iter().filter(|m| m.to() == address).collect() };
    assert!(
        wait_until(Duration::from_secs(20), || to("digest@example.com").len() == 1
            && to("each@example.com").len() == 2
            && queued(d) == 0),
        "one digest and two single mails: {}",
        daemon.log()
    );
    let digest = &to("digest@example.com")[0];
    assert!(digest.subject().starts_with("monit alert --  2 events: Does not exist "), "{}", digest.subject());
    assert!(
        digest.body.contains("Does not exist Service one\n") && digest.body.contains("Does not exist Service two\n")
    );
    assert_eq!(digest.header("Auto-Submitted"), Some("auto-generated"));
    let mut single: Vec<String> = to("each@example.com").iter().map(|m| m.subject().to_owned()).collect();
    single.sort();
    assert_eq!(single, ["monit alert --  Does not exist one", "monit alert --  Does not exist two"]);
}

/// An aiosmtpd server that requires `AUTH` as `alerts` / `s3cret` (over plain text, as on
/// a loopback relay); messages go into a Maildir as with [`SmtpServer::start`].
fn smtp_with_auth(dir: &Path, port: u16) -> SmtpServer {
    let script = "import sys, threading\n\
        from aiosmtpd.controller import Controller\n\
        from aiosmtpd.handlers import Mailbox\n\
        from aiosmtpd.smtp import AuthResult, LoginPassword\n\
        def check(server, session, envelope, mechanism, data):\n\
        \x20   ok = isinstance(data, LoginPassword) and data.login == b'alerts' and data.password == b's3cret'\n\
        \x20   return AuthResult(success=ok, handled=False)\n\
        c = Controller(Mailbox(sys.argv[2]), hostname='127.0.0.1', port=int(sys.argv[1]), authenticator=check,\n\
        \x20              auth_required=True, auth_require_tls=False)\n\
        c.start()\n\
        threading.Event().wait()\n";
    let mut command = Command::new(PYTHON);
    command.args(["-c", script, &port.to_string()]).arg(SmtpServer::maildir(dir, port));
    SmtpServer::run(dir, port, command)
}

#[test]
fn a_mail_server_that_wants_a_login_gets_it_and_a_wrong_one_keeps_the_alert_queued() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let smtp = smtp_with_auth(d, free_port());
    // A wrong password: the server refuses the login, the alert stays in the queue.
    let wrong = format!("127.0.0.1 port {} username \"alerts\" password \"nope\"", smtp.port);
    let text = format!("{}set alert root@localhost\n{}", header(d, &wrong), flag_service(d));
    let config = write_monitrc(d, "monitrc", &text);
    let mut daemon = Daemon::start(d, &config);
    assert!(wait_until(Duration::from_secs(20), || queued(d) >= 1), "queued: {}", daemon.log());
    assert!(smtp.messages().is_empty(), "nothing got through with a wrong password");
    assert!(
        wait_until(Duration::from_secs(20), || daemon.log().contains("535")),
        "the refusal is logged: {}",
        daemon.log()
    );
    daemon.signal("TERM");
    assert!(daemon.wait_exit(Duration::from_secs(10)));
    // The right one: the queued alert goes out.
    let right = format!("127.0.0.1 port {} username \"alerts\" password \"s3cret\"", smtp.port);
    write_monitrc(d, "monitrc", &format!("{}set alert root@localhost\n{}", header(d, &right), flag_service(d)));
    let kept = queued(d);
    assert!(kept >= 2, "the start and the failure wait in the queue");
    let daemon = Daemon::start(d, &config);
    assert!(
        wait_until(Duration::from_secs(20), || queued(d) == 0 && smtp.messages().len() >= kept),
        "the {kept} kept alerts delivered after logging in: {}",
        daemon.log()
    );
    assert!(!smtp.with_subject("Does not exist flag").is_empty());
}

#[test]
fn a_restart_limit_sends_monits_timeout_alert() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let smtp = SmtpServer::start(d, free_port(), &[]);
    let fail = crate::util::write_script(d, "fail.sh", "echo 'cannot start: config error'\nexit 1");
    let text = format!(
        "{}set alert root@localhost only on {{ timeout }}\n\
         check process failer with pidfile {d}/failer.pid\n  start program = \"{}\" with timeout 2 seconds\n  \
         if 2 restarts within 3 cycles then unmonitor\n",
        header(d, &format!("127.0.0.1 port {}", smtp.port)),
        fail.display(),
        d = d.display()
    );
    let daemon = Daemon::start(d, &write_monitrc(d, "monitrc", &text));
    assert!(
        wait_until(Duration::from_secs(30), || !smtp.with_subject("Timeout failer").is_empty()),
        "the Timeout mail: {}",
        daemon.log()
    );
    let mail = &smtp.with_subject("Timeout failer")[0];
    assert!(mail.body.contains("\tAction:      unmonitor\n"), "{}", mail.body);
    assert!(mail.body.contains("service restarted 2 times within "), "{}", mail.body);
}
