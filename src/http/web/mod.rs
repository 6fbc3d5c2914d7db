//! The dashboard: server-rendered pages (maud templates, no build step), part of the HTTP
//! interface and on the same router as Monit's endpoints, so the same listeners,
//! credentials and lock-down apply (see `control::tcp`). Its handlers read the shared
//! [`AppState`]; the rest of `http` uses its pieces (the CSRF token, the login form). One stylesheet and one small script, served from the binary; live status
//! through Server-Sent Events; history charts as inline SVG. Pages work without the
//! script (a refresh shows the news).

pub mod admin_pages;
pub mod charts;
pub mod history;
pub mod layout;
pub mod login;
pub mod overview;
pub mod service_page;
pub mod sse;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::Markup;

use crate::http::AppState;

/// The dashboard's routes (merged into `http::router`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(overview::page_handler))
        .route("/_assets/{file}", get(asset))
        .route("/_events/stream", get(sse::stream))
        .route("/_login", get(login::page_handler))
        .route("/{service}", get(service_page::page_handler).post(service_page::act))
}

/// The CSRF token a page's forms carry: the `securitytoken` cookie's value, put into the
/// request by the TCP listener (a fresh one when the browser had none yet). Empty on the
/// unix socket, where no form comes from a browser.
#[derive(Debug, Clone, Default)]
pub struct CsrfToken(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for CsrfToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<CsrfToken>().cloned().unwrap_or_default())
    }
}

/// Whether a request comes from a browser that wants a page (else plain text, as Monit's
/// CLI and scripts read it).
pub fn wants_html(headers: &axum::http::HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

/// An HTML page answer.
pub fn html_response(markup: Markup) -> Response {
    let mut response = markup.into_string().into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    response
}

/// `/_assets/app.css` and `/_assets/app.js`, from the binary; anything else is 404.
async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, kind) = match file.as_str() {
        "app.css" => (include_str!("assets/app.css"), "text/css; charset=utf-8"),
        "app.js" => (include_str!("assets/app.js"), "text/javascript; charset=utf-8"),
        _ => return (StatusCode::NOT_FOUND, "Not found\n").into_response(),
    };
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}
