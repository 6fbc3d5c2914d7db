//! The TCP listener with a real daemon: credentials, read-only users, CSRF, the host ACL,
//! throttled wrong passwords, slow clients that lock nobody out, the unix socket refusing
//! another uid, TLS, and Monit's other endpoints.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::{Daemon, free_port, stdout, wait_until, write_monitrc};

/// An answer: status code, header block, body.
pub(crate) struct Answer {
    pub code: u16,
    pub headers: String,
    pub body: String,
}

/// One HTTP/1.0 exchange on a fresh connection; `None` when the server closes it unanswered.
pub(crate) fn exchange(port: u16, request: &str) -> Option<Answer> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(15))).ok()?;
    stream.write_all(request.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let code = head.split_whitespace().nth(1)?.parse().ok()?;
    Some(Answer { code, headers: head.to_owned(), body: body.to_owned() })
}

pub(crate) fn basic(user: &str, password: &str) -> String {
    use base64ct::{Base64, Encoding};
    format!("Authorization: Basic {}\r\n", Base64::encode_string(format!("{user}:{password}").as_bytes()))
}

pub(crate) fn get(port: u16, path: &str, auth: &str) -> Answer {
    exchange(port, &format!("GET {path} HTTP/1.0\r\n{auth}\r\n")).expect("an answer")
}

fn post(port: u16, path: &str, auth: &str, cookie: Option<&str>, body: &str) -> Answer {
    let cookie = cookie.map(|c| format!("Cookie: securitytoken={c}\r\n")).unwrap_or_default();
    let request = format!(
        "POST {path} HTTP/1.0\r\n{auth}{cookie}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    exchange(port, &request).expect("an answer")
}

/// A daemon with a file service `data`, the web interface on `port` with `allow`.
pub(crate) fn web_daemon(dir: &Path, port: u16, httpd_extra: &str) -> Daemon {
    std::fs::write(dir.join("data"), "x").unwrap();
    let text = format!(
        "set daemon 1\nset pidfile {d}/rmonit.pid\nset statefile {d}/rmonit.state\nset idfile {d}/rmonit.id\n\
         set log {d}/rmonit.log\n\
         set httpd port {port} unixsocket {d}/rmonit.sock\n  allow admin:monit\n  allow guest:\"$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/\" read-only\n{httpd_extra}\n\
         check file data with path {d}/data\n",
        d = dir.display()
    );
    let config = write_monitrc(dir, "monitrc", &text);
    let daemon = Daemon::start(dir, &config);
    assert!(
        wait_until(Duration::from_secs(10), || exchange(port, "GET /_ping HTTP/1.0\r\n\r\n").is_some()),
        "the web interface came up: {}",
        daemon.log()
    );
    daemon
}

pub(crate) fn daemon_log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("rmonit.log")).unwrap_or_default()
}

