//! Connection tests (reference §3.1-3.3): `[host H] port N`, `unixsocket P`, `url U`, with
//! type, TLS, certificate, protocol and its options, send/expect, content, response time,
//! timeout and retry in any order; and `ping`.

use super::reserved::ValueToken;
use super::values::UnitClass;
use super::{PResult, Parser};
use crate::config::lexer::TokenKind;
use crate::config::model::*;

impl Parser<'_> {
    pub(super) fn parse_connection_test(&mut self) -> PResult<ConnectionTest> {
        let (word, _) = self
            .expect_keyword(&["host", "port", "unixsocket", "unix", "url"], "'host', 'port', 'unixsocket' or 'url'")?;
        let target = match word.as_str() {
            "host" | "port" => {
                let host = if word == "host" {
                    let (host, _) = self.expect_token_value(ValueToken::String, "a host name or address")?;
                    self.expect_keyword(&["port"], "'port' after the host")?;
                    Some(host)
                } else {
                    None
                };
                let (port, _) = self.expect_port()?;
                ConnectionTarget::Port { host, port, address: None, ip_version: None }
            }
            "unixsocket" | "unix" => {
                let (path, span) = self.expect_token_value(ValueToken::Path, "an absolute socket path")?;
                let path = self.resolve_path(path, span)?;
                ConnectionTarget::Unixsocket { path }
            }
            _ => {
                let (url, span) = self.expect_url("a URL such as http://localhost/")?;
                if let Err(reason) = check_url(&url) {
                    return self.fail(span, format!("invalid URL '{url}': {reason}"));
                }
                ConnectionTarget::Url { url }
            }
        };
        let mut test = ConnectionTest::new(target);
        self.parse_connection_options(&mut test)?;
        Ok(test)
    }

    fn parse_connection_options(&mut self, test: &mut ConnectionTest) -> PResult<()> {
        loop {
            let token = self.peek().clone();
            let Some(word) = token.keyword() else {
                return Ok(());
            };
            match word.as_str() {
                "address" => {
                    self.next();
                    let (addr, span) = self.expect_token_value(ValueToken::String, "a source address")?;
                    match &mut test.target {
                        ConnectionTarget::Port { address, .. } => *address = Some(addr),
                        _ => return self.fail(span, "'address' only applies to a port test"),
                    }
                }
                "ipv4" | "ipv6" => {
                    self.next();
                    let version = if word == "ipv4" { IpVersion::Ipv4 } else { IpVersion::Ipv6 };
                    match &mut test.target {
                        ConnectionTarget::Port { ip_version, .. } => *ip_version = Some(version),
                        _ => return self.fail(token.span, format!("'{word}' only applies to a port test")),
                    }
                }
                "type" => {
                    self.next();
                    let (t, _) = self.expect_keyword(&["tcp", "udp", "tcpssl"], "'tcp', 'udp' or 'tcpssl'")?;
                    test.socket_type = Some(match t.as_str() {
                        "tcp" => SocketType::Tcp,
                        "udp" => SocketType::Udp,
                        _ => SocketType::Tcpssl,
                    });
                }
                "ssl" | "tls" | "sslv2" | "sslv3" | "tlsv1" | "tlsv11" | "tlsv12" | "tlsv13" | "auto" | "sslauto" => {
                    let span = self.peek().span;
                    test.ssl = self.parse_ssl_clause()?;
                    if let Some(options) = test.ssl.clone() {
                        let context = "to a connection test: its client certificate is clientpemfile";
                        self.warn_ssl_options_unused(span, &options, &["pemfile", "pemchain", "pemkey"], context);
                    }
                }
                "certificate" => {
                    self.next();
                    if self.eat("valid") {
                        self.parse_operator();
                        let (days, _) = self.expect_u32("a number of days")?;
                        self.expect_keyword(&["days", "day"], "'days'")?;
                        test.certificate_valid_days = Some(days);
                    } else {
                        test.certificate_checksum = Some(self.parse_certificate_checksum()?);
                    }
                }
                "certmd5" => {
                    self.next();
                    let (value, span) = self.expect_value("an MD5 checksum")?;
                    self.check_hex(&value, span, Some(HashType::Md5))?;
                    test.certificate_checksum =
                        Some(CertificateChecksum { hash: Some(HashType::Md5), value: value.to_ascii_lowercase() });
                }
                "protocol" | "proto" => {
                    self.next();
                    // A keyword of Monit's lexer: quoted, it is a string and no protocol.
                    if matches!(self.peek().kind, TokenKind::Str(_)) {
                        return self.unexpected("a protocol such as http, unquoted", &[]);
                    }
                    let (name, span) = self.expect_value("a protocol such as http")?;
                    let Some(protocol) = Protocol::from_keyword(&name) else {
                        let names: Vec<&str> = Protocol::ALL.iter().map(|p| p.keyword()).collect();
                        let mut d =
                            crate::config::source::Diagnostic::error(span, format!("unknown protocol '{name}'"));
                        if let Some(s) = super::suggest(&name, &names) {
                            d = d.with_help(format!("did you mean `{s}`?"));
                        }
                        self.report(d);
                        return Err(super::Fail);
                    };
                    let mut config = ProtocolConfig::new(protocol);
                    self.parse_protocol_options(&mut config)?;
                    test.protocol = Some(config);
                }
                "request" => {
                    // `request` before/without `protocol http` is an HTTP request too.
                    let protocol = test.protocol.get_or_insert_with(|| ProtocolConfig::new(Protocol::Http));
                    let mut config = protocol.clone();
                    self.parse_protocol_options(&mut config)?;
                    test.protocol = Some(config);
                }
                "send" => {
                    self.next();
                    let (s, _) = self.expect_token_value(ValueToken::String, "a string to send")?;
                    test.send_expect.push(SendExpect::Send(s));
                }
                "expect" => {
                    self.next();
                    let (s, span) = self.expect_name("a regular expression to expect")?;
                    let pattern = self.compile_pattern(s, span);
                    test.send_expect.push(SendExpect::Expect(pattern));
                }
                "content" => {
                    self.next();
                    test.content = Some(self.parse_content_pattern("content", true)?);
                }
                "responsetime" => {
                    self.next();
                    let (cmp, _) = self.parse_comparison(UnitClass::Time)?;
                    test.response_time = Some(cmp);
                }
                "timeout" => {
                    self.next();
                    let (timeout, span) = self.parse_timeout_seconds()?;
                    if timeout.millis == 0 {
                        return self.fail(span, "a timeout must be greater than 0");
                    }
                    test.timeout = Some(timeout);
                }
                "retry" => {
                    self.next();
                    test.retry = Some(self.expect_u32_in("a number of tries", 1, 100)?.0);
                }
                _ => return Ok(()),
            }
        }
    }

    /// The options after `protocol <name>` that the protocol takes.
    fn parse_protocol_options(&mut self, config: &mut ProtocolConfig) -> PResult<()> {
        let allowed = config.name.allowed_options();
        loop {
            let token = self.peek().clone();
            let Some(word) = token.keyword() else {
                return Ok(());
            };
            let option = match word.as_str() {
                "username" => ProtocolOption::Username,
                "password" => ProtocolOption::Password,
                "request" => ProtocolOption::Request,
                "method" => ProtocolOption::Method,
                "status" => ProtocolOption::Status,
                "checksum" => ProtocolOption::Checksum,
                "hostheader" | "host" => ProtocolOption::Hostheader,
                "http" | "headers" | "header" => ProtocolOption::Headers,
                "database" => ProtocolOption::Database,
                "secret" => ProtocolOption::Secret,
                "target" => ProtocolOption::Target,
                "maxforward" => ProtocolOption::Maxforward,
                "origin" => ProtocolOption::Origin,
                "version" => ProtocolOption::Version,
                "rsakey" => ProtocolOption::RsakeyChecksum,
                "path" => ProtocolOption::Path,
                w if ApacheScore::ALL.iter().any(|s| s.keyword() == w) => ProtocolOption::Limits,
                _ => return Ok(()),
            };
            if !allowed.contains(&option) {
                // `host` after a protocol may be the start of nothing else; everything here is
                // an option of some protocol, so name the mismatch.
                return self
                    .fail(token.span, format!("'{word}' is not an option of protocol {}", config.name.keyword()));
            }
            self.next();
            match option {
                ProtocolOption::Username => config.username = Some(self.expect_name("a user name")?.0),
                ProtocolOption::Password => config.password = Some(self.expect_name("a password")?.0),
                ProtocolOption::Request => {
                    let (request, span) = self.expect_value("a request path such as \"/health\"")?;
                    if !request.starts_with('/') {
                        return self.fail(span, format!("a request must start with '/', not '{request}'"));
                    }
                    config.request = Some(request);
                }
                ProtocolOption::Method => {
                    let (m, _) = self.expect_keyword(&["get", "head"], "'GET' or 'HEAD'")?;
                    config.method = Some(if m == "get" { HttpMethod::Get } else { HttpMethod::Head });
                }
                ProtocolOption::Status => config.status = Some(self.parse_comparison(UnitClass::Count)?.0),
                ProtocolOption::Checksum => {
                    let hash = self.parse_hash_type();
                    let (value, span) = self.expect_value("a checksum")?;
                    self.check_hex(&value, span, hash)?;
                    let hash = hash.or_else(|| HashType::from_hex_len(value.len()));
                    config.checksum = Some(BodyChecksum { hash, value: value.to_ascii_lowercase() });
                }
                ProtocolOption::Hostheader => {
                    config.hostheader = Some(self.expect_token_value(ValueToken::String, "a host name")?.0)
                }
                ProtocolOption::Headers => {
                    if word == "http" {
                        self.expect_keyword(&["headers"], "'headers'")?;
                    }
                    config.headers.extend(self.parse_header_list()?);
                }
                ProtocolOption::Database => config.database = Some(self.expect_name("a database name")?.0),
                ProtocolOption::Secret => config.secret = Some(self.expect_name("a secret")?.0),
                ProtocolOption::Target => config.target = Some(self.expect_value("a SIP target")?.0),
                ProtocolOption::Maxforward => config.maxforward = Some(self.expect_u32("a number")?.0),
                ProtocolOption::Origin => config.origin = Some(self.expect_value("an origin URL")?.0),
                ProtocolOption::Version => config.version = Some(self.expect_value("a version")?.0),
                ProtocolOption::RsakeyChecksum => {
                    self.unapplied(
                        token.span,
                        "rsakey checksum is not applied: rmonit never asks a MySQL server for its RSA key \
                         (caching_sha2_password's full authentication only over TLS or a unix socket; over plain \
                         TCP it fails, saying so), so there is no key to compare",
                    );
                    config.rsakey_checksum = Some(self.parse_certificate_checksum()?);
                }
                ProtocolOption::Path => config.path = Some(self.expect_value("a path")?.0),
                ProtocolOption::Limits => {
                    let score = ApacheScore::ALL.into_iter().find(|s| s.keyword() == word).expect("matched above");
                    let (limit, _) = self.parse_comparison(UnitClass::Percent)?;
                    config.limits.push(ApacheLimit { name: score, limit });
                }
            }
            if config.method == Some(HttpMethod::Head) && config.checksum.is_some() {
                let span = self.current_span();
                return self.fail(span, "'method head' reads no body, so it cannot take a checksum");
            }
        }
    }

    /// `[Name: value, Other: "v:with:colons"]`.
    fn parse_header_list(&mut self) -> PResult<Vec<String>> {
        let open = self.peek().clone();
        if open.kind != TokenKind::LBracket {
            return self.unexpected("'[' opening the header list", &[]);
        }
        self.next();
        let mut headers: Vec<String> = Vec::new();
        loop {
            let token = self.next_raw();
            match &token.kind {
                TokenKind::RBracket => break,
                TokenKind::Word(w) if w.contains(':') && !headers.last().is_some_and(|h| h.ends_with(':')) => {
                    let (name, value) = w.split_once(':').unwrap_or((w, ""));
                    if name.is_empty() {
                        return self.fail(token.span, format!("a header needs a name before ':', not '{w}'"));
                    }
                    headers.push(format!("{name}:{}", value.trim()));
                }
                TokenKind::Word(w) | TokenKind::Str(w) => match headers.last_mut() {
                    Some(h) => {
                        if !h.ends_with(':') {
                            h.push(' ');
                        }
                        h.push_str(w);
                    }
                    None => {
                        return self.fail(token.span, format!("expected a header such as 'Name: value', not '{w}'"));
                    }
                },
                TokenKind::Eof => return self.fail(open.span, "the header list is not closed with ']'"),
                _ => return self.fail(token.span, format!("unexpected {} in the header list", token.describe())),
            }
        }
        Ok(headers
            .into_iter()
            .map(|h| match h.split_once(':') {
                Some((n, v)) => format!("{}: {}", n.trim(), v.trim()),
                None => h,
            })
            .collect())
    }

    /// `ping|ping4|ping6 [count N] [size N] [responsetime ...] [timeout T] [address A]`,
    /// or `icmp type echo ...`.
    pub(super) fn parse_ping(&mut self) -> PResult<PingTest> {
        let (word, _) = self.expect_keyword(&["ping", "ping4", "ping6", "icmp"], "'ping'")?;
        let mut ping = PingTest::default();
        match word.as_str() {
            "ping4" => ping.ip_version = Some(IpVersion::Ipv4),
            "ping6" => ping.ip_version = Some(IpVersion::Ipv6),
            "icmp" => {
                self.expect_keyword(&["type"], "'type'")?;
                self.expect_keyword(&["echo"], "'echo'")?;
            }
            _ => {}
        }
        loop {
            if self.eat("count") {
                ping.count = Some(self.expect_u32_in("a ping count", 1, 20)?.0);
            } else if self.eat("size") {
                ping.size = Some(self.expect_u32_in("a ping size", 8, 1492)?.0);
            } else if self.eat("responsetime") {
                ping.response_time = Some(self.parse_comparison(UnitClass::Time)?.0);
            } else if self.eat("timeout") {
                ping.timeout = Some(self.parse_timeout_seconds()?.0);
            } else if self.eat("address") {
                ping.address = Some(self.expect_value("a source address")?.0);
            } else {
                return Ok(ping);
            }
        }
    }
}

/// A URL for `if failed url`: http or https, with a host.
pub(crate) fn check_url(url: &str) -> Result<(), &'static str> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .or_else(|| url.get(..7).filter(|p| p.eq_ignore_ascii_case("http://")).map(|_| &url[7..]))
        .or_else(|| url.get(..8).filter(|p| p.eq_ignore_ascii_case("https://")).map(|_| &url[8..]))
        .ok_or("it must start with http:// or https://")?;
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return Err("it has no host");
    }
    if let Some(port) = host.rsplit_once(':').map(|(_, p)| p).filter(|p| !host.ends_with(']') && !p.contains(']'))
        && !port.is_empty()
        && port.parse::<u16>().is_err()
    {
        return Err("the port is not a number between 1 and 65535");
    }
    Ok(())
}
