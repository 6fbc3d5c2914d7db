//! Dashboard sessions: after a login through the form, a random token in an HttpOnly,
//! SameSite=Strict cookie (Secure on TLS) stands for the user for eight hours, or until
//! logout. Kept in memory: a daemon restart logs everyone out.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::auth::Login;

/// The cookie's name.
pub const COOKIE: &str = "rmonit_session";
/// How long a session lasts.
pub const LIFETIME: Duration = Duration::from_secs(8 * 3600);
/// The most sessions kept (the oldest go first).
const MAX_SESSIONS: usize = 10_000;

#[derive(Debug, Default)]
pub struct Sessions {
    open: Mutex<HashMap<String, (Login, Instant)>>,
}

impl Sessions {
    /// Opens a session; returns its token.
    pub fn open(&self, login: Login) -> Option<String> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).ok()?;
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.retain(|_, (_, at)| at.elapsed() < LIFETIME);
        if open.len() >= MAX_SESSIONS
            && let Some(oldest) = open.iter().min_by_key(|(_, (_, at))| *at).map(|(k, _)| k.clone())
        {
            open.remove(&oldest);
        }
        open.insert(token.clone(), (login, Instant::now()));
        Some(token)
    }

    /// The user of a live session.
    pub fn get(&self, token: &str) -> Option<Login> {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.get(token).filter(|(_, at)| at.elapsed() < LIFETIME).map(|(login, _)| login.clone())
    }

    pub fn close(&self, token: &str) {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).remove(token);
    }
}

/// The session token of a request's cookies.
pub fn cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    super::csrf::cookie(headers, COOKIE)
}

/// The cookie a browser keeps once it logged in through the form: no secret, only the
/// choice of the form over the browser's own password prompt on the next visits.
pub const FORM_USER_COOKIE: &str = "rmonit_form";
/// How long a browser keeps that choice.
pub const FORM_USER_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);

/// Whether the browser logged in through the form before.
pub fn used_the_form(headers: &axum::http::HeaderMap) -> bool {
    super::csrf::cookie(headers, FORM_USER_COOKIE).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_get_close() {
        let sessions = Sessions::default();
        let token = sessions.open(Login { user: "admin".into(), read_only: false }).unwrap();
        assert_eq!(token.len(), 64);
        assert_eq!(sessions.get(&token).unwrap().user, "admin");
        assert!(sessions.get("forged").is_none());
        sessions.close(&token);
        assert!(sessions.get(&token).is_none());
    }
}
