//! `monit report`: how many services are up, down, initialising and unmonitored
//! (`_printReport` in cervlet.c).

use super::{Filter, select};
use crate::state::board::Snapshot;
use crate::state::status::{Monitoring, ServiceStatus};

/// How many of the selected services are in each of Monit's classes.
#[derive(Debug, Default, PartialEq, serde::Serialize)]
pub struct Counts {
    pub up: usize,
    pub down: usize,
    pub initialising: usize,
    pub unmonitored: usize,
    pub total: usize,
}

impl Counts {
    /// One count by its report type, matched as [`report`] matches it.
    pub fn get(&self, kind: &str) -> Result<(&'static str, usize), String> {
        let lower = kind.to_ascii_lowercase();
        Ok(match lower.as_str() {
            "up" => ("up", self.up),
            "down" => ("down", self.down),
            "unmonitored" => ("unmonitored", self.unmonitored),
            "total" => ("total", self.total),
            k if k.starts_with("initiali") => ("initialising", self.initialising),
            _ => return Err(format!("Invalid report type: '{kind}'")),
        })
    }
}

/// Whether a service counts as down: monitored, with an event failed or changed (Monit's
/// error bitmap holds both).
pub fn is_down(s: &ServiceStatus) -> bool {
    s.monitoring == Monitoring::Monitored && (!s.failed.is_empty() || !s.changed.is_empty())
}

/// Monit's classes: not monitored, else initialising, else down ([`is_down`]), else up.
pub fn count(snapshot: &Snapshot, filter: &Filter) -> Counts {
    let mut counts = Counts::default();
    for s in select(snapshot, filter) {
        match s.monitoring {
            Monitoring::NotMonitored => counts.unmonitored += 1,
            Monitoring::Initializing => counts.initialising += 1,
            Monitoring::Monitored if is_down(s) => counts.down += 1,
            Monitoring::Monitored => counts.up += 1,
        }
        counts.total += 1;
    }
    counts
}

/// `monit report` (the table) or `monit report <kind>` (one number). Kinds are matched
/// case-insensitively as Monit does: `up`, `down`, `initiali…` (either spelling),
/// `unmonitored`, `total`. With no service selected the percentages read `0.0%` (Monit
/// divides by zero there).
pub fn report(snapshot: &Snapshot, filter: &Filter, kind: Option<&str>) -> Result<String, String> {
    let c = count(snapshot, filter);
    let pct = |n: usize| if c.total == 0 { 0.0 } else { 100.0 * n as f64 / c.total as f64 };
    let Some(kind) = kind else {
        return Ok(format!(
            "up:           {:>3} ({:.1}%)\n\
             down:         {:>3} ({:.1}%)\n\
             initialising: {:>3} ({:.1}%)\n\
             unmonitored:  {:>3} ({:.1}%)\n\
             total:        {:>3} services\n",
            c.up,
            pct(c.up),
            c.down,
            pct(c.down),
            c.initialising,
            pct(c.initialising),
            c.unmonitored,
            pct(c.unmonitored),
            c.total
        ));
    };
    let (_, n) = c.get(kind)?;
    Ok(format!("{n}\n"))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{service, snapshot};
    use super::*;
    use crate::config::model::EventKind;

    fn nine() -> Snapshot {
        let mut services: Vec<_> = (0..8).map(|i| service(&format!("s{i}"), "Process")).collect();
        let mut prog = service("prog", "Program");
        prog.failed.insert(EventKind::Status, "exit 3".into());
        services.push(prog);
        snapshot(services)
    }

    #[test]
    fn the_table_matches_monit() {
        assert_eq!(
            report(&nine(), &Filter::default(), None).unwrap(),
            "up:             8 (88.9%)\n\
             down:           1 (11.1%)\n\
             initialising:   0 (0.0%)\n\
             unmonitored:    0 (0.0%)\n\
             total:          9 services\n"
        );
    }

    #[test]
    fn every_class_is_counted() {
        let mut changed = service("changed", "File");
        changed.changed.insert(EventKind::Checksum, "checksum changed".into());
        let mut off = service("off", "Process");
        off.monitoring = Monitoring::NotMonitored;
        let mut init = service("init", "Process");
        init.monitoring = Monitoring::Initializing;
        init.failed.insert(EventKind::Nonexist, "x".into());
        let mut services = vec![changed, off, init];
        services.extend((0..12).map(|i| service(&format!("up{i}"), "Process")));
        let snap = snapshot(services);
        assert_eq!(
            report(&snap, &Filter::default(), None).unwrap(),
            "up:            12 (80.0%)\n\
             down:           1 (6.7%)\n\
             initialising:   1 (6.7%)\n\
             unmonitored:    1 (6.7%)\n\
             total:         15 services\n"
        );
        let one = |kind: &str| report(&snap, &Filter::default(), Some(kind)).unwrap();
        assert_eq!(one("up"), "12\n");
        assert_eq!(one("DOWN"), "1\n");
        assert_eq!(one("initialising"), "1\n");
        assert_eq!(one("initializing"), "1\n");
        assert_eq!(one("unmonitored"), "1\n");
        assert_eq!(one("total"), "15\n");
    }

    #[test]
    fn unknown_kinds_are_refused() {
        assert_eq!(report(&nine(), &Filter::default(), Some("bogus")).unwrap_err(), "Invalid report type: 'bogus'");
    }

    #[test]
    fn filters_and_empty_snapshots() {
        let group = Filter { names: None, group_members: Some(vec!["prog".into(), "s1".into()]) };
        assert_eq!(report(&nine(), &group, Some("down")).unwrap(), "1\n");
        assert_eq!(report(&nine(), &group, Some("total")).unwrap(), "2\n");
        let empty = snapshot(vec![]);
        assert_eq!(report(&empty, &Filter::default(), Some("total")).unwrap(), "0\n");
        assert_eq!(
            report(&empty, &Filter::default(), None).unwrap(),
            "up:             0 (0.0%)\n\
             down:           0 (0.0%)\n\
             initialising:   0 (0.0%)\n\
             unmonitored:    0 (0.0%)\n\
             total:          0 services\n"
        );
    }
}
