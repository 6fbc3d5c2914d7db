//! Files, fifos and directories: existence, type, permission, owner, timestamps, size,
//! checksum (MD5, SHA1, SHA256; computed off the async threads by the caller) and content
//! read line by line from where the last cycle stopped.

use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use regex::Regex;

use crate::config::model::{ContentPattern, HashType, PatternSource};
use crate::state::status::ContentPosition;

/// What `stat` says about a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct FileInfo {
    pub kind: FileKind,
    /// Permission bits (`0o644`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub inode: u64,
    pub device: u64,
    /// Seconds since the epoch.
    pub atime: i64,
    pub ctime: i64,
    pub mtime: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    #[default]
    Regular,
    Directory,
    Fifo,
    Socket,
    Other,
}

impl FileKind {
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Regular => "regular file",
            FileKind::Directory => "directory",
            FileKind::Fifo => "fifo",
            FileKind::Socket => "socket",
            FileKind::Other => "special file",
        }
    }
}

/// `stat` of a path (following links, as Monit does); `None` when it does not exist.
/// The figures `status` and the XML show of a file, fifo or directory: `checksum` is the
/// last sum of a checksum rule, computed with `hash`; `content_rules` whether `if content`
/// rules watch the file.
pub fn status_data(
    info: &FileInfo,
    checksum: Option<&str>,
    hash: Option<HashType>,
    content_rules: bool,
) -> crate::state::FileData {
    let hash_name = match hash {
        Some(HashType::Sha1) => "SHA1",
        Some(HashType::Sha256) => "SHA256",
        _ => "MD5",
    };
    crate::state::FileData {
        mode: info.mode,
        uid: info.uid,
        gid: info.gid,
        size: (info.kind == FileKind::Regular).then_some(info.size),
        access: info.atime,
        change: info.ctime,
        modify: info.mtime,
        checksum: checksum.map(|sum| (sum.to_owned(), hash_name.to_owned())),
        content_rules,
    }
}

pub fn stat(path: &Path) -> std::io::Result<Option<FileInfo>> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let ft = meta.file_type();
    let kind = if ft.is_file() {
        FileKind::Regular
    } else if ft.is_dir() {
        FileKind::Directory
    } else if ft.is_fifo() {
        FileKind::Fifo
    } else if ft.is_socket() {
        FileKind::Socket
    } else {
        FileKind::Other
    };
    Ok(Some(FileInfo {
        kind,
        mode: meta.mode() & 0o7777,
        uid: meta.uid(),
        gid: meta.gid(),
        size: meta.size(),
        inode: meta.ino(),
        device: meta.dev(),
        atime: meta.atime(),
        ctime: meta.ctime(),
        mtime: meta.mtime(),
    }))
}

/// The checksum of a file's content, as lowercase hex. Blocking: call it off the async
/// threads.
pub fn checksum(path: &Path, hash: HashType) -> std::io::Result<String> {
    use md5::Digest as _;
    let (mut file, _) = crate::files::open_regular(path)?;
    let mut buf = vec![0u8; 64 * 1024];
    macro_rules! digest {
        ($hasher:expr) => {{
            let mut hasher = $hasher;
            loop {
                let n = file.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
            }
            hasher.finalize().iter().map(|b| format!("{b:02x}")).collect::<String>()
        }};
    }
    Ok(match hash {
        HashType::Md5 => digest!(md5::Md5::new()),
        HashType::Sha1 => digest!(sha1::Sha1::new()),
        HashType::Sha256 => digest!(sha2::Sha256::new()),
    })
}

/// Reads the complete lines added since `position` (all from the start after truncation or
/// a new inode; none, but the position set to the end, the first time). Lines are cut to
/// `max_line` bytes. At most `budget` bytes are read per call.
pub fn new_lines(
    path: &Path,
    info: &FileInfo,
    position: &mut Option<ContentPosition>,
    max_line: usize,
    budget: u64,
) -> std::io::Result<Vec<String>> {
    let Some(previous) = *position else {
        *position = Some(ContentPosition { inode: info.inode, offset: info.size });
        return Ok(Vec::new());
    };
    let start = if previous.inode != info.inode || info.size < previous.offset { 0 } else { previous.offset };
    let (mut file, _) = crate::files::open_regular(path)?;
    file.seek(SeekFrom::Start(start))?;
    let mut data = Vec::new();
    file.take(budget).read_to_end(&mut data)?;
    // Only complete lines: the rest is read again next time.
    let complete = data.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    *position = Some(ContentPosition { inode: info.inode, offset: start + complete as u64 });
    Ok(data[..complete]
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| String::from_utf8_lossy(&l[..l.len().min(max_line)]).into_owned())
        .collect())
}

