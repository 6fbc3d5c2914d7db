//! Monit's CSRF protection (reference §6.2): every response to a client without one sets a
//! random `securitytoken` cookie (SameSite=strict, HttpOnly); every form POST must carry the
//! same value in its `securitytoken` field (double submit), else 403 `Invalid CSRF Token`.
//! Monit's CLI sends both, so it works against rmonit unchanged. The JSON API needs no
//! token: it only accepts `Content-Type: application/json`, which a cross-site form cannot
//! send.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use tracing::warn;

use super::password::constant_time_eq;

/// The cookie and form field name, as Monit's.
pub const TOKEN: &str = "securitytoken";
/// Largest form body read for the check.
const MAX_FORM: usize = 64 * 1024;

/// The value of the cookie `name` in a request (empty values count as absent).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The `securitytoken` cookie of a request.
pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, TOKEN)
}

/// A fresh random token.
pub fn new_token() -> Option<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The `Set-Cookie` value that hands `token` to the browser.
pub fn cookie_header(token: &str, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{TOKEN}={token}; Path=/; Max-Age=600; HttpOnly; SameSite=strict{secure}")).ok()
}

/// Checks the double submit of a form POST; gives the request back with its body intact.
pub async fn check(request: Request<Body>, timeout: Duration) -> Result<Request<Body>, (StatusCode, String)> {
    let (parts, body) = request.into_parts();
    let bytes = match tokio::time::timeout(timeout, axum::body::to_bytes(body, MAX_FORM)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => {
            return Err((StatusCode::PAYLOAD_TOO_LARGE, format!("the request body is larger than {MAX_FORM} bytes")));
        }
        Err(_) => {
            let message = format!("the request body did not arrive within {} s", timeout.as_secs());
            return Err((StatusCode::REQUEST_TIMEOUT, message));
        }
    };
    let field = form_urlencoded::parse(&bytes).find(|(k, _)| k == TOKEN).map(|(_, v)| v.into_owned());
    let cookie = cookie_token(&parts.headers);
    match (field, cookie) {
        (Some(field), Some(cookie)) if constant_time_eq(field.as_bytes(), cookie.as_bytes()) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        (None, _) | (_, None) => {
            warn!("missing CSRF token in HTTP parameter");
            Err((StatusCode::FORBIDDEN, "Invalid CSRF Token".to_owned()))
        }
        _ => {
            warn!("CSRF token mismatch");
            Err((StatusCode::FORBIDDEN, "Invalid CSRF Token".to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(cookie: Option<&str>, body: &str) -> Request<Body> {
        let mut builder = Request::post("/_doaction");
        if let Some(c) = cookie {
            builder = builder.header(header::COOKIE, c);
        }
        builder.body(Body::from(body.to_owned())).unwrap()
    }

    #[tokio::test]
    async fn double_submit() {
        let ok = check(post(Some("a=b; securitytoken=abc"), "action=start&securitytoken=abc"), Duration::from_secs(1))
            .await
            .unwrap();
        let body = axum::body::to_bytes(ok.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], b"action=start&securitytoken=abc", "the body is handed on");
        for (cookie, body) in [
            (None, "securitytoken=abc"),
            (Some("securitytoken=abc"), "action=start"),
            (Some("securitytoken=abc"), "securitytoken=abd"),
        ] {
            let refusal = check(post(cookie, body), Duration::from_secs(1)).await.unwrap_err();
            assert_eq!(refusal, (StatusCode::FORBIDDEN, "Invalid CSRF Token".to_owned()));
        }
    }

    #[test]
    fn cookies() {
        let value = cookie_header(&new_token().unwrap(), true).unwrap();
        let text = value.to_str().unwrap();
        assert!(text.starts_with("securitytoken=") && text.contains("SameSite=strict") && text.ends_with("; Secure"));
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("x=1; securitytoken=f00"));
        assert_eq!(cookie_token(&headers).as_deref(), Some("f00"));
    }
}
