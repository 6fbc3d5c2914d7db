//! The versioned JSON API under `/api/v1/` (documented with examples in `docs/api.md`):
//! the status model of `state::status` serialized as it is, the recent events, Monit's
//! report counts, the actions of `/_doaction`, and `validate` (a check cycle of every
//! service now, answered after it). `rmonit status|summary|report --json` and `rmonit
//! validate` use it.
//!
//! Read endpoints take their parameters from the query (GET) or a form body (POST), as
//! Monit's endpoints do; errors are `{"error": "..."}` with a 4xx or 5xx status.

use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ApiError, AppState, Caller, RequestParams, action, param, style, view};
use crate::state::report::{self, Filter};
use crate::state::{AlertQueueStatus, EventRecord, Monitoring, ServiceStatus, Snapshot};

/// The version in the paths; it changes only when a field changes meaning or goes away.
pub const API_VERSION: u32 = 1;

/// The longest `validate` waits for the check cycle it asked for.
pub const VALIDATE_WAIT: Duration = Duration::from_secs(20);

/// The API's routes, merged into the router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/services", any(services))
        .route("/api/v1/services/{name}", any(service))
        .route("/api/v1/summary", any(summary))
        .route("/api/v1/events", any(events))
        .route("/api/v1/alerts", any(alerts))
        .route("/api/v1/report", any(report_counts))
        .route("/api/v1/actions", post(actions))
        .route("/api/v1/validate", post(validate))
}

/// An error as JSON: `{"error": "Service 'x' not found"}`.
pub struct JsonError(pub StatusCode, pub String);

impl IntoResponse for JsonError {
    fn into_response(self) -> Response {
        (self.0, axum::Json(json!({ "error": self.1 }))).into_response()
    }
}

impl From<ApiError> for JsonError {
    fn from(ApiError(status, message): ApiError) -> JsonError {
        JsonError(status, message)
    }
}

/// One service: its status model as it is, plus Monit's status text.
#[derive(Serialize)]
pub struct ServiceView<'a> {
    /// `OK`, `Does not exist`, `Not monitored`, ... as `summary` prints it.
    pub status: String,
    #[serde(flatten)]
    pub service: &'a ServiceStatus,
}

impl<'a> ServiceView<'a> {
    pub fn of(service: &'a ServiceStatus) -> ServiceView<'a> {
        ServiceView { status: report::status_text(service), service }
    }
}

/// What every listing starts with: who answers and since when, and the alert queue.
fn daemon(snapshot: &Snapshot, alerts: &AlertQueueStatus) -> Value {
    let uptime = SystemTime::now().duration_since(snapshot.started).unwrap_or_default();
    json!({
        "api_version": API_VERSION,
        "version": crate::VERSION,
        "monit_version": crate::MONIT_VERSION,
        "uptime_secs": uptime.as_secs(),
        "poll_interval_ms": snapshot.poll_interval_ms,
        "alerts": alerts,
    })
}

/// `/api/v1/services[?service=PATTERN][&group=GROUP]`: the services `status` would show.
async fn services(State(state): State<AppState>, RequestParams(params): RequestParams) -> Result<Response, JsonError> {
    let (snapshot, filter) = view(&state, &params)?;
    let services: Vec<ServiceView> = report::select(&snapshot, &filter).into_iter().map(ServiceView::of).collect();
    Ok(axum::Json(json!({ "daemon": daemon(&snapshot, &state.engine().board().alerts()), "services": services }))
        .into_response())
}

/// `/api/v1/summary[?service=PATTERN][&group=GROUP]`: what `summary` shows, each service's
/// name, status and type, after the daemon's part.
async fn summary(State(state): State<AppState>, RequestParams(params): RequestParams) -> Result<Response, JsonError> {
    let (snapshot, filter) = view(&state, &params)?;
    let services: Vec<Value> = report::select(&snapshot, &filter)
        .into_iter()
        .map(|s| json!({ "name": s.name, "status": report::status_text(s), "type": s.type_name }))
        .collect();
    Ok(axum::Json(json!({ "daemon": daemon(&snapshot, &state.engine().board().alerts()), "services": services }))
        .into_response())
}

/// `/api/v1/services/{name}`: one service by its exact name (any case).
async fn service(State(state): State<AppState>, Path(name): Path<String>) -> Result<Response, JsonError> {
    let snapshot = state.engine().board().snapshot();
    let found = snapshot.services.iter().find(|s| s.name.eq_ignore_ascii_case(&name));
    match found {
        Some(service) => Ok(axum::Json(ServiceView::of(service)).into_response()),
        None => Err(JsonError(StatusCode::NOT_FOUND, format!("Service '{name}' not found"))),
    }
}

/// One event with the service it belongs to.
#[derive(Serialize)]
struct ServiceEvent<'a> {
    service: &'a str,
    #[serde(flatten)]
    event: &'a EventRecord,
}

