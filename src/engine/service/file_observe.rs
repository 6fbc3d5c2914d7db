//! The observation of a file, fifo or directory: its metadata, checksum and new content
//! lines, read on the service's blocking lane with the watch it keeps between cycles
//! (content position, checksum baseline), and what that says of existence, type and data.

use super::ServiceTask;
use crate::checks::file::{FileKind, FileReport, FileWatch};
use crate::config::model::{ServiceKind, Test};
use crate::state::ServiceData;

/// What a file, fifo or directory check found this cycle.
pub(super) struct FileSeen {
    pub(super) report: FileReport,
    /// Monit's words: `file doesn't exist`, `directory exists`.
    pub(super) existence_message: String,
    /// Why the object is of the wrong type, for the implicit `invalid` event.
    pub(super) invalid: Option<String>,
    /// Why its data could not be read, for the implicit `data` event.
    pub(super) data_error: Option<String>,
}

impl ServiceTask {
    /// Observes the file (fifo, directory) at `path` and sets the service's status data.
    pub(super) async fn observe_file(&mut self, kind: &ServiceKind, path: &str) -> FileSeen {
        let expected: &[FileKind] = match kind {
            ServiceKind::File { .. } => &[FileKind::Regular, FileKind::Socket],
            ServiceKind::Fifo { .. } => &[FileKind::Fifo],
            _ => &[FileKind::Directory],
        };
        // A copy goes to the blocking thread: a read that fails or hangs leaves the
        // watch (content position, checksum baseline) as it was.
        let mut watch = self.file_watch.clone().unwrap_or_default();
        let target = std::path::PathBuf::from(path);
        let max_line = self.config.limits.file_content_buffer().bytes as usize;
        let job = move || {
            let report = watch.observe(&target, max_line);
            (watch, report)
        };
        let report = match self.lane.run(&format!("reading {path}"), self.check_deadline(), job).await {
            Ok((watch, report)) => {
                if self.watch_error.is_none() {
                    self.file_watch = Some(watch);
                }
                report
            }
            Err(e) => FileReport { error: Some(e), ..FileReport::default() },
        };
        // Monit's words: `file doesn't exist`, `directory exists`.
        let what = kind.keyword();
        let existence_message =
            if report.info.is_some() { format!("{what} exists") } else { format!("{what} doesn't exist") };
        let invalid = report
            .info
            .as_ref()
            .filter(|info| !expected.contains(&info.kind))
            .map(|info| format!("'{path}' is a {}, not a {}", info.kind.name(), expected[0].name()));
        let data_error = report.error.clone().or_else(|| self.watch_error.clone());
        let content_rules = self.rules.iter().any(|slot| matches!(slot.test, Test::Content(_)));
        self.data = match &report.info {
            Some(info) => ServiceData::File(crate::checks::file::status_data(
                info,
                report.checksum.as_deref(),
                self.file_watch.as_ref().and_then(FileWatch::hash),
                content_rules,
            )),
            None => ServiceData::None,
        };
        FileSeen { report, existence_message, invalid, data_error }
    }
}
