//! `/metrics` with the real Prometheus (Debian's `prometheus` 2.42 and its `promtool`): the
//! exposition passes `promtool check metrics`, a read-only user may scrape it and an
//! anonymous client may not, and Prometheus started on loopback scrapes a daemon and answers
//! queries with the expected series, in the OpenMetrics format it asks for.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::{Daemon, Started, free_port, wait_until, write_monitrc, write_script};
use crate::web::{basic, exchange, get};

const PROMETHEUS: &str = "/usr/bin/prometheus";
const PROMTOOL: &str = "/usr/bin/promtool";

/// A daemon on `port` with a read-only user `guest` (password `password`), a file that
/// exists, a process that is not running and a program that exits 3.
fn daemon(dir: &Path, port: u16) -> Daemon {
    let d = dir.display();
    std::fs::write(dir.join("data"), "x").unwrap();
    let failing = write_script(dir, "three.sh", "echo broken; exit 3");
    let text = format!(
        "set daemon 1\nset pidfile {d}/rmonit.pid\nset statefile {d}/rmonit.state\nset idfile {d}/rmonit.id\n\
         set httpd port {port} address 127.0.0.1 unixsocket {d}/rmonit.sock\n  allow admin:monit\n\
         \x20 allow guest:\"$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/\" read-only\n\
         check file data with path {d}/data\n  group www\n\
         check process web with pidfile {d}/web.pid\n  group www\n\
         check program prog with path \"{}\"\n  if status != 0 then alert\n",
        failing.display()
    );
    let daemon = Daemon::start(dir, &write_monitrc(dir, "monitrc", &text));
    assert!(
        wait_until(Duration::from_secs(10), || exchange(port, "GET /_ping HTTP/1.0\r\n\r\n").is_some()),
        "the daemon listens: {}",
        daemon.log()
    );
    daemon
}

fn installed() -> bool {
    let found = Path::new(PROMETHEUS).exists() && Path::new(PROMTOOL).exists();
    if !found {
        crate::util::skip("Debian's prometheus (with promtool) is not installed (bash .ci/run installs it)");
    }
    found
}

#[test]
fn the_exposition_passes_promtool_and_only_readers_may_scrape_it() {
    if !installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let daemon = daemon(dir.path(), port);
    let guest = basic("guest", "password");
    // Past the first cycle: every service has its figures.
    assert!(
        wait_until(Duration::from_secs(15), || get(port, "/metrics", &guest)
            .body
            .contains("rmonit_program_exit_status")),
        "{}",
        daemon.log()
    );
    let answer = get(port, "/metrics", &guest);
    assert_eq!(answer.code, 200);
    assert!(
        answer.headers.to_ascii_lowercase().contains("content-type: text/plain; version=0.0.4"),
        "{}",
        answer.headers
    );
    let body = answer.body;
    for series in [
        "rmonit_build_info{version=\"",
        "rmonit_service_up{service=\"data\",type=\"file\"} 1\n",
        "rmonit_service_up{service=\"web\",type=\"process\"} 0\n",
        "rmonit_service_event_failed{service=\"web\",type=\"process\",event=\"nonexist\"} 1\n",
        "rmonit_service_event_failed{service=\"prog\",type=\"program\",event=\"status\"} 1\n",
        "rmonit_service_group_info{service=\"data\",type=\"file\",group=\"www\"} 1\n",
        "rmonit_program_exit_status{service=\"prog\",type=\"program\"} 3\n",
        "rmonit_file_size_bytes{service=\"data\",type=\"file\"} 1\n",
        "rmonit_alerts_queued 0\n",
        "rmonit_checks_in_flight ",
        "rmonit_check_overruns_total ",
    ] {
        assert!(body.contains(series), "{series} in\n{body}");
    }
    let checks = body.lines().find_map(|l| l.strip_prefix("rmonit_checks_total ")).and_then(|n| n.parse::<u64>().ok());
    assert!(checks.is_some_and(|n| n >= 3), "every service checked: {checks:?}");
    let duration = "rmonit_service_check_duration_seconds{service=\"prog\",type=\"program\"} ";
    assert!(body.contains(duration), "{duration} in\n{body}");
    let mut check = Command::new(PROMTOOL)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool");
    check.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
    let checked = check.wait_with_output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&checked.stdout), String::from_utf8_lossy(&checked.stderr));
    assert!(checked.status.success() && said.trim().is_empty(), "promtool check metrics: {said}");

    // OpenMetrics when asked, ending as the format wants.
    let open = get(port, "/metrics", &format!("{guest}Accept: application/openmetrics-text;version=1.0.0\r\n"));
    assert!(open.headers.to_ascii_lowercase().contains("application/openmetrics-text"), "{}", open.headers);
    assert!(open.body.ends_with("# EOF\n") && open.body.contains("# TYPE rmonit_alerts_delivered counter\n"));
    // Whom `set httpd` does not let read gets nothing.
    assert_eq!(get(port, "/metrics", "").code, 401);
}

#[test]
fn prometheus_scrapes_the_daemon_and_answers_with_its_series() {
    if !installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let daemon = daemon(d, port);
    let prometheus_port = free_port();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n\
         scrape_configs:\n  - job_name: rmonit\n    basic_auth:\n      username: guest\n      password: password\n\
         \x20   static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
    );
    std::fs::write(d.join("prometheus.yml"), config).unwrap();
    let log = std::fs::File::create(d.join("prometheus.log")).unwrap();
    let _prometheus = Started(
        Command::new(PROMETHEUS)
            .arg(format!("--config.file={}", d.join("prometheus.yml").display()))
            .arg(format!("--storage.tsdb.path={}", d.join("tsdb").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{prometheus_port}"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start prometheus"),
    );
    let query = |expr: &str| -> serde_json::Value {
        let path = format!("/api/v1/query?query={}", percent_encode(expr));
        exchange(prometheus_port, &format!("GET {path} HTTP/1.0\r\n\r\n"))
            .and_then(|a| serde_json::from_str(&a.body).ok())
            .unwrap_or_default()
    };
    let value_of = |expr: &str| -> Option<String> {
        let answer = query(expr);
        answer["data"]["result"][0]["value"][1].as_str().map(str::to_owned)
    };
    let prometheus_log = || std::fs::read_to_string(d.join("prometheus.log")).unwrap_or_default();
    assert!(
        wait_until(Duration::from_secs(60), || value_of("up{job=\"rmonit\"}").as_deref() == Some("1")),
        "Prometheus scraped rmonit: {}\n{}",
        query("up"),
        prometheus_log()
    );
    assert!(
        wait_until(Duration::from_secs(30), || {
            value_of("rmonit_program_exit_status{service=\"prog\"}").as_deref() == Some("3")
        }),
        "{}\n{}",
        query("rmonit_program_exit_status"),
        daemon.log()
    );
    assert_eq!(value_of("rmonit_service_up{service=\"data\",type=\"file\"}").as_deref(), Some("1"));
    assert_eq!(value_of("rmonit_service_up{service=\"web\"}").as_deref(), Some("0"));
    assert_eq!(value_of("count(rmonit_service_info)").as_deref(), Some("4"), "data, web, prog and the system");
    assert_eq!(value_of("count(rmonit_service_group_info{group=\"www\"})").as_deref(), Some("2"));
    let scrape = query("scrape_samples_scraped{job=\"rmonit\"}");
    assert!(scrape["data"]["result"][0]["value"][1].as_str().is_some_and(|n| n != "0"), "{scrape}");
}

/// The characters of a PromQL expression a query string cannot carry as they are.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
