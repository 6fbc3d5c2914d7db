//! `set mmonit`: the status posted to M/Monit's collector every cycle, as Monit 5.33 posts
//! it (observed with Debian's monit): `POST <path>` with `Content-Type: text/xml`, `Pragma:
//! no-cache`, `Accept: */*`, `User-Agent: Monit/5.33.0` and the URL's credentials as Basic
//! authentication; the body is the version 2 XML status, with, unless `register without
//! credentials`, the first cleartext `allow` user of `set httpd` (not read-only) in
//! `<credentials>`, so M/Monit can reach the web interface. Several `set mmonit` are tried
//! in order until one accepts (failover), each within its `with timeout` (5 s by default,
//! Monit's). A collector that is down is logged once, and again when it answers.
//!
//! Not posted yet: events (Monit appends an `<event>` to the status of each); `-t` says so
//! at the `set mmonit` line.

use std::time::Duration;

use tracing::{info, warn};

use crate::config::model::{Allow, Config, MmonitConfig};
use crate::http::AppState;

/// Monit's timeout for a collector.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// A collector: where to post and with which credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collector {
    /// The URL without its credentials.
    pub url: String,
    /// `user:password` from the URL.
    pub basic: Option<String>,
    pub timeout: Duration,
}

impl Collector {
    /// From a `set mmonit` URL: `http://user:password@host:8080/collector`.
    pub fn of(config: &MmonitConfig) -> Collector {
        let timeout = config.timeout.map_or(DEFAULT_TIMEOUT, |t| t.as_std());
        let (scheme, rest) = config.url.split_once("://").unwrap_or(("http", config.url.as_str()));
        let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
        match authority.rsplit_once('@') {
            Some((credentials, host)) => Collector {
                url: format!("{scheme}://{host}/{path}"),
                basic: Some(percent_decode(credentials)),
                timeout,
            },
            None => Collector { url: config.url.clone(), basic: None, timeout },
        }
    }
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// The user M/Monit gets to reach the web interface: the first cleartext, not read-only
/// `allow` user, as Monit registers it; none without a TCP listener or with `register
/// without credentials`.
pub fn registration(config: &Config) -> Option<(String, String)> {
    if config.mmonit.iter().any(|m| m.register_without_credentials) {
        return None;
    }
    let httpd = config.httpd.as_ref().filter(|h| h.port.is_some())?;
    httpd.allow.iter().find_map(|allow| match allow {
        Allow::User { user, password, read_only: false } if !password.starts_with('$') => {
            Some((user.clone(), password.clone()))
        }
        _ => None,
    })
}

/// Posts `body` to the first collector that takes it; the error of the last one otherwise.
pub async fn post(client: &reqwest::Client, collectors: &[Collector], body: &str) -> Result<(), String> {
    let mut last = "no collector".to_owned();
    for collector in collectors {
        let mut request = client
            .post(&collector.url)
            .timeout(collector.timeout)
            .header("Content-Type", "text/xml")
            .header("Pragma", "no-cache")
            .header("Accept", "*/*")
            .header("User-Agent", format!("Monit/{}", crate::MONIT_VERSION))
            .body(body.to_owned());
        if let Some(basic) = &collector.basic {
            use base64ct::{Base64, Encoding};
            request = request.header("Authorization", format!("Basic {}", Base64::encode_string(basic.as_bytes())));
        }
        match request.send().await {
            Ok(answer) if answer.status().is_success() => return Ok(()),
            Ok(answer) => last = format!("{} answered {}", collector.url, answer.status()),
            Err(e) => last = format!("{}: {e}", collector.url),
        }
    }
    Err(last)
}

/// Posts the status every cycle while the configuration names collectors; follows reloads
/// (it reads the configuration from `state` each time).
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let client = match reqwest::Client::builder().http1_title_case_headers().build() {
            Ok(client) => client,
            Err(e) => {
                warn!("M/Monit: cannot make an HTTP client: {e}");
                return;
            }
        };
        let mut down = false;
        loop {
            let facts = state.facts();
            let config = &facts.config;
            let interval = Duration::from_millis(state.engine().board().snapshot().poll_interval_ms.max(1000));
            if !config.mmonit.is_empty() {
                let collectors: Vec<Collector> = config.mmonit.iter().map(Collector::of).collect();
                let credentials = registration(config);
                let credentials = credentials.as_ref().map(|(u, p)| (u.as_str(), p.as_str()));
                let body = crate::http::pages::xml_document(&state, 2, credentials);
                match post(&client, &collectors, &body).await {
                    Ok(()) if down => {
                        info!("M/Monit: the collector takes the status again");
                        down = false;
                    }
                    Ok(()) => {}
                    Err(e) if !down => {
                        warn!("M/Monit: the status was not posted: {e}; trying again every cycle");
                        down = true;
                    }
                    Err(_) => {}
                }
            }
            tokio::time::sleep(interval).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mmonit(url: &str) -> MmonitConfig {
        MmonitConfig { url: url.to_owned(), timeout: None, ssl: None, register_without_credentials: false }
    }

    #[test]
    fn the_urls_credentials_become_basic_authentication() {
        let c = Collector::of(&mmonit("http://mm%40x:p%3Ass@127.0.0.1:8080/collector"));
        assert_eq!(c.url, "http://127.0.0.1:8080/collector");
        assert_eq!(c.basic.as_deref(), Some("mm@x:p:ss"));
        assert_eq!(c.timeout, DEFAULT_TIMEOUT);
        let plain = Collector::of(&mmonit("https://mmonit.example.com/collector"));
        assert_eq!((plain.url.as_str(), plain.basic), ("https://mmonit.example.com/collector", None));
    }

    #[test]
    fn registration_sends_the_first_cleartext_user_with_a_tcp_listener() {
        let load = |text: &str| crate::config::load_str("/x/monitrc", text, Default::default()).unwrap().config;
        let base = "set mmonit http://h/collector\nset httpd port 2812\n";
        let c = load(&format!(
            "{base}  allow guest:g read-only\n  allow admin:\"$argon2id$v=19$m=19456,t=2,p=1$r9aaw23Gwol5OCIhFnOBrg$LWpRyoqefuwgGPNxV3dlKQRwzKfnMamRfESyorAdbQU\"\n  allow ops:s3cret\n"
        ));
        assert_eq!(registration(&c), Some(("ops".to_owned(), "s3cret".to_owned())));
        let c = load(
            "set mmonit http://h/collector register without credentials\nset httpd port 2812\n  allow ops:s3cret\n",
        );
        assert_eq!(registration(&c), None);
        let c = load("set mmonit http://h/collector\nset httpd unixsocket /run/x.sock\n  allow ops:s3cret\n");
        assert_eq!(registration(&c), None, "no TCP listener to register");
    }
}
