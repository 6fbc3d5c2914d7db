//! The observer of a file, fifo or directory: its metadata, checksum and new content
//! lines, read on the service's blocking lane with the watch it keeps between cycles
//! (content position, checksum baseline), and what that says of existence, type and data.

use std::path::PathBuf;

use super::{Kept, Observe, Observing, Scope, Seen, content_result};
use crate::checks::file::{FileInfo, FileKind, FileReport, FileWatch, status_data};
use crate::checks::judge::Observation;
use crate::checks::lane::BlockingLane;
use crate::config::model::{ServiceConfig, ServiceKind, Test};
use crate::outcome::TestResult;
use crate::state::ServiceData;

/// A file, fifo or directory service's watch.
pub struct FileObserver {
    /// The types the object may have; the first names it in messages.
    expected: &'static [FileKind],
    /// State between cycles (checksums, content position); none when the content rules
    /// could not be prepared.
    watch: Option<FileWatch>,
    /// Why the content rules could not be prepared (a bad regex, an unreadable pattern
    /// file): a `data` failure at every cycle.
    watch_error: Option<String>,
    /// What the last cycle saw, for `changed` tests.
    previous: Option<FileInfo>,
    lane: BlockingLane,
}

impl FileObserver {
    pub fn new(service: &ServiceConfig, tests: &[Test]) -> FileObserver {
        let expected: &'static [FileKind] = match service.check {
            ServiceKind::File { .. } => &[FileKind::Regular, FileKind::Socket],
            ServiceKind::Fifo { .. } => &[FileKind::Fifo],
            _ => &[FileKind::Directory],
        };
        let (watch, watch_error) = match FileWatch::new(tests, &service.ignore_content) {
            Ok(watch) => (Some(watch), None),
            Err(e) => (None, Some(format!("cannot prepare the content rules: {e}"))),
        };
        FileObserver { expected, watch, watch_error, previous: None, lane: BlockingLane::default() }
    }

    async fn observe_file(&mut self, scope: Scope<'_>) -> Seen {
        let path = scope.service.check.path().unwrap_or_default();
        // A copy goes to the blocking thread: a read that fails or hangs leaves the
        // watch (content position, checksum baseline) as it was.
        let mut watch = self.watch.clone().unwrap_or_default();
        let target = PathBuf::from(path);
        let max_line = scope.config.limits.file_content_buffer().bytes as usize;
        let job = move || {
            let report = watch.observe(&target, max_line);
            (watch, report)
        };
        let report = match self.lane.run(&format!("reading {path}"), scope.deadline, job).await {
            Ok((watch, report)) => {
                if self.watch_error.is_none() {
                    self.watch = Some(watch);
                }
                report
            }
            Err(e) => FileReport { error: Some(e), ..FileReport::default() },
        };
        // Monit's words: `file doesn't exist`, `directory exists`.
        let what = scope.service.check.keyword();
        let existence_message =
            if report.info.is_some() { format!("{what} exists") } else { format!("{what} doesn't exist") };
        let invalid = report
            .info
            .as_ref()
            .filter(|info| !self.expected.contains(&info.kind))
            .map(|info| format!("'{path}' is a {}, not a {}", info.kind.name(), self.expected[0].name()));
        let data_error = report.error.clone().or_else(|| self.watch_error.clone());
        let content_rules = scope.tests.iter().any(|test| matches!(test, Test::Content(_)));
        let data = match &report.info {
            Some(info) => ServiceData::File(status_data(
                info,
                report.checksum.as_deref(),
                self.watch.as_ref().and_then(FileWatch::hash),
                content_rules,
            )),
            None => ServiceData::None,
        };
        let previous_checksum = self.watch.as_ref().and_then(|w| w.previous_checksum.clone());
        let baseline = self.watch.as_ref().and_then(|w| w.baseline.clone());
        let obs = Observation {
            exists: Some(report.info.is_some()),
            existence_message,
            file: report.info.as_ref(),
            previous_file: self.previous.as_ref(),
            checksum: report.checksum.as_deref(),
            previous_checksum: previous_checksum.as_deref(),
            checksum_baseline: baseline.as_deref(),
            path: Some(path),
            ..Observation::default()
        };
        let mut seen = Seen::judged(scope, &obs, data, data_error);
        // Content rules: the new lines that fired each.
        for (index, test) in scope.tests.iter().enumerate() {
            if let Test::Content(_) = test {
                let fired = report.content.iter().find(|(i, _)| *i == index).map(|(_, l)| l.clone());
                seen.results[index] = content_result(Ok(fired.unwrap_or_default()));
            }
        }
        self.previous = report.info;
        if let Some(watch) = self.watch.as_mut()
            && report.checksum.is_some()
        {
            watch.previous_checksum = report.checksum;
        }
        seen.invalid = Some(match invalid {
            Some(message) => TestResult::Failed(message),
            None => TestResult::Succeeded("type test succeeded".to_owned()),
        });
        seen
    }
}

impl Observe for FileObserver {
    fn observe<'a>(&'a mut self, scope: Scope<'a>) -> Observing<'a> {
        Box::pin(self.observe_file(scope))
    }

    fn kept(&self) -> Kept {
        Kept {
            content_position: self.watch.as_ref().and_then(|w| w.position),
            checksum_baseline: self.watch.as_ref().and_then(|w| w.baseline.clone()),
        }
    }

    fn restore(&mut self, kept: Kept) {
        if let Some(watch) = self.watch.as_mut() {
            watch.position = kept.content_position;
            watch.baseline = kept.checksum_baseline;
        }
    }
}
