//! Source files, spans and diagnostics: every error of a control file is reported as
//! `file:line:col: message` with the source line (a window of it, when long) and a caret
//! under the offending token. A load keeps at most [`MAX_KEPT`] errors and as many warnings
//! and counts the rest ("... and 7980 more warnings"), so that a hostile file's diagnostics
//! cost bounded memory and output.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::excerpt::{excerpt, shorten};

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

    /// The byte offset where a 1-based line starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line.saturating_sub(1)).copied().unwrap_or(self.text.len())
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

/// Most errors, and most warnings, one load keeps: past them they are only counted.
pub const MAX_KEPT: usize = 20;

/// Longest message or help shown, in characters; most embed a word of the file, which may
/// be as long as the file.
pub const MAX_MESSAGE: usize = 300;

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
        let message = shorten(&self.message, MAX_MESSAGE);
        match self.span {
            Some(span) => format!("{}: {kind}{message}", sources.location(span)),
            None => format!("{kind}{message}"),
        }
    }

    /// The headline, the source line (or a window of it) with a caret under the span, and
    /// the help.
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = self.headline(sources);
        if let Some((span, file)) = self.span.and_then(|s| sources.get(s.file).map(|f| (s, f))) {
            let (line, _) = file.line_col(span.start as usize);
            let line_start = file.line_start(line);
            let text = file.line_text(line);
            let start = (span.start as usize).saturating_sub(line_start);
            // A span that runs past its line gets a caret of one character.
            let end = (span.end as usize).saturating_sub(line_start);
            let end = if end <= text.len() { end } else { start };
            let shown = excerpt(text, start, end);
            let number = line.to_string();
            let pad = " ".repeat(number.len());
            out.push_str(&format!(
                "\n{pad} |\n{number} | {}\n{pad} | {}{}",
                shown.text,
                " ".repeat(shown.caret_col),
                "^".repeat(shown.caret_width)
            ));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("\n  = help: {}", shorten(help, MAX_MESSAGE)));
        }
        out
    }
}

/// The diagnostics of a load, errors and warnings, in the order found: the first
/// [`MAX_KEPT`] of each, and the number of the others.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    /// The diagnostics kept; add to them with [`Diagnostics::push`], which keeps the bound.
    pub items: Vec<Diagnostic>,
    omitted_errors: usize,
    omitted_warnings: usize,
    /// The parser stopped early, after this many errors.
    gave_up_after: Option<usize>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        let kept = self.items.iter().filter(|d| d.severity == diagnostic.severity).count();
        if kept < MAX_KEPT {
            self.items.push(diagnostic);
        } else if diagnostic.is_error() {
            self.omitted_errors += 1;
        } else {
            self.omitted_warnings += 1;
        }
    }

    /// Records that the parser stopped after `errors` errors, for the count at the end.
    pub fn give_up(&mut self, errors: usize) {
        self.gave_up_after = Some(errors);
    }

    pub fn has_errors(&self) -> bool {
        self.omitted_errors > 0 || self.items.iter().any(Diagnostic::is_error)
    }

    /// The errors kept.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.is_error())
    }

    /// The warnings kept.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| !d.is_error())
    }

    /// All errors, the ones not kept included.
    pub fn error_count(&self) -> usize {
        self.errors().count() + self.omitted_errors
    }

    /// All warnings, the ones not kept included.
    pub fn warning_count(&self) -> usize {
        self.warnings().count() + self.omitted_warnings
    }

    /// "... and 80 more errors (the parser gave up after 100 errors)", when errors were not kept.
    pub fn errors_notice(&self) -> Option<String> {
        let n = self.omitted_errors;
        let more = (n > 0).then(|| format!("... and {n} more {}", plural(n, "error")));
        let stopped = self.gave_up_after.map(|after| format!("the parser gave up after {after} errors"));
        match (more, stopped) {
            (Some(more), Some(stopped)) => Some(format!("{more} ({stopped})")),
            (more, stopped) => more.or(stopped),
        }
    }

    /// "... and 7980 more warnings", when warnings were not kept.
    pub fn warnings_notice(&self) -> Option<String> {
        match self.omitted_warnings {
            0 => None,
            n => Some(format!("... and {n} more {}", plural(n, "warning"))),
        }
    }

    /// Every diagnostic kept, rendered in the order of the files and lines they are at (those
    /// without a place first, as found), then the notices of those not kept.
    pub fn render(&self, sources: &SourceMap) -> Vec<String> {
        let rendered = in_file_order(self.items.iter()).into_iter().map(|d| d.render(sources));
        rendered.chain(self.errors_notice()).chain(self.warnings_notice()).collect()
    }

    /// The warnings kept, rendered in file and line order, then the notice of those not kept.
    pub fn render_warnings(&self, sources: &SourceMap) -> Vec<String> {
        let rendered = in_file_order(self.warnings()).into_iter().map(|d| d.render(sources));
        rendered.chain(self.warnings_notice()).collect()
    }
}

