//! Monit's views of the status, byte-compatible because scripts parse them (reference §5.3,
//! Appendix B): `summary` (a table), `status` (every figure of every service), `report`
//! (counts) and the XML document of `/_status?format=xml`.
//!
//! The server always renders the terminal style (Monit's colours and box drawing), as
//! Monit's does; the CLI removes them with [`strip_terminal`] when stdout is not a terminal.
//! [`Style::Batch`] is exactly that stripped text, so a view can also be asked for plain.
//! Everything here is a pure function of a [`Snapshot`] except the clock read for the
//! uptime in headers and the local time zone used for dates.

mod counts;
pub mod format;
mod metrics;
mod status;
mod summary;
mod xml;

use regex::RegexBuilder;

use super::board::Snapshot;
use super::status::{Monitoring, ServiceStatus};
use crate::config::model::EventKind;

pub use counts::{Counts, count, is_down, report};
pub use format::{bytes, date, millis, uptime};
pub use metrics::{MetricsContext, MetricsFormat, metrics};
pub use status::status;
pub use summary::summary;
pub use xml::{Platform, XmlContext, XmlEvent, XmlHttpd, action_type, with_event, xml};

/// The version string scripts expect in headers (`Monit 5.33.0 uptime: 0m`).
pub const MONIT_HEADER: &str = "Monit 5.33.0";

/// How a view is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Colours and box drawing (stdout is a terminal).
    Terminal,
    /// Plain text for scripts: the terminal text through [`strip_terminal`].
    Batch,
}

/// Which services a view shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// A name or pattern: case-insensitive regular expression anchored at both ends unless
    /// it has `^` or `$` itself; an exact (case-insensitive) name if it is no valid regex.
    pub names: Option<String>,
    /// The members of the `-g` group, in the group's order (the caller resolves groups).
    pub group_members: Option<Vec<String>>,
}

impl Filter {
    /// Whether neither a name nor a group restricts the view.
    pub fn is_all(&self) -> bool {
        self.names.is_none() && self.group_members.is_none()
    }

    /// Whether the service of this name is shown.
    pub fn accepts(&self, name: &str) -> bool {
        if let Some(members) = &self.group_members
            && !members.iter().any(|m| m.eq_ignore_ascii_case(name))
        {
            return false;
        }
        match &self.names {
            None => true,
            Some(pattern) => NamePattern::new(pattern).matches(name),
        }
    }
}

/// A service name or pattern as Monit matches the names given on its command line and to
/// its HTTP endpoints (`status`, `summary`, `report`, actions): a case-insensitive regular
/// expression wrapped as `^pattern$` unless it holds a `^` or `$` itself, or the exact name
/// (any case) when it is no valid regular expression. As in Monit the wrapping is textual,
/// so `web|db` means "starts with web, or ends with db". Monit compiles POSIX extended
/// expressions; the `regex` crate reads them alike, except that it also knows Perl classes
/// such as `\d`, and lacks back-references.
pub enum NamePattern<'a> {
    Regex(regex::Regex),
    Exact(&'a str),
}

impl<'a> NamePattern<'a> {
    pub fn new(pattern: &'a str) -> NamePattern<'a> {
        let anchored = if pattern.contains(['^', '$']) { pattern.to_owned() } else { format!("^{pattern}$") };
        match RegexBuilder::new(&anchored).case_insensitive(true).build() {
            Ok(re) => NamePattern::Regex(re),
            Err(_) => NamePattern::Exact(pattern),
        }
    }

    pub fn matches(&self, name: &str) -> bool {
        match self {
            NamePattern::Regex(re) => re.is_match(name),
            NamePattern::Exact(pattern) => pattern.eq_ignore_ascii_case(name),
        }
    }
}

/// The names of the services `pattern` selects, in the given order (Monit's matching, see
/// [`NamePattern`]). The actions side (`/_doaction`, the JSON API) resolves the service
/// names of a request with this.
pub fn matching_names<'n>(pattern: &str, names: impl IntoIterator<Item = &'n str>) -> Vec<&'n str> {
    let pattern = NamePattern::new(pattern);
    names.into_iter().filter(|name| pattern.matches(name)).collect()
}

/// The services an action names (names, patterns, `all`), as indices into `all`: in the
/// order asked, each once. The error is Monit's for a name that selects nothing.
pub fn action_targets<'r>(all: &[String], requested: impl IntoIterator<Item = &'r str>) -> Result<Vec<usize>, String> {
    let mut chosen = Vec::new();
    for name in requested {
        let matching: Vec<&str> = if name.eq_ignore_ascii_case("all") {
            all.iter().map(String::as_str).collect()
        } else {
            matching_names(name, all.iter().map(String::as_str))
        };
        if matching.is_empty() {
            return Err(format!("There is no service named \"{name}\""));
        }
        for found in matching {
            if let Some(index) = all.iter().position(|n| n == found)
                && !chosen.contains(&index)
            {
                chosen.push(index);
            }
        }
    }
    Ok(chosen)
}

