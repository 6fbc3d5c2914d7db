//! The page shell every dashboard page shares: head (one stylesheet, one deferred script,
//! nothing inline, so the CSP can forbid inline scripts), the top bar with navigation and
//! the signed-in user, and the status colour of a service.

use maud::{DOCTYPE, Markup, html};

use crate::http::Caller;
use crate::state::status::{Monitoring, ServiceStatus};

/// What the shell needs to know about the request.
pub struct PageContext<'a> {
    pub caller: &'a Caller,
    /// The CSRF token forms must carry (the value of the `securitytoken` cookie).
    pub token: &'a str,
    pub host: &'a str,
}

/// A whole page.
pub fn page(context: &PageContext, title: &str, live: bool, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(&format!("{title} · rmonit · {}", context.host), true))
            body data-live[live] {
                header.top {
                    a.brand href="/" { "rmonit" }
                    span.muted { (context.host) }
                    nav {
                        a href="/" { "Services" }
                        a href="/_runtime" { "Runtime" }
                        @if !context.caller.read_only { a href="/_viewlog" { "Log" } }
                    }
                    div.who {
                        span { (context.caller.who) @if context.caller.read_only { " (read-only)" } }
                        form method="post" action="/_logout" {
                            input type="hidden" name="securitytoken" value=(context.token);
                            button type="submit" { "Log out" }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// The `<head>`: one stylesheet and, for pages that use it, one deferred script.
pub fn head(title: &str, script: bool) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="color-scheme" content="light dark";
            title { (title) }
            link rel="stylesheet" href="/_assets/app.css";
            @if script { script src="/_assets/app.js" defer {} }
        }
    }
}

/// The CSS class of a service's status: `ok`, `fail`, `off` (not monitored) or `init`.
pub fn status_class(service: &ServiceStatus) -> &'static str {
    match service.monitoring {
        Monitoring::NotMonitored => "off",
        Monitoring::Initializing => "init",
        _ if !service.failed.is_empty() => "fail",
        _ => "ok",
    }
}