/// A content pattern's regexes (one, or the lines of a pattern file, read and compiled when
/// the control file was loaded).
#[derive(Debug, Clone)]
pub struct Matcher {
    pub matches: bool,
    regexes: Vec<Regex>,
}

impl Matcher {
    pub fn new(pattern: &ContentPattern) -> Result<Matcher, String> {
        let regexes = match &pattern.pattern {
            PatternSource::Regex(r) => vec![r.regex().clone()],
            PatternSource::File(file) => match &file.lines {
                Ok(lines) => lines.iter().map(|p| p.regex().clone()).collect(),
                Err(e) => return Err(e.run_time_message(&file.path)),
            },
        };
        Ok(Matcher { matches: pattern.matches, regexes })
    }

    /// Whether a line fires the rule: it matches (`=`) or does not match (`!=`).
    pub fn fires(&self, line: &str) -> bool {
        self.regexes.iter().any(|r| r.is_match(line)) == self.matches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_data_of_a_file_and_a_directory() {
        let info = FileInfo {
            kind: FileKind::Regular,
            mode: 0o644,
            uid: 1,
            gid: 2,
            size: 6,
            atime: 3,
            ctime: 4,
            mtime: 5,
            ..Default::default()
        };
        let data = status_data(&info, Some("abc"), Some(HashType::Sha1), true);
        assert_eq!((data.mode, data.uid, data.gid, data.size), (0o644, 1, 2, Some(6)));
        assert_eq!((data.access, data.change, data.modify), (3, 4, 5));
        assert_eq!(data.checksum, Some(("abc".to_owned(), "SHA1".to_owned())));
        assert!(data.content_rules);
        let dir = status_data(&FileInfo { kind: FileKind::Directory, ..info }, None, None, false);
        assert_eq!((dir.size, dir.checksum, dir.content_rules), (None, None, false));
    }

    #[test]
    fn checksums_of_known_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "hello\n").unwrap();
        assert_eq!(checksum(&path, HashType::Md5).unwrap(), "b1946ac92492d2347c6235b4d2611184");
        assert_eq!(checksum(&path, HashType::Sha1).unwrap(), "f572d396fae9206628714fb2ce00f72e94f2258f");
        assert_eq!(
            checksum(&path, HashType::Sha256).unwrap(),
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
        );
    }

    #[test]
    fn content_reads_new_complete_lines_and_restarts_on_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, "old line\n").unwrap();
        let mut pos = None;
        let info = stat(&path).unwrap().unwrap();
        assert!(
            new_lines(&path, &info, &mut pos, 512, 1 << 20).unwrap().is_empty(),
            "the first look starts at the end"
        );
        std::fs::write(&path, "old line\nERROR one\npartial").unwrap();
        let info = stat(&path).unwrap().unwrap();
        assert_eq!(new_lines(&path, &info, &mut pos, 512, 1 << 20).unwrap(), ["ERROR one"]);
        std::fs::write(&path, "old line\nERROR one\npartial rest\n").unwrap();
        let info = stat(&path).unwrap().unwrap();
        assert_eq!(new_lines(&path, &info, &mut pos, 512, 1 << 20).unwrap(), ["partial rest"]);
        // Rotation: a new, shorter file is read from its start.
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, "fresh\n").unwrap();
        let info = stat(&path).unwrap().unwrap();
        assert_eq!(new_lines(&path, &info, &mut pos, 512, 1 << 20).unwrap(), ["fresh"]);
    }

    #[test]
    fn matchers_fire_on_match_or_mismatch() {
        let m = Matcher::new(&ContentPattern { matches: true, pattern: PatternSource::Regex("ERR".into()) }).unwrap();
        assert!(m.fires("an ERROR") && !m.fires("fine"));
        let n = Matcher::new(&ContentPattern { matches: false, pattern: PatternSource::Regex("^OK".into()) }).unwrap();
        assert!(n.fires("bad") && !n.fires("OK go"));
    }

    #[test]
    fn stat_tells_kinds() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(stat(dir.path()).unwrap().unwrap().kind, FileKind::Directory);
        assert_eq!(stat(&dir.path().join("none")).unwrap(), None);
    }
}

