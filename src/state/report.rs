//! Monit's text views of the status (reference §5.3), byte-compatible because scripts parse
//! them: `summary` (a table), `status` (every figure of every service), `report` (counts).
//! The terminal style has Monit's colours and box drawing; the batch style is the same
//! text with the escapes and box characters removed, as Monit's CLI does.

use std::time::{Duration, SystemTime};

use regex::RegexBuilder;

use super::board::Snapshot;
use super::status::{Monitoring, ServiceData, ServiceStatus};
use crate::config::model::{Mode, OnReboot};
use crate::engine::programs::http_date;

/// The version string scripts expect in headers.
pub const MONIT_HEADER: &str = "Monit 5.33.0";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Colours and box drawing (stdout is a terminal).
    Terminal,
    /// Plain text for scripts.
    Batch,
}

/// Which services a view shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// A name or pattern: case-insensitive regular expression anchored at both ends unless
    /// it has `^` or `$` itself; an exact (case-insensitive) name if it is no valid regex.
    pub names: Option<String>,
    /// The members of the `-g` group.
    pub group_members: Option<Vec<String>>,
}

impl Filter {
    pub fn accepts(&self, name: &str) -> bool {
        if let Some(members) = &self.group_members
            && !members.iter().any(|m| m.eq_ignore_ascii_case(name))
        {
            return false;
        }
        match &self.names {
            None => true,
            Some(pattern) => {
                let anchored = if pattern.contains('^') || pattern.contains('$') {
                    pattern.clone()
                } else {
                    format!("^(?:{pattern})$")
                };
                match RegexBuilder::new(&anchored).case_insensitive(true).build() {
                    Ok(re) => re.is_match(name),
                    Err(_) => pattern.eq_ignore_ascii_case(name),
                }
            }
        }
    }
}

/// The services a filter selects, in configuration order.
pub fn select<'a>(snapshot: &'a Snapshot, filter: &Filter) -> Vec<&'a ServiceStatus> {
    snapshot.services.iter().filter(|s| filter.accepts(&s.name)).collect()
}

const GREEN: &str = "\x1b[0;92m";
const RED: &str = "\x1b[0;91m";
const YELLOW: &str = "\x1b[0;93m";
const BLUE: &str = "\x1b[0;94m";
const GREY: &str = "\x1b[0;90m";
const CYAN: &str = "\x1b[1;36m";
const RESET: &str = "\x1b[0m";

/// The colour Monit gives a status.
fn status_colour(status: &ServiceStatus) -> &'static str {
    match status.monitoring {
        Monitoring::NotMonitored => YELLOW,
        Monitoring::Initializing => BLUE,
        Monitoring::Monitored if !status.failed.is_empty() => RED,
        Monitoring::Monitored if !status.changed.is_empty() => YELLOW,
        Monitoring::Monitored => GREEN,
    }
}

/// `0m`, `5m`, `2h 3m`, `1d 2h 3m` (Monit's uptime format).
pub fn uptime(duration: Duration) -> String {
    let minutes = duration.as_secs() / 60;
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (days, hours) {
        (0, 0) => format!("{mins}m"),
        (0, _) => format!("{hours}h {mins}m"),
        _ => format!("{days}d {hours}h {mins}m"),
    }
}

fn header(snapshot: &Snapshot) -> String {
    let up = SystemTime::now().duration_since(snapshot.started).unwrap_or_default();
    format!("{MONIT_HEADER} uptime: {}", uptime(up))
}

/// Cuts text longer than `width` to `width` characters ending in `...`.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(width.saturating_sub(3)).collect();
        format!("{cut}...")
    }
}

/// Monit's type order in the summary.
fn type_rank(type_name: &str) -> usize {
    ["System", "Process", "File", "Fifo", "Directory", "Filesystem", "Remote Host", "Network", "Program"]
        .iter()
        .position(|t| *t == type_name)
        .unwrap_or(9)
}

const WIDTHS: [usize; 3] = [31, 26, 13];

fn border(left: char, middle: char, right: char) -> String {
    let parts: Vec<String> = WIDTHS.iter().map(|w| "─".repeat(w + 2)).collect();
    format!("{GREY}{left}{}{right}{RESET}", parts.join(&middle.to_string()))
}

fn row(cells: [(&str, &str); 3]) -> String {
    let bar = format!("{GREY}│{RESET}");
    let mut line = String::new();
    for (i, (text, colour)) in cells.iter().enumerate() {
        let fitted = fit(text, WIDTHS[i]);
        let pad = WIDTHS[i] - fitted.chars().count();
        line.push_str(&format!("{bar} {colour}{fitted}{RESET}{} ", " ".repeat(pad)));
    }
    line.push_str(&bar);
    line
}

