//! The read verbs and the JSON API against a real daemon: `status|summary|report --json`,
//! `/api/v1/...` over the control socket (services, one service, events, report, actions),
//! `validate` after a pass with its exit codes, and the errors of each on stderr.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::util::{Daemon, stderr, stdout, wait_until, write_monitrc};

/// Services with states that hold from the first cycle: a process without a process, a
/// file that is there, a directory, one program that fails and one that succeeds.
fn monitrc(dir: &Path, failing: bool, cycle_secs: u32) -> String {
    let d = dir.display();
    let program = if failing {
        "check program prog with path \"/bin/sh -c 'echo broken; exit 3'\"\n    if status != 0 then alert\n"
    } else {
        "check program prog with path \"/bin/true\"\n    if status != 0 then alert\n"
    };
    format!(
        "set daemon {cycle_secs}\nset pidfile {d}/rmonit.pid\nset statefile {d}/rmonit.state\nset httpd unixsocket {d}/rmonit.sock\n\
         check file config with path {d}/config.txt\n    group www\n\
         check directory spool with path {d}\n\
         check process web with pidfile {d}/web.pid\n    group www\n    mode passive\n\
         check process webmatch with pidfile {d}/webmatch.pid\n    mode passive\n\
         {program}"
    )
}

/// A daemon on `monitrc` that has checked every service once (programs run within the
/// cycle, so their results are known after the first).
fn settled_daemon(dir: &Path, failing: bool, cycle_secs: u32) -> Daemon {
    std::fs::write(dir.join("config.txt"), "x\n").expect("write config.txt");
    let config = write_monitrc(dir, "monitrc", &monitrc(dir, failing, cycle_secs));
    let daemon = Daemon::start(dir, &config);
    let settled = wait_until(Duration::from_secs(15), || {
        stdout(&daemon.cli(&["report", "initializing"])) == "0\n"
            && stdout(&daemon.cli(&["status", "prog"])).contains("last exit value")
    });
    assert!(settled, "the daemon did not check every service:\n{}", daemon.log());
    daemon
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}\nstderr: {}", stdout(output), stderr(output)))
}

fn names(services: &Value) -> Vec<String> {
    services.as_array().expect("a list").iter().map(|s| s["name"].as_str().expect("a name").to_owned()).collect()
}

/// One HTTP/1.0 exchange over the control socket: the status code and the body.
fn http(dir: &Path, method: &str, path: &str, content_type: &str, body: &str) -> (u16, String) {
    let mut stream = UnixStream::connect(dir.join("rmonit.sock")).expect("connect to the control socket");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("read timeout");
    let request = format!(
        "{method} {path} HTTP/1.0\r\nHost: localhost\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send the request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read the answer");
    let status = answer.split_whitespace().nth(1).and_then(|code| code.parse().ok()).expect("a status line");
    let body = answer.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
    (status, body)
}

/// One HTTP/1.0 exchange over TCP with Basic credentials: the status code and the body.
fn http_tcp(port: u16, credentials: &str, method: &str, path: &str, content_type: &str) -> (u16, String) {
    use base64ct::Encoding;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect over TCP");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("read timeout");
    let auth = base64ct::Base64::encode_string(credentials.as_bytes());
    let request = format!(
        "{method} {path} HTTP/1.0\r\nHost: localhost\r\nAuthorization: Basic {auth}\r\n\
         Content-Type: {content_type}\r\nContent-Length: 0\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("send the request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read the answer");
    let status = answer.split_whitespace().nth(1).and_then(|code| code.parse().ok()).expect("a status line");
    let body = answer.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
    (status, body)
}

fn http_json(dir: &Path, method: &str, path: &str, body: &str) -> (u16, Value) {
    let (status, text) = http(dir, method, path, "application/json", body);
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("no JSON from {path} ({e}): {text}")))
}

