//! `/_doaction`: start, stop, restart, monitor and unmonitor services. Each request is
//! queued in the engine with who sent it (the `Caller` the listener set); a read-only
//! caller gets a 403. With `wait=yes` (our extension) the answer comes when every action
//! has been carried out, with its outcome; without, as soon as they are queued (Monit).
//! `monitor` and `unmonitor` are answered, with or without `wait`, only once the mode
//! changed and the state file holds it; if the file cannot be written the answer is a 500
//! that says so (`'web' unmonitor done but not saved`, then the state file's error).
//!
//! Parameters: `action`, one `service=` per name or pattern (`all` for every service;
//! `web.*` for `web` and `webmatch`, matched as Monit does), and our
//! extensions `wait=yes`, `timeout=<seconds>` (how long to wait, at most `ACTION_WAIT`)
//! and, for `unmonitor`, `for=<seconds>` (monitoring comes back by itself then).

use std::time::{Duration, SystemTime};

use axum::extract::State;
use axum::http::StatusCode;

use super::{ACTION_WAIT, ApiError, AppState, Caller, Params, RequestParams, param};
use crate::engine::{Requester, UserAction};

/// Monit's answer to a caller who may not act.
pub const FORBIDDEN: &str = "You do not have sufficient privileges to access this page";

/// Refuses a read-only caller, with a line in the log.
pub fn refuse_read_only(caller: &Caller, what: &str) -> Result<(), ApiError> {
    if caller.read_only {
        tracing::warn!("{what} refused: {} from {} is read-only", caller.who, caller.from);
        return Err(ApiError(StatusCode::FORBIDDEN, FORBIDDEN.to_owned()));
    }
    Ok(())
}

/// Refuses a request that would change something unless it is a POST: a GET carries no
/// CSRF token, and a link or an image on any page could send one with the browser's
/// cached credentials.
pub fn require_post(method: &axum::http::Method, what: &str) -> Result<(), ApiError> {
    if method != axum::http::Method::POST {
        return Err(ApiError(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{what} changes the daemon's state: send it as a POST"),
        ));
    }
    Ok(())
}

/// The caller as the engine's audit trail names it.
pub fn requester(caller: &Caller) -> Requester {
    use crate::escape::control_chars;
    Requester { who: control_chars(&caller.who).into_owned(), from: control_chars(&caller.from).into_owned() }
}

/// A whole number of seconds from a parameter.
fn seconds(params: &Params, key: &str) -> Result<Option<Duration>, ApiError> {
    match param(params, key) {
        None => Ok(None),
        Some(text) => text.parse::<u64>().map(|s| Some(Duration::from_secs(s))).map_err(|_| {
            ApiError(StatusCode::BAD_REQUEST, format!("Invalid {key} \"{text}\": a number of seconds is expected"))
        }),
    }
}

pub async fn doaction(
    State(state): State<AppState>,
    method: axum::http::Method,
    caller: Caller,
    RequestParams(params): RequestParams,
) -> Result<String, ApiError> {
    require_post(&method, "/_doaction")?;
    let action_name = param(&params, "action").unwrap_or("");
    let action = UserAction::parse(action_name)
        .ok_or_else(|| ApiError(StatusCode::BAD_REQUEST, format!("Invalid action \"{action_name}\"")))?;
    refuse_read_only(&caller, action_name)?;
    let monitor_for = seconds(&params, "for")?;
    if monitor_for.is_some() && action != UserAction::Unmonitor {
        return Err(ApiError(StatusCode::BAD_REQUEST, "'for' goes with unmonitor only".to_owned()));
    }
    let wait = seconds(&params, "timeout")?.unwrap_or(ACTION_WAIT).min(ACTION_WAIT);
    let engine = state.engine();
    // Names or patterns, matched as Monit does (case-insensitive, anchored), or `all`.
    let requested = params.iter().filter(|(k, _)| k == "service").map(|(_, v)| v.as_str());
    let indices = crate::state::report::action_targets(engine.names(), requested)
        .map_err(|e| ApiError(StatusCode::BAD_REQUEST, e))?;
    if indices.is_empty() {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            format!("Please specify a service name or 'all' after {action_name}"),
        ));
    }
    let until = monitor_for.map(|d| SystemTime::now() + d);
    let by = requester(&caller);
    // All together, so that the engine restarts a member of a group once, after its parent.
    let names = indices.iter().map(|&i| engine.names()[i].clone());
    let receivers: Vec<(String, _)> = names.zip(engine.act_together(&indices, action, by, until)).collect();
    // A change of monitoring mode is acknowledged once carried out and on disk, waited for
    // or not; the other actions without `wait` as soon as they are queued (Monit).
    let mode_change = matches!(action, UserAction::Monitor | UserAction::Unmonitor);
    let waited = param(&params, "wait").is_some();
    if !waited && !mode_change {
        return Ok(String::new());
    }
    let deadline = tokio::time::Instant::now() + wait;
    let mut failures = Vec::new();
    let mut still_running = Vec::new();
    let mut lines = Vec::new();
    for (name, rx) in receivers {
        match tokio::time::timeout_at(deadline, rx).await {
            Ok(Ok(Ok(()))) => lines.push(format!("'{name}' {action_name} done")),
            Ok(Ok(Err(e))) => failures.push(format!("'{name}' {action_name} failed: {e}")),
            Ok(Err(_)) => failures.push(format!("'{name}' {action_name} failed: the engine stopped")),
            Err(_) => still_running
                .push(format!("'{name}' {action_name} is still running after {} s (it goes on)", wait.as_secs())),
        }
    }
    if mode_change
        && !lines.is_empty()
        && let Err(e) = state.save_state().await
    {
        return Err(ApiError(StatusCode::INTERNAL_SERVER_ERROR, not_saved(&lines, &e, failures, still_running)));
    }
    if !failures.is_empty() {
        failures.extend(still_running);
        Err(ApiError(StatusCode::INTERNAL_SERVER_ERROR, failures.join("\n")))
    } else if !still_running.is_empty() {
        Err(ApiError(StatusCode::GATEWAY_TIMEOUT, still_running.join("\n")))
    } else if !waited {
        Ok(String::new())
    } else {
        Ok(lines.join("\n") + if lines.is_empty() { "" } else { "\n" })
    }
}

/// The answer when modes changed but the state file refused them: each change is
/// reported done but not saved, with the reason and what it means, then the other
/// outcomes.
pub fn not_saved(
    done: &[String],
    error: &crate::state::saver::SaveError,
    failures: Vec<String>,
    still_running: Vec<String>,
) -> String {
    let mut lines: Vec<String> = done.iter().map(|line| format!("{line} but not saved")).collect();
    lines.push(format!("{error}: after a restart of rmonit the monitoring mode may be the one before"));
    lines.extend(failures);
    lines.extend(still_running);
    lines.join("\n")
}
