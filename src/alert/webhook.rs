//! Webhooks (our extension: `alert webhook "<url>" [format json|slack|alertmanager] [header
//! "N: v"]`): a notice as a JSON body, in our generic shape, Slack's `{"text": ...}` or
//! Alertmanager's API v2 alert list, POSTed through reqwest. A 2xx answer delivers; other
//! 4xx answers (but 408 and 429) reject the alert for good; anything else is retried.
//!
//! For Alertmanager a failure is an alert with the labels `alertname` (`rmonit_<event>`),
//! `service`, `event`, `host` and `group` (the service's groups, comma-separated, when it
//! has any), Monit's words as annotations, and an `endsAt` [`ALERTMANAGER_LEASE`] ahead: a
//! lasting failure is posted again every [`ALERTMANAGER_REPOST`] (see `route`), long before
//! the lease runs out, and an alert whose host went silent resolves by itself. Its recovery
//! is the same alert with `endsAt` at the recovery, which resolves it.

use std::time::{Duration, SystemTime};

use serde_json::json;

use super::{Notice, NoticeState};
use crate::config::model::{WebhookConfig, WebhookFormat};

/// How often a lasting failure is posted to Alertmanager again.
pub const ALERTMANAGER_REPOST: Duration = Duration::from_secs(60);
/// How far ahead a firing alert's `endsAt` is: five reposts may be lost before it expires.
pub const ALERTMANAGER_LEASE: Duration = Duration::from_secs(300);

/// Where a notice comes from, for the bodies that say it.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub host: &'a str,
    /// The service's groups (`group` label of Alertmanager alerts).
    pub groups: &'a [String],
}

/// A rendered webhook call, queued as is.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RenderedWebhook {
    pub url: String,
    pub headers: Vec<String>,
    pub body: String,
}

/// The JSON body of `notice` for `hook`.
pub fn render(notice: &Notice, hook: &WebhookConfig, origin: Origin) -> RenderedWebhook {
    let host = origin.host;
    let body = match hook.format {
        WebhookFormat::Json => json!({
            "service": notice.service,
            "event": notice.event.keyword(),
            "state": notice.state,
            "summary": notice.event_text(),
            "description": notice.message,
            "action": notice.action,
            "host": host,
            "timestamp": notice.at.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
            "reminder": notice.is_reminder(),
        }),
        WebhookFormat::Slack => json!({
            "text": format!(
                "*{} {}* on {host}: {} (action: {})",
                notice.event_text(),
                notice.service,
                notice.message,
                notice.action
            ),
        }),
        WebhookFormat::Alertmanager => alertmanager(notice, origin),
    };
    RenderedWebhook { url: hook.url.clone(), headers: hook.headers.clone(), body: body.to_string() }
}

/// Alertmanager's API v2 body: a list of one alert.
fn alertmanager(notice: &Notice, origin: Origin) -> serde_json::Value {
    let ends = match notice.state {
        NoticeState::Succeeded => notice.at,
        NoticeState::Failed | NoticeState::Changed => notice.at + ALERTMANAGER_LEASE,
    };
    let mut labels = json!({
        "alertname": format!("rmonit_{}", notice.event.keyword()),
        "service": notice.service,
        "event": notice.event.keyword(),
        "host": origin.host,
    });
    if !origin.groups.is_empty() {
        labels["group"] = json!(origin.groups.join(","));
    }
    json!([{
        "labels": labels,
        "annotations": {
            "summary": format!("{} {}", notice.event_text(), notice.service),
            "description": notice.message,
            "action": notice.action,
        },
        "startsAt": crate::timestamp::format(notice.at),
        "endsAt": crate::timestamp::format(ends),
    }])
}

/// Why a webhook call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WebhookError {
    /// Worth retrying: no connection, a timeout, a 5xx, 408 or 429.
    #[error("{0}")]
    Transient(String),
    /// The receiver refused the alert; retrying cannot help.
    #[error("{0}")]
    Rejected(String),
}

/// POSTs one call under `timeout`.
pub async fn post(client: &reqwest::Client, hook: &RenderedWebhook, timeout: Duration) -> Result<(), WebhookError> {
    let mut request = client
        .post(&hook.url)
        .timeout(timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(hook.body.clone());
    for line in &hook.headers {
        if let Some((name, value)) = line.split_once(':') {
            request = request.header(name.trim(), value.trim());
        }
    }
    let response = request.send().await.map_err(|e| WebhookError::Transient(format!("{}: {e}", hook.url)))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let message = format!("{} answered {status}", hook.url);
    if status.is_client_error() && status.as_u16() != 408 && status.as_u16() != 429 {
        Err(WebhookError::Rejected(message))
    } else {
        Err(WebhookError::Transient(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::NoticeState;
    use crate::config::model::EventKind;

    #[test]
    fn json_and_slack_bodies() {
        let notice = Notice::transition("web", EventKind::Nonexist, NoticeState::Failed, "not running", "restart");
        let mut hook = WebhookConfig { url: "http://h/x".to_owned(), format: WebhookFormat::Json, headers: vec![] };
        let origin = Origin { host: "vm", groups: &[] };
        let body: serde_json::Value = serde_json::from_str(&render(&notice, &hook, origin).body).unwrap();
        assert_eq!(body["service"], "web");
        assert_eq!(body["event"], "nonexist");
        assert_eq!(body["state"], "failed");
        assert_eq!(body["summary"], "Does not exist");
        assert_eq!(body["host"], "vm");
        hook.format = WebhookFormat::Slack;
        let body: serde_json::Value = serde_json::from_str(&render(&notice, &hook, origin).body).unwrap();
        assert_eq!(body["text"], "*Does not exist web* on vm: not running (action: restart)");
    }

    #[test]
    fn alertmanager_alerts_fire_with_a_lease_and_resolve_at_the_recovery() {
        let hook = WebhookConfig {
            url: "http://am/api/v2/alerts".to_owned(),
            format: WebhookFormat::Alertmanager,
            headers: vec![],
        };
        let groups = ["www".to_owned(), "db".to_owned()];
        let origin = Origin { host: "vm", groups: &groups };
        let mut notice = Notice::transition("web", EventKind::Nonexist, NoticeState::Failed, "not running", "restart");
        notice.at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_000_000);
        let body: serde_json::Value = serde_json::from_str(&render(&notice, &hook, origin).body).unwrap();
        let alert = &body[0];
        assert_eq!(
            alert["labels"],
            json!({"alertname": "rmonit_nonexist", "service": "web", "event": "nonexist", "host": "vm", "group": "www,db"})
        );
        assert_eq!(alert["annotations"]["summary"], "Does not exist web");
        assert_eq!(alert["annotations"]["description"], "not running");
        assert_eq!(alert["startsAt"], "2026-11-30T00:53:20.000000Z");
        assert_eq!(alert["endsAt"], "2026-11-30T00:58:20.000000Z", "the lease");
        notice.state = NoticeState::Succeeded;
        let body: serde_json::Value = serde_json::from_str(&render(&notice, &hook, origin).body).unwrap();
        assert_eq!(body[0]["endsAt"], body[0]["startsAt"], "resolved at the recovery");
        assert_eq!(body[0]["labels"]["alertname"], "rmonit_nonexist", "the same alert");
    }
}