#[test]
fn status_summary_and_report_print_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let daemon = settled_daemon(dir.path(), true, 1);

    let status = daemon.cli(&["status", "--json"]);
    assert!(status.status.success(), "{}", stderr(&status));
    let all = json(&status);
    assert_eq!(all["daemon"]["api_version"], 1);
    // Last the system service every configuration gets, named after the host.
    assert_eq!(all["services"][5]["type_name"], "System");
    assert_eq!(names(&all["services"])[..5], ["config", "spool", "web", "webmatch", "prog"]);
    let web = &all["services"][2];
    assert_eq!(web["status"], "Does not exist");
    assert_eq!(web["type_name"], "Process");
    assert_eq!(web["monitoring"], "monitored");
    assert_eq!(web["mode"], "passive");
    let prog = &all["services"][4];
    assert_eq!(prog["status"], "Status failed");
    assert_eq!(prog["data"]["program"]["exit_status"], 3);
    assert_eq!(prog["data"]["program"]["output"].as_str().map(str::trim_end), Some("broken"));

    // Names as Monit matches them, in any argument position of --json.
    let summary = json(&daemon.cli(&["summary", "WEB.*", "--json"]));
    assert_eq!(names(&summary["services"]), ["web", "webmatch"]);
    // The summary's columns, not the whole status.
    assert_eq!(
        summary["services"][0],
        serde_json::json!({"name": "web", "status": "Does not exist", "type": "Process"})
    );
    assert_eq!(summary["daemon"]["api_version"], 1);
    let group = json(&daemon.cli(&["-g", "www", "summary", "--json"]));
    assert_eq!(names(&group["services"]), ["config", "web"]);
    // As Monit, -g wins: a service name beside it is ignored.
    let group = json(&daemon.cli(&["-g", "www", "summary", "prog", "--json"]));
    assert_eq!(names(&group["services"]), ["config", "web"]);
    let text = daemon.cli(&["-g", "www", "summary", "prog"]);
    assert!(text.status.success() && stdout(&text).contains(" web ") && !stdout(&text).contains(" prog "));

    let report = json(&daemon.cli(&["report", "--json"]));
    assert_eq!(report, serde_json::json!({"up": 3, "down": 3, "initialising": 0, "unmonitored": 0, "total": 6}));
    assert_eq!(json(&daemon.cli(&["report", "--json", "DOWN"])), serde_json::json!({"down": 3}));
    assert_eq!(json(&daemon.cli(&["report", "initializing", "--json"])), serde_json::json!({"initialising": 0}));

    for (args, message) in [
        (&["status", "--json", "nosuch"][..], "Service 'nosuch' not found\n"),
        (&["-g", "nogroup", "summary", "--json"][..], "Service group 'nogroup' not found\n"),
        (&["report", "--json", "bogus"][..], "Invalid report type: 'bogus'\n"),
    ] {
        let output = daemon.cli(args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&output), message, "{args:?}");
        assert_eq!(stdout(&output), "", "{args:?}");
    }
}

