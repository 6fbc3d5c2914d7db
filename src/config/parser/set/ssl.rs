//! TLS options wherever they appear: `set ssl`, the `ssl|tls` clause of a mail server, of
//! `set httpd` and of a connection test, with its `{ key: value }` block, and certificate
//! checksums.
use super::super::{PResult, Parser};
use super::key_of;
use crate::config::lexer::TokenKind;
use crate::config::model::*;
use crate::config::source::Span;

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

impl Parser<'_> {
    /// `ssl|tls [version] [with options] {...}` or a bare `ssl`; `ssl disable` (Monit's
    /// noise for "no TLS") gives none.
    pub(crate) fn parse_ssl_clause(&mut self) -> PResult<Option<SslOptions>> {
        let (word, span) = self.expect_value("'ssl' or 'tls'")?;
        let mut options = SslOptions::default();
        let lower = word.to_ascii_lowercase();
        if lower != "ssl" && lower != "tls" {
            self.check_tls_version(&lower, span)?;
            options.versions.push(TlsVersion::new(lower));
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
                    options.versions.push(TlsVersion::new(v.to_ascii_lowercase()));
                    while matches!(&self.peek().kind, TokenKind::Word(w) if is_tls_version(w)) {
                        let v = self.next();
                        let version = v.text().unwrap_or_default().to_ascii_lowercase();
                        self.check_tls_version(&version, v.span)?;
                        options.versions.push(TlsVersion::new(version));
                    }
                }
                "verify" => options.verify = Some(self.parse_enable()?),
                "selfsigned" => {
                    let (v, _) = self.expect_keyword(&["allow", "reject"], "'allow' or 'reject'")?;
                    options.selfsigned = Some(v == "allow");
                }
                "ciphers" => {
                    let (text, span) = self.expect_value("a cipher list")?;
                    let choice = crate::config::model::ciphers::CipherChoice::parse(&text);
                    if !choice.unavailable.is_empty() {
                        let message = format!(
                            "ciphers: {} {} no rustls cipher suite (rustls has only ECDHE with AES-GCM or \
                             ChaCha20-Poly1305, and TLS 1.3's): ignored, connections use {}",
                            choice.unavailable.join(", "),
                            if choice.unavailable.len() == 1 { "has" } else { "have" },
                            choice.used()
                        );
                        self.unapplied(span, &message);
                    }
                    options.ciphers = Some(text)
                }
                "pemfile" => options.pemfile = Some(self.expect_path()?),
                "pemchain" => options.pemchain = Some(self.expect_path()?),
                "pemkey" => options.pemkey = Some(self.expect_path()?),
                "clientpemfile" => options.clientpemfile = Some(self.expect_path()?),
                "cacertificatefile" => options.cacertificatefile = Some(self.expect_path()?),
                _ => options.cacertificatepath = Some(self.expect_path()?),
            }
        }
    }

    /// Warns at `span` for the options of `names` that `options` sets and that where they
    /// stand (`context`, e.g. "to a connection test") do nothing, saying what is used.
    pub(crate) fn warn_ssl_options_unused(&mut self, span: Span, options: &SslOptions, names: &[&str], context: &str) {
        let set: Vec<&str> = names
            .iter()
            .copied()
            .filter(|name| match *name {
                "verify" => options.verify.is_some(),
                "pemfile" => options.pemfile.is_some(),
                "pemchain" => options.pemchain.is_some(),
                "pemkey" => options.pemkey.is_some(),
                "cacertificatefile" => options.cacertificatefile.is_some(),
                "cacertificatepath" => options.cacertificatepath.is_some(),
                _ => false,
            })
            .collect();
        if !set.is_empty() {
            let verb = if set.len() == 1 { "is" } else { "are" };
            self.unapplied(span, &format!("{} {verb} not applied {context}", set.join(", ")));
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
            "tlsv1" | "tlsv11" | "tlsv1.0" | "tlsv1.1" => {
                let message = format!(
                    "{version} is not applied: rustls has no TLS 1.0 or 1.1, so connections use TLS 1.2 or 1.3"
                );
                self.unapplied(span, &message);
                Ok(())
            }
            _ if TlsVersion::new(version).meaning() == TlsVersionMeaning::Unsupported => {
                let message = format!(
                    "'{version}' is not a TLS version (tlsv12, tlsv13, auto, or -VERSION to remove one): \
                     connections with these options fail"
                );
                self.unapplied(span, &message);
                Ok(())
            }
            _ => Ok(()),
        }
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
}

fn is_tls_version(word: &str) -> bool {
    let w = word.trim_start_matches('-').to_ascii_lowercase();
    matches!(w.as_str(), "auto" | "sslv2" | "sslv3" | "tlsv1" | "tlsv11" | "tlsv12" | "tlsv13")
}
