//! The lock-down, request by request, with `oneshot` on a router as a listener serves it: a
//! small application behind the lock-down shows what reaches it (and as whom), and the
//! product router (`http::router`) shows the answers a browser or Monit's CLI gets.

use std::net::IpAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode, header};
use tower::ServiceExt;

use super::{Authenticated, Lockdown, Transport};
use crate::config::model::{Allow, HttpdConfig};
use crate::http::Caller;
use crate::http::auth::Authenticator;

const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

fn httpd(read_only_listener: bool) -> HttpdConfig {
    HttpdConfig {
        port: Some(0),
        port_read_only: read_only_listener,
        allow: vec![
            Allow::User { user: "admin".into(), password: "monit".into(), read_only: false },
            Allow::User { user: "guest".into(), password: "guest".into(), read_only: true },
        ],
        ..HttpdConfig::default()
    }
}

fn lockdown(read_only_listener: bool) -> Lockdown {
    let httpd = httpd(read_only_listener);
    let (auth, _) = Authenticator::new(&httpd);
    Lockdown::new(&httpd, Arc::new(auth))
}

/// A small application behind the lock-down: `/_status`, and `/_doaction` saying who asked.
fn app(read_only_listener: bool) -> Router {
    Router::new()
        .route("/_status", axum::routing::any(|| async { "status" }))
        .route("/_doaction", axum::routing::post(|caller: Caller| async move { format!("done by {}", caller.who) }))
        .layer(axum::middleware::from_fn_with_state(Arc::new(lockdown(read_only_listener)), super::gate))
}

/// The product router of a daemon with one service, with the lock-down of [`httpd`].
fn product() -> (Router, tokio_util::sync::CancellationToken, tokio::task::JoinSet<()>) {
    let text = "check system h\n";
    let options = crate::config::LoadOptions::default();
    let config = Arc::new(crate::config::load_str("/x/monitrc", text, options).unwrap().config);
    let cancel = tokio_util::sync::CancellationToken::new();
    let mut tasks = tokio::task::JoinSet::new();
    let engine = crate::engine::spawn(config, Default::default(), cancel.clone(), &mut tasks);
    let state = crate::http::AppState::new(engine, Vec::new()).with_lockdown(lockdown(false));
    (crate::http::router(state), cancel, tasks)
}

/// What a listener does for a request over TCP from [`IP`].
async fn handle(router: &Router, mut request: Request<Body>) -> Response<Body> {
    request.extensions_mut().insert(Transport::Tcp { peer: IP, tls: false });
    router.clone().oneshot(request).await.unwrap()
}

fn basic(user: &str, password: &str) -> String {
    use base64ct::{Base64, Encoding};
    format!("Basic {}", Base64::encode_string(format!("{user}:{password}").as_bytes()))
}

fn post(auth: &str, cookie: Option<&str>, body: &str) -> Request<Body> {
    let mut builder = Request::post("/_doaction")
        .header(header::HOST, "127.0.0.1:2812")
        .header(header::AUTHORIZATION, auth)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        builder = builder.header(header::COOKIE, format!("securitytoken={c}"));
    }
    builder.body(Body::from(body.to_owned())).unwrap()
}

async fn body(response: Response<Body>) -> String {
    String::from_utf8_lossy(&axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap()).into_owned()
}