/// `/api/v1/events[?service=PATTERN][&group=GROUP]`: the recent events of the services
/// (each keeps its latest `RECENT_EVENTS`), oldest first.
async fn events(State(state): State<AppState>, RequestParams(params): RequestParams) -> Result<Response, JsonError> {
    let (snapshot, filter) = view(&state, &params)?;
    let mut events: Vec<ServiceEvent> = report::select(&snapshot, &filter)
        .into_iter()
        .flat_map(|s| s.events.iter().map(|event| ServiceEvent { service: &s.name, event }))
        .collect();
    events.sort_by_key(|e| e.event.at);
    Ok(axum::Json(json!({ "events": events })).into_response())
}

/// `/api/v1/alerts`: the alert queue (directory, alerts waiting, delivered, last error).
async fn alerts(State(state): State<AppState>) -> Response {
    axum::Json(state.engine().board().alerts()).into_response()
}

/// `/api/v1/report[?type=TYPE][&group=GROUP]`: Monit's report counts, or the one count of
/// a type (`up`, `down`, `initialising`/`initializing`, `unmonitored`, `total`).
async fn report_counts(
    State(state): State<AppState>,
    RequestParams(params): RequestParams,
) -> Result<Response, JsonError> {
    let filter = super::filter(&state, &params)?;
    let snapshot = state.engine().board().snapshot();
    let counts = report::count(&snapshot, &filter);
    let body = match param(&params, "type") {
        None => {
            serde_json::to_value(&counts).map_err(|e| JsonError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        }
        Some(kind) => {
            let (name, n) = counts.get(kind).map_err(|e| JsonError(StatusCode::BAD_REQUEST, e))?;
            json!({ name: n })
        }
    };
    Ok(axum::Json(body).into_response())
}

/// The body of `POST /api/v1/actions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// `start`, `stop`, `restart`, `monitor` or `unmonitor`.
    pub action: String,
    /// Names or patterns, or `all`.
    pub services: Vec<String>,
    /// Answer when every action has been carried out, with its outcome.
    #[serde(default)]
    pub wait: bool,
}

