//! Monit's other endpoints (reference §6.1): the XML status (`/_status?format=xml`,
//! `/_status2`), `/_getid`, `/_monit`, `/_about`, `/_runtime` (facts about the daemon;
//! `POST action=validate` runs a cycle now), `/_viewlog` (the last megabyte of the log
//! file), `/favicon.ico`. The facts they show come from the configuration and are
//! replaced on reload.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{ApiError, AppState, RequestParams, param};
use crate::config::model::{Config, LogConfig};
use crate::state::report::{Platform, XmlContext, XmlHttpd};

/// How much of the log `/_viewlog` shows (Monit: 1 MB).
const VIEWLOG_MAX: u64 = 1024 * 1024;

/// What the daemon knows about itself, for the XML status and `/_runtime`.
#[derive(Debug, Clone, Default)]
pub struct DaemonFacts {
    /// The running configuration (the dashboard shows rules, dependencies, actions).
    pub config: Arc<Config>,
    pub id: String,
    pub localhostname: String,
    pub controlfile: String,
    pub pidfile: String,
    pub statefile: String,
    /// The log file; `None` with syslog or stderr.
    pub logfile: Option<String>,
    pub log_description: String,
    pub start_delay_secs: u64,
    pub httpd_address: Option<(String, u16, bool)>,
    pub unixsocket: String,
    pub platform: Platform,
}

impl DaemonFacts {
    /// The facts of a configuration read from `controlfile`.
    pub fn new(config: &Config, controlfile: &str, pidfile: &str, statefile: &str, unixsocket: &str) -> DaemonFacts {
        let (logfile, log_description) = match &config.log {
            Some(LogConfig::File(path)) => (Some(path.clone()), path.clone()),
            Some(LogConfig::Syslog { .. }) => (None, "syslog".to_owned()),
            None => (None, "standard error".to_owned()),
        };
        let httpd_address = config.httpd.as_ref().and_then(|h| {
            h.port.map(|port| (h.address.clone().unwrap_or_else(|| "127.0.0.1".to_owned()), port, h.ssl.is_some()))
        });
        DaemonFacts {
            config: Arc::new(config.clone()),
            id: crate::config::paths::instance_id(config).unwrap_or_default(),
            localhostname: crate::config::parser::local_hostname(),
            controlfile: controlfile.to_owned(),
            pidfile: pidfile.to_owned(),
            statefile: statefile.to_owned(),
            logfile,
            log_description,
            start_delay_secs: config.daemon.as_ref().and_then(|d| d.start_delay).map_or(0, |d| d.millis / 1000),
            httpd_address,
            unixsocket: unixsocket.to_owned(),
            platform: platform(),
        }
    }
}

/// `uname`, CPUs, memory and swap, read once.
fn platform() -> Platform {
    let uname = rustix::system::uname();
    let text = |s: &std::ffi::CStr| s.to_string_lossy().into_owned();
    let memory = crate::procfs::system::memory().ok();
    Platform {
        name: text(uname.sysname()),
        release: text(uname.release()),
        version: text(uname.version()),
        machine: text(uname.machine()),
        cpu: crate::procfs::system::cpu_count(),
        memory_kb: memory.as_ref().map_or(0, |m| m.total / 1024),
        swap_kb: memory.as_ref().map_or(0, |m| m.swap_total / 1024),
    }
}

/// The XML document, version 1 (`/_status?format=xml`) or 2 (`/_status2`).
pub fn xml_response(state: &AppState, version: u8) -> Response {
    let rendered =
        state.rendered::<std::convert::Infallible>(format!("xml{version}"), || Ok(xml_document(state, version, None)));
    let body = match rendered {
        Ok(body) => body,
        Err(never) => match never {},
    };
    ([(header::CONTENT_TYPE, "text/xml; charset=ISO-8859-1")], body).into_response()
}

/// The XML status of `version` (1 or 2), with `credentials` in the server part for M/Monit.
pub fn xml_document(state: &AppState, version: u8, credentials: Option<(&str, &str)>) -> String {
    let facts = state.facts();
    let groups = state.groups();
    let snapshot = state.engine().board().snapshot();
    let httpd = match &facts.httpd_address {
        Some((address, port, ssl)) => XmlHttpd::Net { address, port: *port, ssl: *ssl },
        None => XmlHttpd::Unix { path: &facts.unixsocket },
    };
    let context = XmlContext {
        id: &facts.id,
        start_delay_secs: facts.start_delay_secs,
        localhostname: &facts.localhostname,
        controlfile: &facts.controlfile,
        httpd: Some(httpd),
        platform: facts.platform.clone(),
        groups: &groups,
        credentials,
    };
    crate::state::report::xml(&snapshot, &context, version)
}

/// `/_status2`: the XML of protocol version 2 with `format=xml`, else the text status,
/// as Monit answers it.
pub async fn status2(
    State(state): State<AppState>,
    RequestParams(params): RequestParams,
) -> Result<Response, ApiError> {
    if param(&params, "format").is_some_and(|f| f.eq_ignore_ascii_case("xml")) {
        return Ok(xml_response(&state, 2));
    }
    super::status(State(state), RequestParams(params)).await
}

