//! Source files, spans and diagnostics: every error of a control file is reported as
//! `file:line:col: message` with the source line and a caret under the offending token.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
pub type FileId = u32;

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span { file, start: clamp(start), end: clamp(end) }
    }

    /// A span covering both.
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// One file read for a configuration (the control file and everything it includes).
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: Arc<str>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: String) -> Self {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        SourceFile { path: path.into(), text: text.into(), line_starts }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        let col = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// The byte offset of a 1-based line and column (in characters).
    pub fn offset_of(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let line_text = &self.text[start..];
        start + line_text.char_indices().nth(col.saturating_sub(1)).map_or(line_text.len(), |(i, _)| i)
    }

    /// The text of a 1-based line, without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts.get(line - 1).copied().unwrap_or(self.text.len());
        let end = self.line_starts.get(line).map_or(self.text.len(), |&e| e.saturating_sub(1));
        self.text.get(start..end.max(start)).unwrap_or("").trim_end_matches('\r')
    }
}

/// All files of one configuration.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId::try_from(self.files.len() - 1).unwrap_or(FileId::MAX)
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id as usize)
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// `file:line:col` of a span.
    pub fn location(&self, span: Span) -> String {
        match self.get(span.file) {
            Some(file) => {
                let (line, col) = file.line_col(span.start as usize);
                format!("{}:{line}:{col}", file.path.display())
            }
            None => "<unknown>".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One message about a control file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Where it is; none for facts about the whole configuration without one place.
    pub span: Option<Span>,
    pub message: String,
    /// A hint such as "did you mean `cycles`?".
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(span: Span, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, span: Some(span), message: message.into(), help: None }
    }

    pub fn warning(span: Span, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, span: Some(span), message: message.into(), help: None }
    }

    /// An error with no place in a file (a missing control file, say).
    pub fn global(message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, span: None, message: message.into(), help: None }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col: message` (warnings say so), without the source excerpt.
    pub fn headline(&self, sources: &SourceMap) -> String {
        let kind = if self.is_error() { "" } else { "warning: " };
        match self.span {
            Some(span) => format!("{}: {kind}{}", sources.location(span), self.message),
            None => format!("{kind}{}", self.message),
        }
    }

    /// The headline, the source line with a caret under the span, and the help.
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = self.headline(sources);
        if let Some(file) = self.span.and_then(|s| sources.get(s.file).map(|f| (s, f))) {
            let (span, file) = file;
            let (line, col) = file.line_col(span.start as usize);
            let text = file.line_text(line);
            let (end_line, end_col) = file.line_col(span.end as usize);
            let width = if end_line == line { end_col.saturating_sub(col).max(1) } else { 1 };
            let number = line.to_string();
            let pad = " ".repeat(number.len());
            let shown: String = text.chars().map(|c| if c == '\t' { ' ' } else { c }).take(200).collect();
            out.push_str(&format!(
                "\n{pad} |\n{number} | {shown}\n{pad} | {}{}",
                " ".repeat(col - 1),
                "^".repeat(width.min(80))
            ));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("\n  = help: {help}"));
        }
        out
    }
}

/// Every diagnostic of a load, errors and warnings, in the order found.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| !d.is_error())
    }

    pub fn error_count(&self) -> usize {
        self.errors().count()
    }
}

/// A configuration that failed to load: its diagnostics and the sources to show them with.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub diagnostics: Diagnostics,
    pub sources: SourceMap,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let mut first = true;
        for diagnostic in &self.diagnostics.items {
            if !first {
                writeln!(f)?;
            }
            first = false;
            write!(f, "{}", diagnostic.render(&self.sources))?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// A path shown relative to nothing: as given, for messages.
pub fn display_path(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_in_characters() {
        let file = SourceFile::new("f", "ab\ncdé x\n".to_owned());
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(3), (2, 1));
        assert_eq!(file.line_col(8), (2, 5));
        assert_eq!(file.line_text(2), "cdé x");
    }

    #[test]
    fn a_diagnostic_renders_with_a_caret() {
        let mut map = SourceMap::default();
        let id = map.add(SourceFile::new("monitrc", "set daemon 30\nif cpu > 80% for 3 cyclez\n".to_owned()));
        let d = Diagnostic::error(Span::new(id, 33, 39), "expected 'cycles'").with_help("did you mean `cycles`?");
        assert_eq!(
            d.render(&map),
            "monitrc:2:20: expected 'cycles'\n  |\n2 | if cpu > 80% for 3 cyclez\n  |                    ^^^^^^\n  = help: did you mean `cycles`?"
        );
    }
}