/// `monit summary`.
pub fn summary(snapshot: &Snapshot, filter: &Filter, style: Style) -> String {
    let mut services = select(snapshot, filter);
    services.sort_by_key(|s| type_rank(&s.type_name));
    let mut lines = vec![header(snapshot), border('┌', '┬', '┐')];
    lines.push(row([("Service Name", CYAN), ("Status", CYAN), ("Type", CYAN)]));
    for service in services {
        lines.push(border('├', '┼', '┤'));
        let status = service.status_text();
        lines.push(row([(&service.name, ""), (&status, status_colour(service)), (&service.type_name, "")]));
    }
    lines.push(border('└', '┴', '┘'));
    finish(lines.join("\n") + "\n", style)
}

/// `monit report [up|down|initialising|unmonitored|total]`.
pub fn report(snapshot: &Snapshot, filter: &Filter, kind: Option<&str>) -> Result<String, String> {
    let services = select(snapshot, filter);
    let total = services.len();
    let up = services.iter().filter(|s| s.is_up()).count();
    let down = services.iter().filter(|s| s.monitoring == Monitoring::Monitored && !s.failed.is_empty()).count();
    let initialising = services.iter().filter(|s| s.monitoring == Monitoring::Initializing).count();
    let unmonitored = services.iter().filter(|s| s.monitoring == Monitoring::NotMonitored).count();
    let pct = |n: usize| if total == 0 { 0.0 } else { n as f64 * 100.0 / total as f64 };
    Ok(match kind {
        None => format!(
            "up:             {up} ({:.1}%)\ndown:           {down} ({:.1}%)\ninitialising:   {initialising} ({:.1}%)\nunmonitored:    {unmonitored} ({:.1}%)\ntotal:          {total} services\n",
            pct(up),
            pct(down),
            pct(initialising),
            pct(unmonitored)
        ),
        Some("up") => format!("{up}\n"),
        Some("down") => format!("{down}\n"),
        Some("initialising" | "initializing") => format!("{initialising}\n"),
        Some("unmonitored") => format!("{unmonitored}\n"),
        Some("total") => format!("{total}\n"),
        Some(other) => return Err(format!("Invalid report type: '{other}'")),
    })
}

/// Monit's byte format: `0 B`, `512 B`, `21.0 MB`.
pub fn bytes(value: u64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut v = value as f64;
    let mut i = 0;
    while v >= 1024.0 && i < units.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 { format!("{value} B") } else { format!("{v:.1} {}", units[i]) }
}

fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Active => "active",
        Mode::Passive => "passive",
        Mode::Manual => "manual",
    }
}

fn onreboot_name(onreboot: OnReboot) -> &'static str {
    match onreboot {
        OnReboot::Start => "start",
        OnReboot::Nostart => "nostart",
        OnReboot::Laststate => "laststate",
    }
}

/// `monit status`.
pub fn status(snapshot: &Snapshot, filter: &Filter, style: Style) -> String {
    let mut out = format!("{}\n", header(snapshot));
    for service in select(snapshot, filter) {
        out.push('\n');
        out.push_str(&format!("{CYAN}{} '{}'{RESET}\n", service.type_name, service.name));
        let mut line = |label: &str, value: String| out.push_str(&format!("  {label:<28} {value}\n"));
        let colour = status_colour(service);
        line("status", format!("{colour}{}{RESET}", service.status_text()));
        let monitoring = match service.monitoring {
            Monitoring::Monitored => "Monitored",
            Monitoring::NotMonitored => "Not monitored",
            Monitoring::Initializing => "Initializing",
        };
        line("monitoring status", monitoring.to_owned());
        line("monitoring mode", mode_name(service.mode).to_owned());
        line("on reboot", onreboot_name(service.onreboot).to_owned());
        if service.monitoring != Monitoring::NotMonitored {
            data_lines(&service.data, &mut line);
        }
        if let Some(outcome) = &service.last_action {
            let result = if outcome.success { "succeeded" } else { "failed" };
            line("last action", format!("{} {result} at {}", outcome.action, http_date(outcome.at)));
        }
        if let Some(at) = service.collected_at {
            line("data collected", http_date(at));
        }
    }
    finish(out, style)
}

