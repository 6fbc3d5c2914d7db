//! The global `set` statements (reference §4).

use super::values::UnitClass;
use super::{PResult, Parser};
use crate::config::lexer::{Token, TokenKind};
use crate::config::model::*;
use crate::config::source::Span;

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

const SSL_KEYS: &[&str] = &[
    "version",
    "verify",
    "selfsigned",
    "ciphers",
    "pemfile",
    "pemchain",
    "pemkey",
    "clientpemfile",
    "cacertificatefile",
    "cacertificatepath",
];

const HTTPD_KEYWORDS: &[&str] = &[
    "port",
    "address",
    "unixsocket",
    "ssl",
    "tls",
    "signature",
    "allow",
    "pemfile",
    "clientpemfile",
    "allowselfcertification",
    "read-only",
    "readonly",
    "insecure",
    "history",
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
    pub(super) fn parse_set(&mut self) -> PResult<()> {
        let (keyword, _) = self.expect_keyword(SET_KEYWORDS, "a setting such as 'daemon', 'log' or 'httpd'")?;
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
                Ok(())
            }
            "log" | "logfile" => self.parse_set_log(),
            "pidfile" | "idfile" | "statefile" => {
                let (path, span) = self.expect_value("a file path")?;
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
        let (target, span) = self.expect_value("a log file path or 'syslog'")?;
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
                let (dir, span) = self.expect_value("a directory")?;
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

    fn parse_set_mailserver(&mut self) -> PResult<()> {
        let mut mail = self.parsed.config.mail.take().unwrap_or_default();
        loop {
            let (host, _) = self.expect_value("a mail server host")?;
            let mut server = MailServerConfig {
                host,
                port: None,
                username: None,
                password: None,
                ssl: None,
                certificate_checksum: None,
            };
            loop {
                if self.eat("port") {
                    server.port = Some(self.expect_port()?.0);
                } else if self.eat("username") {
                    server.username = Some(self.expect_value("a user name")?.0);
                } else if self.eat("password") {
                    server.password = Some(self.expect_value("a password")?.0);
                } else if self.peek_is_any(&["ssl", "tls", "sslv2", "sslv3", "tlsv1", "tlsv11", "tlsv12", "tlsv13"]) {
                    server.ssl = self.parse_ssl_clause()?;
                } else if self.peek_is("certificate") {
                    self.next();
                    server.certificate_checksum = Some(self.parse_certificate_checksum()?);
                } else {
                    break;
                }
            }
            mail.servers.push(server);
            if self.eat("timeout") {
                mail.timeout = Some(self.parse_duration()?.0);
            }
            if self.eat("hostname") {
                mail.hostname = Some(self.expect_value("a host name")?.0);
            }
            if !self.peek_is_value() || self.peek_is_any(&["timeout", "hostname"]) {
                break;
            }
        }
        self.parsed.config.mail = Some(mail);
        Ok(())
    }

    /// `ssl|tls [version] [with options] {...}` or a bare `ssl`; `ssl disable` (Monit's
    /// noise for "no TLS") gives none.
    pub(crate) fn parse_ssl_clause(&mut self) -> PResult<Option<SslOptions>> {
        let (word, span) = self.expect_value("'ssl' or 'tls'")?;
        let mut options = SslOptions::default();
        let lower = word.to_ascii_lowercase();
        if lower != "ssl" && lower != "tls" {
            self.check_tls_version(&lower, span)?;
            options.versions.push(lower);
        }
        if self.eat("disable") {
            return Ok(None);
        }
        // `ssl enable` is the legacy spelling of `ssl`.
        self.eat("enable");
        if matches!(self.peek().kind, TokenKind::LBrace) {
            let block = self.parse_ssl_block()?;
            options.versions.extend(block.versions.clone());
            options = SslOptions { versions: options.versions, ..block };
        }
        Ok(Some(options))
    }

    /// `{ version: tlsv12, verify: enable, ... }`.
    pub(crate) fn parse_ssl_block(&mut self) -> PResult<SslOptions> {
        let open = self.peek().clone();
        if open.kind != TokenKind::LBrace {
            return self.unexpected("'{' opening the TLS options", &[]);
        }
        self.next();
        let mut options = SslOptions::default();
        loop {
            let token = self.peek().clone();
            if token.kind == TokenKind::RBrace {
                self.next();
                return Ok(options);
            }
            let Some(key) = key_of(&token.kind).filter(|k| SSL_KEYS.contains(&k.as_str())) else {
                return self.unexpected("a TLS option such as 'verify:' or '}'", SSL_KEYS);
            };
            self.next();
            self.eat_colon();
            match key.as_str() {
                "version" => {
                    let (v, span) = self.expect_value("a TLS version such as tlsv12")?;
                    self.check_tls_version(&v.to_ascii_lowercase(), span)?;
                    options.versions.push(v.to_ascii_lowercase());
                    while matches!(&self.peek().kind, TokenKind::Word(w) if is_tls_version(w)) {
                        let v = self.next();
                        let version = v.text().unwrap_or_default().to_ascii_lowercase();
                        self.check_tls_version(&version, v.span)?;
                        options.versions.push(version);
                    }
                }
                "verify" => options.verify = Some(self.parse_enable()?),
                "selfsigned" => {
                    let (v, _) = self.expect_keyword(&["allow", "reject"], "'allow' or 'reject'")?;
                    options.selfsigned = Some(v == "allow");
                }
                "ciphers" => options.ciphers = Some(self.expect_value("a cipher list")?.0),
                "pemfile" => options.pemfile = Some(self.expect_path()?),
                "pemchain" => options.pemchain = Some(self.expect_path()?),
                "pemkey" => options.pemkey = Some(self.expect_path()?),
                "clientpemfile" => options.clientpemfile = Some(self.expect_path()?),
                "cacertificatefile" => options.cacertificatefile = Some(self.expect_path()?),
                _ => options.cacertificatepath = Some(self.expect_path()?),
            }
        }
    }

    /// SSLv2 and SSLv3 are gone from the TLS libraries (Monit 5.33 on Debian reports "Your
    /// SSL Library does not support SSL version 3"); asking for them is an error.
    fn check_tls_version(&mut self, version: &str, span: Span) -> PResult<()> {
        match version {
            "sslv2" | "sslv3" => {
                let number = &version[4..];
                self.fail(span, format!("SSL version {number} is not supported (use tlsv12 or tlsv13)"))
            }
            _ => Ok(()),
        }
    }

    fn eat_colon(&mut self) {
        if matches!(&self.peek().kind, TokenKind::Word(w) if w == ":") {
            self.next();
        }
    }

    pub(crate) fn expect_path(&mut self) -> PResult<String> {
        let (path, span) = self.expect_value("a file path")?;
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

    /// `certificate checksum [md5|sha1] [=] <hash>` (after `certificate`), or the legacy
    /// `certmd5 <hash>`.
    pub(crate) fn parse_certificate_checksum(&mut self) -> PResult<CertificateChecksum> {
        self.expect_keyword(&["checksum"], "'checksum'")?;
        let hash = self.parse_hash_type();
        self.eat_op("=");
        let (value, span) = self.expect_value("a hexadecimal checksum")?;
        self.check_hex(&value, span, hash)?;
        Ok(CertificateChecksum { hash, value: value.to_ascii_lowercase() })
    }

    pub(crate) fn parse_hash_type(&mut self) -> Option<HashType> {
        if self.eat("md5") {
            Some(HashType::Md5)
        } else if self.eat("sha1") {
            Some(HashType::Sha1)
        } else if self.eat("sha256") {
            Some(HashType::Sha256)
        } else {
            None
        }
    }

    pub(crate) fn check_hex(&mut self, value: &str, span: Span, hash: Option<HashType>) -> PResult<()> {
        let expected = match hash {
            Some(HashType::Md5) => Some(32),
            Some(HashType::Sha1) => Some(40),
            Some(HashType::Sha256) => Some(64),
            None => None,
        };
        let ok_len = expected.map_or(matches!(value.len(), 32 | 40 | 64), |n| value.len() == n);
        if !value.chars().all(|c| c.is_ascii_hexdigit()) || !ok_len {
            let what = match hash {
                Some(HashType::Md5) => "an MD5 checksum (32 hexadecimal digits)",
                Some(HashType::Sha1) => "a SHA1 checksum (40 hexadecimal digits)",
                Some(HashType::Sha256) => "a SHA256 checksum (64 hexadecimal digits)",
                None => "an MD5, SHA1 or SHA256 checksum (32, 40 or 64 hexadecimal digits)",
            };
            return self.fail(span, format!("'{value}' is not {what}"));
        }
        Ok(())
    }

    /// `<mail>|webhook <url> ... [not] {events} [mail-format {...}] [reminder [on] N [cycles]]
    /// [digest]`.
    pub(crate) fn parse_alert_recipient(&mut self) -> PResult<AlertConfig> {
        let (first, span) = self.expect_mail_address()?;
        let to = if first.eq_ignore_ascii_case("webhook") && self.peek_is_value() {
            let (url, uspan) = self.expect_value("a webhook URL")?;
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return self.fail(uspan, format!("a webhook URL must start with http:// or https://, not '{url}'"));
            }
            let mut hook = WebhookConfig { url, format: WebhookFormat::Json, headers: Vec::new() };
            loop {
                if self.eat("format") {
                    let (f, _) = self.expect_keyword(&["json", "slack"], "'json' or 'slack'")?;
                    hook.format = if f == "slack" { WebhookFormat::Slack } else { WebhookFormat::Json };
                } else if self.eat("header") {
                    let (h, hspan) = self.expect_value("a header such as \"Authorization: Bearer x\"")?;
                    if !h.contains(':') {
                        return self.fail(hspan, format!("a header must read 'Name: value', not '{h}'"));
                    }
                    hook.headers.push(h);
                } else {
                    break;
                }
            }
            AlertTarget::Webhook(hook)
        } else {
            if !first.contains('@') && !first.starts_with('$') {
                return self.fail(span, format!("'{first}' is not a mail address"));
            }
            AlertTarget::Email(first)
        };
        let mut alert =
            AlertConfig { to, events: EventFilter::default(), mail_format: None, reminder: None, digest: false };
        loop {
            if self.peek_is("not") {
                self.next();
                alert.events = self.parse_event_list(true)?;
            } else if self.peek().kind == TokenKind::LBrace {
                alert.events = self.parse_event_list(false)?;
            } else if self.eat("mail-format") {
                alert.mail_format = Some(self.parse_mail_format()?);
            } else if self.eat("reminder") {
                alert.reminder = Some(self.expect_u32("a number of cycles")?.0);
                self.eat("cycles");
                self.eat("cycle");
            } else if self.peek_is("digest") {
                let span = self.next().span;
                if matches!(alert.to, AlertTarget::Webhook(_)) {
                    return self.fail(span, "'digest' gathers mails; a webhook gets every alert on its own");
                }
                alert.digest = true;
            } else {
                break;
            }
        }
        Ok(alert)
    }

    /// A mail address, also in angle brackets (`<ops@example.com>`, which Monit's lexer
    /// reads as one word); the brackets are dropped.
    pub(crate) fn expect_mail_address(&mut self) -> PResult<(String, Span)> {
        let open = self.peek().clone();
        if !matches!(&open.kind, TokenKind::Op(o) if o == "<") {
            return self.expect_value("a mail address");
        }
        let word = self.peek_raw(1).clone();
        match &word.kind {
            TokenKind::Word(w) if word.span.start == open.span.end && w.len() > 1 && w.ends_with('>') => {
                self.next();
                self.next();
                Ok((w[..w.len() - 1].to_owned(), open.span.to(word.span)))
            }
            _ => self.unexpected("a mail address", &[]),
        }
    }

    fn parse_event_list(&mut self, not: bool) -> PResult<EventFilter> {
        if self.peek().kind != TokenKind::LBrace {
            return self.unexpected("'{' and a list of events", &[]);
        }
        self.next();
        let mut events = Vec::new();
        loop {
            let token = self.peek().clone();
            if token.kind == TokenKind::RBrace {
                self.next();
                break;
            }
            let keywords: Vec<&str> = EventKind::ALL.iter().map(|e| e.keyword()).collect();
            match token.text().and_then(EventKind::from_keyword) {
                Some(kind) if matches!(token.kind, TokenKind::Word(_)) => {
                    self.next();
                    if !events.contains(&kind) {
                        events.push(kind);
                    }
                }
                _ => return self.unexpected("an event such as 'nonexist', 'resource' or '}'", &keywords),
            }
        }
        Ok(EventFilter { not, events })
    }

    /// `{ from: ... reply-to: ... subject: ... message: ... }`.
    pub(crate) fn parse_mail_format(&mut self) -> PResult<MailFormat> {
        if self.peek().kind != TokenKind::LBrace {
            return self.unexpected("'{' opening the mail format", &[]);
        }
        self.next();
        let mut format = MailFormat::default();
        loop {
            let token = self.peek().clone();
            if token.kind == TokenKind::RBrace {
                self.next();
                return Ok(format);
            }
            let TokenKind::Word(word) = &token.kind else {
                return self.unexpected("'from:', 'reply-to:', 'subject:', 'message:' or '}'", &[]);
            };
            let (key, glued) = match word.split_once(':') {
                Some((k, rest)) => (k.to_ascii_lowercase(), rest.to_owned()),
                None => (word.to_ascii_lowercase(), String::new()),
            };
            const KEYS: &[&str] = &["from", "reply-to", "subject", "message"];
            if !KEYS.contains(&key.as_str()) {
                return self.unexpected("'from:', 'reply-to:', 'subject:', 'message:' or '}'", KEYS);
            }
            self.next_raw();
            if !self.lookahead_is_empty() {
                // A noise word was looked at past the key; fall back to token reading.
                let (v, _) = self.expect_value("a value")?;
                set_mail_field(&mut format, &key, format!("{glued}{v}"));
                continue;
            }
            let (raw, _) = if key == "message" { self.raw_until_brace() } else { self.raw_line() };
            let raw = raw.trim_start_matches(':').trim();
            let value = format!("{glued}{}{raw}", if glued.is_empty() || raw.is_empty() { "" } else { " " });
            set_mail_field(&mut format, &key, unquote(value.trim()).to_owned());
        }
    }

    fn parse_set_httpd(&mut self) -> PResult<()> {
        let mut httpd = self.parsed.config.httpd.take().unwrap_or_default();
        loop {
            let token = self.peek().clone();
            let Some(word) = key_of(&token.kind) else { break };
            match word.as_str() {
                "port" => {
                    self.next();
                    httpd.port = Some(self.expect_port()?.0);
                    if self.eat_read_only() {
                        httpd.port_read_only = true;
                    }
                }
                "address" => {
                    self.next();
                    httpd.address = Some(self.expect_value("an address")?.0);
                }
                "unixsocket" => {
                    self.next();
                    let path = self.expect_path()?;
                    let mut socket =
                        UnixSocketConfig { path, uid: None, gid: None, permission: None, read_only: false };
                    loop {
                        if self.eat("uid") {
                            let (uid, span) = self.expect_name("a user")?;
                            self.parsed.global.accounts.push((span, uid.clone(), false));
                            socket.uid = Some(uid);
                        } else if self.eat("gid") {
                            let (gid, span) = self.expect_name("a group")?;
                            self.parsed.global.accounts.push((span, gid.clone(), true));
                            socket.gid = Some(gid);
                        } else if self.eat("permission") {
                            socket.permission = Some(self.parse_permission()?);
                        } else if self.eat_read_only() {
                            socket.read_only = true;
                        } else {
                            break;
                        }
                    }
                    httpd.unixsocket = Some(socket);
                }
                "ssl" | "tls" => {
                    self.next();
                    let mut options = httpd.ssl.take().unwrap_or_default();
                    if self.eat("enable") {
                    } else if self.eat("disable") {
                        httpd.ssl = None;
                        continue;
                    }
                    if self.peek().kind == TokenKind::LBrace {
                        options = self.parse_ssl_block()?;
                    }
                    httpd.ssl = Some(options);
                }
                "pemfile" | "clientpemfile" => {
                    self.next();
                    let path = self.expect_path()?;
                    let ssl = httpd.ssl.get_or_insert_with(SslOptions::default);
                    if word == "pemfile" {
                        ssl.pemfile = Some(path);
                    } else {
                        ssl.clientpemfile = Some(path);
                    }
                }
                "allowselfcertification" => {
                    self.next();
                    httpd.ssl.get_or_insert_with(SslOptions::default).selfsigned = Some(true);
                }
                "signature" => {
                    self.next();
                    httpd.signature = Some(self.parse_enable()?);
                }
                // `enable signature` / `disable signature`, Monit's other order.
                "enable" | "disable" if self.peek_raw_is_word(1, "signature") => {
                    let on = word == "enable";
                    self.next();
                    self.next();
                    httpd.signature = Some(on);
                }
                "allow" => {
                    self.next();
                    let allow = self.parse_allow()?;
                    httpd.allow.push(allow);
                }
                "insecure" => {
                    self.next();
                    httpd.insecure = true;
                }
                "history" => {
                    self.next();
                    let (duration, span) = self.parse_duration()?;
                    if duration.millis < 60_000 || duration.millis > 86_400_000 {
                        return self.fail(span, "the dashboard's history is between 1 minute and 24 hours");
                    }
                    httpd.history = Some(duration);
                }
                _ => break,
            }
        }
        if httpd == HttpdConfig::default() {
            return self.unexpected("an httpd option such as 'port', 'unixsocket' or 'allow'", HTTPD_KEYWORDS);
        }
        self.parsed.config.httpd = Some(httpd);
        Ok(())
    }

    fn eat_read_only(&mut self) -> bool {
        self.eat("read-only") || self.eat("readonly")
    }

    fn parse_allow(&mut self) -> PResult<Allow> {
        let token = self.peek().clone();
        let (text, span) = self.expect_value("a user:password, @group, htpasswd file or host after 'allow'")?;
        let lower = text.to_ascii_lowercase();
        if matches!(lower.as_str(), "cleartext" | "md5" | "crypt") || (text.starts_with('/') && !looks_like_net(&text))
        {
            let (hash, path) = if text.starts_with('/') {
                (None, text)
            } else {
                let hash = match lower.as_str() {
                    "cleartext" => HtpasswdHash::Cleartext,
                    "md5" => HtpasswdHash::Md5,
                    _ => HtpasswdHash::Crypt,
                };
                (Some(hash), self.expect_path()?)
            };
            let mut users = Vec::new();
            while self.peek_is_value() && !self.peek_is_any(HTTPD_KEYWORDS) {
                users.push(self.expect_value("a user name")?.0);
            }
            let read_only = self.eat_read_only();
            return Ok(Allow::Htpasswd { path, hash, users, read_only });
        }
        if let Some(group) = text.strip_prefix('@') {
            if group.is_empty() {
                return self.fail(span, "a group name must follow '@'");
            }
            let read_only = self.eat_read_only();
            return Ok(Allow::Group { group: group.to_owned(), read_only });
        }
        if let Some((user, password)) = self.parse_credentials(&token.kind, &text, span)? {
            let read_only = self.eat_read_only();
            return Ok(Allow::User { user, password, read_only });
        }
        Ok(Allow::Host(text))
    }

    /// The rest of `allow user:password`, after its first token (`first`, read as `text`):
    /// `None` if that token starts no credential. Monit's lexer reads user, `:` and password
    /// as three tokens, so `admin:monit`, `admin: "s#cret"`, `"admin":"monit"` and
    /// `admin : monit` are all the same.
    fn parse_credentials(&mut self, first: &TokenKind, text: &str, span: Span) -> PResult<Option<(String, String)>> {
        // The user, and the password if it is in the same word, with their spans.
        let (user, user_span, rest, rest_span) = match first {
            TokenKind::Word(_) if text.contains(':') && !looks_like_net(text) => {
                let (user, rest) = text.split_once(':').unwrap_or((text, ""));
                let colon = span.start as usize + user.len();
                let user_span = Span::new(span.file, span.start as usize, colon);
                (user.to_owned(), Some(user_span), rest.to_owned(), Span::new(span.file, colon + 1, span.end as usize))
            }
            _ => match self.peek().clone() {
                Token { kind: TokenKind::Word(w), span: colon } if w.starts_with(':') => {
                    self.next();
                    let user_span = matches!(first, TokenKind::Word(_)).then_some(span);
                    let rest_span = Span::new(colon.file, colon.start as usize + 1, colon.end as usize);
                    (text.to_owned(), user_span, w[1..].to_owned(), rest_span)
                }
                _ => return Ok(None),
            },
        };
        if user.is_empty() {
            return self.fail(span, "a user name must come before ':'");
        }
        if let Some(user_span) = user_span {
            self.reject_reserved(&user, user_span, "a user name")?;
        }
        if !rest.is_empty() {
            self.reject_reserved(&rest, rest_span, "a password")?;
            return Ok(Some((user, rest)));
        }
        if !self.peek_is_value() || self.peek_is_any(HTTPD_KEYWORDS) {
            return self.fail(span, format!("a password must follow '{user}:'"));
        }
        let (password, _) = self.expect_name("a password")?;
        Ok(Some((user, password)))
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
            self.eat_colon();
            if key.ends_with("timeout") {
                let (d, _) = self.parse_duration()?;
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
        let (url, span) = self.expect_value("an M/Monit URL")?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return self.fail(span, format!("an M/Monit URL must start with http:// or https://, not '{url}'"));
        }
        let mut mmonit = MmonitConfig { url, timeout: None, ssl: None, register_without_credentials: false };
        loop {
            if self.eat("timeout") {
                mmonit.timeout = Some(self.parse_duration()?.0);
            } else if self.peek_is_any(&["ssl", "tls"]) {
                mmonit.ssl = self.parse_ssl_clause()?;
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

fn set_mail_field(format: &mut MailFormat, key: &str, value: String) {
    match key {
        "from" => format.from = Some(value),
        "reply-to" => format.reply_to = Some(value),
        "subject" => format.subject = Some(value),
        _ => format.message = Some(value),
    }
}

fn unquote(text: &str) -> &str {
    for q in ['"', '\''] {
        if text.len() >= 2 && text.starts_with(q) && text.ends_with(q) {
            return &text[1..text.len() - 1];
        }
    }
    text
}

fn is_tls_version(word: &str) -> bool {
    let w = word.trim_start_matches('-').to_ascii_lowercase();
    matches!(w.as_str(), "auto" | "sslv2" | "sslv3" | "tlsv1" | "tlsv11" | "tlsv12" | "tlsv13")
}

/// An IP address or network (`10.0.0.0/8`, `::1`, `192.168.1.0/255.255.255.0`).
pub(crate) fn looks_like_net(text: &str) -> bool {
    let addr = text.split('/').next().unwrap_or(text);
    addr.parse::<std::net::IpAddr>().is_ok()
}