/// The services a filter selects, in Monit's order for `status`: the group's order when a
/// group is given, else configuration order. Empty when nothing matches.
pub fn select<'a>(snapshot: &'a Snapshot, filter: &Filter) -> Vec<&'a ServiceStatus> {
    let pattern = filter.names.as_deref().map(NamePattern::new);
    let named = |s: &&ServiceStatus| pattern.as_ref().is_none_or(|p| p.matches(&s.name));
    match &filter.group_members {
        Some(members) => members
            .iter()
            .filter_map(|m| snapshot.services.iter().find(|s| s.name.eq_ignore_ascii_case(m)))
            .filter(named)
            .collect(),
        None => snapshot.services.iter().filter(named).collect(),
    }
}

// Monit's terminal colours (TextColor.h).
const RESET: &str = "\x1b[0m";
const DEFAULT: &str = "\x1b[0;39m";
const WHITE: &str = "\x1b[0;37m";
const GREY: &str = "\x1b[0;90m";
const RED: &str = "\x1b[0;91m";
const GREEN: &str = "\x1b[0;92m";
const YELLOW: &str = "\x1b[0;93m";
const BLUE: &str = "\x1b[0;94m";
const CYAN: &str = "\x1b[1;36m";

/// `Monit 5.33.0 uptime: 5m`, without a newline.
fn header(snapshot: &Snapshot) -> String {
    let up = std::time::SystemTime::now().duration_since(snapshot.started).unwrap_or_default();
    format!("{MONIT_HEADER} uptime: {}", uptime(up))
}

/// The order of Monit's event table (`Event_Table` in event.c), by which status texts list
/// events: alphabetical by event name (the order of [`EventKind::ALL`]), with `Exist` last.
fn event_table_order() -> impl Iterator<Item = EventKind> {
    EventKind::ALL.into_iter().filter(|k| *k != EventKind::Exist).chain(std::iter::once(EventKind::Exist))
}

/// Whether an event of this kind is failed or changed (Monit's `s->error & kind`).
fn in_error(service: &ServiceStatus, kind: EventKind) -> bool {
    service.failed.contains_key(&kind) || service.changed.contains_key(&kind)
}

/// Monit's `monitoring status` text and colour (`get_monitoring_status`).
fn monitoring_text(service: &ServiceStatus) -> (&'static str, &'static str) {
    match service.monitoring {
        Monitoring::NotMonitored => ("Not monitored", YELLOW),
        _ if service.waiting => ("Waiting", WHITE),
        Monitoring::Initializing => ("Initializing", BLUE),
        Monitoring::Monitored => ("Monitored", ""),
    }
}

/// Monit's status text (`get_service_status`) as coloured pieces joined by ` | `, plus the
/// uncoloured ` - restart pending` suffix. Unlike `ServiceStatus::status_text`, a waiting
/// service with no error reads `OK` (Monit shows `Waiting` only as the monitoring status)
/// and failed and changed events are listed together in Monit's event-table order.
struct StatusText {
    pieces: Vec<(&'static str, &'static str)>,
    pending: Option<&'static str>,
}

impl StatusText {
    fn of(service: &ServiceStatus) -> StatusText {
        let pieces = match service.monitoring {
            Monitoring::NotMonitored | Monitoring::Initializing => vec![monitoring_text(service)],
            Monitoring::Monitored => {
                let pieces: Vec<_> = event_table_order()
                    .filter_map(|kind| {
                        if service.failed.contains_key(&kind) {
                            Some((kind.failed_text(), RED))
                        } else if service.changed.contains_key(&kind) {
                            Some((kind.changed_text(), YELLOW))
                        } else {
                            None
                        }
                    })
                    .collect();
                if pieces.is_empty() { vec![("OK", GREEN)] } else { pieces }
            }
        };
        StatusText { pieces, pending: service.pending.map(|p| p.name()) }
    }

    /// The plain text.
    fn plain(&self) -> String {
        let texts: Vec<&str> = self.pieces.iter().map(|(text, _)| *text).collect();
        self.with_pending(texts.join(" | "))
    }

    /// Each piece in its colour.
    fn coloured(&self) -> String {
        let texts: Vec<String> = self
            .pieces
            .iter()
            .map(|(text, colour)| if colour.is_empty() { (*text).to_owned() } else { format!("{colour}{text}{RESET}") })
            .collect();
        self.with_pending(texts.join(" | "))
    }

