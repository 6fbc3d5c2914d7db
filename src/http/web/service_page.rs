//! `/{service}`: one service with every collected figure (the lines of `rmonit status`),
//! its history charts and uptime share, every rule in words, dependencies, groups, recent
//! events and the last action, and buttons for start, stop, restart, monitor, unmonitor and
//! its custom actions (not shown to read-only users, and refused for them by the listener).
//! `POST /{service}` with `action=...` queues the action, as Monit's page does, and sends
//! the browser back to the page, where the live status shows it run.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::charts;
use super::layout::{PageContext, page, status_class};
use super::overview::urlencode;
use super::{CsrfToken, html_response};
use crate::engine::UserAction;
use crate::http::action::{not_saved, refuse_read_only, requester};
use crate::http::{AppState, Caller, RequestParams, param};
use crate::outcome::EventState;
use crate::state::board::Snapshot;
use crate::state::report::{self, Filter, Style};
use crate::state::status::ServiceStatus;

const ACTIONS: [(&str, &str); 5] = [
    ("start", "Start service"),
    ("stop", "Stop service"),
    ("restart", "Restart service"),
    ("monitor", "Enable monitoring"),
    ("unmonitor", "Disable monitoring"),
];

fn find(snapshot: &Snapshot, name: &str) -> Option<ServiceStatus> {
    snapshot.services.iter().find(|s| s.name.eq_ignore_ascii_case(name)).cloned()
}

