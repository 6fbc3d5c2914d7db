//! M/Monit's collector as a channel of the durable queue: each event goes to it as Monit
//! 5.33 posts one (the version 2 XML status with an `<event>` at its end), queued like an
//! alert, so a collector outage loses none; the status posts of every cycle (see
//! `daemon::mmonit`) use the same [`post`]. Several collectors are tried in order until
//! one accepts (failover), each within its `with timeout` (5 s by default, Monit's), with
//! the URL's credentials as Basic authentication and Monit's headers.
//!
//! An https collector's certificate is verified against the system's CA store. With `ssl`
//! options (`set mmonit https://... with ssl { ... }`, or `set ssl { }` for every TLS
//! client) the options decide, as for a connection test: `version`, `ciphers`,
//! `selfsigned: allow`, `cacertificatefile`/`cacertificatepath`, `clientpemfile`; but
//! `verify` stays enabled unless the options say `verify: disable` (Monit leaves it off): the
//! posts carry the collector's credentials.

use std::sync::Arc;
use std::time::Duration;

use crate::config::model::{MmonitConfig, SslOptions};

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

/// A collector: where to post, with which credentials and TLS options.
#[derive(Debug, Clone, PartialEq)]
pub struct Collector {
    /// The URL without its credentials.
    pub url: String,
    /// `user:password` from the URL.
    pub basic: Option<String>,
    pub timeout: Duration,
    /// The TLS options of an https collector that has some (its own over `set ssl`), with
    /// `verify` enabled unless disabled; `None`: the system's CA store.
    pub tls: Option<SslOptions>,
}

impl Collector {
    /// From a `set mmonit` URL (`http://user:password@host:8080/collector`) and the
    /// defaults of `set ssl`.
    pub fn of(config: &MmonitConfig, global_ssl: Option<&SslOptions>) -> Collector {
        let timeout = config.timeout.map_or(DEFAULT_TIMEOUT, |t| t.as_std());
        let (scheme, rest) = config.url.split_once("://").unwrap_or(("http", config.url.as_str()));
        let tls = match (config.ssl.as_ref(), global_ssl) {
            _ if scheme != "https" => None,
            (None, None) => None,
            (own, global) => {
                let mut options = own.cloned().unwrap_or_default().or_defaults(&global.cloned().unwrap_or_default());
                options.verify = Some(options.verify != Some(false));
                Some(options)
            }
        };
        let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
        match authority.rsplit_once('@') {
            Some((credentials, host)) => Collector {
                url: format!("{scheme}://{host}/{path}"),
                basic: Some(percent_decode(credentials)),
                timeout,
                tls,
            },
            None => Collector { url: config.url.clone(), basic: None, timeout, tls },
        }
    }

    /// The client for this collector: `shared` unless it has TLS options of its own.
    fn client(&self, shared: &reqwest::Client) -> Result<reqwest::Client, String> {
        let Some(options) = &self.tls else { return Ok(shared.clone()) };
        let tls = crate::checks::network::tls::client_config(Some(options))?;
        reqwest::Client::builder()
            .http1_title_case_headers()
            .use_preconfigured_tls(tls)
            .build()
            .map_err(|e| format!("{}: cannot make an HTTP client: {e}", self.url))
    }
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// Posts `body` to the first collector that takes it; the error of the last one otherwise.
pub async fn post(client: &reqwest::Client, collectors: &[Collector], body: &str) -> Result<(), String> {
    let mut last = "no collector".to_owned();
    for collector in collectors {
        let client = match collector.client(client) {
            Ok(client) => client,
            Err(e) => {
                last = e;
                continue;
            }
        };
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
        let c = Collector::of(&mmonit("http://mm%40x:p%3Ass@127.0.0.1:8080/collector"), None);
        assert_eq!(c.url, "http://127.0.0.1:8080/collector");
        assert_eq!(c.basic.as_deref(), Some("mm@x:p:ss"));
        assert_eq!(c.timeout, DEFAULT_TIMEOUT);
        let plain = Collector::of(&mmonit("https://mmonit.example.com/collector"), None);
        assert_eq!((plain.url.as_str(), plain.basic), ("https://mmonit.example.com/collector", None));
        assert_eq!(plain.tls, None, "no options: the system's CA store");
    }

    #[test]
    fn tls_options_are_the_collectors_over_set_ssl_and_verify_unless_disabled() {
        let mut config = mmonit("https://127.0.0.1:8443/collector");
        config.ssl = Some(SslOptions { selfsigned: Some(true), ..Default::default() });
        let global = SslOptions { cacertificatefile: Some("/etc/ca.pem".into()), ..Default::default() };
        let tls = Collector::of(&config, Some(&global)).tls.unwrap();
        assert_eq!(
            (tls.verify, tls.selfsigned, tls.cacertificatefile.as_deref()),
            (Some(true), Some(true), Some("/etc/ca.pem"))
        );
        config.ssl = Some(SslOptions { verify: Some(false), ..Default::default() });
        assert_eq!(Collector::of(&config, None).tls.unwrap().verify, Some(false));
        assert_eq!(Collector::of(&mmonit("https://h/c"), Some(&global)).tls.unwrap().verify, Some(true));
        // Plain http has no TLS to configure.
        config.url = "http://127.0.0.1:8080/collector".into();
        assert_eq!(Collector::of(&config, Some(&global)).tls, None);
    }
}