/// `/_getid`: the instance id alone, 32 bytes without a line break, as Monit sends it.
pub async fn getid(State(state): State<AppState>) -> String {
    state.facts().id.clone()
}

pub async fn about() -> String {
    format!(
        "rmonit {}: a Monit-compatible host health monitor.\nLicensed under the MIT or Apache-2.0 license.\n",
        crate::VERSION
    )
}

/// `/_runtime`: the daemon's facts; `POST action=validate` runs a cycle of every service
/// now. Monit's `action=stop` (stop the web server) is refused: it would lock out every
/// browser until a reload.
pub async fn runtime(
    State(state): State<AppState>,
    method: axum::http::Method,
    headers: axum::http::HeaderMap,
    caller: super::Caller,
    token: crate::http::web::CsrfToken,
    RequestParams(params): RequestParams,
) -> Result<Response, ApiError> {
    if param(&params, "action").is_some() {
        super::action::require_post(&method, "/_runtime?action")?;
    }
    match param(&params, "action") {
        None => {}
        Some("validate") => {
            state.engine().check_all_now();
            if crate::http::web::wants_html(&headers) {
                return Ok(axum::response::Redirect::to("/_runtime").into_response());
            }
            return Ok("Validation of every service started\n".into_response());
        }
        Some("stop") => {
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                "rmonit does not stop its web server on request; use `rmonit quit` to stop the daemon".to_owned(),
            ));
        }
        Some(other) => return Err(ApiError(StatusCode::BAD_REQUEST, format!("Invalid action \"{other}\""))),
    }
    let facts = state.facts();
    let snapshot = state.engine().board().snapshot();
    let uptime = std::time::SystemTime::now().duration_since(snapshot.started).unwrap_or_default();
    let web = match &facts.httpd_address {
        Some((address, port, ssl)) => format!("{address}:{port}{}", if *ssl { " with TLS" } else { "" }),
        None => "off".to_owned(),
    };
    let alerts = state.engine().board().alerts();
    let rows = [
        ("Monit ID", facts.id.clone()),
        ("Host", facts.localhostname.clone()),
        ("Process id", std::process::id().to_string()),
        ("Effective user running rmonit", rustix::process::geteuid().as_raw().to_string()),
        ("Controlfile", facts.controlfile.clone()),
        ("Logfile", facts.log_description.clone()),
        ("Pidfile", facts.pidfile.clone()),
        ("State file", facts.statefile.clone()),
        ("Control socket", facts.unixsocket.clone()),
        ("Web interface", web),
        ("Poll time", format!("{} ms", snapshot.poll_interval_ms)),
        ("Start delay", format!("{} s", facts.start_delay_secs)),
        ("Services", snapshot.services.len().to_string()),
        (
            "Uptime",
            format!("{}d {}h {}m", uptime.as_secs() / 86400, uptime.as_secs() / 3600 % 24, uptime.as_secs() / 60 % 60),
        ),
        ("Version", crate::VERSION.to_owned()),
        ("Alert queue", alerts.directory.clone()),
        ("Alerts", alerts.describe()),
    ];
    if crate::http::web::wants_html(&headers) {
        return Ok(crate::http::web::admin_pages::runtime(&caller, &token.0, &facts.localhostname, &rows));
    }
    Ok(rows.iter().map(|(label, value)| format!("{label:<32} {value}\n")).collect::<String>().into_response())
}

/// `/_viewlog`: the end of the log file (up to 1 MB), as text.
pub async fn viewlog(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    caller: super::Caller,
    token: crate::http::web::CsrfToken,
) -> Result<Response, ApiError> {
    let facts = state.facts();
    let Some(path) = facts.logfile.clone() else {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("No log file to show: rmonit logs to {}", facts.log_description),
        ));
    };
    let read = tokio::task::spawn_blocking(move || tail(&path, VIEWLOG_MAX)).await;
    match read {
        Ok(Ok(text)) if crate::http::web::wants_html(&headers) => {
            Ok(crate::http::web::admin_pages::log(&caller, &token.0, &facts.localhostname, &text))
        }
        Ok(Ok(text)) => Ok(text.into_response()),
        Ok(Err(e)) => Err(ApiError(StatusCode::INTERNAL_SERVER_ERROR, e)),
        Err(e) => Err(ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    }
}

fn tail(path: &str, max: u64) -> Result<String, String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).map_err(|e| format!("cannot open the log file {path}: {e}"))?;
    let length = file.metadata().map_err(|e| e.to_string())?.len();
    file.seek(SeekFrom::Start(length.saturating_sub(max))).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(max).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&bytes);
    // Start at a whole line when the file was cut.
    let text = if length > max { text.split_once('\n').map_or(&*text, |(_, rest)| rest) } else { &text };
    Ok(text.to_owned())
}

/// `/_monit`: 200 while the daemon runs.
pub async fn monit() -> StatusCode {
    StatusCode::OK
}

/// Browsers ask for it; there is none.
pub async fn favicon() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// Shared facts, replaced on reload.
pub type SharedFacts = Arc<std::sync::Mutex<Arc<DaemonFacts>>>;