#[test]
fn credentials_read_only_users_and_csrf() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let daemon = web_daemon(d, port, "");
    let admin = basic("admin", "monit");

    let none = get(port, "/_summary", "");
    assert_eq!(none.code, 401);
    assert!(none.headers.contains("Basic realm=\"monit\""), "{}", none.headers);
    assert_eq!(get(port, "/_summary", &basic("admin", "wrong")).code, 401);
    assert_eq!(get(port, "/_summary", &basic("nobody", "monit")).code, 401);
    assert!(wait_until(Duration::from_secs(5), || {
        let log = daemon_log(d);
        log.contains("access denied -- client [127.0.0.1]: wrong password for user 'admin'")
            && log.contains("unknown user 'nobody'")
    }));

    let summary = get(port, "/_summary?batch=1", &admin);
    assert_eq!(summary.code, 200);
    assert!(summary.body.contains(" data ") && summary.headers.contains("securitytoken="), "{}", summary.body);
    for header in ["x-frame-options: SAMEORIGIN", "frame-ancestors 'self'", "content-type: text/plain"] {
        assert!(summary.headers.to_ascii_lowercase().contains(&header.to_ascii_lowercase()), "{}", summary.headers);
    }

    // A hashed (apr1) read-only user reads but cannot act.
    let guest = basic("guest", "password");
    assert_eq!(get(port, "/_status", &guest).code, 200);
    let refused = post(port, "/_doaction", &guest, Some("t1"), "action=unmonitor&service=data&securitytoken=t1");
    assert_eq!(refused.code, 403);
    assert!(refused.body.contains("You do not have sufficient privileges"), "{}", refused.body);
    assert_eq!(get(port, "/_viewlog", &guest).code, 403);

    // CSRF: the token must be in the cookie and in the form, the same.
    for (cookie, body) in [
        (None, "action=unmonitor&service=data"),
        (Some("t1"), "action=unmonitor&service=data"),
        (Some("t1"), "action=unmonitor&service=data&securitytoken=t2"),
    ] {
        let answer = post(port, "/_doaction", &admin, cookie, body);
        assert_eq!(answer.code, 403);
        assert!(answer.body.contains("<h2>Forbidden</h2>Invalid CSRF Token<p>"), "{}", answer.body);
    }
    // A GET carries no CSRF token: it never acts, even with good credentials.
    let by_get = get(port, "/_doaction?action=unmonitor&service=data", &admin);
    assert_eq!(by_get.code, 405, "{}", by_get.body);
    assert!(by_get.body.contains("send it as a POST"), "{}", by_get.body);
    assert_eq!(get(port, "/_runtime?action=validate", &admin).code, 405);
    let summary = stdout(&daemon.cli(&["summary", "data"]));
    assert!(!summary.contains("Not monitored"), "no refused request acted: {summary}");
    let done = post(port, "/_doaction", &admin, Some("t1"), "action=unmonitor&service=data&securitytoken=t1");
    assert_eq!(done.code, 200, "{}", done.body);
    assert!(wait_until(Duration::from_secs(5), || stdout(&daemon.cli(&["summary", "data"])).contains("Not monitored")));
    assert!(daemon_log(d).contains("'data' unmonitor on user request"), "{}", daemon_log(d));

    // Monit's other endpoints.
    let xml = get(port, "/_status?format=xml", &admin);
    assert!(xml.body.starts_with("<?xml") && xml.body.contains("<name>data</name>"), "{}", xml.body);
    assert!(get(port, "/_status2?format=xml", &admin).body.contains(r#"<service name="data">"#));
    let text = get(port, "/_status", &admin);
    assert!(text.headers.to_ascii_lowercase().contains("content-type: text/plain"), "{}", text.headers);
    assert!(get(port, "/_status2", &admin).body.contains("status "), "without format, the text status");
    let id = std::fs::read_to_string(d.join("rmonit.id")).unwrap();
    assert_eq!(get(port, "/_getid", &admin).body, id.trim(), "32 bytes, no line break, as Monit");
    assert!(get(port, "/_viewlog", &admin).body.contains("unmonitor on user request"));
    assert!(get(port, "/_runtime", &admin).body.contains(&format!("{}", d.join("monitrc").display())));
}

#[test]
fn wrong_passwords_are_slowed_but_the_right_one_gets_in() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let d = dir.path();
    let _daemon = web_daemon(d, port, "");
    let denied = || daemon_log(d).matches("access denied -- client [127.0.0.1]").count();
    // Eight wrong passwords at once, then a ninth: its answer is held back 2 s (the most).
    let wrong: Vec<_> =
        (0..8).map(|_| std::thread::spawn(move || get(port, "/_status", &basic("admin", "guess")).code)).collect();
    for answer in wrong {
        assert_eq!(answer.join().unwrap(), 401);
    }
    let ninth = std::thread::spawn(move || get(port, "/_status", &basic("admin", "guess")).code);
    assert!(wait_until(Duration::from_secs(10), || denied() == 9), "{}", daemon_log(d));
    // Slowed: the right password, sent after the ninth was refused, is answered first.
    assert_eq!(get(port, "/_status", &basic("admin", "monit")).code, 200);
    assert!(!ninth.is_finished(), "the ninth wrong password was answered before the right one");
    assert_eq!(ninth.join().unwrap(), 401);
}

