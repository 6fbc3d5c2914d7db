//! Monit's reserved words: the words its lexer (`src/l.l`) turns into keyword tokens.
//!
//! Where Monit's grammar wants a name (a user or group after `uid`/`gid`, a host after
//! `address` or `host`), it takes a STRING token; an unquoted word that the lexer reads as
//! a keyword never becomes one, so `if failed uid mysql` or `as uid daemon` is a syntax
//! error in Monit even though `mysql` is a real account. Quoting the word (`uid "mysql"`)
//! makes it a string. rmonit reports the same files as errors, with the fix in the message,
//! so that a control file rmonit accepts is also one Monit accepts.

use super::{PResult, Parser};
use crate::config::lexer::TokenKind;
use crate::config::source::Span;

/// Every word Monit 5.33's lexer reads as a keyword (units and operators too), grouped as
/// in `src/l.l`. Each was checked against Debian's monit 5.33 in five name positions (`if
/// failed uid W`, `gid W`, `as uid W`, `with address W`, `allow W:pw` and `allow u:W`):
/// every one is a syntax error there; `nomatch` and `notmatching`, newer, are not.
const RESERVED: &str = "
    if then failed else recovered passed succeeded set daemon delay terminal
    batch log logfile syslog facility httpd address interface link up down
    saturation speed total init allow reject readonly read-only disk read write
    pidfile idfile statefile path start stop restart restarts port portnumber unix
    unixsocket ipv4 ipv6 type proto protocol tcp tcpssl udp alert noalert
    mail-format resource cycle cycles timeout retry checksum mailserver host
    hostheader method get head status default mode active passive manual
    onreboot nostart laststate uid euid gid security attribute attributes request
    secret memory mem swap totalmem totalmemory core cpu totalcpu child
    children thread threads time timestamp changed inode inodes space free perm
    permission exec execute size uptime responsetime basedir slot slots eventqueue
    not ignore connection unmonitor action icmp ping ping4 ping6 echo send
    expect expectbuffer limits mmonit url content pid ppid count repeat reminder
    instance hostname username password database credentials register fsflag fsflags
    fips filedescriptors nonexist nonexists exist exists invalid data signature
    every operation operations packet packets bytein byteout packetin packetout
    upload uploaded download downloaded loadavg
    tls ssl enable disable verify valid certificate cacertificatefile
    cacertificatepath clientpemfile allowselfcertification selfsigned certmd5 pemfile
    pemchain pemkey rsakey sslv2 sslv3 tlsv1 tlsv11 tlsv12 tlsv13 cipher ciphers
    auto sslauto cleartext md5 sha1 crypt
    http https apache-status ftp smtp smtps postfix-policy pop pops imap imaps
    clamav dns mysql mysqls nntp ntp3 ssh redis mongodb fail2ban sieve
    spamassassin dwp ldap2 ldap3 rdate lmtp rsync tns pgsql websocket mqtt
    origin version sip gps radius memcache target maxforward loglimit closelimit
    dnslimit keepalivelimit replylimit requestlimit startlimit waitlimit gracefullimit
    cleanuplimit
    sendexpectbuffer filecontentbuffer httpcontentbuffer programoutput networktimeout
    programtimeout stoptimeout starttimeout restarttimeout
    percent b byte bytes kb kilobyte kilobytes mb megabyte megabytes gb
    gigabyte gigabytes ms millisecond milliseconds s second seconds m minute
    minutes h hour hours day days month months atime ctime mtime
    more greater gt older ge less lt newer le equal eq notequal ne match
    matching
";

/// Whether Monit's lexer reads this unquoted word as a keyword (or, before a blank, as the
/// start of a statement: `check`, `depends`, `group`).
pub(crate) fn is_reserved(word: &str) -> bool {
    RESERVED.split_whitespace().any(|r| r.eq_ignore_ascii_case(word))
        || STATEMENT_PATTERNS.iter().any(|p| p.eq_ignore_ascii_case(word))
}

/// An IPv4 or IPv6 address, with or without a prefix length: Monit's lexer reads those as
/// strings though `:` is not a bare-word character.
fn is_ip_address(word: &str) -> bool {
    let address =
        word.split_once('/').map_or(word, |(a, bits)| if bits.bytes().all(|b| b.is_ascii_digit()) { a } else { "" });
    address.contains(':') && address.parse::<std::net::Ipv6Addr>().is_ok()
        || address.parse::<std::net::Ipv4Addr>().is_ok()
}

/// Words that start a statement through a pattern of Monit's lexer (`check process`,
/// `depends on`, `group`) rather than a keyword of their own: they are not strings either.
const STATEMENT_PATTERNS: &[&str] = &["check", "depend", "depends", "group", "include"];

/// Whether `c` may appear in a bare word of Monit's lexer (its `str` class: anything but
/// control characters, blanks, `!`, `@`, `:`, `{`, `}`, quotes, `;`, `(`, `)`, `,`, `%`).
pub(crate) fn is_bare_word_char(c: char) -> bool {
    !(c.is_control() || c == ' ' || "!@:{}\"';(),%".contains(c))
}