fn data_lines(data: &ServiceData, line: &mut impl FnMut(&str, String)) {
    let pct_or_dash = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}%"));
    match data {
        ServiceData::None => {}
        ServiceData::Process(p) => {
            line("pid", p.pid.to_string());
            line("parent pid", p.ppid.to_string());
            line("uid", p.uid.to_string());
            line("effective uid", p.euid.to_string());
            line("gid", p.gid.to_string());
            line("uptime", uptime(Duration::from_secs(p.uptime_secs)));
            line("threads", p.threads.to_string());
            line("children", p.children.to_string());
            line("cpu", pct_or_dash(p.cpu_percent));
            line("cpu total", pct_or_dash(p.cpu_total_percent));
            line("memory", format!("{:.1}% [{}]", p.memory_percent, bytes(p.memory_bytes)));
            line("memory total", format!("{:.1}% [{}]", p.memory_total_percent, bytes(p.memory_total_bytes)));
            line("security attribute", "-".to_owned());
            match (p.filedescriptors, p.filedescriptors_limit) {
                (Some(n), Some((soft, _))) => line(
                    "filedescriptors",
                    format!("{n} [{:.1}% of {soft} limit]", n as f64 * 100.0 / soft.max(1) as f64),
                ),
                (Some(n), None) => line("filedescriptors", n.to_string()),
                _ => line("filedescriptors", "-".to_owned()),
            }
            line("total filedescriptors", p.filedescriptors_total.map_or_else(|| "-".to_owned(), |n| n.to_string()));
        }
        ServiceData::System(s) => {
            line("load average", format!("[{:.2}] [{:.2}] [{:.2}]", s.load[0], s.load[1], s.load[2]));
            match s.cpu {
                Some(c) => line(
                    "cpu",
                    format!(
                        "{:.1}%usr {:.1}%sys {:.1}%nice {:.1}%iowait {:.1}%hardirq {:.1}%softirq {:.1}%steal {:.1}%guest {:.1}%guestnice ",
                        c.user, c.system, c.nice, c.iowait, c.hardirq, c.softirq, c.steal, c.guest, c.guest_nice
                    ),
                ),
                None => line("cpu", "-".to_owned()),
            }
            line("memory usage", format!("{} [{:.1}%]", bytes(s.memory_bytes), s.memory_percent));
            line("swap usage", format!("{} [{:.1}%]", bytes(s.swap_bytes), s.swap_percent));
            line("uptime", uptime(Duration::from_secs(s.uptime_secs)));
            line("boot time", http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(s.boot_time)));
            line(
                "filedescriptors",
                format!(
                    "{} [{:.1}% of {} limit]",
                    s.filedescriptors,
                    s.filedescriptors as f64 * 100.0 / s.filedescriptors_limit.max(1) as f64,
                    s.filedescriptors_limit
                ),
            );
        }
        ServiceData::Program(p) => {
            line("last exit value", p.exit_status.map_or_else(|| "-".to_owned(), |s| s.to_string()));
            let output = p.output.trim_end();
            if output.is_empty() {
                line("last output", "-".to_owned());
            } else {
                let mut lines = output.lines();
                line("last output", lines.next().unwrap_or_default().to_owned());
                for more in lines {
                    line("", more.to_owned());
                }
            }
        }
        ServiceData::Generic(fields) => {
            for (key, value) in fields {
                line(key, value.clone());
            }
        }
    }
}

fn finish(text: String, style: Style) -> String {
    match style {
        Style::Terminal => text,
        Style::Batch => strip_terminal(&text),
    }
}

