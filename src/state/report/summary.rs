//! `monit summary`: one row per service (name, status, type) in Monit's table, byte for byte
//! as Monit's `TextBox` draws it (`src/terminal/TextBox.c`).

use super::{CYAN, Filter, GREY, RESET, StatusText, Style, finish, header, select};
use crate::state::board::Snapshot;

/// Column widths: service name, status, type.
const WIDTHS: [usize; 3] = [31, 26, 13];
const TITLES: [&str; 3] = ["Service Name", "Status", "Type"];

/// The order of types in an unfiltered summary; configuration order within a type.
const TYPE_ORDER: [&str; 9] =
    ["System", "Process", "File", "Fifo", "Directory", "Filesystem", "Remote Host", "Network", "Program"];

/// `monit summary [name]` / `monit -g group summary`: every service by type when nothing is
/// filtered, else in the order of [`select`]. Only the header line when nothing matches.
pub fn summary(snapshot: &Snapshot, filter: &Filter, style: Style) -> String {
    let mut services = select(snapshot, filter);
    if filter.is_all() {
        // Stable: configuration order within a type. Unknown types last.
        services.sort_by_key(|s| TYPE_ORDER.iter().position(|t| *t == s.type_name).unwrap_or(TYPE_ORDER.len()));
    }
    let mut out = header(snapshot);
    out.push('\n');
    for (i, service) in services.iter().enumerate() {
        if i == 0 {
            out.push_str(&border('┌', '┬', '┐'));
            out.push_str(&title_row());
        }
        out.push_str(&border('├', '┼', '┤'));
        let status = StatusText::of(service);
        out.push_str(&row([(&service.name, ""), (&status.plain(), status.colour()), (&service.type_name, "")]));
    }
    if !services.is_empty() {
        out.push_str(&border('└', '┴', '┘'));
    }
    finish(out, style)
}

/// Cuts text longer than `width` to `width` characters, the last three `...` (`Str_trunc`).
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(width.saturating_sub(3)).collect();
        format!("{cut}...")
    }
}

/// Left-aligned in `width` characters, cut if longer.
fn cell(text: &str, width: usize) -> String {
    let fitted = fit(text, width);
    let pad = width - fitted.chars().count();
    format!("{fitted}{}", " ".repeat(pad))
}

fn border(left: char, middle: char, right: char) -> String {
    let parts: Vec<String> = WIDTHS.iter().map(|w| "─".repeat(w + 2)).collect();
    format!("{GREY}{left}{}{right}{RESET}\n", parts.join(&middle.to_string()))
}

fn bar() -> String {
    format!("{GREY}│{RESET} ")
}

/// The titles: bold cyan, the colour reset before the gap.
fn title_row() -> String {
    let mut line = String::new();
    for (title, width) in TITLES.iter().zip(WIDTHS) {
        line.push_str(&format!("{}{CYAN}{}{RESET} ", bar(), cell(title, width)));
    }
    line.push_str(&format!("{GREY}│{RESET}\n"));
    line
}

/// A service row: a coloured cell keeps its colour over the gap after it.
fn row(cells: [(&str, &str); 3]) -> String {
    let mut line = String::new();
    for ((text, colour), width) in cells.iter().zip(WIDTHS) {
        line.push_str(&bar());
        if colour.is_empty() {
            line.push_str(&format!("{} ", cell(text, width)));
        } else {
            line.push_str(&format!("{colour}{} {RESET}", cell(text, width)));
        }
    }
    line.push_str(&format!("{GREY}│{RESET}\n"));
    line
}

#[cfg(test)]
mod tests {
    use super::super::tests::{service, snapshot};
    use super::super::{GREEN, RED, strip_terminal};
    use super::*;
    use crate::config::model::EventKind;
    use crate::state::status::{Monitoring, PendingAction};

    const HEAD: &str = " Service Name                     Status                      Type          \n";

    #[test]
    fn batch_summary_matches_monit_byte_for_byte() {
        let mut prog = service("prog", "Program");
        prog.failed.insert(EventKind::Status, "exit value 3".into());
        let snap = snapshot(vec![
            service("web", "Process"),
            prog,
            service("lo", "Network"),
            service("index", "File"),
            service("rootfs", "Filesystem"),
            service("xdir", "Directory"),
            service("vm", "System"),
            service("xfifo", "Fifo"),
            service("webmatch", "Process"),
        ]);
        let text = summary(&snap, &Filter::default(), Style::Batch);
        let expected = [
            "Monit 5.33.0 uptime: 0m\n",
            HEAD,
            " vm                               OK                          System        \n",
            " web                              OK                          Process       \n",
            " webmatch                         OK                          Process       \n",
            " index                            OK                          File          \n",
            " xfifo                            OK                          Fifo          \n",
            " xdir                             OK                          Directory     \n",
            " rootfs                           OK                          Filesystem    \n",
            " lo                               OK                          Network       \n",
            " prog                             Status failed               Program       \n",
        ]
        .concat();
        assert_eq!(text, expected);
    }

