//! The control plane's HTTP interface: one axum router, served on the unix socket for the
//! CLI and on TCP for browsers and Monit's CLI. Monit's endpoints (`/_status`, `/_summary`,
//! `/_report`, `/_doaction`, `/_ping`) take their parameters from the query (GET) or a form
//! body (POST), as Monit's do. The dashboard's pages ([`web`]), the JSON API ([`api`]) and
//! Prometheus's `/metrics` ([`metrics`]) are part of the same router,
//! and so is the lock-down ([`lockdown`]: origin, credentials, CSRF, read-only callers,
//! headers, Monit's error page), so [`router`] is the whole product for a request. The
//! listeners that serve it live in `control`; this module knows nothing of sockets.

pub mod action;
pub mod api;
pub mod auth;
pub mod csrf;
pub mod lockdown;
pub mod metrics;
pub mod pages;
pub mod password;
pub mod reload;
pub mod render_cache;
pub mod run;
pub mod session;
pub mod web;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::any;

use crate::engine::EngineHandle;
use crate::state::report::{self, Filter, Style};

/// The longest a `wait=yes` action request waits for its outcome.
pub const ACTION_WAIT: Duration = Duration::from_secs(600);

/// Service groups and their members.
pub type Groups = Vec<(String, Vec<String>)>;

/// What the handlers share: the running engine (replaced on reload) and the group members
/// of the configuration.
#[derive(Clone)]
pub struct AppState {
    // A std Mutex: held only to clone the handle out.
    engine: Arc<Mutex<Arc<EngineHandle>>>,
    groups: Arc<Mutex<Groups>>,
    /// Rendered status pages (see [`render_cache`]); emptied on reload.
    renders: Arc<render_cache::RenderCache>,
    /// The dashboard's charts (see [`web::history`]).
    history: Arc<web::history::History>,
    /// How `/_reload` asks the daemon to reload (none: the endpoint answers 503).
    reloader: Option<reload::Reloader>,
    /// How an acknowledged change of monitoring mode gets to the state file before the
    /// answer (none: nothing is saved, as in a one-off pass).
    saver: Option<crate::state::saver::SaverHandle>,
    /// What the daemon knows about itself (XML status, `/_runtime`), replaced on reload.
    facts: pages::SharedFacts,
    /// The lock-down of requests over TCP: the listener's credentials and sessions (none:
    /// no TCP request gets past the credentials).
    lockdown: Arc<lockdown::Lockdown>,
}

impl AppState {
    pub fn new(engine: EngineHandle, groups: Groups) -> AppState {
        AppState {
            engine: Arc::new(Mutex::new(Arc::new(engine))),
            groups: Arc::new(Mutex::new(groups)),
            renders: Default::default(),
            history: Default::default(),
            reloader: None,
            saver: None,
            facts: Default::default(),
            lockdown: Default::default(),
        }
    }

    /// With the lock-down of a TCP listener (see [`lockdown`]).
    pub fn with_lockdown(mut self, lockdown: lockdown::Lockdown) -> AppState {
        self.lockdown = Arc::new(lockdown);
        self
    }

    /// With the daemon's state saver, for the answers to monitor and unmonitor.
    pub fn with_saver(mut self, saver: crate::state::saver::SaverHandle) -> AppState {
        self.saver = Some(saver);
        self
    }

    /// Writes the state file now, if this daemon keeps one; returns once it is on disk.
    pub async fn save_state(&self) -> Result<(), crate::state::saver::SaveError> {
        match &self.saver {
            Some(saver) => saver.save_now().await,
            None => Ok(()),
        }
    }

    /// With the daemon's reload channel, for `/_reload`.
    pub fn with_reloader(mut self, reloader: reload::Reloader) -> AppState {
        self.reloader = Some(reloader);
        self
    }

    fn reloader(&self) -> Option<reload::Reloader> {
        self.reloader.clone()
    }

    /// The daemon's facts (at start and after a reload).
    pub fn set_facts(&self, facts: pages::DaemonFacts) {
        let history = facts.config.httpd.as_ref().and_then(|h| h.history).map(|d| d.as_std());
        self.history.set_length(history.unwrap_or(web::history::DEFAULT_LENGTH));
        *self.facts.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(facts);
        self.renders.clear();
    }