fn get(path: &str, auth: Option<&str>) -> Request<Body> {
    let mut builder = Request::get(path);
    if let Some(a) = auth {
        builder = builder.header(header::AUTHORIZATION, a);
    }
    builder.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn credentials() {
    let l = app(false);
    let none = handle(&l, get("/_status", None)).await;
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(none.headers()[header::WWW_AUTHENTICATE], "Basic realm=\"monit\"");
    assert!(none.extensions().get::<Authenticated>().is_none());
    let wrong = handle(&l, get("/_status", Some(&basic("admin", "nope")))).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let ok = handle(&l, get("/_status", Some(&basic("admin", "monit")))).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(ok.extensions().get::<Authenticated>().is_some(), "the listener learns who authenticated");
    for name in [header::CONTENT_SECURITY_POLICY, header::X_FRAME_OPTIONS, header::CACHE_CONTROL] {
        assert!(ok.headers().contains_key(&name), "{name}");
    }
    assert!(ok.headers()[header::SET_COOKIE].to_str().unwrap().starts_with("securitytoken="));
    assert_eq!(body(ok).await, "status");
}

#[tokio::test(start_paused = true)]
async fn wrong_passwords_are_throttled() {
    let l = app(false);
    let mut waits = Vec::new();
    for _ in 0..5 {
        let start = tokio::time::Instant::now();
        let answer = handle(&l, get("/_status", Some(&basic("admin", "guess")))).await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
        waits.push(start.elapsed().as_millis());
    }
    assert_eq!(waits, [0, 0, 0, 100, 200]);
}

#[tokio::test]
async fn csrf_origin_and_read_only() {
    let l = app(false);
    let admin = basic("admin", "monit");
    let missing = handle(&l, post(&admin, None, "action=start")).await;
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    assert!(body(missing).await.contains("Invalid CSRF Token"));
    let mismatched = handle(&l, post(&admin, Some("a"), "action=start&securitytoken=b")).await;
    assert_eq!(mismatched.status(), StatusCode::FORBIDDEN);
    let ok = handle(&l, post(&admin, Some("a"), "action=start&securitytoken=a")).await;
    assert_eq!(body(ok).await, "done by admin");

    let mut foreign = post(&admin, Some("a"), "action=start&securitytoken=a");
    foreign.headers_mut().insert(header::ORIGIN, HeaderValue::from_static("http://evil.example"));
    assert_eq!(handle(&l, foreign).await.status(), StatusCode::FORBIDDEN);
    let mut own = post(&admin, Some("a"), "action=start&securitytoken=a");
    own.headers_mut().insert(header::ORIGIN, HeaderValue::from_static("http://127.0.0.1:2812"));
    assert_eq!(handle(&l, own).await.status(), StatusCode::OK);

    let guest = handle(&l, post(&basic("guest", "guest"), Some("a"), "action=start&securitytoken=a")).await;
    assert_eq!(guest.status(), StatusCode::FORBIDDEN);
    let read_only_listener = app(true);
    let refused = handle(&read_only_listener, post(&admin, Some("a"), "action=start&securitytoken=a")).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let big = format!("securitytoken=a&x={}", "y".repeat(100 * 1024));
    assert_eq!(handle(&l, post(&admin, Some("a"), &big)).await.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_login_form_opens_a_session_and_logout_closes_it() {
    let l = app(false);
    // A browser's first visit: Monit's challenge (a bookmark's credentials answer it), and
    // a page that leads to the form when the prompt is cancelled.
    let page = Request::get("/_status").header(header::ACCEPT, "text/html").body(Body::empty()).unwrap();
    let challenged = handle(&l, page).await;
    assert_eq!(challenged.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(challenged.headers()[header::WWW_AUTHENTICATE], "Basic realm=\"monit\"");
    assert!(body(challenged).await.contains("url=/_login?next=%2F_status"));
    // Once the form was used, the browser goes to the form at once.
    let page = Request::get("/_status")
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, "rmonit_form=1")
        .body(Body::empty())
        .unwrap();
    let redirected = handle(&l, page).await;
    assert_eq!(redirected.status(), StatusCode::SEE_OTHER);
    assert_eq!(redirected.headers()[header::LOCATION], "/_login?next=%2F_status");
    // Basic credentials get in whatever the request accepts, as with Monit.
    let mut page = Request::get("/_status").header(header::ACCEPT, "text/html").body(Body::empty()).unwrap();
    page.headers_mut().insert(header::AUTHORIZATION, HeaderValue::from_static("Basic YWRtaW46bW9uaXQ="));
    assert_eq!(handle(&l, page).await.status(), StatusCode::OK);

    let form = |body: &str| {
        Request::post("/_login")
            .header(header::COOKIE, "securitytoken=t")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let wrong = handle(&l, form("securitytoken=t&user=admin&password=x&next=/_status")).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(body(wrong).await.contains("Wrong user or password."));
    let right = handle(&l, form("securitytoken=t&user=admin&password=monit&next=//evil.example")).await;
    assert_eq!(right.status(), StatusCode::SEE_OTHER);
    assert_eq!(right.headers()[header::LOCATION], "/", "only local paths are followed");
    let cookie = right.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let cookies: Vec<&str> =
        right.headers().get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).collect();
    assert!(cookies.iter().any(|c| c.starts_with("rmonit_form=1;")), "the form's user is remembered: {cookies:?}");
    let session = cookie.split(';').next().unwrap().to_owned();

    let with_session = |path: &str| {
        Request::get(path).header(header::COOKIE, format!("{session}; securitytoken=t")).body(Body::empty()).unwrap()
    };
    assert_eq!(handle(&l, with_session("/_status")).await.status(), StatusCode::OK);
    let logout = Request::post("/_logout")
        .header(header::COOKIE, format!("{session}; securitytoken=t"))
        .body(Body::from("securitytoken=t"))
        .unwrap();
    assert_eq!(handle(&l, logout).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(handle(&l, with_session("/_status")).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_product_router_is_locked_down_over_tcp() {
    let (router, cancel, _tasks) = product();
    let admin = basic("admin", "monit");

    // No credentials: Monit's 401 for scripts and Monit's CLI, the login form for browsers.
    let none = handle(&router, get("/_status", None)).await;
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(none.headers()[header::WWW_AUTHENTICATE], "Basic realm=\"monit\"");
    assert!(body(none).await.contains("<h2>Unauthorized</h2>You are not authorized to access rmonit."));
    let page = Request::get("/").header(header::ACCEPT, "text/html").body(Body::empty()).unwrap();
    let challenged = handle(&router, page).await;
    assert_eq!(challenged.status(), StatusCode::UNAUTHORIZED);
    assert!(body(challenged).await.contains("url=/_login?next=%2F"));

    // A page, with the lock-down headers.
    let mut page = get("/", Some(&admin));
    page.headers_mut().insert(header::ACCEPT, HeaderValue::from_static("text/html"));
    let page = handle(&router, page).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    let headers = page.headers();
    assert_eq!(headers[header::CONTENT_SECURITY_POLICY], super::CSP);
    assert_eq!(headers[header::X_FRAME_OPTIONS], "SAMEORIGIN");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::REFERRER_POLICY], "same-origin");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(headers[header::SERVER], format!("rmonit {}", crate::VERSION));
    assert!(!headers.contains_key(header::STRICT_TRANSPORT_SECURITY), "HSTS over TLS only");
    assert!(headers[header::SET_COOKIE].to_str().unwrap().starts_with("securitytoken="));

    // Over TLS: HSTS, and the CSRF cookie is Secure.
    let mut over_tls = get("/_ping", Some(&admin));
    over_tls.extensions_mut().insert(Transport::Tcp { peer: IP, tls: true });
    let over_tls = router.clone().oneshot(over_tls).await.unwrap();
    assert_eq!(over_tls.headers()[header::STRICT_TRANSPORT_SECURITY], super::HSTS);
    assert!(over_tls.headers()[header::SET_COOKIE].to_str().unwrap().ends_with("; Secure"));

    // A POST from another origin, one without the CSRF token, one from a read-only user.
    let mut foreign = post(&admin, Some("a"), "action=start&service=h&securitytoken=a");
    foreign.headers_mut().insert(header::ORIGIN, HeaderValue::from_static("http://evil.example"));
    let foreign = handle(&router, foreign).await;
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    assert!(body(foreign).await.contains("<h2>Forbidden</h2>Cross-origin request refused<p>"));
    let no_token = handle(&router, post(&admin, None, "action=start&service=h")).await;
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    assert!(body(no_token).await.contains("<h2>Forbidden</h2>Invalid CSRF Token<p>"));
    let guest =
        handle(&router, post(&basic("guest", "guest"), Some("a"), "action=start&service=h&securitytoken=a")).await;
    assert_eq!(guest.status(), StatusCode::FORBIDDEN);
    assert!(body(guest).await.contains("You do not have sufficient privileges"));

    // Past the lock-down, the application's errors get Monit's one-line page.
    let bogus = handle(&router, post(&admin, Some("a"), "action=bogus&service=h&securitytoken=a")).await;
    assert_eq!(bogus.status(), StatusCode::BAD_REQUEST);
    assert!(body(bogus).await.starts_with("<html><head><title>400 Bad Request</title></head>"));

    // The JSON API's errors are left as they are.
    let api = handle(&router, get("/api/v1/nosuch", Some(&admin))).await;
    assert!(api.status().is_client_error());
    assert!(!body(api).await.contains("<html>"));
    cancel.cancel();
}

#[tokio::test]
async fn the_unix_socket_and_direct_calls_pass_to_the_application() {
    let (router, cancel, _tasks) = product();
    let mut from_socket = get("/_status", None);
    from_socket.extensions_mut().insert(Transport::Unix { uid: 0, read_only: false });
    let answer = router.clone().oneshot(from_socket).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(!answer.headers().contains_key(header::CONTENT_SECURITY_POLICY), "no browser there");
    assert!(body(answer).await.contains("System 'h'"));

    // The socket's caller: a read-only socket cannot act, and its errors stay plain text.
    let mut read_only = Request::post("/_doaction").body(Body::from("action=start&service=h")).unwrap();
    read_only.extensions_mut().insert(Transport::Unix { uid: 1000, read_only: true });
    let refused = router.clone().oneshot(read_only).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(!body(refused).await.contains("<html>"));

    let direct = router.clone().oneshot(get("/_ping", None)).await.unwrap();
    assert_eq!(body(direct).await, "pong");
    cancel.cancel();
}

#[tokio::test]
async fn a_closed_lockdown_lets_no_tcp_request_in() {
    let l = Router::new()
        .route("/_status", axum::routing::any(|| async { "status" }))
        .layer(axum::middleware::from_fn_with_state(Arc::new(Lockdown::closed()), super::gate));
    let answer = handle(&l, get("/_status", Some(&basic("admin", "monit")))).await;
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_huge_head_is_refused_first() {
    let l = app(false);
    let mut request = get("/_status", Some(&basic("admin", "monit")));
    request.headers_mut().insert("x-big", HeaderValue::from_str(&"a".repeat(super::MAX_HEADERS)).unwrap());
    let answer = handle(&l, request).await;
    assert_eq!(answer.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert!(!answer.headers().contains_key(header::CONTENT_SECURITY_POLICY));
}
