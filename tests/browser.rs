//! The dashboard in headless Chromium (Debian's chromium and chromium-driver), driven by
//! fantoccini: log in, see the services, restart one, watch a state change arrive live
//! without a reload, log out; and a bookmark with Monit's credentials in the URL.
//! Screenshots of the overview and of a service page are saved under
//! target/browser-artifacts/.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::util::{Daemon, KillOnDrop, free_port, live_pid, repo_root, wait_until, write_monitrc, write_script};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver, killed by PID when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn artifacts() -> PathBuf {
    let dir = repo_root().join("target/browser-artifacts");
    std::fs::create_dir_all(&dir).expect("artifact directory");
    dir
}

/// A daemon with a process service `web` (a sleep with a pidfile) and a file service.
fn daemon(dir: &Path, port: u16) -> (KillOnDrop, Daemon) {
    let d = dir.display();
    let start = write_script(dir, "start.sh", &format!("sleep 1000 > /dev/null 2>&1 &\necho $! > {d}/web.pid"));
    let stop = write_script(dir, "stop.sh", &format!("kill $(cat {d}/web.pid) 2>/dev/null\nrm -f {d}/web.pid"));
    std::fs::write(dir.join("data"), "x").unwrap();
    let text = format!(
        "set daemon 1\nset pidfile {d}/rmonit.pid\nset statefile {d}/rmonit.state\nset idfile {d}/rmonit.id\n\
         set log {d}/rmonit.log\nset httpd port {port} unixsocket {d}/rmonit.sock allow admin:monit\n\
         check process web with pidfile {d}/web.pid\n  start program = \"{}\"\n  stop program = \"{}\"\n  group www\n\
         check file data with path {d}/data\n",
        start.display(),
        stop.display()
    );
    let config = write_monitrc(dir, "monitrc", &text);
    let cleanup = KillOnDrop(vec![dir.join("web.pid")]);
    let daemon = Daemon::start(dir, &config);
    assert!(wait_until(Duration::from_secs(10), || live_pid(&dir.join("web.pid")).is_some()), "{}", daemon.log());
    (cleanup, daemon)
}