#[test]
fn the_api_serves_services_events_and_actions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let _daemon = settled_daemon(d, true, 1);

    let (code, one) = http_json(d, "GET", "/api/v1/services/WEB", "");
    assert_eq!(code, 200);
    assert_eq!((one["name"].as_str(), one["status"].as_str()), (Some("web"), Some("Does not exist")));
    let (code, missing) = http_json(d, "GET", "/api/v1/services/nosuch", "");
    assert_eq!((code, missing), (404, serde_json::json!({"error": "Service 'nosuch' not found"})));
    let (code, filtered) = http_json(d, "GET", "/api/v1/services?service=web", "");
    assert_eq!((code, names(&filtered["services"])), (200, vec!["web".to_owned()]));

    // The failed checks of the first cycle are events.
    let (code, events) = http_json(d, "GET", "/api/v1/events", "");
    assert_eq!(code, 200);
    let events = events["events"].as_array().expect("a list").clone();
    let failed: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["state"] == "failed")
        .map(|e| (e["service"].as_str().unwrap_or(""), e["event"].as_str().unwrap_or("")))
        .collect();
    for expected in [("web", "nonexist"), ("webmatch", "nonexist"), ("prog", "status")] {
        assert!(failed.contains(&expected), "{expected:?} not in {events:?}");
    }

    let (code, done) =
        http_json(d, "POST", "/api/v1/actions", r#"{"action":"unmonitor","services":["web.*"],"wait":true}"#);
    assert_eq!(code, 200, "{done}");
    assert_eq!(done["done"], true);
    let (_, web) = http_json(d, "GET", "/api/v1/services/webmatch", "");
    assert_eq!(web["monitoring"], "not_monitored");
    assert_eq!(web["status"], "Not monitored");

    let (code, error) = http_json(d, "POST", "/api/v1/actions", r#"{"action":"explode","services":["web"]}"#);
    assert_eq!((code, error["error"].as_str()), (400, Some("Invalid action \"explode\"")));
    let (code, error) = http_json(d, "POST", "/api/v1/actions", r#"{"action":"monitor","services":["nosuch"]}"#);
    assert_eq!((code, error["error"].as_str()), (400, Some("There is no service named \"nosuch\"")));
    let (code, error) = http_json(d, "POST", "/api/v1/actions", r#"{"action":"monitor"}"#);
    assert_eq!(code, 400);
    assert!(error["error"].as_str().is_some_and(|e| e.contains("services")), "{error}");
}

#[test]
fn validate_prints_the_status_after_a_pass_and_exits_by_its_outcome() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // A cycle longer than the test: only validate checks after the first cycle.
    let daemon = settled_daemon(d, false, 300);
    // Both processes are passive and fail: unmonitor them to leave only passing services.
    let unmonitored = daemon.cli(&["unmonitor", "web", "webmatch"]);
    assert!(unmonitored.status.success(), "{}", stderr(&unmonitored));
    let before = std::time::SystemTime::now();

    let output = daemon.cli(&["validate"]);
    assert_eq!(output.status.code(), Some(0), "{}\n{}", stdout(&output), stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("Monit 5.33.0 uptime: "), "{text}");
    assert!(text.contains("\nFile 'config'\n  status                       OK\n"), "{text}");
    assert!(text.contains("\nProcess 'web'\n  status                       Not monitored\n"), "{text}");
    assert_eq!(stderr(&output), "");
    // Printed after the pass: every watched service was checked after validate was asked.
    let (_, services) = http_json(d, "GET", "/api/v1/services", "");
    for service in services["services"].as_array().expect("a list") {
        if service["monitoring"] == "monitored" {
            // Times are RFC 3339 in UTC, which sort as text.
            let collected = service["collected_at"].as_str().expect("collected, as RFC 3339");
            let asked = rmonit::timestamp::format(before);
            assert!(
                collected.ends_with('Z') && collected >= asked.as_str(),
                "{} collected before validate",
                service["name"]
            );
        }
    }

    std::fs::remove_file(d.join("config.txt")).expect("remove config.txt");
    let output = daemon.cli(&["validate"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(stdout(&output).contains("\nFile 'config'\n  status                       Does not exist\n"));
    assert_eq!(stderr(&output), "rmonit: failing: config\n");
}

#[test]
fn validate_without_a_daemon_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_monitrc(dir.path(), "monitrc", &monitrc(dir.path(), false, 1));
    let output = crate::util::run_rmonit(&["-c", config.to_str().expect("utf-8"), "validate"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), "rmonit: the rmonit daemon is not running\n");
    assert_eq!(stdout(&output), "");
    for verb in ["status", "summary", "report"] {
        let output = crate::util::run_rmonit(&["-c", config.to_str().expect("utf-8"), verb, "--json"]);
        assert_eq!(output.status.code(), Some(1), "{verb}");
        assert_eq!(stderr(&output), "rmonit: the rmonit daemon is not running\n", "{verb}");
    }
}

#[test]
fn the_api_over_tcp_takes_credentials_and_acts_only_on_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let port = crate::util::free_port();
    let config = format!(
        "{}set httpd port {port} and use address 127.0.0.1\n    allow admin:\"secret\"\n",
        monitrc(d, false, 300)
    );
    std::fs::write(d.join("config.txt"), "x\n").expect("write config.txt");
    let config = write_monitrc(d, "monitrc", &config);
    let daemon = Daemon::start(d, &config);
    let up = wait_until(Duration::from_secs(15), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
            && stdout(&daemon.cli(&["report", "initializing"])) == "0\n"
    });
    assert!(up, "{}", daemon.log());

    let (code, body) = http_tcp(port, "admin:secret", "GET", "/api/v1/services/spool", "application/json");
    assert_eq!(code, 200, "{body}");
    let spool: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!((spool["name"].as_str(), spool["status"].as_str()), (Some("spool"), Some("OK")));
    let (code, _) = http_tcp(port, "admin:wrong", "GET", "/api/v1/services", "application/json");
    assert_eq!(code, 401);

    // validate acts: over TCP only with a JSON content type, which no cross-site form sends.
    let (code, body) = http_tcp(port, "admin:secret", "POST", "/api/v1/validate?batch=1", "text/plain");
    assert_eq!((code, body.as_str()), (415, r#"{"error":"send Content-Type: application/json"}"#));
    let (code, body) = http_tcp(port, "admin:secret", "POST", "/api/v1/validate?batch=1", "application/json");
    assert_eq!(code, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(answer["failing"], serde_json::json!(["web", "webmatch"]));
    assert!(answer["status"].as_str().is_some_and(|s| s.contains("\nDirectory 'spool'\n")), "{answer}");
}
