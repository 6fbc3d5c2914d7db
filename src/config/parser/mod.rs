//! The monitrc front end: a recursive-descent parser over the [`Lexer`]'s tokens that builds
//! the [`Config`] model directly, with `include` resolved in the token stream (as Monit's
//! lexer does) so it works anywhere, also inside a service block.
//!
//! The parser builds the model without an intermediate AST: the grammar is wide but shallow,
//! and the only facts later passes need that the model does not keep are a few positions
//! (service names, dependencies, program paths), kept in [`ServiceSpans`] beside it. Every
//! syntax error is recorded and parsing resumes at the next statement, so one run reports
//! every error of a file.

mod arguments;
mod connection;
mod includes;
pub(crate) mod reserved;
mod rules;
mod service;
mod set;
mod values;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use super::lexer::{Lexer, Token, TokenKind, is_noise};
use super::model::{Config, Pattern, PatternFile, ServiceConfig};
use super::source::{Diagnostic, Diagnostics, SourceFile, SourceMap, Span};

/// Positions of the parts of a service that the validator reports on.
#[derive(Debug, Clone, Default)]
pub struct ServiceSpans {
    pub name: Span,
    /// The path, pidfile, address or program of the `check` line.
    pub target: Span,
    /// One per `depends` entry, in order.
    pub depends: Vec<Span>,
    /// Start, stop, restart, exec and custom-action programs: (span, command).
    pub programs: Vec<(Span, String)>,
    /// `uid`/`gid` names: (span, name, is a group).
    pub accounts: Vec<(Span, String, bool)>,
    /// `content = FILE` pattern files, as read: (span, file).
    pub pattern_files: Vec<(Span, PatternFile)>,
    /// Custom actions named by rules: (span, name).
    pub custom_actions: Vec<(Span, String)>,
    /// `allow` host words (nets and host names): (span, word).
    pub hosts: Vec<(Span, String)>,
}

/// The result of parsing: the model and, per service (same index), its positions.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub config: Config,
    pub spans: Vec<ServiceSpans>,
    /// Global `uid`/`gid`/program facts the validator checks (httpd socket owner, ...).
    pub global: ServiceSpans,
    /// Statements that rmonit reads but does not apply, each with what it does instead:
    /// `-t` and the daemon's start warn at their line.
    pub unapplied: Vec<(Span, String)>,
}

/// Raised after a syntax error was recorded; the caller resynchronizes.
#[derive(Debug)]
pub(crate) struct Fail;

pub(crate) type PResult<T> = Result<T, Fail>;

/// Stop collecting after this many errors in one load: the rest is noise.
const MAX_ERRORS: usize = 100;

pub(crate) struct Frame {
    lexer: Lexer,
    /// The canonical path of the file, for loop detection.
    path: PathBuf,
}

/// How much the includes of one load have read.
#[derive(Debug, Default)]
struct Included {
    files: usize,
    bytes: u64,
}

pub struct Parser<'a> {
    pub(crate) sources: &'a mut SourceMap,
    pub(crate) diags: &'a mut Diagnostics,
    frames: Vec<Frame>,
    lookahead: VecDeque<Token>,
    /// End of the last consumed token, for "expected X after here" messages.
    last_span: Span,
    pub(crate) parsed: Parsed,
    /// The service being parsed, with its spans.
    pub(crate) current: Option<(ServiceConfig, ServiceSpans)>,
    errors: usize,
    /// The files included so far and their size, against the limits of all includes.
    included: Included,
    /// `$HOST` in service names is replaced by this.
    pub(crate) hostname: String,
}

/// Parses a control file from text (no includes are read relative to a real directory
/// unless `path` names one). Used by tests and by the loader.
pub fn parse_text(path: &Path, text: String, sources: &mut SourceMap, diags: &mut Diagnostics) -> Parsed {
    let id = sources.add(SourceFile::new(path, text));
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let text = sources.get(id).map(|f| f.text.clone()).unwrap_or_default();
    let mut parser = Parser {
        sources,
        diags,
        frames: vec![Frame { lexer: Lexer::new(text, id), path: canonical }],
        lookahead: VecDeque::new(),
        last_span: Span::new(id, 0, 0),
        parsed: Parsed::default(),
        current: None,
        errors: 0,
        included: Included::default(),
        hostname: local_hostname(),
    };
    parser.run();
    parser.parsed
}

/// The host's name, for `$HOST`.
pub fn local_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Words that start a statement; lists such as `depends a b c` end at one of them.
pub const STATEMENT_WORDS: &[&str] = &[
    "check",
    "set",
    "if",
    "include",
    "start",
    "stop",
    "restart",
    "depends",
    "depend",
    "group",
    "every",
    "mode",
    "onreboot",
    "alert",
    "noalert",
    "ignore",
    "environment",
    "env",
    "working",
    "action",
    "not",
];