/// Whether Monit's lexer reads the whole unquoted `word` as one STRING or PATH token, the
/// tokens its grammar takes as a name, a path or a program argument: made of bare-word
/// characters, and neither a keyword nor a number (`5` and `2.5` are numbers, `5s` a string).
pub(crate) fn is_monit_string(word: &str) -> bool {
    if is_ip_address(word) {
        return true;
    }
    let (int, frac) = word.split_once('.').unwrap_or((word, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let number = digits(int) && digits(frac);
    !word.is_empty() && word.chars().all(is_bare_word_char) && !is_reserved(word) && !number
}

/// Whether Monit's lexer reads the unquoted `word` as a MAILADDR (`{str}[@]{str}`): bare-word
/// characters, one `@`, bare-word characters.
pub(crate) fn is_mail_address(word: &str) -> bool {
    let bare = |s: &str| !s.is_empty() && s.chars().all(is_bare_word_char);
    word.split_once('@').is_some_and(|(user, domain)| bare(user) && bare(domain))
}

/// The tokens of Monit's grammar a value can be.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ValueToken {
    /// PATH: a bare word or quoted string that starts with `/`.
    Path,
    /// STRING: a quoted string or a bare word that is not a keyword or a number, and does
    /// not start with `/`.
    String,
    /// Either.
    PathOrString,
}

impl Parser<'_> {
    /// A value Monit's grammar takes as `token` there; anything else fails on its token.
    pub(crate) fn expect_token_value(&mut self, token: ValueToken, what: &str) -> PResult<(String, Span)> {
        let next = self.peek().clone();
        let is_path = match &next.kind {
            TokenKind::Str(s) => s.starts_with('/'),
            TokenKind::Word(w) if is_monit_string(w) || self.is_pattern_word_as_string(w, next.span) => {
                w.starts_with('/')
            }
            TokenKind::Word(w) => {
                self.reject_reserved(w, next.span, what)?;
                return self.unexpected(what, &[]);
            }
            _ => return self.unexpected(what, &[]),
        };
        let fits = match token {
            ValueToken::Path => is_path,
            ValueToken::String => !is_path,
            ValueToken::PathOrString => true,
        };
        if !fits {
            return self.unexpected(what, &[]);
        }
        self.expect_value(what)
    }

    /// A user, group or host name: a quoted string, or a word Monit does not reserve.
    pub(crate) fn expect_name(&mut self, what: &str) -> PResult<(String, Span)> {
        let token = self.peek().clone();
        if let TokenKind::Word(word) = &token.kind {
            self.reject_reserved(word, token.span, what)?;
        }
        self.expect_value(what)
    }

    /// A user or group after `uid`/`gid`: Monit's `UID STRING | UID NUMBER`, so a path
    /// (`uid /x`, `uid "/x"`) or a keyword is an error there.
    pub(crate) fn expect_account(&mut self, what: &str) -> PResult<(String, Span)> {
        if matches!(&self.peek().kind, TokenKind::Word(w) if w.bytes().all(|b| b.is_ascii_digit())) {
            return self.expect_value(what);
        }
        self.expect_token_value(ValueToken::String, what)
    }

    /// A URL after `url` or `set mmonit`: Monit's lexer reads one only unquoted (a scheme
    /// and `://` start its URL state); a quoted URL is a STRING its grammar does not take.
    pub(crate) fn expect_url(&mut self, what: &str) -> PResult<(String, Span)> {
        let token = self.peek().clone();
        if let TokenKind::Str(url) = &token.kind {
            let message = format!("a URL is written without quotes in Monit's control file: {url}");
            return self.fail(token.span, message);
        }
        self.expect_value(what)
    }

    /// Whether the unquoted `word` at `span` is `check`, `depend(s)` or `group` with no
    /// blank after it: Monit's lexer starts a statement with them only before a blank
    /// (`check[ \t]+`), so at the end of a line they are strings.
    pub(crate) fn is_pattern_word_as_string(&self, word: &str, span: Span) -> bool {
        let pattern = ["check", "depend", "depends", "group"].iter().any(|p| p.eq_ignore_ascii_case(word));
        let after = self.frames.last().map(|f| f.lexer.text_between(span.end, span.end + 1));
        pattern && !after.is_some_and(|a| a == " " || a == "\t")
    }

    /// Fails if the unquoted `word` (at `span`) is one Monit reads as a keyword.
    pub(crate) fn reject_reserved(&mut self, word: &str, span: Span, what: &str) -> PResult<()> {
        if !is_reserved(word) || self.is_pattern_word_as_string(word, span) {
            return Ok(());
        }
        self.fail(span, format!("'{word}' is a keyword in Monit's control file, not {what}; quote it: \"{word}\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_that_are_also_account_names_are_reserved() {
        for word in ["mysql", "daemon", "syslog", "clamav", "redis", "disk", "MySQL"] {
            assert!(is_reserved(word), "{word}");
        }
        for word in ["root", "www-data", "nobody", "postgres", "nginx", "mysqld"] {
            assert!(!is_reserved(word), "{word}");
        }
    }

    #[test]
    fn strings_are_bare_words_that_are_not_keywords_or_numbers() {
        for word in ["web", "/run/a.pid", "-q", "a=b", "5s", "1.2.3.4", "$HOST", "x.y", "/", "2001:db8::1", "::1/128"] {
            assert!(is_monit_string(word), "{word}");
        }
        for word in ["start", "Timeout", "check", "5", "2.5", "a@b", "a:b", "80%", "w!eb", ""] {
            assert!(!is_monit_string(word), "{word}");
        }
    }
}
