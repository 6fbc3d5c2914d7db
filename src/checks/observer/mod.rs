//! One observer per service kind: what a service measures each cycle, the state it keeps
//! between cycles (a process's pidfd and CPU sample, a file's checksum and content
//! position, a filesystem's disk counters, an interface's traffic), and the verdict of
//! every rule on what it saw. The engine's task chooses the observer once, when it is
//! built ([`for_service`]), and then only calls [`Observe::observe`]; the connection and
//! ping tests, which any kind may have, run beside it (`checks::network`).
//!
//! A new service kind is a new file here implementing [`Observe`] and one line in
//! [`for_service`].

mod file;
mod filesystem;
mod host;
mod link;
mod process;
mod program;
mod system;

use std::future::Future;
use std::os::fd::OwnedFd;
use std::pin::Pin;
use std::time::Duration;

use tokio::io::unix::AsyncFd;

use super::judge::{Observation, judge};
use super::table_cache::TableCache;
use crate::config::model::{Config, ServiceConfig, ServiceKind, Test};
use crate::outcome::TestResult;
use crate::state::ServiceData;
use crate::state::status::ContentPosition;
pub use process::ProcessObserver;

/// What an observer is given at each cycle.
#[derive(Clone, Copy)]
pub struct Scope<'a> {
    pub config: &'a Config,
    pub service: &'a ServiceConfig,
    /// The service's rules' tests, in the order of the results.
    pub tests: &'a [Test],
    /// The status data of the last cycle (a program's `MONIT_*` environment describes it).
    pub data: &'a ServiceData,
    /// How long the blocking part of the observation may take.
    pub deadline: Duration,
}

/// What a cycle's observation found.
#[derive(Debug)]
pub struct Seen {
    /// The figures the status shows.
    pub data: ServiceData,
    /// One verdict per test of [`Scope::tests`], in its order.
    pub results: Vec<TestResult>,
    /// The implicit `invalid` event (a file, fifo or directory of the wrong type), for the
    /// kinds that have one.
    pub invalid: Option<TestResult>,
    /// Why the service's data could not be read: the implicit `data` event.
    pub data_error: Option<String>,
}

impl Seen {
    /// A verdict per test on `obs`, with the figures and the data error.
    fn judged(scope: Scope<'_>, obs: &Observation<'_>, data: ServiceData, data_error: Option<String>) -> Seen {
        Seen { results: scope.tests.iter().map(|test| judge(test, obs)).collect(), data, invalid: None, data_error }
    }
}

/// What the state file keeps of an observer across restarts: a file's content position
/// and checksum baseline.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Kept {
    pub content_position: Option<ContentPosition>,
    pub checksum_baseline: Option<String>,
}

/// The future of one observation.
pub type Observing<'a> = Pin<Box<dyn Future<Output = Seen> + Send + 'a>>;

/// A service kind's measurement and its state between cycles.
pub trait Observe: Send {
    /// Observes the service once and judges every test.
    fn observe<'a>(&'a mut self, scope: Scope<'a>) -> Observing<'a>;

    /// The process observer, for the kinds that run a process (start, stop and the wait for
    /// the process are the engine's).
    fn process(&mut self) -> Option<&mut ProcessObserver> {
        None
    }

    /// A pidfd that becomes readable when the observed process exits.
    fn exit_signal(&self) -> Option<&AsyncFd<OwnedFd>> {
        None
    }

    /// What the state file keeps.
    fn kept(&self) -> Kept {
        Kept::default()
    }

    /// Takes back what the state file kept.
    fn restore(&mut self, _kept: Kept) {}
}

/// What observers share across services: the process table of the cycle, and the cycle's
/// length (a table younger than half of it is fresh).
#[derive(Clone)]
pub struct Shared {
    pub table: TableCache,
    pub interval: Duration,
}

/// The observer of a service, chosen once by its kind.
pub fn for_service(service: &ServiceConfig, tests: &[Test], shared: &Shared) -> Box<dyn Observe> {
    match &service.check {
        ServiceKind::Process(target) => Box::new(ProcessObserver::new(service, target, tests, shared)),
        ServiceKind::File { .. } | ServiceKind::Fifo { .. } | ServiceKind::Directory { .. } => {
            Box::new(file::FileObserver::new(service, tests))
        }
        ServiceKind::Filesystem { path } => Box::new(filesystem::FilesystemObserver::new(path)),
        ServiceKind::System => Box::new(system::SystemObserver::default()),
        ServiceKind::Program(program) => Box::new(program::ProgramObserver::new(program, tests)),
        ServiceKind::Network(target) => Box::new(link::LinkObserver::new(target)),
        ServiceKind::Host { .. } => Box::new(host::HostObserver),
    }
}

/// The verdict of a content rule from the lines that fired it, or why it could not be
/// checked.
fn content_result(fired: Result<Vec<String>, &str>) -> TestResult {
    match fired {
        Err(e) => TestResult::Failed(format!("cannot check the content: {e}")),
        Ok(fired) if fired.is_empty() => TestResult::Unchanged("content has not matched".to_owned()),
        Ok(fired) => TestResult::Changed(format!("content match:\n{}", fired.join("\n"))),
    }
}
