//! `GET /metrics`: the status for Prometheus (see [`crate::state::report::metrics`]), on the
//! same router and behind the same lock-down as the status pages, so whoever `set httpd`
//! lets read the status (a read-only user, an `allow` net, the control socket) may scrape.
//! OpenMetrics when the scraper's `Accept` asks for it.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::state::report::{self, MetricsContext, MetricsFormat};

pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let format = MetricsFormat::negotiate(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    let engine = state.engine();
    let board = engine.board();
    let facts = state.facts();
    let alerts = board.alerts();
    let context = MetricsContext { config: &facts.config, alerts: &alerts, activity: board.activity() };
    let body = report::metrics(&board.snapshot(), &context, format);
    ([(header::CONTENT_TYPE, format.content_type())], body).into_response()
}