    /// The colour of the first piece, which Monit's table gives the whole cell.
    fn colour(&self) -> &'static str {
        self.pieces.first().map_or("", |(_, colour)| colour)
    }

    fn with_pending(&self, text: String) -> String {
        match self.pending {
            Some(action) => format!("{text} - {action} pending"),
            None => text,
        }
    }
}

/// Monit's status text of a service, as `summary` shows it uncut (`Does not exist`,
/// `OK - restart pending`, `Not monitored`).
pub fn status_text(service: &ServiceStatus) -> String {
    StatusText::of(service).plain()
}

fn finish(text: String, style: Style) -> String {
    match style {
        Style::Terminal => text,
        Style::Batch => strip_terminal(&text),
    }
}

/// Removes colours and box drawing as Monit's CLI does for batch output (`TextBox_strip`
/// then `TextColor_strip`, line by line): a line holding `┌`, `├` or `└` is cut there,
/// its newline included (so border lines vanish); other characters of U+2500..U+253F
/// are dropped; `ESC [ … final-byte` sequences are removed.
pub fn strip_terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let mut boxless = String::with_capacity(line.len());
        for c in line.chars() {
            match c {
                '┌' | '├' | '└' => break,
                '\u{2500}'..='\u{253f}' => {}
                _ => boxless.push(c),
            }
        }
        let mut chars = boxless.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\x1b' && chars.peek() == Some(&'[') {
                chars.next();
                for f in chars.by_ref() {
                    if ('@'..='~').contains(&f) {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::config::model::{Mode, OnReboot};
    use crate::state::status::PendingAction;

    /// A monitored service of a Monit type ("Process", "System", ...).
    pub(crate) fn service(name: &str, type_name: &str) -> ServiceStatus {
        let number = match type_name {
            "Filesystem" => 0,
            "Directory" => 1,
            "File" => 2,
            "Process" => 3,
            "Remote Host" => 4,
            "System" => 5,
            "Fifo" => 6,
            "Program" => 7,
            _ => 8,
        };
        let mut s = ServiceStatus::new(name, type_name, number, Mode::Active, OnReboot::Start);
        s.monitoring = Monitoring::Monitored;
        s
    }

    /// `/` as Debian's monit 5.33 measured it on this machine (the same figures in the
    /// text and XML renderers' tests); `write_operations` differs by rounding between them.
    pub(crate) fn sample_filesystem(
        flags: &str,
        mode: u32,
        gid: u32,
        write_operations: f64,
        service_operations: f64,
    ) -> crate::state::status::FilesystemData {
        use crate::state::status::{FilesystemData, IoCounter, IoFigures, ServiceTime};
        let counter = |per_second, total| Some(IoCounter { per_second, total });
        FilesystemData {
            fs_type: "ext4".into(),
            flags: flags.into(),
            mode: Some(mode),
            uid: Some(0),
            gid: Some(gid),
            block_size: 4096,
            blocks: 66_053_018,
            blocks_free: 53_026_586,
            blocks_available: 10_792_940,
            inodes: 16_777_216,
            inodes_free: 16_314_911,
            read: IoFigures {
                bytes: counter(146_716.0, 24_226_391_040),
                disk_bytes: None,
                operations: counter(26.0, 2_253_768),
            },
            write: IoFigures {
                bytes: counter(2_309_276.0, 143_381_766_144),
                disk_bytes: None,
                operations: counter(write_operations, 343_110),
            },
            service_time: Some(ServiceTime {
                read_ms_per_second: 6.869,
                write_ms_per_second: 62.807,
                operations: service_operations,
            }),
        }
    }

    #[test]
    fn action_targets_take_names_patterns_and_all_in_the_order_asked() {
        let all: Vec<String> = ["web", "webmatch", "db"].iter().map(|s| s.to_string()).collect();
        assert_eq!(action_targets(&all, ["db", "web"]).unwrap(), [2, 0]);
        assert_eq!(action_targets(&all, ["WEB.*"]).unwrap(), [0, 1]);
        assert_eq!(action_targets(&all, ["db", "all"]).unwrap(), [2, 0, 1]);
        assert_eq!(action_targets(&all, ["nosuch"]).unwrap_err(), "There is no service named \"nosuch\"");
        assert!(action_targets(&all, []).unwrap().is_empty());
    }

    pub(crate) fn snapshot(services: Vec<ServiceStatus>) -> Snapshot {
        Snapshot { services, started: SystemTime::now(), poll_interval_ms: 5000 }
    }

    fn names(snap: &Snapshot, filter: Filter) -> Vec<String> {
        select(snap, &filter).iter().map(|s| s.name.clone()).collect()
    }

    fn by_name(pattern: &str) -> Filter {
        Filter { names: Some(pattern.into()), group_members: None }
    }

    #[test]
    fn names_match_as_anchored_case_insensitive_patterns() {
        let snap = snapshot(vec![service("web", "Process"), service("webmatch", "Process"), service("db", "Process")]);
        assert_eq!(names(&snap, by_name("WEB")), ["web"]);
        assert_eq!(names(&snap, by_name("web.*")), ["web", "webmatch"]);
        assert_eq!(names(&snap, by_name("^web")), ["web", "webmatch"]);
        assert_eq!(names(&snap, by_name("match$")), ["webmatch"]);
        // Wrapped as text, as Monit does: `^web|db$`.
        assert_eq!(names(&snap, by_name("web|db")), ["web", "webmatch", "db"]);
        assert_eq!(names(&snap, by_name("eb")), Vec::<String>::new());
    }

    #[test]
    fn matching_names_keeps_the_given_order() {
        let all = ["db", "web", "webmatch", "Web2"];
        assert_eq!(matching_names("WEB.*", all), ["web", "webmatch", "Web2"]);
        assert_eq!(matching_names("db", all), ["db"]);
        assert!(matching_names("nosuch", all).is_empty());
        assert_eq!(matching_names("a(b", ["A(B", "ab"]), ["A(B"]);
    }

    #[test]
    fn an_invalid_pattern_is_an_exact_name() {
        let snap = snapshot(vec![service("a(b", "Process"), service("ab", "Process")]);
        assert_eq!(names(&snap, by_name("A(B")), ["a(b"]);
        assert_eq!(names(&snap, by_name("(")), Vec::<String>::new());
    }

    #[test]
    fn groups_select_in_group_order_and_combine_with_names() {
        let snap = snapshot(vec![service("a", "Process"), service("b", "File"), service("c", "Process")]);
        let group = |names: Option<&str>| Filter {
            names: names.map(str::to_owned),
            group_members: Some(vec!["c".into(), "a".into(), "gone".into()]),
        };
        assert_eq!(names(&snap, group(None)), ["c", "a"]);
        assert_eq!(names(&snap, group(Some("a"))), ["a"]);
        assert_eq!(names(&snap, group(Some("b"))), Vec::<String>::new());
        assert!(Filter::default().is_all() && !group(None).is_all());
    }

    #[test]
    fn status_texts_follow_monits_event_table() {
        let mut s = service("web", "Process");
        assert_eq!(StatusText::of(&s).coloured(), format!("{GREEN}OK{RESET}"));
        s.waiting = true;
        assert_eq!(StatusText::of(&s).plain(), "OK");
        assert_eq!(monitoring_text(&s), ("Waiting", WHITE));
        s.failed.insert(EventKind::Status, "x".into());
        s.failed.insert(EventKind::Nonexist, "x".into());
        s.changed.insert(EventKind::Checksum, "x".into());
        s.pending = Some(PendingAction::Restart);
        let text = StatusText::of(&s);
        assert_eq!(text.plain(), "Checksum changed | Does not exist | Status failed - restart pending");
        assert_eq!(
            text.coloured(),
            format!(
                "{YELLOW}Checksum changed{RESET} | {RED}Does not exist{RESET} | {RED}Status failed{RESET} - restart pending"
            )
        );
        assert_eq!(text.colour(), YELLOW);
        s.monitoring = Monitoring::Initializing;
        s.waiting = false;
        assert_eq!(StatusText::of(&s).plain(), "Initializing - restart pending");
        s.monitoring = Monitoring::NotMonitored;
        assert_eq!(StatusText::of(&s).coloured(), format!("{YELLOW}Not monitored{RESET} - restart pending"));
    }

    #[test]
    fn strip_removes_colours_bars_and_border_lines() {
        let text = format!(
            "head\n{GREY}┌──┬──┐{RESET}\n{GREY}│{RESET} {GREEN}OK {RESET}{GREY}│{RESET}\n{GREY}├──┼──┤{RESET}\n{GREY}└──┴──┘{RESET}\n"
        );
        assert_eq!(strip_terminal(&text), "head\n OK \n");
    }

    #[test]
    fn strip_keeps_what_monit_keeps() {
        // A lone ESC stays; text before a corner stays but loses its newline, as in Monit.
        assert_eq!(strip_terminal("a\x1bb\n"), "a\x1bb\n");
        assert_eq!(strip_terminal("tree ├─ x\nnext\n"), "tree next\n");
        assert_eq!(strip_terminal("no newline \x1b[1;36mend"), "no newline end");
        assert_eq!(strip_terminal("╔═╗ kept\n"), "╔═╗ kept\n");
    }
}