#[test]
fn a_client_outside_the_acl_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let d = dir.path();
    std::fs::write(d.join("data"), "x").unwrap();
    let text = format!(
        "set daemon 1\nset pidfile {d}/rmonit.pid\nset statefile {d}/rmonit.state\nset idfile {d}/rmonit.id\nset log {d}/rmonit.log\n\
         set httpd port {port} unixsocket {d}/rmonit.sock allow 10.9.9.0/24 allow admin:monit\ncheck file data with path {d}/data\n",
        d = d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    assert!(
        wait_until(Duration::from_secs(10), || daemon_log(d).contains("web interface listening")),
        "{}",
        daemon.log()
    );
    assert!(exchange(port, &format!("GET /_status HTTP/1.0\r\n{}\r\n", basic("admin", "monit"))).is_none());
    assert!(wait_until(Duration::from_secs(5), || daemon_log(d)
        .contains("Denied connection from non-authorized client [127.0.0.1]")));
    // The CLI goes through the unix socket, which the ACL does not concern.
    assert!(stdout(&daemon.cli(&["summary"])).contains(" data "));
}

#[test]
fn two_hundred_slow_clients_lock_out_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let daemon = web_daemon(dir.path(), port, "");
    // 200 connections that send half a request line and then nothing.
    let slow: Vec<TcpStream> = (0..200)
        .map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
            s.write_all(b"GET /_sta").expect("trickle");
            s
        })
        .collect();
    let admin = basic("admin", "monit");
    for i in 0..100 {
        let out = daemon.cli(&["summary"]);
        assert!(out.status.success() && stdout(&out).contains(" data "), "CLI call {i} failed: {out:?}");
        if i % 10 == 0 {
            assert_eq!(get(port, "/_summary", &admin).code, 200, "browser request {i}");
        }
    }
    drop(slow);
}

