//! `check <type> <name> <target>` and the service statements that are not rules: methods,
//! dependencies, groups, schedules, modes, content filters and our extensions.

use super::arguments::Equals;
use super::reserved::{ValueToken, is_bare_word_char};
use super::{PResult, Parser, STATEMENT_WORDS, ServiceSpans};
use crate::config::lexer::{TokenKind, is_noise};
use crate::config::model::cron::CronSpec;
use crate::config::model::*;
use crate::config::source::{Diagnostic, Span};

/// A service name and where it stands.
type NameSpan = (String, Span);

const SERVICE_TYPES: &[&str] =
    &["process", "file", "fifo", "directory", "filesystem", "device", "host", "system", "program", "network"];

impl Parser<'_> {
    pub(super) fn parse_check(&mut self) -> PResult<()> {
        let (kind, rest) = self.parse_service_type()?;
        let implicit = kind.is_none();
        let kind = kind.unwrap_or_else(|| "process".to_owned());
        let (mut name, name_span) = match rest {
            Some(rest) => rest,
            None => self.parse_service_name()?,
        };
        if implicit && !self.peek_is_any(&["pidfile", "path", "matching"]) {
            let next = self.peek().span;
            if self.frames.last().is_some_and(|f| f.lexer.has_newline_between(name_span.end, next.start)) {
                // Where Monit finds the error: the line after `check <word>`.
                return self.unexpected("'pidfile', 'path' or 'matching' (or a service type after 'check')", &[]);
            }
            // `check <word>` is a process named <word> for Monit too, but a mistyped type
            // is the likelier reading when no process target follows.
            let message = format!("unexpected '{name}', expected a service type such as 'process', 'file' or 'host'");
            let mut d = Diagnostic::error(name_span, message);
            if let Some(s) = super::suggest(&name, SERVICE_TYPES) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            self.report(d);
            return Err(super::Fail);
        }
        if name.contains("$HOST") {
            name = name.replace("$HOST", &self.hostname);
        }
        if name.starts_with('/') {
            return self.fail(name_span, format!("a service name cannot start with '/': '{name}'"));
        }
        if name.is_empty() {
            return self.fail(name_span, "a service name cannot be empty");
        }
        let mut spans = ServiceSpans { name: name_span, target: name_span, ..ServiceSpans::default() };
        let check = match kind.as_str() {
            "process" => {
                let (how, _) =
                    self.expect_keyword(&["pidfile", "path", "matching"], "'pidfile', 'path' or 'matching'")?;
                let (value, span) = if how == "matching" {
                    self.expect_token_value(ValueToken::PathOrString, "a pattern")?
                } else {
                    self.expect_token_value(ValueToken::Path, "an absolute path")?
                };
                spans.target = span;
                match how.as_str() {
                    "pidfile" => {
                        let value = self.resolve_path(value, span)?;
                        ServiceKind::Process(ProcessTarget::Pidfile(value))
                    }
                    "path" => {
                        let value = self.resolve_path(value, span)?;
                        ServiceKind::Process(ProcessTarget::Path(value))
                    }
                    _ => ServiceKind::Process(ProcessTarget::Matching(self.compile_pattern(value, span))),
                }
            }
            "file" | "fifo" | "directory" | "filesystem" | "device" => {
                self.expect_keyword(&["path"], "'path'")?;
                let is_fs = matches!(kind.as_str(), "filesystem" | "device");
                let (path, span) = if is_fs {
                    self.expect_token_value(ValueToken::PathOrString, "a mount point, device or remote spec")?
                } else {
                    self.expect_token_value(ValueToken::Path, "an absolute path")?
                };
                spans.target = span;
                // A filesystem may be named by a device or a remote spec (`server:/export`).
                let path = if is_fs { path } else { self.resolve_path(path, span)? };
                match kind.as_str() {
                    "file" => ServiceKind::File { path },
                    "fifo" => ServiceKind::Fifo { path },
                    "directory" => ServiceKind::Directory { path },
                    _ => ServiceKind::Filesystem { path },
                }
            }
            "host" => {
                self.expect_keyword(&["address"], "'address'")?;
                let (address, span) = self.expect_token_value(ValueToken::String, "a host name or address")?;
                spans.target = span;
                ServiceKind::Host { address }
            }
            "system" => ServiceKind::System,
            "program" => {
                self.expect_keyword(&["path"], "'path'")?;
                let program = self.parse_program_tail(&mut spans, Equals::Never, "a command", false)?;
                spans.target = spans.programs.last().map_or(name_span, |p| p.0);
                ServiceKind::Program(program)
            }
            _ => {
                let (how, _) = self.expect_keyword(&["interface", "address"], "'interface' or 'address'")?;
                let (value, span) = self.expect_token_value(ValueToken::String, "an interface name or address")?;
                spans.target = span;
                ServiceKind::Network(if how == "interface" {
                    NetworkTarget::Interface(value)
                } else {
                    NetworkTarget::Address(value)
                })
            }
        };
        self.current = Some((ServiceConfig::new(name, check), spans));
        Ok(())
    }

    /// The type after `check`, as Monit's lexer reads it: `check` and the longest type word
    /// that starts the next word are one token (`check filex` is a file named `x`), and
    /// `check` before any other word is a process check named by that word. `process`
    /// alone needs a blank after it to count as the type. Returns the type and, when the
    /// word went on past the type, the rest of it as the name; no type for `check <word>`.
    fn parse_service_type(&mut self) -> PResult<(Option<String>, Option<NameSpan>)> {
        let token = self.peek_raw(0).clone();
        let word = match &token.kind {
            TokenKind::Word(w) => w.clone(),
            TokenKind::Str(_) => return Ok((None, None)),
            _ => return self.unexpected("a service type such as 'process', 'file' or 'host'", SERVICE_TYPES),
        };
        let lower = word.to_ascii_lowercase();
        if lower == "process" {
            self.next_raw();
            return Ok((Some(lower), None));
        }
        let longest =
            SERVICE_TYPES.iter().filter(|t| **t != "process" && lower.starts_with(**t)).max_by_key(|t| t.len());
        let Some(kind) = longest else { return Ok((None, None)) };
        self.next_raw();
        let rest = (word.len() > kind.len()).then(|| {
            let start = token.span.start as usize + kind.len();
            (word[kind.len()..].to_owned(), Span::new(token.span.file, start, token.span.end as usize))
        });
        if let Some((rest, span)) = &rest {
            self.check_service_name_word(rest, *span)?;
        }
        Ok((Some((*kind).to_owned()), rest))
    }

    /// The service name: the next token whatever it is (a noise word or a keyword too, as in
    /// Monit), a bare word of Monit's word characters or a quoted string without control
    /// characters.
    fn parse_service_name(&mut self) -> PResult<(String, Span)> {
        let token = self.peek_raw(0).clone();
        match &token.kind {
            TokenKind::Word(w) => {
                self.check_service_name_word(w, token.span)?;
                self.next_raw();
                Ok((w.clone(), token.span))
            }
            TokenKind::Str(s) => {
                if let Some(c) = s.chars().find(|c| c.is_control() || *c == '"') {
                    return self.fail(token.span, format!("a service name cannot contain {c:?}"));
                }
                self.next_raw();
                Ok((s.clone(), token.span))
            }
            _ => self.unexpected("a service name", &[]),
        }
    }

    fn check_service_name_word(&mut self, word: &str, span: Span) -> PResult<()> {
        match word.chars().find(|c| !is_bare_word_char(*c)) {
            Some(c) => self.fail(span, format!("a service name cannot contain '{c}' unless quoted: \"{word}\"")),
            None => Ok(()),
        }
    }

    /// `"<command>" [as uid U] [as gid G] [with timeout N seconds]`, and for a start or
    /// restart program (`ready_allowed`) rmonit's `[with ready notification]`.
    pub(crate) fn parse_program_tail(
        &mut self,
        spans: &mut ServiceSpans,
        equals: Equals,
        what: &str,
        ready_allowed: bool,
    ) -> PResult<ProgramConfig> {
        let (command, span) = self.parse_arguments(equals, what)?;
        if command.trim().is_empty() {
            return self.fail(span, "the command is empty");
        }
        let command = self.resolve_program(command, span)?;
        spans.programs.push((span, command.clone()));
        let mut program = ProgramConfig::new(command);
        loop {
            if self.eat("uid") {
                let (uid, span) = self.expect_account("a user name or id")?;
                spans.accounts.push((span, uid.clone(), false));
                program.uid = Some(uid);
            } else if self.eat("gid") {
                let (gid, span) = self.expect_account("a group name or id")?;
                spans.accounts.push((span, gid.clone(), true));
                program.gid = Some(gid);
            } else if self.peek_is("timeout") && !self.peek_raw_is_word(1, "then") {
                self.next();
                let (timeout, tspan) = self.parse_timeout_seconds()?;
                if timeout.millis == 0 {
                    return self.fail(tspan, "a timeout must be greater than 0");
                }
                program.timeout = Some(timeout);
            } else if self.peek_is("ready") && self.peek_raw_is_word(1, "notification") {
                let span = self.next().span;
                self.next_raw();
                if !ready_allowed {
                    return self.fail(
                        span,
                        "'ready notification' is for start and restart programs only: a stop program, an exec \
                         action or a check program is not waited for",
                    );
                }
                program.ready_notification = true;
            } else {
                break;
            }
        }
        Ok(program)
    }

    /// `start|stop|restart [program] = "<cmd>" ...`.
    pub(super) fn parse_method(&mut self) -> PResult<()> {
        let (which, span) = self.expect_keyword(&["start", "stop", "restart"], "'start', 'stop' or 'restart'")?;
        let equals = self.equals_before_method_command(span.end);
        let mut spans = std::mem::take(&mut self.service().1);
        let result = self.parse_program_tail(&mut spans, equals, "a command in quotes", which != "stop");
        self.service().1 = spans;
        let program = result?;
        let service = &mut self.service().0;
        match which.as_str() {
            "start" => service.start = Some(program),
            "stop" => service.stop = Some(program),
            _ => service.restart = Some(program),
        }
        Ok(())
    }

    /// `depends on a, b`, read as Monit's lexer reads it: `depends on` is one token, then
    /// the next word whatever it is (a keyword too) names a service, and each further name
    /// follows a comma (or `;`, `(`, `)`); a blank alone ends the list.
    pub(super) fn parse_depends(&mut self) -> PResult<()> {
        if self.peek_raw(0).is_word("on") {
            self.next_raw();
        }
        let mut previous_end: Option<u32> = None;
        loop {
            let token = self.peek_raw(0).clone();
            if let Some(end) = previous_end {
                let frame = self.frames.last();
                let separated = frame.is_some_and(|f| f.lexer.has_list_separator_between(end, token.span.start));
                if !separated || token.kind == TokenKind::Eof {
                    return Ok(());
                }
                if frame.is_some_and(|f| f.lexer.has_newline_between(end, token.span.start)) {
                    let message = format!(
                        "{} would be one more service name: Monit goes on reading 'depends on' past a ',', ';', \
                         '(' or ')' that ends a line; drop it",
                        token.describe()
                    );
                    return self.fail(token.span, message);
                }
            }
            let name = match &token.kind {
                TokenKind::Word(w) => {
                    if let Some(c) = w.chars().find(|c| !is_bare_word_char(*c)) {
                        return self.fail(token.span, format!("a service name cannot contain '{c}' unless quoted"));
                    }
                    w.clone()
                }
                TokenKind::Str(s) => s.clone(),
                _ => return self.unexpected("a service name after 'depends on'", &[]),
            };
            self.next_raw();
            let (service, spans) = self.service();
            service.depends.push(name);
            spans.depends.push(token.span);
            previous_end = Some(token.span.end);
        }
    }

    /// Checks what follows `every` (its token at `every`) as Monit's lexer reads it there:
    /// blanks only (`[ \t\r]`), then the argument. It does not count a newline in that state,
    /// so an `every` that ends its line is an error on that line; a `,` `;` `(` `)` or a
    /// noise word is an invalid every format.
    pub(crate) fn check_every_argument(&mut self, every: Span) -> PResult<()> {
        let next = self.peek_raw(0).clone();
        let between = self.frames.last().map(|f| f.lexer.text_between(every.end, next.span.start).to_owned());
        let between = between.unwrap_or_default();
        if between.contains('\n') || next.kind == TokenKind::Eof {
            return self.fail(every, "'every' wants its argument on the same line (Monit reads no newline there)");
        }
        if let Some((at, c)) = between.char_indices().find(|(_, c)| !matches!(c, ' ' | '\t' | '\r')) {
            let at = every.end as usize + at;
            let span = Span::new(every.file, at, at + c.len_utf8());
            return self.fail(span, format!("invalid every format: '{c}' after 'every'"));
        }
        if let Some(w) = next.text().filter(|w| matches!(next.kind, TokenKind::Word(_)) && is_noise(w)) {
            return self.fail(next.span, format!("invalid every format: '{w}' after 'every'"));
        }
        Ok(())
    }

    pub(super) fn parse_every(&mut self, not: bool) -> PResult<()> {
        let token = self.peek().clone();
        let every = match &token.kind {
            TokenKind::Str(spec) => {
                self.next();
                let cron = match CronSpec::parse(spec) {
                    Ok(cron) => cron,
                    Err(e) => {
                        // Reported, and no schedule: parsing goes on (the load fails).
                        self.report(Diagnostic::error(
                            token.span,
                            format!("invalid cron specification \"{spec}\": {e}"),
                        ));
                        return Ok(());
                    }
                };
                if not { Every::NotCron(cron) } else { Every::Cron(cron) }
            }
            TokenKind::Word(_) if !not && self.peek_is_number() => {
                let (n, span) = self.expect_u32("a number of cycles")?;
                self.expect_cycles_word()?;
                if n == 0 {
                    return self.fail(span, "'every 0 cycles' never runs; the number must be at least 1");
                }
                Every::Cycles(n)
            }
            _ => return self.unexpected("a number of cycles or a cron specification in quotes", &[]),
        };
        self.service().0.every = Some(every);
        Ok(())
    }

    pub(super) fn parse_mode(&mut self) -> PResult<()> {
        let (mode, _) = self.expect_keyword(&["active", "passive", "manual"], "'active', 'passive' or 'manual'")?;
        self.service().0.mode = Some(match mode.as_str() {
            "active" => Mode::Active,
            "passive" => Mode::Passive,
            _ => Mode::Manual,
        });
        Ok(())
    }

    /// `ignore content|match =|!= "regex"`, `ignore [not] match "regex"`.
    /// Monit's grammar has `ignore` in `check file` and `check program` only.
    pub(super) fn parse_ignore(&mut self, ignore: Span) -> PResult<()> {
        let kind = self.service().0.check.keyword();
        if !matches!(kind, "file" | "program") {
            return self
                .fail(ignore, format!("'ignore' has no place in a 'check {kind}' service (file and program only)"));
        }
        let not = self.eat("not");
        let (keyword, span) = self.expect_keyword(&["content", "match"], "'content' or 'match'")?;
        if not && keyword == "content" {
            return self.fail(span, "'not' goes with 'match' (or write 'content !=')");
        }
        let pattern = self.parse_content_pattern(&keyword, !not)?;
        self.service().0.ignore_content.push(pattern);
        Ok(())
    }

    /// `"<regex>"` or a path to a file of patterns, after `keyword`: Monit's grammar wants an
    /// operator after `content` (`=`, `==`, `eq`, `equal`, `!=`, `ne`, `notequal`) and none
    /// after `match`.
    pub(crate) fn parse_content_pattern(&mut self, keyword: &str, mut matches: bool) -> PResult<ContentPattern> {
        let op = self.peek().clone();
        let op_text = match &op.kind {
            TokenKind::Op(o) => Some(o.clone()),
            TokenKind::Word(w) => Some(w.to_ascii_lowercase()),
            _ => None,
        };
        let operator = match op_text.as_deref() {
            Some("=" | "==" | "eq" | "equal") => Some(true),
            Some("!=" | "ne" | "notequal") => Some(false),
            _ => None,
        };
        match (keyword, operator) {
            ("content", None) => return self.unexpected("'=' or '!=' after 'content' (Monit wants the operator)", &[]),
            ("content", Some(equal)) => {
                self.next();
                matches = matches == equal;
            }
            (_, Some(_)) => {
                return self
                    .fail(op.span, format!("'{keyword}' takes no operator; write 'content =' or '{keyword} \"...\"'"));
            }
            (_, None) => {}
        }
        let token = self.peek().clone();
        let pattern = match &token.kind {
            TokenKind::Word(w) if w.starts_with('/') => {
                self.next();
                let file = crate::config::pattern_files::read(w);
                self.service().1.pattern_files.push((token.span, file.clone()));
                PatternSource::File(file)
            }
            TokenKind::Str(s) | TokenKind::Word(s) => {
                if matches!(token.kind, TokenKind::Word(_)) {
                    self.reject_reserved(s, token.span, "a pattern")?;
                }
                self.next();
                PatternSource::Regex(self.compile_pattern(s.clone(), token.span))
            }
            _ => return self.unexpected("a regular expression in quotes", &[]),
        };
        Ok(ContentPattern { matches, pattern })
    }

    /// Extension: `action <name> [program] = "<cmd>" [as uid U] [timeout N s]`.
    pub(super) fn parse_custom_action(&mut self) -> PResult<()> {
        let (name, span) = self.expect_value("an action name")?;
        const RESERVED: &[&str] = &["start", "stop", "restart", "monitor", "unmonitor", "alert", "exec", "timeout"];
        if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(&name))
            || STATEMENT_WORDS.iter().any(|r| r.eq_ignore_ascii_case(&name))
        {
            return self.fail(span, format!("'{name}' is a reserved word and cannot name an action"));
        }
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return self.fail(span, format!("an action name may hold letters, digits, '-' and '_' only, not '{name}'"));
        }
        if self.service().0.actions.iter().any(|a| a.name.eq_ignore_ascii_case(&name)) {
            return self.fail(span, format!("action '{name}' is already defined for this service"));
        }
        let mut spans = std::mem::take(&mut self.service().1);
        let result = self.parse_program_tail(&mut spans, Equals::Optional, "a command in quotes", false);
        self.service().1 = spans;
        let program = result?;
        self.service().0.actions.push(CustomAction { name, program });
        Ok(())
    }

    /// A command whose program is a relative path with a slash (`demo/run.sh start`) gets
    /// the program resolved against the control file's directory; bare names stay for the
    /// PATH lookup at run time.
    pub(crate) fn resolve_program(&mut self, command: String, span: Span) -> PResult<String> {
        let trimmed = command.trim_start();
        if trimmed.starts_with(['"', '\'', '/']) {
            return Ok(command);
        }
        let end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        let program = &trimmed[..end];
        if !program.contains('/') {
            return Ok(command);
        }
        let rest = trimmed[end..].to_owned();
        let resolved = self.resolve_path(program.to_owned(), span)?;
        let quoted = if resolved.contains(char::is_whitespace) { format!("'{resolved}'") } else { resolved };
        Ok(format!("{quoted}{rest}"))
    }

    pub(crate) fn current_span(&self) -> Span {
        self.last_span
    }
}