/// Diagnostics by place: the parser and the checks after it find them in different orders,
/// and a reader (and Monit's `-t`) goes down the file. Files come in the order they were
/// first read, the control file first; the sort is stable.
fn in_file_order<'a>(diagnostics: impl Iterator<Item = &'a Diagnostic>) -> Vec<&'a Diagnostic> {
    let mut sorted: Vec<&Diagnostic> = diagnostics.collect();
    sorted.sort_by_key(|d| d.span.map(|s| (s.file, s.start)));
    sorted
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { word.to_owned() } else { format!("{word}s") }
}

/// A configuration that failed to load: its diagnostics and the sources to show them with.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub diagnostics: Diagnostics,
    pub sources: SourceMap,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", self.diagnostics.render(&self.sources).join("\n"))
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
    #[test]
    fn diagnostics_render_in_file_and_line_order_whatever_order_they_were_found_in() {
        let mut map = SourceMap::default();
        let main = map.add(SourceFile::new("monitrc", "a\nb\nc\n".to_owned()));
        let included = map.add(SourceFile::new("conf.d/x", "d\n".to_owned()));
        let mut diags = Diagnostics::default();
        diags.push(Diagnostic::error(Span::new(included, 0, 1), "in the include"));
        diags.push(Diagnostic::error(Span::new(main, 4, 5), "line 3"));
        diags.push(Diagnostic::warning(Span::new(main, 2, 3), "line 2"));
        diags.push(Diagnostic::global("no place"));
        diags.push(Diagnostic::error(Span::new(main, 0, 1), "line 1"));
        let firsts: Vec<String> =
            diags.render(&map).iter().map(|r| r.lines().next().unwrap_or_default().to_owned()).collect();
        assert_eq!(
            firsts,
            [
                "no place",
                "monitrc:1:1: line 1",
                "monitrc:2:1: warning: line 2",
                "monitrc:3:1: line 3",
                "conf.d/x:1:1: in the include"
            ]
        );
    }

    #[test]
    fn a_load_keeps_twenty_errors_and_twenty_warnings_and_counts_the_rest() {
        let mut map = SourceMap::default();
        let id = map.add(SourceFile::new("monitrc", "x ".repeat(100)));
        let mut diags = Diagnostics::default();
        for i in 0..100 {
            diags.push(Diagnostic::error(Span::new(id, 2 * i, 2 * i + 1), "bad"));
            diags.push(Diagnostic::warning(Span::new(id, 2 * i, 2 * i + 1), "odd"));
        }
        diags.push(Diagnostic::warning(Span::new(id, 0, 1), "odd"));
        assert_eq!(diags.items.len(), 2 * MAX_KEPT);
        assert_eq!((diags.error_count(), diags.warning_count()), (100, 101));
        assert!(diags.has_errors());
        let rendered = diags.render(&map);
        assert_eq!(rendered.len(), 2 * MAX_KEPT + 2);
        assert_eq!(rendered[rendered.len() - 2..], ["... and 80 more errors", "... and 81 more warnings"]);
        diags.give_up(100);
        assert_eq!(diags.errors_notice().unwrap(), "... and 80 more errors (the parser gave up after 100 errors)");
        let one = Diagnostics::default();
        assert_eq!((one.errors_notice(), one.warnings_notice()), (None, None));
    }

    #[test]
    fn a_diagnostic_far_into_a_long_line_is_a_few_lines_long() {
        let mut map = SourceMap::default();
        let line = format!("{}bogus{}", "a ".repeat(500_000), " b".repeat(500_000));
        let id = map.add(SourceFile::new("monitrc", format!("set daemon 5\n{line}\n")));
        let start = 13 + 1_000_000;
        let long = "m".repeat(10_000);
        let d = Diagnostic::error(Span::new(id, start, start + 5), long.clone()).with_help(long);
        let rendered = d.render(&map);
        assert!(rendered.len() < 2 * MAX_MESSAGE + 400, "{} bytes", rendered.len());
        let lines: Vec<&str> = rendered.lines().collect();
        assert!(lines[0].starts_with("monitrc:2:1000001: mmmm") && lines[0].ends_with("m..."), "{}", lines[0]);
        assert!(lines[2].starts_with("2 | ...a a a") && lines[2].contains("bogus b b"), "{}", lines[2]);
        assert_eq!(lines[3].find('^'), lines[2].find("bogus"));
        assert!(lines[3].ends_with("^^^^^"));
    }
}