pub async fn page_handler(
    State(state): State<AppState>,
    caller: Caller,
    CsrfToken(token): CsrfToken,
    Path(name): Path<String>,
) -> Response {
    let snapshot = state.engine().board().snapshot();
    let Some(service) = find(&snapshot, &name) else {
        return (StatusCode::NOT_FOUND, format!("There is no service named \"{name}\"\n")).into_response();
    };
    let facts = state.facts();
    let config = facts.config.services.iter().find(|s| s.name == service.name).cloned();
    let history = state.history();
    let points = history.points(&service.name);
    let lines = figure_lines(&snapshot, &service);
    let path = format!("/{}", urlencode(&service.name));
    let body = html! {
        h1 { (service.name) " " span.muted { (service.type_name) } }
        p { "Status: " span.status.(status_class(&service)) data-service=(service.name) { (report::status_text(&service)) } }
        @if !caller.read_only {
            div.actions {
                @for (action, label) in ACTIONS {
                    form method="post" action=(path) {
                        input type="hidden" name="securitytoken" value=(token);
                        input type="hidden" name="action" value=(action);
                        button type="submit" class=[(action == "stop").then_some("danger")] { (label) }
                    }
                }
                @if let Some(config) = &config {
                    @for custom in &config.actions {
                        form method="post" action="/_run" {
                            input type="hidden" name="securitytoken" value=(token);
                            input type="hidden" name="service" value=(service.name);
                            input type="hidden" name="action" value=(custom.name);
                            button type="submit" { "Run " (custom.name) }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { "History (last " (minutes(history.length())) ")" }
            p.muted {
                "Up over the last 24 hours: "
                @match history.uptime_percent(&service.name) { Some(p) => (format!("{p:.2}%")), None => "no data yet" }
            }
            div.charts {
                (charts::status_band(&points))
                @if points.iter().any(|p| p.cpu_percent.is_some()) {
                    (charts::line("CPU", &points, |p| p.cpu_percent.map(f64::from), "%"))
                }
                @if points.iter().any(|p| p.memory_bytes.is_some()) {
                    (charts::line("Memory", &points, |p| p.memory_bytes.map(|m| m as f64), "bytes"))
                }
                @if points.iter().any(|p| p.response_ms.is_some()) {
                    (charts::line("Response time", &points, |p| p.response_ms.map(f64::from), "ms"))
                }
            }
        }
        section.card {
            h2 { "Figures" }
            table { tbody { @for (label, value) in &lines { tr { th { (label) } td { (value) } } } } }
        }
        @if let Some(config) = &config {
            section.card {
                h2 { "Rules" }
                @if config.rules.is_empty() { p.muted { "No rules besides the implicit ones." } }
                ul { @for rule in &config.rules { li { code { (crate::config::render::rule_text(rule)) } } } }
                @if !config.depends.is_empty() {
                    p { "Depends on: " @for (i, d) in config.depends.iter().enumerate() {
                        @if i > 0 { ", " } a href=(format!("/{}", urlencode(d))) { (d) }
                    } }
                }
                @if !config.groups.is_empty() { p { "Groups: " (config.groups.join(", ")) } }
            }
        }
        section.card {
            h2 { "Recent events" }
            @if let Some(last) = &service.last_action {
                p { "Last action: " strong { (last.action) } " at " (report::date(last.at)) ": "
                    span class=(if last.success { "ok" } else { "fail" }) { (if last.success { "done" } else { "failed" }) }
                    @if !last.message.is_empty() { " — " (last.message) } }
            }
            @if service.events.is_empty() { p.muted { "No events yet." } }
            table {
                tbody {
                    @for event in service.events.iter().rev().take(50) {
                        tr {
                            td.muted { (report::date(event.at)) }
                            td class=(if event.state == EventState::Failed { "fail" } else { "ok" }) { (event.state.name()) }
                            td { (event.message) }
                            td.muted.optional { (event.action) }
                        }
                    }
                }
            }
        }
    };
    let context = PageContext { caller: &caller, token: &token, host: &facts.localhostname };
    html_response(page(&context, &service.name, true, body))
}

/// `hour`, `2 hours`, `30 minutes`.
fn minutes(length: std::time::Duration) -> String {
    match length.as_secs() / 60 {
        60 => "hour".to_owned(),
        m if m % 60 == 0 => format!("{} hours", m / 60),
        m => format!("{m} minutes"),
    }
}

/// The label/value lines `rmonit status NAME` prints for the service.
fn figure_lines(snapshot: &Snapshot, service: &ServiceStatus) -> Vec<(String, String)> {
    let one = Snapshot {
        services: vec![service.clone()],
        started: snapshot.started,
        poll_interval_ms: snapshot.poll_interval_ms,
    };
    let text = report::status(&one, &Filter::default(), Style::Batch);
    text.lines()
        .filter(|l| l.starts_with("  "))
        .filter_map(|l| {
            let l = l.trim_start();
            let split = l.find("  ")?;
            Some((l[..split].to_owned(), l[split..].trim().to_owned()))
        })
        .collect()
}

/// `POST /{service}` with `action=start|stop|restart|monitor|unmonitor`: back to the page
/// (303) once a start, stop or restart is queued, once a monitor or unmonitor is carried
/// out and saved (or an error page saying why not).
pub async fn act(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    RequestParams(params): RequestParams,
) -> Response {
    if let Err(refusal) = refuse_read_only(&caller, "act") {
        return refusal.into_response();
    }
    let word = param(&params, "action").unwrap_or("");
    let Some(action) = UserAction::parse(word) else {
        return (StatusCode::BAD_REQUEST, format!("Invalid action \"{word}\"\n")).into_response();
    };
    let engine = state.engine();
    let snapshot = engine.board().snapshot();
    let Some(service) = find(&snapshot, &name) else {
        return (StatusCode::NOT_FOUND, format!("There is no service named \"{name}\"\n")).into_response();
    };
    let Some(index) = engine.index_of(&service.name) else {
        return (StatusCode::NOT_FOUND, format!("There is no service named \"{name}\"\n")).into_response();
    };
    let outcome = engine.act(index, action, requester(&caller), None);
    if matches!(action, UserAction::Monitor | UserAction::Unmonitor) {
        // A change of mode is answered once carried out and in the state file.
        let done = format!("'{}' {word} done", service.name);
        match tokio::time::timeout(crate::http::ACTION_WAIT, outcome).await {
            Ok(Ok(Ok(()))) => {
                if let Err(e) = state.save_state().await {
                    let body = not_saved(&[done], &e, Vec::new(), Vec::new());
                    return (StatusCode::INTERNAL_SERVER_ERROR, body + "\n").into_response();
                }
            }
            Ok(Ok(Err(e))) => {
                return (StatusCode::INTERNAL_SERVER_ERROR, format!("'{}' {word} failed: {e}\n", service.name))
                    .into_response();
            }
            Ok(Err(_)) => {
                return (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("'{}' {word} failed: the engine stopped\n", service.name),
                )
                    .into_response();
            }
            Err(_) => {
                let still = format!(
                    "'{}' {word} is still running after {} s (it goes on)\n",
                    service.name,
                    crate::http::ACTION_WAIT.as_secs()
                );
                return (StatusCode::GATEWAY_TIMEOUT, still).into_response();
            }
        }
    }
    // The outcome of a start, stop or restart shows on the page (live) and in the events;
    // nobody waits for it here.
    Redirect::to(&format!("/{}", urlencode(&service.name))).into_response()
}