    pub fn facts(&self) -> Arc<pages::DaemonFacts> {
        self.facts.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn history(&self) -> Arc<web::history::History> {
        Arc::clone(&self.history)
    }

    pub fn groups(&self) -> Groups {
        self.groups.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// After a reload: the new engine and groups.
    pub fn replace(&self, engine: EngineHandle, groups: Groups) {
        *self.engine.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(engine);
        *self.groups.lock().unwrap_or_else(|p| p.into_inner()) = groups;
        self.renders.clear();
    }

    /// A page from the render cache, or rendered now (see [`render_cache`]).
    pub fn rendered<E>(&self, key: String, render: impl FnOnce() -> Result<String, E>) -> Result<axum::body::Bytes, E> {
        let generation = self.engine().board().generation();
        self.renders.get_or_render(key, generation, render)
    }

    /// A rendered text page as an answer.
    pub fn text_page(body: axum::body::Bytes) -> Response {
        ([(axum::http::header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
    }

    pub fn engine(&self) -> Arc<EngineHandle> {
        self.engine.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn group_members(&self, group: &str) -> Option<Vec<String>> {
        let groups = self.groups.lock().unwrap_or_else(|p| p.into_inner());
        groups.iter().find(|(g, _)| g.eq_ignore_ascii_case(group)).map(|(_, m)| m.clone())
    }
}

/// The product: the application's routes behind the lock-down, so that
/// `router(state).oneshot(request)` answers as a listener does for a request with that
/// request's [`lockdown::Transport`].
pub fn router(state: AppState) -> Router {
    let lockdown = Arc::clone(&state.lockdown);
    Router::new()
        .route("/_status", any(status))
        .route("/_summary", any(summary))
        .route("/_report", any(report_handler))
        .route("/_doaction", any(action::doaction))
        .route("/_reload", axum::routing::post(reload::reload))
        .route("/_run", axum::routing::post(run::run))
        .route("/_ping", any(|| async { "pong" }))
        .route("/_status2", any(pages::status2))
        .route("/_getid", any(pages::getid))
        .route("/_monit", any(pages::monit))
        .route("/_about", any(pages::about))
        .route("/_runtime", any(pages::runtime))
        .route("/_viewlog", any(pages::viewlog))
        .route("/favicon.ico", any(pages::favicon))
        .route("/metrics", axum::routing::get(metrics::metrics))
        .merge(api::routes())
        .merge(web::routes())
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(lockdown, lockdown::gate))
}

/// Who sent a request and from where, put into the request's extensions by the lock-down
/// (peer credentials on the unix socket, the authenticated user on TCP).
/// Handlers use it for the audit trail and to refuse actions to read-only callers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// `uid 1000` on the unix socket, the user name on TCP.
    pub who: String,
    /// `unix socket`, or the client's IP address.
    pub from: String,
    /// A read-only user or listener: status pages only.
    pub read_only: bool,
    /// Came through the TCP listener, where browsers are (CSRF rules apply).
    pub via_tcp: bool,
}

impl Caller {
    /// The caller of a request without a [`lockdown::Transport`] (tests calling the router).
    pub fn local() -> Caller {
        Caller { who: "local".to_owned(), from: "local".to_owned(), read_only: false, via_tcp: false }
    }

    /// The caller of a request, from its extensions.
    pub fn of(parts: &axum::http::request::Parts) -> Caller {
        parts.extensions.get::<Caller>().cloned().unwrap_or_else(Caller::local)
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Caller::of(parts))
    }
}

/// A 4xx or 5xx answer with a message in the body.
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, format!("{}\n", self.1)).into_response()
    }
}

type Params = Vec<(String, String)>;

/// Largest form body accepted (Monit: 256 bytes plus the service names).
const MAX_BODY: usize = 64 * 1024;

/// The parameters of a request: the query, then a form body (POST).
pub struct RequestParams(pub Params);

impl<S: Send + Sync> axum::extract::FromRequest<S> for RequestParams {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, _state: &S) -> Result<Self, ApiError> {
        let mut params: Params = request
            .uri()
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let body = axum::body::to_bytes(request.into_body(), MAX_BODY).await.map_err(|_| {
            ApiError(StatusCode::PAYLOAD_TOO_LARGE, format!("the request body is larger than {MAX_BODY} bytes"))
        })?;
        params.extend(form_urlencoded::parse(&body).into_owned());
        Ok(RequestParams(params))
    }
}

pub fn param<'a>(params: &'a Params, key: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

fn style(params: &Params) -> Style {
    match param(params, "batch") {
        Some(_) => Style::Batch,
        None => Style::Terminal,
    }
}

fn filter(state: &AppState, params: &Params) -> Result<Filter, ApiError> {
    let group_members = match param(params, "group") {
        Some(group) => Some(
            state
                .group_members(group)
                .ok_or_else(|| ApiError(StatusCode::BAD_REQUEST, format!("Service group '{group}' not found")))?,
        ),
        None => None,
    };
    Ok(Filter { names: param(params, "service").map(str::to_owned), group_members })
}

/// The snapshot and filter of a status view; a name that selects nothing is a 400.
fn view(state: &AppState, params: &Params) -> Result<(crate::state::Snapshot, Filter), ApiError> {
    let filter = filter(state, params)?;
    let snapshot = state.engine().board().snapshot();
    if let Some(name) = &filter.names
        && report::select(&snapshot, &filter).is_empty()
    {
        return Err(ApiError(StatusCode::BAD_REQUEST, format!("Service '{name}' not found")));
    }
    Ok((snapshot, filter))
}

/// `/_status`: text, or the XML document with `format=xml` (Monit ignores the filters then).
pub(crate) async fn status(
    State(state): State<AppState>,
    RequestParams(params): RequestParams,
) -> Result<Response, ApiError> {
    if param(&params, "format").is_some_and(|f| f.eq_ignore_ascii_case("xml")) {
        return Ok(pages::xml_response(&state, 1));
    }
    let body = state.rendered(render_cache::key("/_status", &params), || {
        let (snapshot, filter) = view(&state, &params)?;
        let mut text = report::status(&snapshot, &filter, style(&params));
        // The alert queue, once it has something to say (Monit's status has no such line).
        let alerts = state.engine().board().alerts();
        if alerts.worth_showing() {
            text.push_str(&format!("Alerts: {}\n", alerts.describe()));
        }
        Ok(text)
    })?;
    Ok(AppState::text_page(body))
}

async fn summary(State(state): State<AppState>, RequestParams(params): RequestParams) -> Result<Response, ApiError> {
    let body = state.rendered(render_cache::key("/_summary", &params), || {
        let (snapshot, filter) = view(&state, &params)?;
        Ok(report::summary(&snapshot, &filter, style(&params)))
    })?;
    Ok(AppState::text_page(body))
}

async fn report_handler(
    State(state): State<AppState>,
    RequestParams(params): RequestParams,
) -> Result<String, ApiError> {
    let filter = filter(&state, &params)?;
    let snapshot = state.engine().board().snapshot();
    report::report(&snapshot, &filter, param(&params, "type")).map_err(|e| ApiError(StatusCode::BAD_REQUEST, e))
}