/// The keywords that may start a statement inside a service block, for "did you mean".
const SERVICE_STATEMENTS: &[&str] = &[
    "if",
    "start",
    "stop",
    "restart",
    "depends",
    "group",
    "every",
    "not",
    "mode",
    "onreboot",
    "alert",
    "noalert",
    "ignore",
    "environment",
    "working",
    "action",
    "check",
    "set",
    "include",
];

impl Parser<'_> {
    fn run(&mut self) {
        loop {
            let token = self.peek().clone();
            let result = match &token.kind {
                TokenKind::Eof => break,
                _ if token.is_word("set") => {
                    self.finish_service();
                    self.next();
                    self.parse_set()
                }
                _ if token.is_word("check") && self.is_pattern_word_as_string("check", token.span) => {
                    self.next();
                    let message = "'check' starts a service only before a blank (Monit reads it as a word here)";
                    self.fail(token.span, message)
                }
                _ if token.is_word("check") => {
                    self.finish_service();
                    self.next();
                    self.parse_check()
                }
                _ if self.current.is_some() => self.parse_service_statement(),
                _ => {
                    let mut d = Diagnostic::error(
                        token.span,
                        format!("unexpected {}, expected 'set' or 'check'", token.describe()),
                    );
                    if let Some(s) = token.text().and_then(|t| suggest(t, &["set", "check", "include"])) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    self.report(d);
                    Err(Fail)
                }
            };
            if result.is_err() {
                if self.errors >= MAX_ERRORS {
                    self.diags.give_up(self.errors);
                    break;
                }
                self.recover();
            }
        }
        self.finish_service();
    }

    /// Pushes the service being parsed, if any, into the result.
    fn finish_service(&mut self) {
        if let Some((service, spans)) = self.current.take() {
            self.parsed.config.services.push(service);
            self.parsed.spans.push(spans);
        }
    }

    /// Skips to the next token that can start a statement.
    fn recover(&mut self) {
        loop {
            let token = self.peek_raw(0).clone();
            match &token.kind {
                TokenKind::Eof => return,
                TokenKind::Word(w) => {
                    let w = w.to_ascii_lowercase();
                    let starts = match w.as_str() {
                        "check" | "set" | "if" | "depends" | "depend" | "group" | "every" | "mode" | "onreboot"
                        | "noalert" | "ignore" | "environment" | "working" => true,
                        // As actions these follow `then`; as statements a program follows.
                        "start" | "stop" | "restart" => {
                            let next = self.peek_raw(1);
                            next.is_word("program") || matches!(&next.kind, TokenKind::Op(o) if o == "=")
                        }
                        _ => false,
                    };
                    if starts && self.current.is_some() || matches!(w.as_str(), "check" | "set") {
                        return;
                    }
                }
                _ => {}
            }
            self.next_raw();
        }
    }

    // ---- the token stream -------------------------------------------------------------

    /// Fills the lookahead with `n + 1` raw tokens, following includes.
    fn fill(&mut self, n: usize) {
        while self.lookahead.len() <= n {
            let Some(frame) = self.frames.last_mut() else {
                let span = self.last_span;
                self.lookahead.push_back(Token { kind: TokenKind::Eof, span });
                continue;
            };
            let token = frame.lexer.next_token();
            let service_name = frame.lexer.last_was_service_name();
            match &token.kind {
                TokenKind::Eof if self.frames.len() > 1 => {
                    self.frames.pop();
                }
                TokenKind::Word(w) if w.eq_ignore_ascii_case("include") && !service_name => {
                    let frame = self.frames.last_mut().expect("checked above");
                    let target = frame.lexer.include_target();
                    self.include(token.span, target);
                }
                TokenKind::Invalid(message) => {
                    let message = format!("syntax error: {message}");
                    self.report(Diagnostic::error(token.span, message));
                }
                _ => self.lookahead.push_back(token),
            }
        }
    }

    /// The `n`th raw token ahead (noise words included).
    pub(crate) fn peek_raw(&mut self, n: usize) -> &Token {
        self.fill(n);
        &self.lookahead[n]
    }

    /// The next token that is not a noise word.
    pub(crate) fn peek(&mut self) -> &Token {
        loop {
            self.fill(0);
            let noise = matches!(&self.lookahead[0].kind, TokenKind::Word(w) if is_noise(w));
            if !noise {
                return &self.lookahead[0];
            }
            self.lookahead.pop_front();
        }
    }

    pub(crate) fn next_raw(&mut self) -> Token {
        self.fill(0);
        let token = self.lookahead.pop_front().expect("filled");
        self.last_span = token.span;
        token
    }

    pub(crate) fn next(&mut self) -> Token {
        self.peek();
        self.next_raw()
    }

    pub(crate) fn peek_is(&mut self, keyword: &str) -> bool {
        self.peek().is_word(keyword)
    }

    pub(crate) fn peek_is_any(&mut self, keywords: &[&str]) -> bool {
        let token = self.peek();
        keywords.iter().any(|k| token.is_word(k))
    }

    /// Consumes the keyword if it is next.
    pub(crate) fn eat(&mut self, keyword: &str) -> bool {
        if self.peek_is(keyword) {
            self.next();
            true
        } else {
            false
        }
    }

    /// Consumes an operator token if it is next (`=`, `>`...).
    pub(crate) fn eat_op(&mut self, op: &str) -> bool {
        if matches!(&self.peek().kind, TokenKind::Op(o) if o == op) {
            self.next();
            true
        } else {
            false
        }
    }

    /// The raw text of the current file up to the end of the line (lookahead must be empty).
    pub(crate) fn raw_line(&mut self) -> (String, Span) {
        debug_assert!(self.lookahead.is_empty());
        match self.frames.last_mut() {
            Some(frame) => frame.lexer.raw_line(),
            None => (String::new(), self.last_span),
        }
    }

    pub(crate) fn raw_until_brace(&mut self) -> (String, Span) {
        debug_assert!(self.lookahead.is_empty());
        match self.frames.last_mut() {
            Some(frame) => frame.lexer.raw_until_brace(),
            None => (String::new(), self.last_span),
        }
    }

    pub(crate) fn lookahead_is_empty(&self) -> bool {
        self.lookahead.is_empty()
    }

    // ---- errors -----------------------------------------------------------------------

    pub(crate) fn report(&mut self, diagnostic: Diagnostic) {
        if diagnostic.is_error() {
            self.errors += 1;
        }
        self.diags.push(diagnostic);
    }

    /// Compiles a regular expression of the file. One that does not compile is reported at
    /// `span` (as `-t` always reported it) and stands in the model as a pattern matching
    /// nothing, so that parsing goes on and every other error is still found.
    pub(crate) fn compile_pattern(&mut self, source: String, span: Span) -> Pattern {
        match Pattern::new(source) {
            Ok(pattern) => pattern,
            Err(error) => {
                self.report(Diagnostic::error(span, error.to_string()));
                Pattern::unmatchable(error.source)
            }
        }
    }

    /// Records an error at `span` and fails.
    pub(crate) fn fail<T>(&mut self, span: Span, message: impl Into<String>) -> PResult<T> {
        self.report(Diagnostic::error(span, message));
        Err(Fail)
    }

    /// Fails on the next token: "unexpected X, expected <what>", with a suggestion among
    /// `keywords` when the token looks like a misspelling of one.
    pub(crate) fn unexpected<T>(&mut self, what: &str, keywords: &[&str]) -> PResult<T> {
        let token = self.peek().clone();
        // At the end of a file, the span is the end of its text: the line Monit names too.
        let mut span = token.span;
        let mut message = format!("unexpected {}, expected {what}", token.describe());
        // A quoted string that runs over lines (a stray quote, most often): Monit counts its
        // newlines before it reports, so it names the line of the closing quote; so do we.
        let multiline = self.frames.last().is_some_and(|f| f.lexer.has_newline_between(span.start, span.end));
        if matches!(token.kind, TokenKind::Str(_)) && multiline {
            let start_line = self.sources.get(span.file).map_or(0, |f| f.line_col(span.start as usize).0);
            span = Span::new(span.file, span.end as usize - 1, span.end as usize);
            message.push_str(&format!(" (a string from line {start_line} to here: is a quote missing or stray?)"));
        }
        let mut d = Diagnostic::error(span, message);
        if let Some(s) =
            token.text().filter(|_| matches!(token.kind, TokenKind::Word(_))).and_then(|t| suggest(t, keywords))
        {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.report(d);
        Err(Fail)
    }

    /// Consumes one of `keywords` and returns it lowercased.
    pub(crate) fn expect_keyword(&mut self, keywords: &[&str], what: &str) -> PResult<(String, Span)> {
        let token = self.peek().clone();
        if let Some(k) = keywords.iter().find(|k| token.is_word(k)) {
            self.next();
            return Ok(((*k).to_owned(), token.span));
        }
        self.unexpected(what, keywords)
    }

    /// A word or quoted string.
    pub(crate) fn expect_value(&mut self, what: &str) -> PResult<(String, Span)> {
        let token = self.peek().clone();
        match token.kind {
            TokenKind::Word(w) | TokenKind::Str(w) => {
                self.next();
                Ok((w, token.span))
            }
            _ => self.unexpected(what, &[]),
        }
    }

    /// A quoted string or a word that is not a statement keyword.
    pub(crate) fn peek_is_value(&mut self) -> bool {
        match &self.peek().kind {
            TokenKind::Str(_) => true,
            TokenKind::Word(w) => !STATEMENT_WORDS.iter().any(|k| k.eq_ignore_ascii_case(w)),
            _ => false,
        }
    }

    /// The parser's service, for statements inside a `check` block.
    pub(crate) fn service(&mut self) -> &mut (ServiceConfig, ServiceSpans) {
        self.current.as_mut().expect("service statements are parsed inside a check block")
    }

    fn parse_service_statement(&mut self) -> PResult<()> {
        let token = self.peek().clone();
        let Some(word) = token.keyword() else {
            return self.unexpected("a service statement such as 'if', 'start' or 'depends'", SERVICE_STATEMENTS);
        };
        match word.as_str() {
            "if" => {
                self.next();
                self.parse_if()
            }
            "start" | "stop" | "restart" => self.parse_method(),
            "depends" | "depend" => {
                self.next();
                self.parse_depends()
            }
            "group" => {
                self.next();
                // Any word is the name, a noise word too (`group with`), as in Monit.
                let token = self.peek_raw(0).clone();
                let (group, span) = match &token.kind {
                    TokenKind::Word(w) if is_noise(w) => {
                        self.next_raw();
                        (w.clone(), token.span)
                    }
                    _ => self.expect_value("a group name")?,
                };
                if let Some(c) = group.chars().find(|&c| !is_group_name_char(c)) {
                    return self.fail(span, format!("a group name cannot contain {c:?}"));
                }
                self.service().0.groups.push(group);
                Ok(())
            }
            "every" => {
                let every = self.next().span;
                self.check_every_argument(every)?;
                self.parse_every(false)
            }
            "not" => {
                self.next();
                let (_, every) = self.expect_keyword(&["every"], "'every' (as in 'not every \"* 0-4 * * *\"')")?;
                self.check_every_argument(every)?;
                self.parse_every(true)
            }
            "mode" => {
                self.next();
                self.parse_mode()
            }
            "onreboot" => {
                self.next();
                let value = self.parse_onreboot()?;
                self.service().0.onreboot = Some(value);
                Ok(())
            }
            "alert" => {
                self.next();
                let alert = self.parse_alert_recipient()?;
                self.service().0.alerts.push(alert);
                Ok(())
            }
            "noalert" => {
                self.next();
                let (to, span) = self.expect_mail_address()?;
                self.check_mail_address(&to, span)?;
                self.service().0.noalerts.push(to);
                Ok(())
            }
            "ignore" => {
                let span = self.next().span;
                self.parse_ignore(span)
            }
            "environment" | "env" => {
                self.next();
                let var = self.parse_env_var()?;
                self.service().0.environment.push(var);
                Ok(())
            }
            "working" => {
                self.next();
                self.expect_keyword(&["directory"], "'directory'")?;
                let (dir, span) = self.expect_value("a directory path")?;
                let dir = self.resolve_path(dir, span)?;
                self.service().0.working_directory = Some(dir);
                Ok(())
            }
            "action" => {
                self.next();
                self.parse_custom_action()
            }
            _ => self.unexpected("a service statement such as 'if', 'start' or 'depends'", SERVICE_STATEMENTS),
        }
    }
}

/// Whether Monit's lexer keeps `c` in a group name (its `{str}`: no blanks, controls or
/// any of `!@:{}"';(),%`), quoted or not.
fn is_group_name_char(c: char) -> bool {
    c > '!' && !matches!(c, '@' | ':' | '{' | '}' | '"' | '\'' | ';' | '(' | ')' | ',' | '%')
}

/// The keyword closest to `word` (edit distance at most 2, and less than half its length).
pub(crate) fn suggest<'k>(word: &str, keywords: &[&'k str]) -> Option<&'k str> {
    // Two edits change a length by at most two characters, eight bytes: a megabyte-long word
    // is no keyword's misspelling, and costs no edit distance.
    let near = |k: &str| word.len().abs_diff(k.len()) <= 2 * 4;
    if !keywords.iter().any(|k| near(k)) {
        return None;
    }
    let word = word.to_ascii_lowercase();
    keywords
        .iter()
        .filter(|k| near(k))
        .map(|k| (edit_distance(&word, k), *k))
        .filter(|&(d, k)| d > 0 && d <= 2 && d * 2 < k.len().max(2))
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests;
