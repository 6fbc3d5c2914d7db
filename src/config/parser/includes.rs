//! `include <glob>`: files are read relative to the including file, in sorted order,
//! pushed on the lexer stack; loops and runaway depth are errors, a glob that matches
//! nothing is fine, a plain path that does not exist is a warning (as in Monit). A glob
//! skips the directories it matches (as Monit does); a plain path naming a directory is an
//! error (Monit ignores it silently, which hides a missing `/*`). Files are opened without
//! blocking on a FIFO, and all the files of one load together stay within
//! [`MAX_INCLUDED_FILES`] and [`MAX_INCLUDED_BYTES`], so that includes cannot multiply a small
//! control file into unbounded work. An included `.yml`/`.yaml` file is read with the YAML
//! front end and merged.

use std::path::{Path, PathBuf};

use super::{Frame, Parser};
use crate::config::lexer::{Lexer, Token, TokenKind};
use crate::config::model::defaults::{MAX_INCLUDE_DEPTH, MAX_INCLUDED_BYTES, MAX_INCLUDED_FILES};
use crate::config::source::{Diagnostic, SourceFile, Span};
use crate::config::{ReadError, is_yaml_path, read_source, yaml};

impl Parser<'_> {
    pub(super) fn include(&mut self, span: Span, target: Token) {
        let pattern = match &target.kind {
            TokenKind::Word(w) | TokenKind::Str(w) => w.clone(),
            // Monit reads nothing and goes on; say so.
            TokenKind::Eof => {
                self.report(Diagnostic::warning(span, "'include' with no file or glob before the end of the file"));
                return;
            }
            _ => {
                self.report(Diagnostic::error(
                    target.span,
                    format!("unexpected {}, expected a file or glob after 'include'", target.describe()),
                ));
                return;
            }
        };
        let span = span.to(target.span);
        let base = self
            .frames
            .last()
            .and_then(|f| self.sources.get(f.lexer.file()))
            .and_then(|f| f.path.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        let full = if Path::new(&pattern).is_absolute() { PathBuf::from(&pattern) } else { base.join(&pattern) };
        let is_glob = pattern.contains(['*', '?', '[']);
        let mut paths: Vec<PathBuf> = if is_glob {
            match glob::glob(&full.to_string_lossy()) {
                // Monit skips the directories a glob matches (`conf.d/*` next to `conf.d/old/`).
                Ok(entries) => entries.filter_map(Result::ok).filter(|p| !p.is_dir()).collect(),
                Err(e) => {
                    self.report(Diagnostic::error(target.span, format!("invalid include pattern '{pattern}': {e}")));
                    return;
                }
            }
        } else if !full.exists() {
            self.report(Diagnostic::warning(target.span, format!("included file '{}' does not exist", full.display())));
            Vec::new()
        } else {
            vec![full]
        };
        paths.sort();
        // Push in reverse so that the first file is read first.
        let mut frames = Vec::new();
        for path in paths {
            if let Some(frame) = self.open_include(span, &path) {
                frames.push(frame);
            }
        }
        // The lookahead holds no token of the including file past the pattern (the include is
        // handled as soon as it is lexed), so the included tokens come next.
        for frame in frames.into_iter().rev() {
            self.frames.push(frame);
        }
    }

    /// Reads one included file: a lexer frame for monitrc, or a merge for YAML.
    fn open_include(&mut self, span: Span, path: &Path) -> Option<Frame> {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if self.frames.iter().any(|f| f.path == canonical) {
            self.report(Diagnostic::error(span, format!("include loop: '{}' includes itself", path.display())));
            return None;
        }
        if self.frames.len() >= MAX_INCLUDE_DEPTH {
            self.report(Diagnostic::error(span, format!("includes nested deeper than {MAX_INCLUDE_DEPTH} files")));
            return None;
        }
        let full = if self.included.files >= MAX_INCLUDED_FILES {
            Some(format!("{MAX_INCLUDED_FILES} files"))
        } else {
            (self.included.bytes >= MAX_INCLUDED_BYTES).then(|| format!("{} MB of files", MAX_INCLUDED_BYTES >> 20))
        };
        if let Some(full) = full {
            let message = format!(
                "cannot include '{}': the control file already includes {full}, the most it may",
                path.display()
            );
            self.report(Diagnostic::error(span, message));
            return None;
        }
        let text = match read_source(path) {
            Ok(text) => text,
            Err(error) => {
                self.unreadable_include(span, path, error);
                return None;
            }
        };
        self.included.files += 1;
        self.included.bytes += text.len() as u64;
        let id = self.sources.add(SourceFile::new(path, text));
        let text = self.sources.get(id).map(|f| f.text.clone()).unwrap_or_default();
        if is_yaml_path(path) {
            // A YAML fragment holds whole services: the open one ends here.
            self.finish_service();
            match yaml::parse_yaml(&text, id) {
                Ok(fragment) => self.merge_fragment(fragment, id, &text),
                Err(d) => self.report(d),
            }
            return None;
        }
        Some(Frame { lexer: Lexer::new(text, id), path: canonical })
    }

    /// Reports an included file that could not be read: a directory, something other than a
    /// regular file, or bytes that are not text (shown at their place in that file).
    fn unreadable_include(&mut self, span: Span, path: &Path, error: ReadError) {
        let shown = path.display();
        let diagnostic = match error {
            ReadError::Directory => {
                Diagnostic::error(span, format!("cannot include '{shown}': it is a directory, not a control file"))
                    .with_help(format!(
                        "`include {}/*` includes the files in it",
                        shown.to_string().trim_end_matches('/')
                    ))
            }
            ReadError::NotText(not_text) => {
                let from = self.sources.location(span);
                not_text.diagnostic(path, "included file", self.sources).with_help(format!("included from {from}"))
            }
            ReadError::Unreadable(reason) => {
                Diagnostic::error(span, format!("cannot read included file '{shown}': {reason}"))
            }
        };
        self.report(diagnostic);
    }

    /// Adds the settings and services of an included YAML file.
    fn merge_fragment(&mut self, fragment: crate::config::model::Config, file: u32, text: &str) {
        let spans = yaml::service_spans(&fragment, file, text);
        crate::config::merge::merge_into(&mut self.parsed.config, fragment);
        self.parsed.spans.extend(spans);
    }
}
