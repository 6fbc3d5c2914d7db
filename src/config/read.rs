//! Reading one source file (the control file or an included one): a regular file opened
//! without blocking on a FIFO or a device ([`crate::files::open_regular`]), at most
//! [`MAX_FILE_SIZE`] bytes, and text. Bytes that are not text are not an offset in a message
//! but a place in the file: the caller gets the text read leniently, to show `file:line:col`
//! and the line like any other error.

use std::io::Read;
use std::path::Path;

use super::source::{Diagnostic, SourceFile, SourceMap, Span};
use crate::files;

/// Largest control file (or included file) we read: a monitrc is kilobytes; anything of this
/// size is a mistake, and reading it whole would cost the daemon its memory.
pub const MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// Why a source file was not read.
/// Its text is the reason as a sentence about the file ("it is a directory").
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The path names a directory.
    #[error("it is a directory")]
    Directory,
    /// It could not be opened or read, or is too large: the reason ("no such file",
    /// "it is a fifo, not a regular file").
    #[error("{0}")]
    Unreadable(String),
    /// It was read, but it is not UTF-8 text.
    #[error("{}", .0.reason)]
    NotText(NotText),
}

/// A file that is not text: its bytes read leniently (invalid UTF-8 replaced by U+FFFD), and
/// the byte offset in that text of the first byte that is not text.
#[derive(Debug)]
pub struct NotText {
    pub text: String,
    pub offset: usize,
    /// "it is not UTF-8 text (invalid byte 0xe9)", "it is not a text file (a NUL byte)".
    pub reason: String,
}

impl NotText {
    /// Adds the text to `sources` and returns the error at the first byte that is not text:
    /// "cannot read {what}: it is not UTF-8 text (invalid byte 0xe9)".
    pub fn diagnostic(self, path: &Path, what: &str, sources: &mut SourceMap) -> Diagnostic {
        let width = self.text.get(self.offset..).and_then(|rest| rest.chars().next()).map_or(1, char::len_utf8);
        let id = sources.add(SourceFile::new(path, self.text));
        Diagnostic::error(
            Span::new(id, self.offset, self.offset + width),
            format!("cannot read {what}: {}", self.reason),
        )
    }
}

/// Reads a source file: a regular file, at most [`MAX_FILE_SIZE`], valid UTF-8 text.
pub fn read_source(path: &Path) -> Result<String, ReadError> {
    let (file, opened) = files::open_regular(path).map_err(|e| open_error(&e))?;
    if opened.size > MAX_FILE_SIZE {
        return Err(too_large(opened.size));
    }
    let mut bytes = Vec::with_capacity(opened.size as usize);
    // One byte more than the limit tells a file that grew past it since the check.
    file.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes).map_err(|e| ReadError::Unreadable(io_reason(&e)))?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(too_large(bytes.len() as u64));
    }
    check_text(bytes).map_err(ReadError::NotText)
}

/// The bytes as text, or where and why they are not: the first NUL byte (binary data) or
/// invalid UTF-8 sequence, whichever comes first.
pub fn check_text(bytes: Vec<u8>) -> Result<String, NotText> {
    let nul = bytes.iter().position(|&b| b == 0);
    match String::from_utf8(bytes) {
        Ok(text) => match nul {
            None => Ok(text),
            Some(offset) => Err(NotText { text, offset, reason: nul_reason() }),
        },
        Err(error) => {
            let bad = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            match nul {
                // Before the first invalid byte, the lenient text is the bytes themselves.
                Some(offset) if offset < bad => Err(NotText { text, offset, reason: nul_reason() }),
                _ => {
                    let reason = format!("it is not UTF-8 text (invalid byte {:#04x})", bytes[bad]);
                    Err(NotText { text, offset: bad, reason })
                }
            }
        }
    }
}

fn nul_reason() -> String {
    "it is not a text file (a NUL byte)".to_owned()
}

fn too_large(size: u64) -> ReadError {
    ReadError::Unreadable(format!(
        "it is {} MB, larger than the {} MB a control file may be",
        size >> 20,
        MAX_FILE_SIZE >> 20
    ))
}

fn open_error(error: &std::io::Error) -> ReadError {
    match files::wrong_type_name(error) {
        Some("directory") => ReadError::Directory,
        // A FIFO or device would block or never end.
        Some(kind) => ReadError::Unreadable(format!("it is a {kind}, not a regular file")),
        None => ReadError::Unreadable(io_reason(error)),
    }
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_text() {
        assert_eq!(check_text(b"set daemon 5\n".to_vec()).unwrap(), "set daemon 5\n");
    }

    #[test]
    fn an_invalid_byte_is_found_in_the_lenient_text() {
        let error = check_text(b"ab\ncaf\xe9 x".to_vec()).unwrap_err();
        assert_eq!(error.offset, 6);
        assert_eq!(&error.text[..6], "ab\ncaf");
        assert_eq!(error.reason, "it is not UTF-8 text (invalid byte 0xe9)");
    }

    #[test]
    fn the_first_of_a_nul_and_an_invalid_byte_is_reported() {
        let nul_first = check_text(b"a\0b\xff".to_vec()).unwrap_err();
        assert_eq!((nul_first.offset, nul_first.reason.as_str()), (1, "it is not a text file (a NUL byte)"));
        // An invalid byte before the NUL is the one reported.
        let nul_after = check_text(b"\xff\xfe\0".to_vec()).unwrap_err();
        assert_eq!(nul_after.offset, 0);
        let only_nul = check_text(b"xy\0".to_vec()).unwrap_err();
        assert_eq!(only_nul.offset, 2);
    }

    #[test]
    fn directories_and_fifos_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(read_source(dir.path()), Err(ReadError::Directory)));
        let fifo = dir.path().join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        assert_eq!(read_source(&fifo).unwrap_err().to_string(), "it is a fifo, not a regular file");
        assert_eq!(read_source(&dir.path().join("none")).unwrap_err().to_string(), "no such file");
    }
}
