//! The observer of a process service: it finds the process (pidfile, path or `matching`),
//! tracks it by identity with a pidfd that signals its exit at once, and measures it
//! (CPU over two samples, memory, children and totals, file descriptors, I/O). What the
//! rules of `checks::verify` refuse is never adopted: the `data` event says why.

use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

use super::{Observe, Observing, Scope, Seen, Shared};
use crate::checks::judge::Observation;
use crate::checks::lane::{BlockingLane, PIDFILE_DEADLINE};
use crate::checks::process::{
    Carried, CpuSample, FIGURES_EVERY, Family, Finder, Fixed, Identity, Located, Reads, locate_unchanged_pidfile,
    measure,
};
use crate::checks::table_cache::TableCache;
use crate::checks::verify::Known;
use crate::config::model::{Metric, ProcessTarget, ServiceConfig, Test};
use crate::exec;
use crate::state::ServiceData;

/// A process service's finder and what it knows of the process between cycles.
pub struct ProcessObserver {
    /// None when the `matching` pattern does not compile (the task then finds nothing).
    finder: Finder,
    /// Where the pidfile reads and process lookups run.
    lane: BlockingLane,
    table: TableCache,
    interval: Duration,
    /// The process taken for the service last, and a pidfd on it.
    tracked: Option<Known>,
    /// The process last taken for the service, kept when it is gone or untracked: the
    /// evidence a pidfile naming an older process is weighed against (it is never
    /// forgotten by a missing or hostile pidfile).
    last_known: Option<Known>,
    pidfd: Option<AsyncFd<OwnedFd>>,
    /// A process the pidfd saw exit: never "found" again, even while a zombie.
    exited: Option<Identity>,
    cpu_sample: Option<CpuSample>,
    /// Ids and limits of the tracked process, read once per process.
    fixed: Option<(Identity, Fixed)>,
    /// The pid and ppid of the last cycle, for `changed pid/ppid`.
    previous_ids: Option<(i32, i32)>,
    /// Children and totals rules need the family of the process.
    needs_family: bool,
    /// Uid and gid rules read the ids every cycle (a process may switch users).
    needs_fresh_ids: bool,
    /// The costlier figures a rule reads every cycle; the others are read every
    /// [`FIGURES_EVERY`] and carried in between.
    needs_every_cycle: Reads,
    carried: Carried,
    figures_at: Option<Instant>,
}

impl ProcessObserver {
    pub fn new(service: &ServiceConfig, target: &ProcessTarget, tests: &[Test], shared: &Shared) -> ProcessObserver {
        // Processes running as the start program's user may be named by any pidfile.
        let as_uid = service
            .start
            .as_ref()
            .and_then(|start| exec::resolve_credentials(start.uid.as_deref(), None).ok().flatten())
            .map(|credentials| credentials.uid);
        ProcessObserver {
            finder: Finder::new(target, as_uid),
            lane: BlockingLane::default(),
            table: shared.table.clone(),
            interval: shared.interval,
            tracked: None,
            last_known: None,
            pidfd: None,
            exited: None,
            cpu_sample: None,
            fixed: None,
            previous_ids: None,
            needs_family: tests.iter().any(|test| {
                matches!(
                    test,
                    Test::Resource {
                        metric: Metric::Children
                            | Metric::TotalCpu
                            | Metric::TotalMemory
                            | Metric::TotalFiledescriptors,
                        ..
                    }
                )
            }),
            needs_fresh_ids: tests.iter().any(|test| matches!(test, Test::Uid { .. } | Test::Gid { .. })),
            needs_every_cycle: reads_for(tests),
            carried: Carried::default(),
            figures_at: None,
        }
    }

    /// Finds the process, honouring exits seen by the pidfd. Off the async threads: a
    /// pidfile may be a FIFO (refused at once) or on a hung filesystem (refused at
    /// [`PIDFILE_DEADLINE`], and at once while that read has not come back); only a
    /// pidfile on a local filesystem, unchanged since it settled, is checked here.
    pub async fn locate(&mut self) -> Located {
        let known = self.last_known;
        // The common case: one `lstat` here, no trip to the blocking lane (never while the
        // lane is stuck), nothing cloned or formatted.
        if !self.lane.is_busy()
            && let Some(located) = locate_unchanged_pidfile(&self.finder, known.as_ref())
        {
            return self.unless_exited(located);
        }
        let finder = self.finder.clone();
        let table = match finder.needs_table() {
            true => Some(self.table.get(self.interval / 2).await),
            false => None,
        };
        let what = match &finder {
            Finder::Pidfile { path, .. } => format!("reading the pidfile {path}"),
            _ => "looking for the process".to_owned(),
        };
        let located = self
            .lane
            .run(&what, PIDFILE_DEADLINE, move || finder.locate(table.as_deref(), known.as_ref()))
            .await
            .unwrap_or_else(Located::Unverified);
        self.unless_exited(located)
    }

    /// A process the pidfd saw exit is not running, even while it is a zombie.
    fn unless_exited(&self, located: Located) -> Located {
        match located {
            Located::Running(id, _) if Some(id) == self.exited => Located::Missing("process is not running".to_owned()),
            other => other,
        }
    }

    /// Whether the process runs now.
    pub async fn is_running(&mut self) -> bool {
        matches!(self.locate().await, Located::Running(..))
    }

    /// The process taken for the service, if one is.
    pub fn tracked(&self) -> Option<Identity> {
        self.tracked.map(|known| known.identity)
    }

    /// Takes `id` as the service's process, with a pidfd on it.
    pub fn track(&mut self, id: Identity) {
        self.tracked = Some(Known::of(id));
        self.last_known = self.tracked;
        self.exited = None;
        self.cpu_sample = None;
        self.figures_at = None;
        self.pidfd = open_pidfd(id.pid);
    }

