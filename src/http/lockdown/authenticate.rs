//! Who is asking, for a request over TCP: the innermost layer of the lock-down. The login
//! form and the assets it needs are public; `POST /_login` and `POST /_logout` are answered
//! here (this layer holds the credentials and sessions); everything else needs a session
//! cookie or Basic credentials (see [`super::super::auth`]). A browser asking for a page
//! without either gets Monit's 401 challenge, so that the credentials of a bookmark
//! (`http://admin:secret@host:2812/`) or of its password store are sent, as with Monit;
//! the challenge's page leads to the form. A browser that logged in through the form
//! before is sent straight to the form, without the prompt. Read-only callers (users, or
//! a read-only listener) get 403 on the paths that act; form POSTs need the CSRF double
//! submit. The request then reaches the application with its [`Caller`].

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, Response, StatusCode, header};
use axum::middleware::Next;

use super::{Authenticated, BODY_TIMEOUT, Lockdown, tcp_facts, text};
use crate::http::auth::Denied;
use crate::http::{Caller, csrf, session};

/// What the login form needs, served without credentials.
const PUBLIC_ASSETS: &[&str] = &["/_assets/app.css", "/_assets/app.js"];

/// Paths that act: read-only callers get 403 on them, whatever the method.
const ACTING_PATHS: &[&str] = &["/_doaction", "/_run", "/_reload", "/_viewlog", "/api/v1/actions"];

/// Public paths (the login form and the assets it needs), the login and logout posts, and
/// everything else after authentication.
pub(super) async fn authenticate(
    State(lockdown): State<Arc<Lockdown>>,
    request: Request,
    next: Next,
) -> Response<Body> {
    let (ip, tls) = tcp_facts(&request);
    let path = request.uri().path().to_owned();
    let post = request.method() == Method::POST;
    if path == "/_login" && post {
        return login(request, ip, tls, &lockdown).await;
    }
    if (path == "/_login" && request.method() == Method::GET) || PUBLIC_ASSETS.contains(&path.as_str()) {
        let anonymous = Caller { who: "anonymous".to_owned(), from: ip.to_string(), read_only: true, via_tcp: true };
        return dispatch(request, anonymous, next).await;
    }
    let session = session::cookie(request.headers()).and_then(|t| lockdown.sessions.get(&t).map(|l| (t, l)));
    let login = match session {
        Some((token, login)) => {
            if path == "/_logout" && post {
                return logout(request, &token, &lockdown).await;
            }
            Ok(login)
        }
        None => {
            let authorization =
                request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
            if authorization.is_none() && wants_page(&request) {
                let next = request.uri().path_and_query().map_or("/", |p| p.as_str());
                let location = format!("/_login?next={}", crate::http::web::overview::urlencode(next));
                if session::used_the_form(request.headers()) {
                    return redirect(&location);
                }
                return challenge(&location);
            }
            lockdown.auth.authenticate(authorization.as_deref(), ip).await
        }
    };
    match login {
        Err(Denied::Unauthorized { delay }) => {
            tokio::time::sleep(delay).await;
            unauthorized()
        }
        Ok(login) => {
            if path == "/_logout" && post {
                // Basic authentication has nothing to close; back to the form.
                return redirect("/_login");
            }
            let caller = Caller {
                who: login.user,
                from: ip.to_string(),
                read_only: login.read_only || lockdown.read_only,
                via_tcp: true,
            };
            let mut response = authorized(request, caller, next).await;
            response.extensions_mut().insert(Authenticated);
            response
        }
    }
}

/// A browser asking for a page (not a script or Monit's CLI).
fn wants_page(request: &Request) -> bool {
    request.method() == Method::GET && crate::http::web::wants_html(request.headers())
}

