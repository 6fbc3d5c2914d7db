//! The observer of a filesystem: the mount that holds the path, its space and inodes, the
//! owner and permission of the path named, and the disk's I/O rates over two readings,
//! read on the service's blocking lane (a hung mount costs this service only).

use std::path::Path;
use std::time::Instant;

use super::{Observe, Observing, Scope, Seen};
use crate::checks::file::{self, FileInfo};
use crate::checks::filesystem::{self, DiskStats, FsFigures};
use crate::checks::judge::Observation;
use crate::checks::lane::BlockingLane;
use crate::state::ServiceData;

/// A filesystem service's readings between cycles.
pub struct FilesystemObserver {
    path: String,
    /// The last disk reading, for rates.
    disk: Option<(DiskStats, Instant)>,
    /// The owner and permission of the path at the last reading, for `changed` tests.
    previous: Option<FileInfo>,
    /// The mount flags of the last reading.
    flags: Option<String>,
    lane: BlockingLane,
}

impl FilesystemObserver {
    pub fn new(path: &str) -> FilesystemObserver {
        FilesystemObserver {
            path: path.to_owned(),
            disk: None,
            previous: None,
            flags: None,
            lane: BlockingLane::default(),
        }
    }

    async fn observe_filesystem(&mut self, scope: Scope<'_>) -> Seen {
        let path = self.path.clone();
        let target = path.clone();
        let job = move || {
            let mount = filesystem::find_mount(&target)?;
            let usage = filesystem::usage(Path::new(&mount.mount_point)).ok()?;
            let disk = filesystem::disk_stats(mount.major, mount.minor);
            // Permission and owner of the path named: the mount point or the device node.
            let info = file::stat(Path::new(&target)).ok().flatten();
            Some((mount, usage, disk, info))
        };
        let mut data_error = None;
        let found = match self.lane.run(&format!("reading the filesystem {path}"), scope.deadline, job).await {
            Ok(found) => found,
            Err(e) => {
                data_error = Some(e);
                None
            }
        };
        let Some((mount, usage, disk, info)) = found else {
            let obs = Observation {
                exists: Some(false),
                existence_message: format!("filesystem {path} is not mounted"),
                previous_file: self.previous.as_ref(),
                previous_fs_flags: self.flags.as_deref(),
                path: Some(&path),
                ..Observation::default()
            };
            return Seen::judged(scope, &obs, ServiceData::None, data_error);
        };
        let now = Instant::now();
        let rates = match (self.disk, disk) {
            (Some(before), Some(after)) => filesystem::rates(before, (after, now)),
            _ => None,
        };
        self.disk = disk.map(|d| (d, now));
        let existence_message = format!("filesystem {path} is mounted on {}", mount.mount_point);
        let figures = FsFigures { mount, usage, rates };
        let data = ServiceData::Filesystem(figures.status_data(info.as_ref()));
        let obs = Observation {
            exists: Some(true),
            existence_message,
            file: info.as_ref(),
            previous_file: self.previous.as_ref(),
            filesystem: Some(&figures),
            previous_fs_flags: self.flags.as_deref(),
            path: Some(&path),
            ..Observation::default()
        };
        let seen = Seen::judged(scope, &obs, data, data_error);
        self.previous = info;
        self.flags = Some(figures.mount.flags.clone());
        seen
    }
}

impl Observe for FilesystemObserver {
    fn observe<'a>(&'a mut self, scope: Scope<'a>) -> Observing<'a> {
        Box::pin(self.observe_filesystem(scope))
    }
}
