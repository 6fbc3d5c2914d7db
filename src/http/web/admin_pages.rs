//! The runtime page (`/_runtime`) and the log view (`/_viewlog`) for browsers; scripts and
//! Monit's CLI get the same facts as plain text from the same endpoints.

use axum::response::Response;
use maud::html;

use super::html_response;
use super::layout::{PageContext, page};
use crate::http::Caller;

/// The daemon's facts, with a button that runs a check of every service now.
pub fn runtime(caller: &Caller, token: &str, host: &str, rows: &[(&str, String)]) -> Response {
    let body = html! {
        h1 { "Runtime" }
        section.card {
            table { tbody { @for (label, value) in rows { tr { th { (label) } td { (value) } } } } }
        }
        @if !caller.read_only {
            form method="post" action="/_runtime" {
                input type="hidden" name="securitytoken" value=(token);
                input type="hidden" name="action" value="validate";
                button type="submit" { "Check every service now" }
            }
        }
    };
    html_response(page(&PageContext { caller, token, host }, "Runtime", false, body))
}

/// The end of the log file.
pub fn log(caller: &Caller, token: &str, host: &str, text: &str) -> Response {
    let body = html! {
        h1 { "Log" }
        section.card { pre.log { (text) } }
    };
    html_response(page(&PageContext { caller, token, host }, "Log", false, body))
}
