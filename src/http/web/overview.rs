//! `/`: every service grouped by type as Monit's page groups them (system, processes,
//! programs, filesystems, files, fifos, directories, hosts, networks), with status colours,
//! the key figures of each type, the uptime share of the last 24 hours, a group filter and
//! a search box (a plain GET form; the script filters as you type).

use std::collections::HashMap;

use axum::extract::{Query, State};
use maud::{Markup, html};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

use super::layout::{PageContext, page, status_class};
use super::{CsrfToken, html_response};
use crate::http::{AppState, Caller};
use crate::state::report::{self, bytes};
use crate::state::status::{ServiceData, ServiceStatus};

/// Monit's order of the type tables, with their headings.
const SECTIONS: [(&str, &str); 9] = [
    ("System", "System"),
    ("Process", "Processes"),
    ("Program", "Programs"),
    ("Filesystem", "Filesystems"),
    ("File", "Files"),
    ("Fifo", "Fifos"),
    ("Directory", "Directories"),
    ("Remote Host", "Hosts"),
    ("Network", "Networks"),
];

pub async fn page_handler(
    State(state): State<AppState>,
    caller: Caller,
    CsrfToken(token): CsrfToken,
    Query(query): Query<HashMap<String, String>>,
) -> axum::response::Response {
    let snapshot = state.engine().board().snapshot();
    let groups = state.groups();
    let facts = state.facts();
    let search = query.get("q").map(|q| q.trim().to_lowercase()).filter(|q| !q.is_empty());
    let group = query.get("group").filter(|g| !g.is_empty());
    let members = group.and_then(|g| groups.iter().find(|(name, _)| name == g)).map(|(_, m)| m);
    let shown: Vec<&ServiceStatus> = snapshot
        .services
        .iter()
        .filter(|s| members.is_none_or(|m| m.contains(&s.name)))
        .filter(|s| search.as_ref().is_none_or(|q| s.name.to_lowercase().contains(q)))
        .collect();
    let history = state.history();
    let body = html! {
        h1 { "Services" }
        form.filter method="get" action="/" {
            input type="search" name="q" placeholder="Search services" value=[search.as_deref()] aria-label="Search services";
            @if !groups.is_empty() {
                select name="group" aria-label="Group" {
                    option value="" { "All groups" }
                    @for (name, _) in &groups {
                        option value=(name) selected[group == Some(name)] { (name) }
                    }
                }
            }
            button type="submit" { "Filter" }
            span.muted { "Updated " span #updated { "now" } }
        }
        @for (type_name, heading) in SECTIONS {
            @let rows: Vec<&&ServiceStatus> = shown.iter().filter(|s| s.type_name == type_name).collect();
            @if !rows.is_empty() {
                section.card {
                    h2 { (heading) }
                    table {
                        thead { tr { th { "Service" } th { "Status" } th.optional { "Figures" } th.optional { "Up (24 h)" } } }
                        tbody {
                            @for service in rows {
                                tr data-service=(service.name) data-status=(status_class(service)) {
                                    td { a href=(format!("/{}", urlencode(&service.name))) { (service.name) } }
                                    td.status.(status_class(service)) { (report::status_text(service)) }
                                    td.optional.muted { (figures(service)) }
                                    td.optional.muted {
                                        @match history.uptime_percent(&service.name) {
                                            Some(p) => (format!("{p:.1}%")),
                                            None => "-",
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if shown.is_empty() { p.muted { "No service matches." } }
    };
    let context = PageContext { caller: &caller, token: &token, host: &facts.localhostname };
    html_response(page(&context, "Services", true, body))
}

/// The key figures of a service, in a few words.
fn figures(service: &ServiceStatus) -> Markup {
    let text = match &service.data {
        ServiceData::System(s) => format!(
            "load {:.2} {:.2} {:.2} · memory {} [{:.1}%] · swap {:.1}%",
            s.load[0],
            s.load[1],
            s.load[2],
            bytes(s.memory_bytes),
            s.memory_percent,
            s.swap_percent
        ),
        ServiceData::Process(p) => format!(
            "pid {} · uptime {} · cpu {} · memory {}",
            p.pid,
            report::uptime(std::time::Duration::from_secs(p.uptime_secs)),
            p.cpu_total_percent.map_or("-".to_owned(), |c| format!("{c:.1}%")),
            bytes(p.memory_total_bytes)
        ),
        ServiceData::Program(p) => match p.exit_status {
            Some(code) => format!("exit {code}"),
            None => "not run yet".to_owned(),
        },
        ServiceData::File(f) => match f.size {
            Some(size) => format!("size {} · permission {:o}", bytes(size), f.mode & 0o7777),
            None => format!("permission {:o}", f.mode & 0o7777),
        },
        ServiceData::Filesystem(f) => {
            let used = f.blocks.saturating_sub(f.blocks_free);
            let pct = |part: u64, whole: u64| if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 };
            format!(
                "space usage {:.1}% · inodes usage {:.1}%",
                pct(used, used + f.blocks_available),
                pct(f.inodes.saturating_sub(f.inodes_free), f.inodes)
            )
        }
        ServiceData::Generic(fields) => fields
            .iter()
            .filter(|(k, _)| ["space usage", "size", "permission", "inodes usage"].contains(&k.as_str()))
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(" · "),
        ServiceData::Network(n) if n.up => format!(
            "download {}/s · upload {}/s",
            crate::state::report::bytes(n.download.bytes_per_second as u64),
            crate::state::report::bytes(n.upload.bytes_per_second as u64)
        ),
        ServiceData::Network(_) => "link down".to_owned(),
        ServiceData::None => String::new(),
    };
    let response = service
        .connections
        .iter()
        .filter_map(|c| c.response_time.map(|t| format!("{} {:.1} ms", c.protocol, t * 1000.0)))
        .collect::<Vec<_>>()
        .join(" · ");
    html! { (text) @if !response.is_empty() { @if !text.is_empty() { " · " } (response) } }
}

/// What stays bare in a path segment: RFC 3986's unreserved characters. Everything else, and
/// every byte of a non-ASCII character, is percent-encoded (upper-case hex).
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Percent-encoding of a service name in a path.
pub fn urlencode(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, PATH_SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::urlencode;

    #[test]
    fn service_names_are_percent_encoded_as_path_segments() {
        assert_eq!(urlencode("web-1_a.b~c"), "web-1_a.b~c");
        assert_eq!(urlencode("a b/c?d#e%f+g"), "a%20b%2Fc%3Fd%23e%25f%2Bg");
        assert_eq!(urlencode("café"), "caf%C3%A9");
    }
}
