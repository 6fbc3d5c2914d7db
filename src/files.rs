//! Opening files whose paths someone else controls (pidfiles, checked files, content and
//! pattern files, programs) so that the path cannot stall or fool the daemon.
//!
//! A path is first opened with `O_PATH`, which opens no device and waits for no FIFO writer,
//! and its type is read from that descriptor: anything but a regular file is an error of
//! the caller's service ("/run/x.pid is a fifo, not a regular file"). Only then is the same
//! inode opened for reading, through `/proc/self/fd`, with `O_NONBLOCK | O_NOCTTY`, so a
//! path swapped for a FIFO or a device in between is never opened instead. These calls can
//! still block on a hung network filesystem, like any file operation: callers run them off
//! the async threads (see `engine::blocking`).

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::path::Path;

use rustix::fs::{FileType, Mode, OFlags};

/// What `fstat` said of an opened regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opened {
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub device: u64,
    pub inode: u64,
    /// Modification time, seconds and nanoseconds since the epoch.
    pub mtime: (i64, u32),
}

impl Opened {
    pub fn modified(&self) -> std::time::SystemTime {
        let (secs, nanos) = self.mtime;
        let since = std::time::Duration::new(secs.unsigned_abs(), nanos);
        if secs >= 0 { std::time::UNIX_EPOCH + since } else { std::time::UNIX_EPOCH - since }
    }
}

/// The name of a file type, as the errors say it.
pub fn type_name(kind: FileType) -> &'static str {
    match kind {
        FileType::RegularFile => "regular file",
        FileType::Directory => "directory",
        FileType::Symlink => "symbolic link",
        FileType::Fifo => "fifo",
        FileType::Socket => "socket",
        FileType::CharacterDevice => "character device",
        FileType::BlockDevice => "block device",
        FileType::Unknown => "special file",
    }
}

/// Opens a regular file for reading without blocking on what the path names; any other
/// type is an `InvalidInput` error that names it.
pub fn open_regular(path: &Path) -> io::Result<(File, Opened)> {
    let handle = rustix::fs::open(path, OFlags::PATH | OFlags::CLOEXEC, Mode::empty())?;
    let stat = rustix::fs::fstat(&handle)?;
    let kind = FileType::from_raw_mode(stat.st_mode);
    if kind != FileType::RegularFile {
        let wrong = WrongType { path: path.display().to_string(), kind: type_name(kind) };
        return Err(io::Error::new(io::ErrorKind::InvalidInput, wrong));
    }
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    let file = match rustix::fs::open(format!("/proc/self/fd/{}", handle.as_raw_fd()), flags, Mode::empty()) {
        Ok(fd) => fd,
        // Without /proc: the path again, and the inode compared with the one checked.
        Err(rustix::io::Errno::NOENT) => {
            let fd = rustix::fs::open(path, flags, Mode::empty())?;
            let again = rustix::fs::fstat(&fd)?;
            if (again.st_dev, again.st_ino) != (stat.st_dev, stat.st_ino) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{} changed while opened", path.display()),
                ));
            }
            fd
        }
        Err(e) => return Err(e.into()),
    };
    let opened = Opened {
        uid: stat.st_uid,
        gid: stat.st_gid,
        size: stat.st_size.max(0) as u64,
        device: stat.st_dev,
        inode: stat.st_ino,
        mtime: (stat.st_mtime, stat.st_mtime_nsec.clamp(0, 999_999_999) as u32),
    };
    Ok((File::from(file), opened))
}

/// Reads at most `limit` bytes of a regular file (see [`open_regular`]).
pub fn read_regular(path: &Path, limit: u64) -> io::Result<(Vec<u8>, Opened)> {
    let (file, opened) = open_regular(path)?;
    let mut bytes = Vec::with_capacity(opened.size.min(limit).min(64 * 1024) as usize);
    file.take(limit).read_to_end(&mut bytes)?;
    Ok((bytes, opened))
}

/// Whether an error is the one [`open_regular`] gives for a path of the wrong type.
pub fn is_wrong_type(error: &io::Error) -> bool {
    wrong_type_name(error).is_some()
}

/// The type [`open_regular`] found instead of a regular file ("directory", "fifo"), if that
/// is what the error says.
pub fn wrong_type_name(error: &io::Error) -> Option<&'static str> {
    error.get_ref().and_then(|e| e.downcast_ref::<WrongType>()).map(|w| w.kind)
}

/// The error of a path that names something other than a regular file.
#[derive(Debug)]
struct WrongType {
    path: String,
    kind: &'static str,
}

impl std::fmt::Display for WrongType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} is a {}, not a regular file", self.path, self.kind)
    }
}

impl std::error::Error for WrongType {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_read_with_its_owner_and_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "1234\n").unwrap();
        let (bytes, opened) = read_regular(&path, 1024).unwrap();
        assert_eq!(bytes, b"1234\n");
        assert_eq!(opened.uid, rustix::process::geteuid().as_raw());
        assert_eq!(opened.size, 5);
        assert_eq!(opened.modified(), std::fs::metadata(&path).unwrap().modified().unwrap());
        assert_eq!(read_regular(&path, 2).unwrap().0, b"12");
    }

    #[test]
    fn a_fifo_without_a_writer_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fifo");
        rustix::fs::mknodat(rustix::fs::CWD, &path, FileType::Fifo, Mode::from_raw_mode(0o600), 0).unwrap();
        let started = std::time::Instant::now();
        let error = read_regular(&path, 1024).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert!(is_wrong_type(&error));
        assert_eq!(error.to_string(), format!("{} is a fifo, not a regular file", path.display()));
    }

    #[test]
    fn directories_devices_and_missing_paths_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let error = read_regular(dir.path(), 10).unwrap_err();
        assert!(error.to_string().ends_with("is a directory, not a regular file"));
        assert_eq!(wrong_type_name(&error), Some("directory"));
        let tty = read_regular(Path::new("/dev/null"), 10).unwrap_err();
        assert!(tty.to_string().ends_with("/dev/null is a character device, not a regular file"), "{tty}");
        let missing = read_regular(&dir.path().join("none"), 10).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }
}