#[cfg(target_os = "linux")]
#[test]
fn the_unix_socket_serves_its_group_and_refuses_another_uid() {
    if rustix::process::geteuid().as_raw() != 0 {
        crate::util::skip("needs root to run a client under another uid");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    let text = format!(
        "set daemon 1\nset pidfile {d}/rmonit.pid\nset statefile {d}/rmonit.state\nset idfile {d}/rmonit.id\n\
         set httpd unixsocket {d}/rmonit.sock gid 65534 permission 0666\n",
        d = d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    let socket = d.join("rmonit.sock");
    assert!(wait_until(Duration::from_secs(10), || socket.exists()), "{}", daemon.log());
    assert!(stdout(&daemon.cli(&["summary"])).contains("Service Name"), "root is served");
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(&socket).unwrap().gid(), 65534, "the socket belongs to its group");
    // Refused: the connection is closed unanswered (an empty read or a reset).
    let probe = "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\n\
                 try:\n  s.sendall(b'GET /_ping HTTP/1.0\\r\\n\\r\\n')\n  print('answered' if s.recv(100) else 'refused')\n\
                 except (ConnectionResetError, BrokenPipeError):\n  print('refused')";
    let as_user = |gid: u32| {
        use std::os::unix::process::CommandExt;
        let out = std::process::Command::new("python3")
            .args(["-c", probe, socket.to_str().unwrap()])
            .uid(65534)
            .gid(gid)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    assert_eq!(as_user(65534), "answered", "a member of the socket's group");
    assert_eq!(as_user(100), "refused", "another uid outside the group");
    assert!(
        wait_until(Duration::from_secs(5), || daemon.log().contains("uid 65534 is neither root")),
        "{}",
        daemon.log()
    );
}

#[test]
fn tls_with_a_self_signed_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pem = d.join("server.pem");
    let made = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
        .args(["-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout"])
        .arg(&pem)
        .arg("-out")
        .arg(d.join("cert.pem"))
        .output()
        .expect("openssl (Debian package openssl)");
    assert!(made.status.success(), "{made:?}");
    let key = std::fs::read_to_string(&pem).unwrap();
    let cert = std::fs::read_to_string(d.join("cert.pem")).unwrap();
    std::fs::write(&pem, format!("{cert}{key}")).unwrap();
    let port = free_port();
    let extra = format!("  with ssl {{ pemfile: {} }}", pem.display());
    std::fs::write(d.join("data"), "x").unwrap();
    let text = format!(
        "set daemon 1\nset pidfile {d}/rmonit.pid\nset statefile {d}/rmonit.state\nset idfile {d}/rmonit.id\nset log {d}/rmonit.log\n\
         set httpd port {port} unixsocket {d}/rmonit.sock allow admin:monit\n{extra}\ncheck file data with path {d}/data\n",
        d = d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let daemon = Daemon::start(d, &config);
    assert!(wait_until(Duration::from_secs(10), || daemon_log(d).contains("https://127.0.0.1")), "{}", daemon.log());
    let client = "import ssl,sys,http.client,base64\nctx=ssl.create_default_context(cafile=sys.argv[2])\n\
                  c=http.client.HTTPSConnection('127.0.0.1',int(sys.argv[1]),context=ctx,timeout=10)\n\
                  c.request('GET','/_summary',headers={'Authorization':'Basic '+base64.b64encode(b'admin:monit').decode()})\n\
                  r=c.getresponse()\nprint(r.status, r.getheader('Strict-Transport-Security'))\nprint(r.read().decode())";
    let out = std::process::Command::new("python3")
        .args(["-c", client, &port.to_string(), d.join("cert.pem").to_str().unwrap()])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        text.starts_with("200 max-age=") && text.contains(" data "),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Plain HTTP on the TLS port gets no answer.
    assert!(exchange(port, "GET /_ping HTTP/1.0\r\n\r\n").is_none_or(|a| a.code != 200));
}

#[test]
fn dashboard_pages_refusals_and_live_events() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let daemon = web_daemon(d, port, "");
    let admin = basic("admin", "monit");
    let html = "Accept: text/html\r\n";

    // A browser without credentials is challenged as by Monit, and the challenge's page
    // leads to the form; one that used the form before goes there at once. The form and its
    // assets are public.
    let challenge = get(port, "/data", html);
    assert_eq!(challenge.code, 401);
    assert!(challenge.headers.contains("www-authenticate: Basic realm=\"monit\""), "{}", challenge.headers);
    assert!(challenge.body.contains("url=/_login?next=%2Fdata"), "{}", challenge.body);
    let redirect = get(port, "/data", &format!("{html}Cookie: rmonit_form=1\r\n"));
    assert_eq!(redirect.code, 303);
    assert!(redirect.headers.contains("location: /_login?next=%2Fdata"), "{}", redirect.headers);
    assert!(get(port, "/_login", "").body.contains("action=\"/_login\""));
    assert_eq!(get(port, "/_assets/app.css", "").code, 200);
    assert_eq!(get(port, "/_assets/../monitrc", "").code, 401, "no way around the credentials");
    assert_eq!(get(port, "/_assets/..%2Fmonitrc", &admin).code, 404);
    assert_eq!(get(port, "/..%2F..%2Fetc%2Fpasswd", &admin).code, 404);

    // Pages for an admin, with buttons; for a read-only user without.
    let overview = get(port, "/", &format!("{admin}{html}"));
    assert_eq!(overview.code, 200);
    assert!(overview.body.contains(r#"data-service="data""#), "{}", overview.body);
    assert!(overview.headers.contains("script-src 'self'"), "{}", overview.headers);
    let page = get(port, "/data", &admin);
    assert!(page.body.contains(r#"value="unmonitor""#) && page.body.contains("Figures"), "{}", page.body);
    let guest = basic("guest", "password");
    let read_only = get(port, "/data", &guest);
    assert_eq!(read_only.code, 200);
    assert!(!read_only.body.contains(r#"value="unmonitor""#), "no buttons for a read-only user");
    assert!(get(port, "/_runtime", &format!("{admin}{html}")).body.contains("Check every service now"));

    // A button's POST: queued, then back to the page.
    let acted = post(port, "/data", &admin, Some("t9"), "action=unmonitor&securitytoken=t9");
    assert_eq!(acted.code, 303, "{}", acted.body);
    assert!(wait_until(Duration::from_secs(5), || stdout(&daemon.cli(&["summary", "data"])).contains("Not monitored")));
    assert_eq!(post(port, "/data", &guest, Some("t9"), "action=monitor&securitytoken=t9").code, 403);

    // Limits: a huge header block and a huge form.
    let huge = format!("GET /_status HTTP/1.0\r\n{admin}X-Big: {}\r\n\r\n", "a".repeat(40 * 1024));
    assert_eq!(exchange(port, &huge).map(|a| a.code), Some(431));
    let body = format!("securitytoken=t9&x={}", "y".repeat(100 * 1024));
    assert_eq!(post(port, "/_doaction", &admin, Some("t9"), &body).code, 413);

    // Live events: the first message lists every service.
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(format!("GET /_events/stream HTTP/1.1\r\nHost: x\r\n{admin}\r\n").as_bytes()).unwrap();
    let mut seen = String::new();
    let mut buffer = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(10);
    while !seen.contains("\"name\":\"data\"") && Instant::now() < deadline {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => seen.push_str(&String::from_utf8_lossy(&buffer[..n])),
        }
    }
    assert!(seen.contains("text/event-stream") && seen.contains("event: status"), "{seen}");
    assert!(seen.contains(r#""name":"data","status":"Not monitored","class":"off""#), "{seen}");
}

#[test]
fn a_listener_on_the_network_needs_tls_or_says_insecure() {
    for (extra, serves) in [("", false), ("  insecure\n", true)] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let port = free_port();
        std::fs::write(d.join("data"), "x").unwrap();
        let text = format!(
            "set daemon 1\nset pidfile {d}/rmonit.pid\nset statefile {d}/rmonit.state\nset idfile {d}/rmonit.id\nset log {d}/rmonit.log\n\
             set httpd port {port} address 0.0.0.0 unixsocket {d}/rmonit.sock allow admin:monit\n{extra}\ncheck file data with path {d}/data\n",
            d = d.display()
        );
        let config = write_monitrc(d, "monitrc", &text);
        let daemon = Daemon::start(d, &config);
        assert!(wait_until(Duration::from_secs(10), || stdout(&daemon.cli(&["summary"])).contains(" data ")));
        if serves {
            assert!(wait_until(Duration::from_secs(5), || exchange(port, "GET /_ping HTTP/1.0\r\n\r\n").is_some()));
        } else {
            // The control socket may answer before the TCP listener has decided: wait for its word.
            let refused = wait_until(Duration::from_secs(10), || daemon_log(d).contains("refusing to serve 0.0.0.0"));
            assert!(refused, "{}", daemon_log(d));
            assert!(exchange(port, "GET /_ping HTTP/1.0\r\n\r\n").is_none(), "nothing listens");
        }
    }
}

#[test]
fn a_dashboard_button_answers_once_the_mode_is_saved() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let _daemon = web_daemon(d, port, "");
    let admin = basic("admin", "monit");
    let statefile = d.join("rmonit.state");
    let monitored = || -> Option<bool> {
        let state: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&statefile).ok()?).ok()?;
        state["services"].as_array()?.iter().find(|s| s["name"] == "data")?["monitored"].as_bool()
    };
    assert!(wait_until(Duration::from_secs(10), || monitored() == Some(true)), "the state is saved");
    // The answer (back to the page) comes once the file holds the new mode.
    let acted = post(port, "/data", &admin, Some("t9"), "action=unmonitor&securitytoken=t9");
    assert_eq!((acted.code, monitored()), (303, Some(false)), "{}", acted.body);
    // A state file that cannot be written: the page says the change is not saved.
    std::fs::remove_file(&statefile).unwrap();
    std::fs::create_dir(&statefile).unwrap();
    std::fs::write(statefile.join("keep"), "x").unwrap();
    let refused = post(port, "/data", &admin, Some("t9"), "action=monitor&securitytoken=t9");
    assert_eq!(refused.code, 500, "{}", refused.body);
    assert!(refused.body.contains("'data' monitor done but not saved"), "{}", refused.body);
    assert!(refused.body.contains("rmonit.state could not be written"), "{}", refused.body);
}

/// An EC key and a self-signed certificate for 127.0.0.1 made by openssl (basicConstraints
/// CA:TRUE, openssl's default): `NAME.pem` (certificate then key), `NAME.crt`, `NAME.key`.
fn ec_self_signed(d: &Path, name: &str) -> (String, String, String) {
    let path = |ext: &str| d.join(format!("{name}.{ext}")).display().to_string();
    let made = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
        .args(["-subj", &format!("/CN={name}"), "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", &path("key")])
        .args(["-out", &path("crt")])
        .output()
        .expect("openssl (Debian package openssl)");
    assert!(made.status.success(), "{made:?}");
    let both =
        format!("{}{}", std::fs::read_to_string(path("crt")).unwrap(), std::fs::read_to_string(path("key")).unwrap());
    std::fs::write(path("pem"), both).unwrap();
    (path("pem"), path("crt"), path("key"))
}

/// A daemon whose web interface serves TLS on a free port with `ssl` (the options inside
/// `with ssl { pemfile: ..., <ssl> }` plus what follows the block); waits until it listens.
fn tls_daemon(d: &Path, ssl: &str) -> (Daemon, u16) {
    let (pem, _, _) = ec_self_signed(d, "server");
    let port = free_port();
    let text = format!(
        "set daemon 1\nset pidfile {d}/rmonit.pid\nset statefile {d}/rmonit.state\nset idfile {d}/rmonit.id\nset log {d}/rmonit.log\n\
         set httpd port {port} unixsocket {d}/rmonit.sock allow admin:monit\n  with ssl {{ pemfile: {pem}{ssl}\n",
        d = d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);
    let check = crate::util::run_rmonit(&["-t", "-c", config.to_str().unwrap()]);
    assert!(!crate::util::stderr(&check).contains("warning"), "{}", crate::util::stderr(&check));
    let daemon = Daemon::start(d, &config);
    assert!(wait_until(Duration::from_secs(10), || daemon_log(d).contains("https://127.0.0.1")), "{}", daemon.log());
    (daemon, port)
}

/// Whether curl, with `args`, gets a 200 for `/_ping` over TLS from 127.0.0.1:`port`
/// (the server's certificate not checked).
fn curl_ok(port: u16, args: &[&str]) -> bool {
    let out = std::process::Command::new("curl")
        .args(["-sS", "-k", "-f", "-o", "/dev/null", "-m", "10", "-u", "admin:monit"])
        .args(args)
        .arg(format!("https://127.0.0.1:{port}/_ping"))
        .output()
        .expect("curl (Debian package curl)");
    out.status.success()
}

#[test]
fn the_web_interfaces_tls_version_and_ciphers_are_applied() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_daemon, port) = tls_daemon(d, ", version: tlsv13 }");
    assert!(curl_ok(port, &["--tlsv1.3"]), "a TLS 1.3 client is served");
    assert!(!curl_ok(port, &["--tlsv1.2", "--tls-max", "1.2"]), "a TLS 1.2-only client is refused");
    drop(_daemon);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_daemon, port) = tls_daemon(d, ", version: tlsv12, ciphers: \"ECDHE-ECDSA-AES256-GCM-SHA384\" }");
    assert!(curl_ok(port, &["--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES256-GCM-SHA384"]));
    assert!(!curl_ok(port, &["--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256"]), "a suite not named");
}

#[test]
fn allowselfcertification_takes_a_self_signed_client_certificate_clientpemfile_lists() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_, client_crt, client_key) = ec_self_signed(d, "client");
    let (_, other_crt, other_key) = ec_self_signed(d, "other");
    let (daemon, port) = tls_daemon(d, &format!(", clientpemfile: {client_crt} }}\n  allowselfcertification"));
    assert!(curl_ok(port, &["--cert", &client_crt, "--key", &client_key]), "{}", daemon.log());
    assert!(!curl_ok(port, &["--cert", &other_crt, "--key", &other_key]), "a certificate the file does not list");
    assert!(!curl_ok(port, &[]), "no certificate");
    drop(daemon);
    // Without allowselfcertification the same certificate is refused: it is a CA, not one
    // a CA of the file issued.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(&client_crt, d.join("client.crt")).unwrap();
    let listed = d.join("client.crt").display().to_string();
    let (_daemon, port) = tls_daemon(d, &format!(", clientpemfile: {listed} }}"));
    assert!(!curl_ok(port, &["--cert", &client_crt, "--key", &client_key]));
}
