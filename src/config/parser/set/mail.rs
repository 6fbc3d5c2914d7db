//! Mail: `set mailserver` with its servers and options, alert recipients (`set alert` and a
//! service's `alert`, mail or webhook, with event filters, reminders and digests) and
//! `mail-format` blocks.
use super::super::reserved::{ValueToken, is_mail_address};
use super::super::{PResult, Parser};
use crate::config::lexer::TokenKind;
use crate::config::model::*;
use crate::config::source::Span;

impl Parser<'_> {
    pub(super) fn parse_set_mailserver(&mut self) -> PResult<()> {
        let mut mail = self.parsed.config.mail.take().unwrap_or_default();
        loop {
            let (host, _) = self.expect_token_value(ValueToken::String, "a mail server host")?;
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
                    // Monit: `USERNAME MAILADDR | USERNAME STRING`.
                    let address = matches!(&self.peek().kind, TokenKind::Word(w) if is_mail_address(w));
                    let user = if address {
                        self.expect_value("a user name")?
                    } else {
                        self.expect_token_value(ValueToken::String, "a user name or mail address")?
                    };
                    server.username = Some(user.0);
                } else if self.eat("password") {
                    // Monit: `PASSWORD STRING`: no keyword, number, path or mail address.
                    server.password = Some(self.expect_token_value(ValueToken::String, "a password")?.0);
                } else if self.peek_is_any(&["ssl", "tls", "sslv2", "sslv3", "tlsv1", "tlsv11", "tlsv12", "tlsv13"]) {
                    let span = self.peek().span;
                    server.ssl = self.parse_ssl_clause()?;
                    if let Some(options) = server.ssl.clone() {
                        let context = "to a mail server: its client certificate is clientpemfile";
                        self.warn_ssl_options_unused(span, &options, &["pemfile", "pemchain", "pemkey"], context);
                    }
                    if server.ssl.as_ref().is_some_and(|s| s.ciphers.is_some()) {
                        // lettre 0.11 builds its rustls configuration itself.
                        self.unapplied(
                            span,
                            "ciphers is not applied to a mail server: it uses rustls's default cipher suites",
                        );
                    }
                } else if self.peek_is("certificate") {
                    self.next();
                    server.certificate_checksum = Some(self.parse_certificate_checksum()?);
                } else {
                    break;
                }
            }
            mail.servers.push(server);
            // Monit: `SET MAILSERVER mailserverlist nettimeout hostname`: the timeout and the
            // hostname end the list (a host after them is a syntax error).
            let mut ended = false;
            if self.eat("timeout") {
                mail.timeout = Some(self.parse_timeout_seconds()?.0);
                ended = true;
            }
            if self.eat("hostname") {
                mail.hostname = Some(self.expect_token_value(ValueToken::String, "a host name")?.0);
                ended = true;
            }
            if ended || !self.peek_is_value() || self.peek_is_any(&["timeout", "hostname"]) {
                break;
            }
        }
        self.parsed.config.mail = Some(mail);
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
                    let formats = [WebhookFormat::Json, WebhookFormat::Slack, WebhookFormat::Alertmanager];
                    let words = formats.map(WebhookFormat::keyword);
                    let (f, _) = self.expect_keyword(&words, "'json', 'slack' or 'alertmanager'")?;
                    hook.format = formats.into_iter().find(|w| w.keyword() == f).unwrap_or_default();
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
            self.check_mail_address(&first, span)?;
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
        if let TokenKind::Str(s) = &open.kind {
            // Monit's lexer reads a quoted address as a STRING, which `alert` does not take.
            let message = format!("a mail address is written without quotes in Monit's control file: {s}");
            return self.fail(open.span, message);
        }
        if let TokenKind::Word(w) = &open.kind
            && let Some(inner) = w.strip_prefix('<').and_then(|w| w.strip_suffix('>')).filter(|i| !i.is_empty())
        {
            let address = inner.to_owned();
            self.next();
            return Ok((address, open.span));
        }
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

    /// Fails unless `address` (at `span`) is one Monit's lexer reads as a MAILADDR: a word,
    /// one `@`, a word (`a@b@c` is a syntax error there). A `$` variable stays our extension.
    pub(crate) fn check_mail_address(&mut self, address: &str, span: Span) -> PResult<()> {
        if is_mail_address(address) || address.starts_with('$') {
            return Ok(());
        }
        self.fail(span, format!("'{address}' is not a mail address"))
    }

    fn parse_event_list(&mut self, not: bool) -> PResult<EventFilter> {
        if self.peek().kind != TokenKind::LBrace {
            return self.unexpected("'{' and a list of events", &[]);
        }
        self.next();
        let mut events = Vec::new();
        loop {
            let token = self.peek().clone();
            // Monit's grammar wants at least one event in the braces.
            if token.kind == TokenKind::RBrace && !events.is_empty() {
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
            let (raw, span) = if key == "message" { self.raw_until_brace() } else { self.raw_line() };
            let raw = raw.trim_start_matches(':').trim();
            let value = format!("{glued}{}{raw}", if glued.is_empty() || raw.is_empty() { "" } else { " " });
            if matches!(key.as_str(), "from" | "reply-to")
                && let Some(problem) = address_problem(value.trim())
            {
                let span = token.span.to(span);
                return self.fail(span, format!("'{key}:' {problem}, as in 'Name <user@example.com>'"));
            }
            set_mail_field(&mut format, &key, unquote(value.trim()).to_owned());
        }
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

/// What Monit's lexer finds wrong with the text of a `from:` or `reply-to:`, if anything.
/// It reads it as runs: an address (no blank, `<>{}[]` or control character) or a name
/// (blanks allowed, no `@`), the longer run winning and an address a tie; `<`, `>`, `:`, `[`
/// and `]` alone are skipped. A text whose runs hold no address is refused, so is a
/// character that starts no run.
fn address_problem(text: &str) -> Option<&'static str> {
    let address_char = |c: char| !(c <= '\u{21}' || "<>{}[]".contains(c));
    let name_char = |c: char| !(c < '\u{20}' || "@<>{}[]".contains(c));
    let mut rest = text;
    let mut address = false;
    while let Some(c) = rest.chars().next() {
        let a = rest.find(|c| !address_char(c)).unwrap_or(rest.len());
        let n = rest.find(|c| !name_char(c)).unwrap_or(rest.len());
        if a == 0 && n == 0 {
            if !"<>:[]".contains(c) {
                return Some("is no mail address");
            }
            rest = &rest[c.len_utf8()..];
            continue;
        }
        address |= a >= n;
        rest = &rest[a.max(n)..];
    }
    (!address).then_some("names no mail address")
}

fn unquote(text: &str) -> &str {
    for q in ['"', '\''] {
        if text.len() >= 2 && text.starts_with(q) && text.ends_with(q) {
            return &text[1..text.len() - 1];
        }
    }
    text
}