    /// What this cycle reads of the costlier figures.
    fn reads_now(&mut self) -> Reads {
        let due = self.figures_at.is_none_or(|at| at.elapsed() >= FIGURES_EVERY);
        if due {
            self.figures_at = Some(Instant::now());
        }
        let every = self.needs_every_cycle;
        Reads { io: every.io || due, fds: every.fds || due, label: every.label || due }
    }

    fn untrack(&mut self) {
        self.tracked = None;
        self.pidfd = None;
        self.cpu_sample = None;
    }

    /// The pidfd said the tracked process exited.
    pub fn exited(&mut self) {
        self.pidfd = None;
        self.exited = self.tracked();
    }

    async fn observe_process(&mut self, scope: Scope<'_>) -> Seen {
        let mut data_error = None;
        let (exists, existence_message, data) = match self.locate().await {
            Located::Running(id, stat) => {
                if self.tracked() != Some(id) {
                    self.track(id);
                }
                if self.fixed.as_ref().is_none_or(|(fid, _)| *fid != id) || self.needs_fresh_ids {
                    self.fixed = Some((id, Fixed::read(id.pid)));
                }
                let fixed = self.fixed.map(|(_, f)| f).unwrap_or_default();
                // Children and totals: from the table if this service reads it anyway,
                // else from the process's own children files.
                let family = match (self.needs_family, self.finder.needs_table()) {
                    (false, _) => None,
                    (true, true) => Some(Family::from_table(&*self.table.get(self.interval / 2).await, id.pid)),
                    (true, false) => Some(Family::from_children_files(id.pid, stat.threads)),
                };
                let reads = self.reads_now();
                let (data, sample) =
                    measure(id, &stat, &fixed, family.as_ref(), self.cpu_sample, reads, &mut self.carried);
                self.cpu_sample = Some(sample);
                if data.zombie {
                    data_error = Some(format!("process with pid {} is a zombie", id.pid));
                }
                (Some(true), format!("process is running with pid {}", id.pid), ServiceData::Process(data))
            }
            Located::Missing(reason) => {
                self.untrack();
                (Some(false), reason, ServiceData::None)
            }
            Located::Unverified(reason) => {
                // Not judged as existing or not: no rule restarts it; the data event says
                // why, and nothing is signalled.
                self.untrack();
                data_error = Some(reason);
                (None, String::new(), ServiceData::None)
            }
        };
        let process = match &data {
            ServiceData::Process(p) => Some(p),
            _ => None,
        };
        let obs = Observation {
            exists,
            existence_message,
            process,
            previous_ids: self.previous_ids,
            path: scope.service.check.path(),
            ..Observation::default()
        };
        let mut seen = Seen::judged(scope, &obs, ServiceData::None, data_error);
        if let Some(p) = process {
            self.previous_ids = Some((p.pid, p.ppid));
        }
        seen.data = data;
        seen
    }
}

impl Observe for ProcessObserver {
    fn observe<'a>(&'a mut self, scope: Scope<'a>) -> Observing<'a> {
        Box::pin(self.observe_process(scope))
    }

    fn process(&mut self) -> Option<&mut ProcessObserver> {
        Some(self)
    }

    fn exit_signal(&self) -> Option<&AsyncFd<OwnedFd>> {
        self.pidfd.as_ref()
    }
}

/// The costlier figures that rules among `tests` judge, and so read every cycle.
fn reads_for(tests: &[Test]) -> Reads {
    let metric = |wanted: &[Metric]| {
        tests.iter().any(|test| matches!(test, Test::Resource { metric, .. } if wanted.contains(metric)))
    };
    Reads {
        io: metric(&[
            Metric::ReadBytes,
            Metric::WriteBytes,
            Metric::DiskReadBytes,
            Metric::DiskWriteBytes,
            Metric::ReadOperations,
            Metric::WriteOperations,
        ]),
        fds: metric(&[Metric::Filedescriptors, Metric::TotalFiledescriptors]),
        label: tests.iter().any(|test| matches!(test, Test::SecurityAttribute(_))),
    }
}

/// A pidfd on a process, registered with the runtime; none where pidfds are unavailable
/// (the cycle then notices the exit).
fn open_pidfd(pid: i32) -> Option<AsyncFd<OwnedFd>> {
    let pid = rustix::process::Pid::from_raw(pid)?;
    let fd = rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::NONBLOCK).ok()?;
    // SAFETY: the fd is a fresh pidfd owned by this AsyncFd alone and stays open as long
    // as it is registered.
    unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tests_of(rules: &str) -> Vec<Test> {
        let text = format!("check process p with pidfile /run/p.pid\n{rules}\n");
        let loaded = crate::config::load_str("/x/monitrc", &text, Default::default()).unwrap();
        loaded.config.services.into_iter().find(|s| s.name == "p").unwrap().rules.into_iter().map(|r| r.test).collect()
    }

    #[test]
    fn a_rule_makes_its_figure_read_every_cycle_and_only_its_own() {
        let none = Reads { io: false, fds: false, label: false };
        assert_eq!(reads_for(&tests_of("if cpu > 90% then alert\nif totalmem > 1 GB then alert")), none);
        assert_eq!(reads_for(&tests_of("if disk read > 1 MB/s then alert")), Reads { io: true, ..none });
        assert_eq!(reads_for(&tests_of("if filedescriptors > 80% then alert")), Reads { fds: true, ..none });
        assert_eq!(
            reads_for(&tests_of("if failed security attribute \"unconfined\" then alert")),
            Reads { label: true, ..none }
        );
    }
}
