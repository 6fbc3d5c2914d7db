//! Webhooks (our extension: `alert webhook "<url>" [format json|slack] [header "N: v"]`):
//! a notice as a JSON body, in our generic shape or Slack's `{"text": ...}`, POSTed
//! through reqwest. A 2xx answer delivers; other 4xx answers (but 408 and 429) reject the
//! alert for good; anything else is retried.

use std::time::{Duration, SystemTime};

use serde_json::json;

use super::Notice;
use crate::config::model::{WebhookConfig, WebhookFormat};

/// A rendered webhook call, queued as is.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RenderedWebhook {
    pub url: String,
    pub headers: Vec<String>,
    pub body: String,
}

/// The JSON body of `notice` for `hook`.
pub fn render(notice: &Notice, hook: &WebhookConfig, host: &str) -> RenderedWebhook {
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
    };
    RenderedWebhook { url: hook.url.clone(), headers: hook.headers.clone(), body: body.to_string() }
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
        let body: serde_json::Value = serde_json::from_str(&render(&notice, &hook, "vm").body).unwrap();
        assert_eq!(body["service"], "web");
        assert_eq!(body["event"], "nonexist");
        assert_eq!(body["state"], "failed");
        assert_eq!(body["summary"], "Does not exist");
        assert_eq!(body["host"], "vm");
        hook.format = WebhookFormat::Slack;
        let body: serde_json::Value = serde_json::from_str(&render(&notice, &hook, "vm").body).unwrap();
        assert_eq!(body["text"], "*Does not exist web* on vm: not running (action: restart)");
    }
}