/// Removes colour escapes, box-drawing lines and bars, as Monit's CLI does in batch mode.
pub fn strip_terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let mut plain = String::with_capacity(line.len());
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                // CSI: ESC [ params final-byte.
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for f in chars.by_ref() {
                        if ('@'..='~').contains(&f) {
                            break;
                        }
                    }
                }
                continue;
            }
            if c == '│' {
                continue;
            }
            plain.push(c);
        }
        let is_border = plain.trim().chars().all(|c| "─┌┐└┘├┤┬┴┼".contains(c)) && !plain.trim().is_empty();
        if !is_border {
            out.push_str(&plain);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::EventKind;
    use crate::state::status::{PendingAction, ProcessData};

    fn service(name: &str, type_name: &str) -> ServiceStatus {
        let mut s = ServiceStatus::new(name, type_name, 3, Mode::Active, OnReboot::Start);
        s.monitoring = Monitoring::Monitored;
        s
    }

    fn snapshot(services: Vec<ServiceStatus>) -> Snapshot {
        Snapshot { services, started: SystemTime::now(), poll_interval_ms: 1000 }
    }

    #[test]
    fn batch_summary_matches_monit_byte_for_byte() {
        let mut prog = service("prog", "Program");
        prog.failed.insert(EventKind::Status, "status failed".into());
        let snap = snapshot(vec![service("web", "Process"), prog, service("vm", "System")]);
        let text = summary(&snap, &Filter::default(), Style::Batch);
        let expected = "Monit 5.33.0 uptime: 0m\n \
            Service Name                     Status                      Type          \n \
            vm                               OK                          System        \n \
            web                              OK                          Process       \n \
            prog                             Status failed               Program       \n";
        assert_eq!(text, expected);
    }

    #[test]
    fn terminal_summary_has_boxes_and_colours() {
        let snap = snapshot(vec![service("web", "Process")]);
        let text = summary(&snap, &Filter::default(), Style::Terminal);
        assert!(text.contains("┌─────"), "{text}");
        assert!(text.contains(&format!("{GREEN}OK{RESET}")), "{text}");
        assert_eq!(strip_terminal(&text), summary(&snap, &Filter::default(), Style::Batch));
    }

    #[test]
    fn long_statuses_are_cut_and_pending_actions_shown() {
        let mut s = service("web", "Process");
        s.failed.insert(EventKind::Nonexist, "x".into());
        s.failed.insert(EventKind::Exec, "y".into());
        let mut t = service("db", "Process");
        t.pending = Some(PendingAction::Restart);
        let text = summary(&snapshot(vec![s, t]), &Filter::default(), Style::Batch);
        assert!(
            text.contains(" web                              Execution failed | Does...  Process       \n"),
            "{text}"
        );
        assert!(
            text.contains(" db                               OK - restart pending        Process       \n"),
            "{text}"
        );
    }

    #[test]
    fn filters_by_pattern_group_and_exact_name() {
        let snap = snapshot(vec![service("web", "Process"), service("webmatch", "Process"), service("db", "Process")]);
        let names = |f: Filter| select(&snap, &f).iter().map(|s| s.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(Filter { names: Some("WEB".into()), group_members: None }), ["web"]);
        assert_eq!(names(Filter { names: Some("web.*".into()), group_members: None }), ["web", "webmatch"]);
        assert_eq!(names(Filter { names: Some("(".into()), group_members: None }), Vec::<String>::new());
        assert_eq!(names(Filter { names: None, group_members: Some(vec!["db".into()]) }), ["db"]);
    }

    #[test]
    fn report_counts_and_types() {
        let mut down = service("b", "Process");
        down.failed.insert(EventKind::Nonexist, "x".into());
        let mut off = service("c", "Process");
        off.monitoring = Monitoring::NotMonitored;
        let snap = snapshot(vec![service("a", "Process"), down, off]);
        let text = report(&snap, &Filter::default(), None).unwrap();
        assert_eq!(
            text,
            "up:             1 (33.3%)\ndown:           1 (33.3%)\ninitialising:   0 (0.0%)\nunmonitored:    1 (33.3%)\ntotal:          3 services\n"
        );
        assert_eq!(report(&snap, &Filter::default(), Some("up")).unwrap(), "1\n");
        assert_eq!(report(&snap, &Filter::default(), Some("bogus")).unwrap_err(), "Invalid report type: 'bogus'");
        assert_eq!(report(&snapshot(vec![]), &Filter::default(), Some("total")).unwrap(), "0\n");
    }

    #[test]
    fn status_lists_process_figures() {
        let mut s = service("web", "Process");
        s.data = ServiceData::Process(ProcessData {
            pid: 15982,
            ppid: 1,
            memory_bytes: 22_020_096,
            memory_percent: 0.1,
            memory_total_bytes: 22_020_096,
            memory_total_percent: 0.1,
            cpu_percent: Some(0.4),
            cpu_total_percent: Some(0.4),
            filedescriptors: Some(4),
            filedescriptors_limit: Some((20000, 20000)),
            threads: 1,
            ..Default::default()
        });
        let text = status(&snapshot(vec![s]), &Filter::default(), Style::Batch);
        assert!(
            text.contains(
                "\nProcess 'web'\n  status                       OK\n  monitoring status            Monitored\n"
            ),
            "{text}"
        );
        assert!(text.contains("  pid                          15982\n"), "{text}");
        assert!(text.contains("  memory                       0.1% [21.0 MB]\n"), "{text}");
        assert!(text.contains("  cpu                          0.4%\n"), "{text}");
        assert!(text.contains("  filedescriptors              4 [0.0% of 20000 limit]\n"), "{text}");
    }

    #[test]
    fn formats() {
        assert_eq!(uptime(Duration::from_secs(59)), "0m");
        assert_eq!(uptime(Duration::from_secs(3 * 3600 + 120)), "3h 2m");
        assert_eq!(uptime(Duration::from_secs(86400 + 3660)), "1d 1h 1m");
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(4096), "4.0 kB");
        assert_eq!(bytes(22_020_096), "21.0 MB");
    }
}
