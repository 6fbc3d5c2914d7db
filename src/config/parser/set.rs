//! The global `set` statements (reference §4): the dispatch, and the settings of the daemon
//! itself (`set daemon`, logging, files, the event queue, limits, M/Monit, the environment).
//! Mail, TLS options and `set httpd` have a file each below.

use super::reserved::ValueToken;
use super::values::{MAX_DURATION_MS, UnitClass};
use super::{PResult, Parser};
use crate::config::lexer::TokenKind;
use crate::config::model::*;
use crate::config::source::Span;

mod httpd;
mod mail;
mod ssl;

const SET_KEYWORDS: &[&str] = &[
    "daemon",
    "init",
    "terminal",
    "fips",
    "log",
    "logfile",
    "pidfile",
    "idfile",
    "statefile",
    "eventqueue",
    "mailserver",
    "alert",
    "mail-format",
    "httpd",
    "limits",
    "onreboot",
    "ssl",
    "tls",
    "mmonit",
    "expectbuffer",
    "environment",
    "env",
];

const LIMIT_KEYS: &[&str] = &[
    "programoutput",
    "sendexpectbuffer",
    "filecontentbuffer",
    "httpcontentbuffer",
    "networktimeout",
    "programtimeout",
    "stoptimeout",
    "starttimeout",
    "restarttimeout",
    "exectimeout",
];

/// The part of `key:` before the colon, lowercased; `None` if not a word.
fn key_of(kind: &TokenKind) -> Option<String> {
    match kind {
        TokenKind::Word(w) => {
            let key = w.trim_end_matches(':').to_ascii_lowercase();
            Some(crate::config::lexer::alias_of(&key).map_or(key, str::to_owned))
        }
        _ => None,
    }
}

