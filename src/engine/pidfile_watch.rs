//! Following rewritten pidfiles at once: one inotify instance watches the directories of
//! every `check process ... pidfile` service, and a pidfile written or moved into place
//! makes its service check now (a restart done outside rmonit is seen in milliseconds,
//! not at the next cycle).

use std::collections::HashMap;
use std::ffi::OsString;
use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use rustix::fs::inotify;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::debug;

use super::service::Command;

/// Watches the pidfiles until cancelled. Where inotify is unavailable nothing is watched
/// and the cycles notice changes as before.
pub async fn run(pidfiles: Vec<(PathBuf, mpsc::UnboundedSender<Command>)>, cancel: CancellationToken) {
    if pidfiles.is_empty() {
        return;
    }
    let Ok(fd) = inotify::init(inotify::CreateFlags::NONBLOCK | inotify::CreateFlags::CLOEXEC) else { return };
    // wd -> (file name -> services)
    let mut watches: HashMap<i32, HashMap<OsString, Vec<mpsc::UnboundedSender<Command>>>> = HashMap::new();
    let mut dirs: HashMap<PathBuf, i32> = HashMap::new();
    for (path, sender) in pidfiles {
        let (Some(dir), Some(name)) =
            (path.parent().map(Path::to_path_buf), path.file_name().map(|n| n.to_os_string()))
        else {
            continue;
        };
        let wd = match dirs.get(&dir) {
            Some(wd) => *wd,
            None => {
                match inotify::add_watch(&fd, &dir, inotify::WatchFlags::CLOSE_WRITE | inotify::WatchFlags::MOVED_TO) {
                    Ok(wd) => {
                        dirs.insert(dir.clone(), wd);
                        wd
                    }
                    Err(e) => {
                        debug!("cannot watch {} for pidfile changes: {e}", dir.display());
                        continue;
                    }
                }
            }
        };
        watches.entry(wd).or_default().entry(name).or_default().push(sender);
    }
    // SAFETY: the fd is a fresh inotify instance owned by this AsyncFd alone.
    let Ok(fd) = (unsafe { AsyncFd::<OwnedFd>::register_with_interest(fd, Interest::READABLE) }) else { return };
    let mut buf = [MaybeUninit::<u8>::uninit(); 4096];
    loop {
        let mut guard = tokio::select! {
            _ = cancel.cancelled() => return,
            ready = fd.readable() => match ready {
                Ok(guard) => guard,
                Err(_) => return,
            },
        };
        let mut reader = inotify::Reader::new(fd.get_ref(), &mut buf);
        loop {
            match reader.next() {
                Ok(event) => {
                    let Some(name) = event.file_name() else { continue };
                    let name = std::ffi::OsStr::new(std::str::from_utf8(name.to_bytes()).unwrap_or_default());
                    if let Some(senders) = watches.get(&event.wd()).and_then(|names| names.get(name)) {
                        for sender in senders {
                            let _ = sender.send(Command::CheckNow);
                        }
                    }
                }
                Err(rustix::io::Errno::AGAIN) => {
                    guard.clear_ready();
                    break;
                }
                Err(_) => return,
            }
        }
    }
}