    #[test]
    fn terminal_summary_is_monits_box() {
        let mut web = service("web", "Process");
        web.failed.insert(EventKind::Connection, "x".into());
        web.failed.insert(EventKind::Resource, "x".into());
        let snap = snapshot(vec![web]);
        let text = summary(&snap, &Filter::default(), Style::Terminal);
        let line = |l: char, m: char, r: char| {
            format!("{GREY}{l}{}{m}{}{m}{}{r}{RESET}\n", "─".repeat(33), "─".repeat(28), "─".repeat(15))
        };
        let bar = format!("{GREY}│{RESET} ");
        let expected = [
            "Monit 5.33.0 uptime: 0m\n".to_owned(),
            line('┌', '┬', '┐'),
            format!(
                "{bar}{CYAN}Service Name                   {RESET} {bar}{CYAN}Status                    {RESET} {bar}{CYAN}Type         {RESET} {GREY}│{RESET}\n"
            ),
            line('├', '┼', '┤'),
            format!(
                "{bar}web                             {bar}{RED}Connection failed | Res... {RESET}{bar}Process       {GREY}│{RESET}\n"
            ),
            line('└', '┴', '┘'),
        ]
        .concat();
        assert_eq!(text, expected);
        assert_eq!(strip_terminal(&text), summary(&snap, &Filter::default(), Style::Batch));
    }

    #[test]
    fn long_names_and_statuses_are_cut() {
        let mut s = service("a-service-name-that-is-far-too-long-for-the-column", "Process");
        s.failed.insert(EventKind::Nonexist, "x".into());
        s.failed.insert(EventKind::Exec, "y".into());
        let mut t = service("db", "Process");
        t.pending = Some(PendingAction::Restart);
        let text = summary(&snapshot(vec![s, t]), &Filter::default(), Style::Batch);
        assert!(
            text.contains(" a-service-name-that-is-far-t...  Execution failed | Does...  Process       \n"),
            "{text}"
        );
        assert!(
            text.contains(" db                               OK - restart pending        Process       \n"),
            "{text}"
        );
    }

    #[test]
    fn other_states_and_their_colours() {
        let mut off = service("off", "Process");
        off.monitoring = Monitoring::NotMonitored;
        let mut init = service("init", "File");
        init.monitoring = Monitoring::Initializing;
        let snap = snapshot(vec![off, init, service("ok", "Program")]);
        let text = summary(&snap, &Filter::default(), Style::Batch);
        assert!(text.contains(" off                              Not monitored               Process       \n"));
        assert!(text.contains(" init                             Initializing                File          \n"));
        let colours = summary(&snap, &Filter::default(), Style::Terminal);
        assert!(colours.contains(&format!("{GREEN}OK                         {RESET}")), "{colours}");
        assert!(colours.contains("\x1b[0;93mNot monitored"), "{colours}");
        assert!(colours.contains("\x1b[0;94mInitializing"), "{colours}");
    }

    #[test]
    fn filtered_summaries_keep_configuration_or_group_order() {
        let snap = snapshot(vec![service("web", "Process"), service("vm", "System"), service("webdir", "Directory")]);
        let by_name = Filter { names: Some("web.*|vm".into()), group_members: None };
        let text = summary(&snap, &by_name, Style::Batch);
        let rows: Vec<&str> = text.lines().skip(2).map(|l| l.split_whitespace().next().unwrap_or("")).collect();
        assert_eq!(rows, ["web", "vm", "webdir"]);
        let by_group = Filter { names: None, group_members: Some(vec!["webdir".into(), "web".into()]) };
        let text = summary(&snap, &by_group, Style::Batch);
        let rows: Vec<&str> = text.lines().skip(2).map(|l| l.split_whitespace().next().unwrap_or("")).collect();
        assert_eq!(rows, ["webdir", "web"]);
    }

    #[test]
    fn nothing_to_show_is_the_header_alone() {
        let snap = snapshot(vec![]);
        assert_eq!(summary(&snap, &Filter::default(), Style::Terminal), "Monit 5.33.0 uptime: 0m\n");
        let snap = snapshot(vec![service("web", "Process")]);
        let none = Filter { names: Some("nosuch".into()), group_members: None };
        assert_eq!(summary(&snap, &none, Style::Batch), "Monit 5.33.0 uptime: 0m\n");
    }
}