/// The per-service state of a file check between cycles, and its observation.
#[derive(Debug, Clone, Default)]
pub struct FileWatch {
    /// What the last cycle saw.
    pub previous: Option<FileInfo>,
    pub previous_checksum: Option<String>,
    /// The first checksum seen: `if failed checksum` without `expect` compares with it.
    pub baseline: Option<String>,
    pub position: Option<ContentPosition>,
    hash: Option<HashType>,
    /// The file's identity when it was last hashed, and how many cycles ago: unchanged
    /// metadata (inode, size, mtime, ctime) means unchanged content, so the hash is reused
    /// (re-checked every [`REHASH_EVERY`] cycles anyway).
    hashed: Option<(FileInfo, String, u32)>,
    ignores: Vec<Matcher>,
    /// (rule index, matcher) of every content rule.
    content: Vec<(usize, Matcher)>,
}

/// Cycles after which a file is hashed again even if its metadata did not change.
pub const REHASH_EVERY: u32 = 60;

/// What one observation of a file found.
#[derive(Debug, Default)]
pub struct FileReport {
    pub info: Option<FileInfo>,
    pub checksum: Option<String>,
    /// Per content rule: the lines that fire it this cycle.
    pub content: Vec<(usize, Vec<String>)>,
    /// Data that could not be read (permission denied, ...).
    pub error: Option<String>,
}

impl FileWatch {
    /// Prepares the watch of a service from its rules (by index) and ignore patterns.
    pub fn new(rules: &[crate::config::model::Test], ignores: &[ContentPattern]) -> Result<FileWatch, String> {
        use crate::config::model::Test;
        let mut watch = FileWatch::default();
        for (i, test) in rules.iter().enumerate() {
            match test {
                Test::Checksum { hash, expect } => {
                    let guessed = expect.as_ref().and_then(|e| HashType::from_hex_len(e.len()));
                    watch.hash = hash.or(guessed).or(watch.hash).or(Some(HashType::Md5));
                }
                Test::ChecksumChanged { hash } => watch.hash = hash.or(watch.hash).or(Some(HashType::Md5)),
                Test::Content(pattern) => watch.content.push((i, Matcher::new(pattern)?)),
                _ => {}
            }
        }
        watch.ignores = ignores.iter().map(Matcher::new).collect::<Result<_, _>>()?;
        Ok(watch)
    }

    pub fn hash(&self) -> Option<HashType> {
        self.hash
    }

    /// Observes the file (blocking: stat, checksum, content reads).
    pub fn observe(&mut self, path: &Path, max_line: usize) -> FileReport {
        let mut report = FileReport::default();
        let info = match stat(path) {
            Ok(Some(info)) => info,
            Ok(None) => return report,
            Err(e) => {
                report.error = Some(format!("cannot read {}: {e}", path.display()));
                return report;
            }
        };
        report.info = Some(info);
        if let Some(hash) = self.hash.filter(|_| info.kind == FileKind::Regular) {
            let same =
                |a: &FileInfo| (a.inode, a.size, a.mtime, a.ctime) == (info.inode, info.size, info.mtime, info.ctime);
            let reused = match &mut self.hashed {
                Some((seen, sum, age)) if same(seen) && *age < REHASH_EVERY => {
                    *age += 1;
                    Some(sum.clone())
                }
                _ => None,
            };
            let computed = match reused {
                Some(sum) => Ok(sum),
                None => checksum(path, hash).inspect(|sum| self.hashed = Some((info, sum.clone(), 0))),
            };
            match computed {
                Ok(sum) => {
                    if self.baseline.is_none() {
                        self.baseline = Some(sum.clone());
                    }
                    report.checksum = Some(sum);
                }
                Err(e) => report.error = Some(format!("cannot compute the checksum of {}: {e}", path.display())),
            }
        }
        if !self.content.is_empty() && info.kind == FileKind::Regular {
            match new_lines(path, &info, &mut self.position, max_line, 16 << 20) {
                Ok(lines) => {
                    let kept: Vec<String> =
                        lines.into_iter().filter(|l| !self.ignores.iter().any(|m| m.fires(l))).collect();
                    for (index, matcher) in &self.content {
                        let fired: Vec<String> = kept.iter().filter(|l| matcher.fires(l)).cloned().collect();
                        report.content.push((*index, fired));
                    }
                }
                Err(e) => report.error = Some(format!("cannot read {}: {e}", path.display())),
            }
        }
        report
    }
}