/// `POST /api/v1/actions` with `{"action": "restart", "services": ["web"], "wait": true}`:
/// what `/_doaction` does with the same parameters (its handler runs, matching the names
/// as Monit does), answered as JSON.
async fn actions(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<axum::Json<ActionRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, JsonError> {
    let axum::Json(request) = body.map_err(|e| JsonError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let mut params = vec![("action".to_owned(), request.action.clone())];
    params.extend(request.services.iter().map(|name| ("service".to_owned(), name.clone())));
    if request.wait {
        params.push(("wait".to_owned(), "yes".to_owned()));
    }
    let answer = action::doaction(State(state), axum::http::Method::POST, caller, RequestParams(params)).await?;
    let messages: Vec<&str> = answer.lines().collect();
    Ok(axum::Json(json!({ "action": request.action, "done": request.wait, "messages": messages })).into_response())
}

/// The services of a snapshot that are watched but were not checked since `since`.
fn unchecked_since(snapshot: &Snapshot, since: SystemTime) -> Vec<String> {
    snapshot
        .services
        .iter()
        .filter(|s| s.monitoring != Monitoring::NotMonitored && s.collected_at.is_none_or(|at| at < since))
        .map(|s| s.name.clone())
        .collect()
}

/// The watched services with a failed event.
fn failing(snapshot: &Snapshot) -> Vec<String> {
    snapshot
        .services
        .iter()
        .filter(|s| s.monitoring != Monitoring::NotMonitored && !s.failed.is_empty())
        .map(|s| s.name.clone())
        .collect()
}

/// Whether a request may act without a CSRF token: the TCP listener exempts `/api/` from
/// Monit's token because a cross-site form cannot send `Content-Type: application/json`,
/// so an acting API request over TCP must carry it. The unix socket has no browsers.
fn json_or_local(caller: &Caller, headers: &axum::http::HeaderMap) -> Result<(), JsonError> {
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"));
    if json || !caller.via_tcp {
        Ok(())
    } else {
        Err(JsonError(StatusCode::UNSUPPORTED_MEDIA_TYPE, "send Content-Type: application/json".to_owned()))
    }
}

/// `POST /api/v1/validate[?batch=1]`: Monit's `validate`, answered after the pass. Asks
/// every watched service for a check cycle now, waits until each has finished one (at most
/// [`VALIDATE_WAIT`]; a service whose parent is failed is not checked, as in Monit), then
/// answers with the full `status` text, whether every watched service is free of failed
/// events (`ok`), the failing ones and the ones not checked in time.
async fn validate(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    RequestParams(params): RequestParams,
) -> Result<Response, JsonError> {
    json_or_local(&caller, &headers)?;
    let engine = state.engine();
    let asked = SystemTime::now();
    engine.check_all_now();
    let deadline = tokio::time::Instant::now() + VALIDATE_WAIT;
    // A new snapshot only when the board changed since the last look.
    let mut seen = engine.board().generation();
    let mut snapshot = engine.board().snapshot();
    while !unchecked_since(&snapshot, asked).is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = engine.board().generation();
        if now != seen {
            seen = now;
            snapshot = engine.board().snapshot();
        }
    }
    let failing = failing(&snapshot);
    Ok(axum::Json(json!({
        "ok": failing.is_empty(),
        "failing": failing,
        "unchecked": unchecked_since(&snapshot, asked),
        "status": report::status(&snapshot, &Filter::default(), style(&params)),
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{EventKind, Mode, OnReboot};

    fn service(name: &str, monitoring: Monitoring) -> ServiceStatus {
        let mut s = ServiceStatus::new(name, "Process", 3, Mode::Active, OnReboot::Start);
        s.monitoring = monitoring;
        s
    }

    #[test]
    fn a_service_serializes_its_model_and_status_text() {
        let mut s = service("web", Monitoring::Monitored);
        s.failed.insert(EventKind::Nonexist, "process is not running".into());
        let value = serde_json::to_value(ServiceView::of(&s)).unwrap();
        assert_eq!(value["name"], "web");
        assert_eq!(value["type_name"], "Process");
        assert_eq!(value["status"], "Does not exist");
        assert_eq!(value["monitoring"], "monitored");
        assert_eq!(value["failed"]["nonexist"], "process is not running");
    }

    #[test]
    fn acting_over_tcp_needs_json() {
        use axum::http::{HeaderMap, HeaderValue, header};
        let tcp = Caller { who: "admin".into(), from: "127.0.0.1".into(), read_only: false, via_tcp: true };
        let socket = Caller { who: "uid 0".into(), from: "unix socket".into(), read_only: false, via_tcp: false };
        let form = HeaderMap::from_iter([(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"))]);
        let json = HeaderMap::from_iter([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))]);
        assert!(json_or_local(&tcp, &form).is_err());
        assert!(json_or_local(&tcp, &HeaderMap::new()).is_err());
        assert!(json_or_local(&tcp, &json).is_ok());
        assert!(json_or_local(&socket, &form).is_ok());
    }

    #[test]
    fn validation_counts_only_watched_services() {
        let since = SystemTime::now();
        let mut checked = service("checked", Monitoring::Monitored);
        checked.collected_at = Some(since + Duration::from_millis(1));
        checked.failed.insert(EventKind::Status, "exit value 3".into());
        let mut stale = service("stale", Monitoring::Monitored);
        stale.collected_at = Some(since - Duration::from_secs(5));
        let mut off = service("off", Monitoring::NotMonitored);
        off.failed.insert(EventKind::Nonexist, "x".into());
        let snapshot = Snapshot { services: vec![checked, stale, off], started: since, poll_interval_ms: 1000 };
        assert_eq!(unchecked_since(&snapshot, since), ["stale"]);
        assert_eq!(failing(&snapshot), ["checked"]);
    }
}
