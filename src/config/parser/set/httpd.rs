//! `set httpd`: the listener (port, address, unix socket, TLS) and its `allow` list of
//! networks, hosts, user credentials, htpasswd files and groups.
use super::super::reserved::{ValueToken, is_monit_string};
use super::super::{PResult, Parser};
use super::key_of;
use crate::config::lexer::{Token, TokenKind, is_noise};
use crate::config::model::*;
use crate::config::source::Span;

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

impl Parser<'_> {
    pub(super) fn parse_set_httpd(&mut self) -> PResult<()> {
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
                    httpd.address = Some(self.expect_token_value(ValueToken::String, "an address")?.0);
                }
                "unixsocket" => {
                    self.next();
                    let path = self.expect_path()?;
                    let mut socket =
                        UnixSocketConfig { path, uid: None, gid: None, permission: None, read_only: false };
                    loop {
                        if self.eat("uid") {
                            let (uid, span) = self.expect_account("a user")?;
                            self.parsed.global.accounts.push((span, uid.clone(), false));
                            socket.uid = Some(uid);
                        } else if self.eat("gid") {
                            let (gid, span) = self.expect_account("a group")?;
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
                    let span = self.next().span;
                    let mut options = httpd.ssl.take().unwrap_or_default();
                    if self.eat("enable") {
                    } else if self.eat("disable") {
                        httpd.ssl = None;
                        continue;
                    }
                    if self.peek().kind == TokenKind::LBrace {
                        options = self.parse_ssl_block()?;
                        let context = "to the web interface: client certificates are checked against clientpemfile";
                        let unused = ["verify", "cacertificatefile", "cacertificatepath"];
                        self.warn_ssl_options_unused(span, &options, &unused, context);
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
        if matches!(token.kind, TokenKind::Word(_)) && !matches!(lower.as_str(), "cleartext" | "md5" | "crypt") {
            self.reject_reserved(&text, span, "a user, host or file after 'allow'")?;
        }
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
        // Monit: `ALLOW STRING` for a host or network (`allow 10%` is a syntax error).
        if matches!(token.kind, TokenKind::Word(_)) && !is_monit_string(&text) && !looks_like_net(&text) {
            return self.fail(span, format!("'{text}' is no host, network or user:password; quote it if it is one"));
        }
        self.parsed.global.hosts.push((span, text.clone()));
        Ok(Allow::Host(text.into()))
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
        // Monit's lexer reads `from:` (and the other mail-format keys) glued as one token.
        let glued = matches!(first, TokenKind::Word(w) if w.len() > user.len());
        if glued && ["from", "reply-to", "subject", "message"].iter().any(|k| k.eq_ignore_ascii_case(&user)) {
            let message =
                format!("'{user}:' is a mail-format key in Monit's control file, not a user; quote it: \"{user}\":");
            return self.fail(span, message);
        }
        if let Some(user_span) = user_span {
            self.expect_credential(&user, user_span, "a user name")?;
        }
        // A noise word (`admin:program`) is dropped by Monit's lexer: the password is next.
        if !rest.is_empty() && !is_noise(&rest) {
            self.expect_credential(&rest, rest_span, "a password")?;
            return Ok(Some((user, rest)));
        }
        if !self.peek_is_value() || self.peek_is_any(HTTPD_KEYWORDS) {
            // On the token that stands where the password should: Monit's line too.
            let next = self.peek().span;
            return self.fail(next, format!("a password must follow '{user}:'"));
        }
        let (password, _) = self.expect_token_value(ValueToken::String, "a password")?;
        Ok(Some((user, password)))
    }

    /// Checks an unquoted user or password (`part`, at `span`) as Monit's grammar does: it
    /// takes `allow STRING:STRING`, so a keyword, a number (`admin:5`), a path (`admin:/x`),
    /// a mail address or a second `:` is a syntax error there.
    fn expect_credential(&mut self, part: &str, span: Span, what: &str) -> PResult<()> {
        // `check`, `depend(s)` and `group` before a `:` are strings for Monit's lexer too.
        let pattern_word = ["check", "depend", "depends", "group"].iter().any(|p| p.eq_ignore_ascii_case(part));
        if (is_monit_string(part) && !part.starts_with('/')) || (pattern_word && what == "a user name") {
            return Ok(());
        }
        if let Some(colon) = part.find(':') {
            let at = span.start as usize + colon;
            return self.fail(Span::new(span.file, at, at + 1), format!("a second ':' in {what}; quote it"));
        }
        self.reject_reserved(part, span, what)?;
        let hint = "a number, a path or a mail address is not";
        self.fail(span, format!("'{part}' is not {what} Monit reads unquoted ({hint}); quote it: \"{part}\""))
    }
}

/// An IP address or network (`10.0.0.0/8`, `::1`, `192.168.1.0/255.255.255.0`).
fn looks_like_net(text: &str) -> bool {
    let addr = text.split('/').next().unwrap_or(text);
    addr.parse::<std::net::IpAddr>().is_ok()
}
