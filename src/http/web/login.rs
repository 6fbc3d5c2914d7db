//! The login form (`GET /_login`). The form posts to `/_login`, which the TCP listener
//! answers itself (it holds the credentials): a session cookie (HttpOnly, SameSite=Strict,
//! Secure on TLS) and back to the page asked for. Basic authentication keeps working for
//! scripts and Monit's CLI.

use std::collections::HashMap;

use axum::extract::Query;
use axum::response::Response;
use maud::{DOCTYPE, Markup, html};

use super::{CsrfToken, html_response};

pub async fn page_handler(CsrfToken(token): CsrfToken, Query(query): Query<HashMap<String, String>>) -> Response {
    let next = query.get("next").map(String::as_str).unwrap_or("/");
    html_response(form(&token, next, None))
}

/// The form, with an error line after a refused attempt.
pub fn form(token: &str, next: &str, error: Option<&str>) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (super::layout::head("Log in · rmonit", false))
            body {
                main.login {
                    section.card {
                        h1 { "rmonit" }
                        @if let Some(error) = error { p.notice.error role="alert" { (error) } }
                        form method="post" action="/_login" {
                            input type="hidden" name="securitytoken" value=(token);
                            input type="hidden" name="next" value=(next);
                            label { "User" input type="text" name="user" autocomplete="username" required autofocus; }
                            label { "Password" input type="password" name="password" autocomplete="current-password" required; }
                            button type="submit" { "Log in" }
                        }
                    }
                }
            }
        }
    }
}

/// Where to go after logging in: a local path only (no `//host`, no scheme).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_owned(),
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(super::safe_next(Some("/web")), "/web");
        assert_eq!(super::safe_next(Some("//evil.example/")), "/");
        assert_eq!(super::safe_next(Some("https://evil.example/")), "/");
        assert_eq!(super::safe_next(None), "/");
    }
}