async fn text_of(client: &Client, css: &str) -> String {
    match client.find(Locator::Css(css)).await {
        Ok(element) => element.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Polls the page (without reloading it) until `css`'s text satisfies `check`.
async fn wait_text(client: &Client, css: &str, timeout: Duration, check: impl Fn(&str) -> bool) -> String {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let text = text_of(client, css).await;
        if check(&text) || tokio::time::Instant::now() >= deadline {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// chromedriver and a headless Chromium session driven through it; `None` (after a skip)
/// when Debian's chromium and chromium-driver are missing.
async fn browser() -> Option<(Driver, Client)> {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        crate::util::skip("Debian's chromium and chromium-driver are not installed");
        return None;
    }
    let driver_port = free_port();
    let driver = Driver(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver"),
    );
    assert!(
        wait_until(Duration::from_secs(10), || std::net::TcpStream::connect(("127.0.0.1", driver_port)).is_ok()),
        "chromedriver listens"
    );
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("a Chromium session");
    Some((driver, client))
}

#[tokio::test]
async fn a_bookmark_with_credentials_gets_in_as_with_monit() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (_cleanup, _daemon) = daemon(dir.path(), port);
    let Some((driver, client)) = browser().await else { return };
    let wait = Duration::from_secs(15);
    // Monit's habit: the credentials in the URL. The browser sends them only when
    // challenged, so the first answer must be the 401 challenge, not the form.
    client.goto(&format!("http://admin:monit@127.0.0.1:{port}/")).await.unwrap();
    client.wait().at_most(wait).for_element(Locator::Css("tr[data-service='web']")).await.unwrap();
    assert!(client.find(Locator::Css("form[action='/_login']")).await.is_err(), "the overview, not the form");
    client.close().await.unwrap();
    drop(driver);
}

#[tokio::test]
async fn log_in_restart_watch_live_and_log_out() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // The daemon goes first, so it cannot start the service again after the cleanup.
    let (_cleanup, daemon) = daemon(dir.path(), port);
    let Some((driver, client)) = browser().await else { return };
    let base = format!("http://127.0.0.1:{port}");
    let wait = Duration::from_secs(15);

    // Not logged in: the form. A first visit to `/` gets the challenge, which a desktop
    // browser answers with its prompt (cancelled, the page leads here); headless Chromium
    // has no prompt and fails the load, so the test opens the form where that page leads.
    client.goto(&format!("{base}/_login?next=%2F")).await.unwrap();
    let form = client.wait().at_most(wait).for_element(Locator::Css("form[action='/_login']")).await.unwrap();
    assert!(client.current_url().await.unwrap().path().ends_with("/_login"));
    let form = client.form(Locator::Css("form[action='/_login']")).await.unwrap_or_else(|_| panic!("{form:?}"));
    form.set_by_name("user", "admin").await.unwrap();
    form.set_by_name("password", "monit").await.unwrap();
    form.submit().await.unwrap();

    // The overview, with both services.
    client.wait().at_most(wait).for_element(Locator::Css("tr[data-service='web']")).await.unwrap();
    assert!(text_of(&client, "tr[data-service='data']").await.contains("data"));
    let status = wait_text(&client, "tr[data-service='web'] .status", wait, |t| t == "OK").await;
    assert_eq!(status, "OK");
    std::fs::write(artifacts().join("overview.png"), client.screenshot().await.unwrap()).unwrap();

    // Live: a change made elsewhere arrives without a reload (a marker in the page stays).
    client.execute("window.rmonitMarker = 42;", vec![]).await.unwrap();
    let out = daemon.cli(&["unmonitor", "web"]);
    assert!(out.status.success(), "{out:?}");
    let status = wait_text(&client, "tr[data-service='web'] .status", wait, |t| t == "Not monitored").await;
    assert_eq!(status, "Not monitored", "the status changed in the open page");
    let marker = client.execute("return window.rmonitMarker;", vec![]).await.unwrap();
    assert_eq!(marker, serde_json::json!(42), "the page was not reloaded");
    assert!(daemon.cli(&["monitor", "web"]).status.success());
    let status = wait_text(&client, "tr[data-service='web'] .status", wait, |t| t == "OK").await;
    assert_eq!(status, "OK");

    // The service page, and a restart from its button.
    let before = live_pid(&dir.path().join("web.pid")).expect("web runs");
    client.find(Locator::Css("tr[data-service='web'] a")).await.unwrap().click().await.unwrap();
    client.wait().at_most(wait).for_element(Locator::Css("h2")).await.unwrap();
    assert!(client.current_url().await.unwrap().path().ends_with("/web"));
    std::fs::write(artifacts().join("service.png"), client.screenshot().await.unwrap()).unwrap();
    let restart = client.find(Locator::Css("form input[name='action'][value='restart'] + button")).await.unwrap();
    restart.click().await.unwrap();
    let pidfile = dir.path().join("web.pid");
    assert!(
        wait_until(Duration::from_secs(15), || live_pid(&pidfile).is_some_and(|p| p != before)),
        "restarted: {}",
        daemon.log()
    );
    let log = std::fs::read_to_string(dir.path().join("rmonit.log")).unwrap_or_default();
    assert!(log.contains("'web' restart on user request by admin from 127.0.0.1"), "{log}");

    // Log out: back to the form, and the pages are closed again.
    client.find(Locator::Css("form[action='/_logout'] button")).await.unwrap().click().await.unwrap();
    client.wait().at_most(wait).for_element(Locator::Css("form[action='/_login']")).await.unwrap();
    client.goto(&format!("{base}/web")).await.unwrap();
    client.wait().at_most(wait).for_element(Locator::Css("form[action='/_login']")).await.unwrap();
    client.close().await.unwrap();
    drop(driver);
}