/// `POST /_login`: CSRF, then the credentials; a session cookie and back to `next`, or the
/// form again with an error after the throttling delay.
async fn login(request: Request, ip: IpAddr, tls: bool, lockdown: &Lockdown) -> Response<Body> {
    let request = match csrf::check(request, BODY_TIMEOUT).await {
        Ok(request) => request,
        Err((status, refusal)) => return text(status, &refusal),
    };
    let token = request.extensions().get::<crate::http::web::CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
    let body = axum::body::to_bytes(request.into_body(), 64 * 1024).await.unwrap_or_default();
    let form: std::collections::HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let user = form.get("user").map(String::as_str).unwrap_or("");
    let password = form.get("password").map(String::as_str).unwrap_or("");
    let next = crate::http::web::login::safe_next(form.get("next").map(String::as_str));
    match lockdown.auth.login(user, password, ip).await {
        Ok(login) => {
            tracing::info!("'{}' logged in from {ip}", login.user);
            let Some(session) = lockdown.sessions.open(login) else {
                return text(StatusCode::INTERNAL_SERVER_ERROR, "cannot make a session token");
            };
            let mut response = redirect(&next);
            let secure = if tls { "; Secure" } else { "" };
            let cookie = format!(
                "{}={session}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{secure}",
                session::COOKIE,
                session::LIFETIME.as_secs()
            );
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            let form_user = format!(
                "{}=1; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{secure}",
                session::FORM_USER_COOKIE,
                session::FORM_USER_LIFETIME.as_secs()
            );
            if let Ok(value) = HeaderValue::from_str(&form_user) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response.extensions_mut().insert(Authenticated);
            response
        }
        Err(Denied::Unauthorized { delay }) => {
            tokio::time::sleep(delay).await;
            let page = crate::http::web::login::form(&token, &next, Some("Wrong user or password."));
            let mut response = crate::http::web::html_response(page);
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            response
        }
    }
}

/// `POST /_logout` with a session: CSRF, then the session closed and its cookie cleared.
async fn logout(request: Request, token: &str, lockdown: &Lockdown) -> Response<Body> {
    if let Err((status, refusal)) = csrf::check(request, BODY_TIMEOUT).await {
        return text(status, &refusal);
    }
    lockdown.sessions.close(token);
    let mut response = redirect("/_login");
    let cookie = format!("{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict", session::COOKIE);
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn redirect(location: &str) -> Response<Body> {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// An authenticated caller: refused on the acting paths when read-only; a form POST
/// needs the CSRF double submit (the JSON API needs none, see [`csrf`]).
async fn authorized(request: Request, caller: Caller, next: Next) -> Response<Body> {
    let path = request.uri().path().to_ascii_lowercase();
    if caller.read_only
        && (ACTING_PATHS.contains(&path.as_str()) || request.method() == Method::POST && is_action_post(&path))
    {
        return text(StatusCode::FORBIDDEN, "You do not have sufficient privileges to access this page");
    }
    let request = if request.method() == Method::POST && !path.starts_with("/api/") {
        match csrf::check(request, BODY_TIMEOUT).await {
            Ok(request) => request,
            Err((status, refusal)) => return text(status, &refusal),
        }
    } else {
        request
    };
    dispatch(request, caller, next).await
}

async fn dispatch(mut request: Request, caller: Caller, next: Next) -> Response<Body> {
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// POSTs that act besides [`ACTING_PATHS`]: a service page's buttons (`POST /<service>`)
/// and `/_runtime` actions.
fn is_action_post(path: &str) -> bool {
    !matches!(path, "/_status" | "/_status2" | "/_summary" | "/_report" | "/_ping" | "/_getid")
}

/// A browser's first visit without credentials: Monit's challenge, which makes a browser
/// send the credentials it has (from the URL, from its password store) or ask for them. A
/// page behind it, shown when the prompt is cancelled, leads to the login form at
/// `location`.
fn challenge(location: &str) -> Response<Body> {
    let page = maud::html! {
        (maud::DOCTYPE)
        html {
            head {
                meta charset="utf-8";
                meta http-equiv="refresh" content=(format!("0; url={location}"));
                title { "rmonit: log in" }
            }
            body { p { a href=(location) { "Log in" } } }
        }
    };
    let mut response = crate::http::web::html_response(page);
    *response.status_mut() = StatusCode::UNAUTHORIZED;
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"monit\""));
    response
}

fn unauthorized() -> Response<Body> {
    let mut response = text(
        StatusCode::UNAUTHORIZED,
        "You are not authorized to access rmonit. Either you supplied the wrong credentials (e.g. bad password), or your browser doesn't understand how to supply the credentials required",
    );
    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"monit\""));
    response
}
