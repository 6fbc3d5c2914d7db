//! `set mmonit`: the status posted to M/Monit's collector every cycle, and each event
//! through the durable alert queue ([`crate::alert::mmonit`]), as Monit 5.33 posts them
//! (observed with Debian's monit): `POST <path>` with `Content-Type: text/xml`, `Pragma:
//! no-cache`, `Accept: */*`, `User-Agent: Monit/5.33.0` and the URL's credentials as Basic
//! authentication; the body is the version 2 XML status (with the event at its end), with,
//! unless `register without credentials`, the first cleartext `allow` user of a TCP `set
//! httpd` (not read-only) in `<credentials>`, so M/Monit can reach the web interface. A
//! collector that is down is logged once, and again when it answers.

use std::time::Duration;

use tracing::{info, warn};

use crate::alert::mmonit::{Collector, post};
use crate::config::model::{Allow, Config};
use crate::http::AppState;

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

/// How an event is posted to M/Monit: the status now with the event at its end. Monit
/// names its own start and stop `Monit`, of the system's type.
pub fn event_source(state: AppState) -> crate::alert::mmonit::MmonitSource {
    use crate::alert::NoticeState;
    use crate::config::model::EventKind;
    use crate::state::report::{XmlEvent, action_type, with_event};
    std::sync::Arc::new(move |notice: &crate::alert::Notice| {
        let facts = state.facts();
        let credentials = registration(&facts.config);
        let credentials = credentials.as_ref().map(|(u, p)| (u.as_str(), p.as_str()));
        let document = crate::http::pages::xml_document(&state, 2, credentials);
        let instance = notice.event == EventKind::Instance;
        let type_number = state.engine().board().get(&notice.service).map_or(5, |s| s.type_number);
        let event = XmlEvent {
            at: notice.at,
            service: if instance { "Monit" } else { &notice.service },
            type_number: if instance { 5 } else { type_number },
            kind: notice.event,
            state: match notice.state {
                NoticeState::Succeeded => 0,
                NoticeState::Failed => 1,
                NoticeState::Changed => 2,
            },
            action: action_type(&notice.action),
            message: &notice.message,
        };
        with_event(&document, &event)
    })
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
                let collectors: Vec<Collector> =
                    config.mmonit.iter().map(|m| Collector::of(m, config.ssl.as_ref())).collect();
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
