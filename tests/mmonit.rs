//! `set mmonit`: a collector on loopback (a small Python HTTP server that records every
//! request) receives the posts of Debian's monit 5.33 and then of rmonit for the same
//! control file, a status and an event (a file gone), and the requests match: method,
//! path, headers (the URL's credentials as Basic authentication), and the XML document
//! element for element, with the registration credentials and the event's fields, figures
//! aside. rmonit's event goes through the durable queue: it is posted while the collector
//! is down and arrives once it is up. An https collector with a self-signed certificate is
//! refused until `with ssl { selfsigned: allow }` says it may be.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::util::{Daemon, Started, free_port, wait_until, write_monitrc};

const MONIT: &str = "/usr/bin/monit";

const COLLECTOR: &str = r#"
import http.server, sys, json
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        with open(sys.argv[2], 'a') as f:
            f.write(json.dumps({"method": self.command, "path": self.path,
                                "headers": list(self.headers.items()), "body": body.decode('latin1')}) + "\n")
        self.send_response(200)
        self.send_header('Content-Length', '0')
        self.end_headers()
    def log_message(self, *a): pass
server = http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H)
if len(sys.argv) > 4:
    import ssl
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[3], sys.argv[4])
    server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
"#;

/// The requests a collector recorded.
fn posts(file: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(file).unwrap_or_default().lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

fn collector(dir: &Path, port: u16, record: &Path) -> Started {
    collector_with(dir, port, record, &[])
}

/// A collector; with a certificate and its key (`tls`), over https.
fn collector_with(dir: &Path, port: u16, record: &Path, tls: &[&Path]) -> Started {
    std::fs::write(dir.join("collector.py"), COLLECTOR).unwrap();
    let child = Started(
        Command::new("python3")
            .arg(dir.join("collector.py"))
            .arg(port.to_string())
            .arg(record)
            .args(tls)
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3"),
    );
    assert!(wait_until(Duration::from_secs(10), || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()));
    child
}

/// The element names of an XML document, in order (`monit`, `server`, `uptime`, ...).
fn elements(xml: &str) -> Vec<String> {
    xml.split('<')
        .skip(1)
        .filter(|part| !part.starts_with('/') && !part.starts_with('?') && !part.starts_with('!'))
        .map(|part| part.split(['>', ' ', '/']).next().unwrap_or_default().to_owned())
        .collect()
}

/// A header of a recorded request.
fn header(post: &serde_json::Value, name: &str) -> Option<String> {
    post["headers"]
        .as_array()?
        .iter()
        .find_map(|h| (h[0].as_str()?.eq_ignore_ascii_case(name)).then(|| h[1].as_str().unwrap_or_default().to_owned()))
}

#[test]
fn rmonit_posts_to_m_monit_what_monit_posts() {
    if !Path::new(MONIT).exists() {
        crate::util::skip(&format!("{MONIT} is not installed (apt-get install monit)"));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("flag"), "x").unwrap();
    let (collector_port, httpd_port) = (free_port(), free_port());
    let text = format!(
        "set daemon 1\nset pidfile {d}/daemon.pid\nset idfile {d}/daemon.id\nset statefile {d}/state\n\
         set httpd port {httpd_port} address 127.0.0.1 unixsocket {d}/daemon.sock\n    allow admin:secretpw\n\
         set mmonit http://mmuser:mmpass@127.0.0.1:{collector_port}/collector with timeout 5 seconds\n\
         check file flag path {d}/flag\n    if does not exist then alert\n",
        d = d.display()
    );
    let config = write_monitrc(d, "monitrc", &text);

    // Debian's monit, until its collector has a status post without an event.
    let theirs_file = d.join("monit-posts.jsonl");
    let first = collector(d, collector_port, &theirs_file);
    let mut monit = Started(
        Command::new(MONIT)
            .args(["-c", config.to_str().unwrap(), "-I"])
            .env("HOME", d)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("monit"),
    );
    // A status post past the first cycle (no service initializing any more), so both carry
    // every figure.
    let plain = |p: &serde_json::Value| {
        p["body"].as_str().is_some_and(|b| !b.contains("<event>") && !b.contains("<monitor>2</monitor>"))
    };
    let gone = |p: &serde_json::Value| {
        p["body"].as_str().is_some_and(|b| b.contains("<service>flag</service><type>2</type><id>512</id>"))
    };
    assert!(wait_until(Duration::from_secs(20), || posts(&theirs_file).iter().any(plain)), "monit posted");
    std::fs::remove_file(d.join("flag")).unwrap();
    assert!(wait_until(Duration::from_secs(20), || posts(&theirs_file).iter().any(gone)), "monit posted the event");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(monit.pid() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    assert!(wait_until(Duration::from_secs(20), || !monit.alive()));
    drop(first);

    // rmonit on the same control file.
    std::fs::write(d.join("flag"), "x").unwrap();
    let ours_file = d.join("rmonit-posts.jsonl");
    let second = collector(d, collector_port, &ours_file);
    let daemon = Daemon::start(d, &config);
    assert!(
        wait_until(Duration::from_secs(20), || posts(&ours_file).iter().any(plain)),
        "rmonit posted: {}",
        daemon.log()
    );
    let theirs = posts(&theirs_file).into_iter().find(plain).unwrap();
    let ours = posts(&ours_file).into_iter().find(plain).unwrap();
    assert_eq!(ours["method"], theirs["method"]);
    assert_eq!(ours["path"], theirs["path"]);
    for name in ["Content-Type", "Pragma", "Accept", "User-Agent", "Authorization"] {
        assert_eq!(header(&ours, name), header(&theirs, name), "{name}");
    }
    assert_eq!(header(&ours, "Authorization").as_deref(), Some("Basic bW11c2VyOm1tcGFzcw=="));
    let (ours_body, theirs_body) = (ours["body"].as_str().unwrap(), theirs["body"].as_str().unwrap());
    assert_eq!(elements(ours_body), elements(theirs_body), "ours:\n{ours_body}\ntheirs:\n{theirs_body}");
    assert!(ours_body.contains("<credentials><username>admin</username><password>secretpw</password></credentials>"));

    // The event, while the collector is down: queued, then posted once it is up.
    drop(second);
    std::fs::remove_file(d.join("flag")).unwrap();
    let queued = || {
        std::fs::read_dir(d.join("state.alerts"))
            .map(|e| e.flatten().any(|f| f.file_name().to_string_lossy().ends_with(".alert")))
            .unwrap_or(false)
    };
    assert!(wait_until(Duration::from_secs(20), queued), "the event waits in the queue: {}", daemon.log());
    let _third = collector(d, collector_port, &ours_file);
    assert!(
        wait_until(Duration::from_secs(30), || posts(&ours_file).iter().any(gone)),
        "the queued event reached the collector: {}",
        daemon.log()
    );
    let theirs = posts(&theirs_file).into_iter().find(gone).unwrap();
    let ours = posts(&ours_file).into_iter().find(gone).unwrap();
    let (ours_body, theirs_body) = (ours["body"].as_str().unwrap(), theirs["body"].as_str().unwrap());
    // The services' figures depend on the moment of the event; the server part and the
    // event do not.
    let head = |body: &str| elements(&body[..body.find("<services>").unwrap()]);
    assert_eq!(head(ours_body), head(theirs_body), "ours:\n{ours_body}\ntheirs:\n{theirs_body}");
    let tail = |body: &str| elements(&body[body.find("</services>").unwrap()..]);
    assert_eq!(tail(ours_body), tail(theirs_body), "ours:\n{ours_body}\ntheirs:\n{theirs_body}");
    let event =
        |body: &str| body[body.find("<event>").unwrap()..].split_once("</collected_usec>").unwrap().1.to_owned();
    assert_eq!(event(ours_body), event(theirs_body), "the event's fields");
    assert_eq!(header(&ours, "Authorization"), header(&theirs, "Authorization"));
}

#[test]
fn the_ssl_options_of_set_mmonit_decide_an_https_collectors_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (cert, key) = crate::util::self_signed(d);
    let port = free_port();
    let record = d.join("posts.jsonl");
    let _collector = collector_with(d, port, &record, &[&cert, &key]);
    let control = |options: &str| {
        format!(
            "{}set mmonit https://mm:secret@127.0.0.1:{port}/collector{options}\ncheck file here path {}/monitrc\n",
            crate::util::header(d),
            d.display()
        )
    };
    let config = write_monitrc(d, "monitrc", &control(""));
    let daemon = Daemon::start(d, &config);
    // Verified against the system's CA store: a self-signed certificate is refused.
    assert!(
        wait_until(Duration::from_secs(20), || daemon.log().contains("M/Monit: the status was not posted")),
        "{}",
        daemon.log()
    );
    assert!(posts(&record).is_empty(), "posted to an unverified collector");

    write_monitrc(d, "monitrc", &control(" with ssl { verify: enable, selfsigned: allow }"));
    let check = daemon.cli(&["-t"]);
    assert!(check.status.success() && !crate::util::stderr(&check).contains("not applied"), "{check:?}");
    let reload = daemon.cli(&["reload"]);
    assert!(reload.status.success(), "{reload:?}");
    assert!(wait_until(Duration::from_secs(20), || !posts(&record).is_empty()), "{}", daemon.log());
    let post = &posts(&record)[0];
    assert_eq!(post["path"], "/collector");
    assert_eq!(header(post, "Authorization").as_deref(), Some("Basic bW06c2VjcmV0"));
    assert!(post["body"].as_str().unwrap().contains(r#"<service name="here">"#), "{post}");
}