impl Parser<'_> {
    /// Records a statement that is read but not applied, with what rmonit does instead.
    pub(crate) fn unapplied(&mut self, span: Span, message: &str) {
        self.parsed.unapplied.push((span, message.to_owned()));
    }

    pub(super) fn parse_set(&mut self) -> PResult<()> {
        let (keyword, keyword_span) =
            self.expect_keyword(SET_KEYWORDS, "a setting such as 'daemon', 'log' or 'httpd'")?;
        match keyword.as_str() {
            "daemon" => self.parse_set_daemon(),
            "init" => {
                self.parsed.config.init = true;
                Ok(())
            }
            "terminal" => {
                self.expect_keyword(&["batch"], "'batch'")?;
                self.parsed.config.terminal_batch = true;
                Ok(())
            }
            "fips" => {
                self.parsed.config.fips = true;
                self.unapplied(keyword_span, "set fips is not applied: rmonit's TLS (rustls) has no FIPS mode");
                Ok(())
            }
            "log" | "logfile" => self.parse_set_log(),
            "pidfile" | "idfile" | "statefile" => {
                let (path, span) = self.expect_token_value(ValueToken::Path, "an absolute file path")?;
                let path = self.resolve_path(path, span)?;
                let slot = match keyword.as_str() {
                    "pidfile" => &mut self.parsed.config.pidfile,
                    "idfile" => &mut self.parsed.config.idfile,
                    _ => &mut self.parsed.config.statefile,
                };
                *slot = Some(path);
                Ok(())
            }
            "eventqueue" => self.parse_set_eventqueue(),
            "mailserver" => self.parse_set_mailserver(),
            "alert" => {
                let alert = self.parse_alert_recipient()?;
                self.parsed.config.alerts.push(alert);
                Ok(())
            }
            "mail-format" => {
                let format = self.parse_mail_format()?;
                self.parsed.config.mail_format = Some(format);
                Ok(())
            }
            "httpd" => self.parse_set_httpd(),
            "limits" => self.parse_set_limits(),
            "onreboot" => {
                let value = self.parse_onreboot()?;
                self.parsed.config.onreboot = Some(value);
                Ok(())
            }
            "ssl" | "tls" => {
                let options = self.parse_ssl_block()?;
                let context = "in set ssl: the web interface's certificate is the one of set httpd ... with ssl";
                self.warn_ssl_options_unused(keyword_span, &options, &["pemfile", "pemchain", "pemkey"], context);
                self.parsed.config.ssl = Some(options);
                Ok(())
            }
            "mmonit" => self.parse_set_mmonit(),
            "expectbuffer" => {
                let (q, _) = self.parse_quantity(UnitClass::Size)?;
                self.parsed.config.limits.send_expect_buffer = Some(ByteSize { bytes: q.value as u64 });
                Ok(())
            }
            "environment" | "env" => {
                let var = self.parse_env_var()?;
                self.parsed.config.environment.push(var);
                Ok(())
            }
            other => {
                let span = self.current_span();
                self.fail(span, format!("'set {other}' is not supported"))
            }
        }
    }

    /// An absolute path as is; a relative one resolved against the directory of the file
    /// it is written in (an extension: Monit requires absolute paths).
    pub(crate) fn resolve_path(&mut self, path: String, span: Span) -> PResult<String> {
        if path.is_empty() {
            return self.fail(span, "the path is empty");
        }
        if path.starts_with('/') {
            return Ok(path);
        }
        let base =
            self.sources.get(span.file).and_then(|f| f.path.parent().map(|p| p.to_path_buf())).unwrap_or_default();
        let base =
            if base.is_absolute() { base } else { std::env::current_dir().map(|d| d.join(&base)).unwrap_or(base) };
        Ok(base.join(path.trim_start_matches("./")).to_string_lossy().into_owned())
    }

    fn parse_set_daemon(&mut self) -> PResult<()> {
        let (interval, ispan) = self.parse_duration()?;
        if interval.millis < 100 {
            return self.fail(ispan, "the poll interval must be at least 100 milliseconds");
        }
        let mut daemon = DaemonConfig { interval, start_delay: None };
        if self.peek_is("start") && self.peek_raw_is_word(1, "delay") {
            self.next();
            self.next();
            daemon.start_delay = Some(self.parse_duration()?.0);
        }
        self.parsed.config.daemon = Some(daemon);
        Ok(())
    }

    pub(crate) fn peek_raw_is_word(&mut self, n: usize, word: &str) -> bool {
        // Skip noise words between.
        let mut seen = 0;
        let mut i = 0;
        loop {
            let token = self.peek_raw(i).clone();
            match &token.kind {
                TokenKind::Word(w) if crate::config::lexer::is_noise(w) => {}
                _ => {
                    if seen == n {
                        return token.is_word(word);
                    }
                    seen += 1;
                }
            }
            if token.kind == TokenKind::Eof {
                return false;
            }
            i += 1;
        }
    }

    fn parse_set_log(&mut self) -> PResult<()> {
        let (target, span) = if self.peek_is("syslog") {
            self.expect_value("'syslog'")?
        } else {
            self.expect_token_value(ValueToken::Path, "an absolute log file path or 'syslog'")?
        };
        let log = if target.eq_ignore_ascii_case("syslog") {
            let facility = if self.eat("facility") {
                Some(self.expect_value("a syslog facility such as log_local0")?.0)
            } else {
                None
            };
            if let Some(f) = &facility {
                const FACILITIES: &[&str] = &[
                    "log_local0",
                    "log_local1",
                    "log_local2",
                    "log_local3",
                    "log_local4",
                    "log_local5",
                    "log_local6",
                    "log_local7",
                    "log_daemon",
                    "log_user",
                ];
                if !FACILITIES.iter().any(|x| x.eq_ignore_ascii_case(f)) {
                    let span = self.last_span;
                    return self.fail(
                        span,
                        format!("unknown syslog facility '{f}', expected one of {}", FACILITIES.join(", ")),
                    );
                }
            }
            LogConfig::Syslog { facility }
        } else {
            let target = self.resolve_path(target, span)?;
            LogConfig::File(target)
        };
        self.parsed.config.log = Some(log);
        Ok(())
    }

    fn parse_set_eventqueue(&mut self) -> PResult<()> {
        let mut queue = EventQueueConfig::default();
        loop {
            if self.eat("basedir") {
                let (dir, span) = self.expect_token_value(ValueToken::Path, "an absolute directory path")?;
                let dir = self.resolve_path(dir, span)?;
                queue.basedir = Some(dir);
            } else if self.eat("slots") {
                queue.slots = Some(self.expect_u32("a number of slots")?.0);
            } else {
                break;
            }
        }
        self.parsed.config.eventqueue = Some(queue);
        Ok(())
    }

    fn eat_colon(&mut self) -> bool {
        let colon = matches!(&self.peek().kind, TokenKind::Word(w) if w == ":");
        if colon {
            self.next();
        }
        colon
    }

    /// A timeout in `set limits`: a number and, as Monit's grammar wants, `ms` or `s` (in
    /// any of their spellings) after it; `restartTimeout: 30` or `2 minutes` is an error.
    fn parse_limit_timeout(&mut self) -> PResult<(Duration, Span)> {
        let number = self.next();
        let n: u64 = number.text().and_then(|w| w.parse().ok()).unwrap_or(u64::MAX);
        let unit = self.peek().clone();
        let factor = match unit.keyword().as_deref() {
            Some("ms" | "millisecond" | "milliseconds") => 1,
            Some("s" | "second" | "seconds") => 1000,
            _ => return self.unexpected("'ms' or 's' (Monit wants the unit of a limit's timeout)", &[]),
        };
        self.next();
        let span = number.span.to(unit.span);
        match n.checked_mul(factor).filter(|&ms| ms <= MAX_DURATION_MS) {
            Some(ms) => Ok((Duration::from_millis(ms), span)),
            None => self.fail(span, "the duration is too long (at most 365 days)"),
        }
    }

    pub(crate) fn expect_path(&mut self) -> PResult<String> {
        let (path, span) = self.expect_token_value(ValueToken::Path, "an absolute file path")?;
        let path = self.resolve_path(path, span)?;
        Ok(path)
    }

    /// `enable|disable` (also `true|false`, `yes|no`, `on|off`).
    pub(crate) fn parse_enable(&mut self) -> PResult<bool> {
        let (v, _) = self.expect_keyword(
            &["enable", "enabled", "disable", "disabled", "true", "false", "yes", "no", "off"],
            "'enable' or 'disable'",
        )?;
        Ok(matches!(v.as_str(), "enable" | "enabled" | "true" | "yes"))
    }

    fn parse_set_limits(&mut self) -> PResult<()> {
        if self.peek().kind != TokenKind::LBrace {
            return self.unexpected("'{' opening the limits", &[]);
        }
        self.next();
        let mut limits = std::mem::take(&mut self.parsed.config.limits);
        loop {
            let token = self.peek().clone();
            if token.kind == TokenKind::RBrace {
                self.next();
                break;
            }
            let Some(key) = key_of(&token.kind).filter(|k| LIMIT_KEYS.contains(&k.as_str())) else {
                return self.unexpected("a limit such as 'programOutput:' or '}'", LIMIT_KEYS);
            };
            self.next();
            // Monit: `KEY ':' NUMBER unit`; the colon and a whole number are required.
            let glued = matches!(&token.kind, TokenKind::Word(w) if w.ends_with(':'));
            if !glued && !self.eat_colon() {
                return self.unexpected(&format!("':' after '{key}'"), &[]);
            }
            if !matches!(&self.peek().kind, TokenKind::Word(w) if w.bytes().all(|b| b.is_ascii_digit())) {
                return self.unexpected("a whole number, then its unit apart (Monit reads '5s' as a word)", &[]);
            }
            if key.ends_with("timeout") {
                let (d, _) = self.parse_limit_timeout()?;
                let slot = match key.as_str() {
                    "networktimeout" => &mut limits.network_timeout,
                    "programtimeout" => &mut limits.program_timeout,
                    "stoptimeout" => &mut limits.stop_timeout,
                    "starttimeout" => &mut limits.start_timeout,
                    "exectimeout" => &mut limits.exec_timeout,
                    _ => &mut limits.restart_timeout,
                };
                *slot = Some(d);
            } else {
                let (q, _) = self.parse_quantity(UnitClass::Size)?;
                let size = Some(ByteSize { bytes: q.value as u64 });
                match key.as_str() {
                    "programoutput" => limits.program_output = size,
                    "sendexpectbuffer" => limits.send_expect_buffer = size,
                    "filecontentbuffer" => limits.file_content_buffer = size,
                    _ => limits.http_content_buffer = size,
                }
            }
        }
        self.parsed.config.limits = limits;
        Ok(())
    }

    pub(crate) fn parse_onreboot(&mut self) -> PResult<OnReboot> {
        let (v, _) = self.expect_keyword(&["start", "nostart", "laststate"], "'start', 'nostart' or 'laststate'")?;
        Ok(match v.as_str() {
            "start" => OnReboot::Start,
            "nostart" => OnReboot::Nostart,
            _ => OnReboot::Laststate,
        })
    }

    fn parse_set_mmonit(&mut self) -> PResult<()> {
        let (url, span) = self.expect_url("an M/Monit URL")?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return self.fail(span, format!("an M/Monit URL must start with http:// or https://, not '{url}'"));
        }
        let mut mmonit = MmonitConfig { url, timeout: None, ssl: None, register_without_credentials: false };
        loop {
            if self.eat("timeout") {
                mmonit.timeout = Some(self.parse_timeout_seconds()?.0);
            } else if self.peek_is_any(&["ssl", "tls"]) {
                let ssl_span = self.peek().span;
                mmonit.ssl = self.parse_ssl_clause()?;
                if let Some(options) = mmonit.ssl.clone() {
                    let context = "in set mmonit: they name a server's certificate; a client presents clientpemfile";
                    self.warn_ssl_options_unused(ssl_span, &options, &["pemfile", "pemchain", "pemkey"], context);
                }
            } else if self.eat("register") {
                self.expect_keyword(&["credentials"], "'credentials' (as in 'register without credentials')")?;
                mmonit.register_without_credentials = true;
            } else {
                break;
            }
        }
        self.parsed.config.mmonit.push(mmonit);
        // `set mmonit URL1 [options] URL2 [options]`: several collectors in one statement.
        if matches!(&self.peek().kind, TokenKind::Word(w) | TokenKind::Str(w) if w.starts_with("http://") || w.starts_with("https://"))
        {
            return self.parse_set_mmonit();
        }
        Ok(())
    }

    /// `NAME = "value"` (also `NAME "value"`).
    pub(crate) fn parse_env_var(&mut self) -> PResult<EnvVar> {
        let (name, span) = self.expect_value("a variable name")?;
        let (name, glued) = match name.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (name, None),
        };
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            || name.starts_with(|c: char| c.is_ascii_digit())
        {
            return self.fail(span, format!("'{name}' is not a valid environment variable name"));
        }
        let value = match glued {
            Some(v) if !v.is_empty() => v,
            _ => {
                self.eat_op("=");
                self.expect_value("a value")?.0
            }
        };
        Ok(EnvVar { name, value })
    }
}
