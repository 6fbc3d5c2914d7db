//! M/Monit's collector as a channel of the durable queue: each event goes to it as Monit
//! 5.33 posts one (the version 2 XML status with an `<event>` at its end), queued like an
//! alert, so a collector outage loses none; the status posts of every cycle (see
//! `daemon::mmonit`) use the same [`post`]. Several collectors are tried in order until
//! one accepts (failover), each within its `with timeout` (5 s by default, Monit's), with
//! the URL's credentials as Basic authentication and Monit's headers.

use std::sync::Arc;
use std::time::Duration;

use crate::config::model::MmonitConfig;

/// A queued post: the whole document, rendered when the event happened.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RenderedMmonit {
    pub body: String,
}

/// Renders the document of an event (the daemon's status with the event appended); set by
/// the daemon, which has what the status needs.
pub type MmonitSource = Arc<dyn Fn(&super::Notice) -> String + Send + Sync>;

/// How the queue names the collector in log lines.
pub const RECIPIENT: &str = "M/Monit";

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
}
