//! The monitrc lexer (reference §1.1): words, quoted strings, operators and braces with
//! spans. `#` starts a comment; blanks, `,` `;` `(` `)` separate tokens and mean nothing.
//!
//! It is pulled one token at a time, so that the parser can ask for raw text where the
//! language has it (the `message:` of a mail-format runs to the closing brace). Noise words
//! (`with`, `then`-less fillers like `is`, `program`, `the`) are words here; the parser skips
//! them, since a few of them matter after `check`.

use std::sync::Arc;

use super::excerpt::shorten;
use super::source::{FileId, Span};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// An unquoted word: a keyword, a number with or without unit, a path, a name.
    Word(String),
    /// A quoted string (`"..."` or `'...'`), escapes resolved.
    Str(String),
    /// `>`, `>=`, `<`, `<=`, `=`, `==`, `!=`. Monit's lexer has no `<>` (it reads it as a
    /// word, which no rule takes), so neither has rmonit.
    Op(String),
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Eof,
    /// A character that starts no token, or an unterminated string.
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

impl Token {
    /// The text of a word or string.
    pub fn text(&self) -> Option<&str> {
        match &self.kind {
            TokenKind::Word(s) | TokenKind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this is the unquoted word `keyword` (case-insensitive), or one of the
    /// spellings Monit's lexer takes for it (`portnumber` for `port`, ...).
    pub fn is_word(&self, keyword: &str) -> bool {
        matches!(&self.kind, TokenKind::Word(w)
            if w.eq_ignore_ascii_case(keyword) || alias_of(w).is_some_and(|a| a.eq_ignore_ascii_case(keyword)))
    }

    /// An unquoted word as a keyword: lowercased, aliases replaced (`execute` -> `exec`).
    pub fn keyword(&self) -> Option<String> {
        let TokenKind::Word(w) = &self.kind else { return None };
        Some(alias_of(w).map_or_else(|| w.to_ascii_lowercase(), str::to_owned))
    }

    /// How the token is shown in messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            TokenKind::Word(w) => format!("'{}'", shorten(w, 40)),
            TokenKind::Str(s) => format!("\"{}\"", shorten(s, 40)),
            TokenKind::Op(o) => format!("'{o}'"),
            TokenKind::LBrace => "'{'".to_owned(),
            TokenKind::RBrace => "'}'".to_owned(),
            TokenKind::LBracket => "'['".to_owned(),
            TokenKind::RBracket => "']'".to_owned(),
            TokenKind::Eof => "end of file".to_owned(),
            TokenKind::Invalid(s) => s.clone(),
        }
    }
}

/// Other spellings of keywords that Monit's lexer accepts: (spelling, keyword).
const ALIASES: &[(&str, &str)] = &[
    ("portnumber", "port"),
    ("unix", "unixsocket"),
    ("proto", "protocol"),
    ("execute", "exec"),
    ("child", "children"),
    ("thread", "threads"),
    ("slot", "slots"),
    ("cipher", "ciphers"),
    ("inodes", "inode"),
    ("attributes", "attribute"),
    ("cycle", "cycles"),
    ("mem", "memory"),
    ("totalmemory", "totalmem"),
    ("perm", "permission"),
    ("nonexists", "nonexist"),
    ("exists", "exist"),
    ("load", "loadavg"),
    ("readonly", "read-only"),
    ("restarts", "restart"),
    ("fsflag", "fsflags"),
    ("packet", "packets"),
    ("operation", "operations"),
    ("uploaded", "upload"),
    ("downloaded", "download"),
    ("logfile", "log"),
    ("sslauto", "auto"),
];

/// The keyword a spelling stands for, if it is an alias.
pub fn alias_of(word: &str) -> Option<&'static str> {
    ALIASES.iter().find(|(spelling, _)| spelling.eq_ignore_ascii_case(word)).map(|(_, keyword)| *keyword)
}

/// Noise words, ignored wherever they appear (reference §1.1).
pub const NOISE_WORDS: &[&str] = &[
    "is", "as", "are", "for", "via", "on", "only", "with", "within", "without", "program", "programs", "and", "has",
    "using", "use", "the", "to", "sum", "than", "usage", "was", "times", "but", "of", "or", "does", "per", "in",
    "last", "rate", "capacity", "activity", "option", "options",
];

pub fn is_noise(word: &str) -> bool {
    NOISE_WORDS.iter().any(|n| n.eq_ignore_ascii_case(word))
}

/// Longest string literal we accept; longer ones are almost surely a missing quote.
pub const MAX_STRING_LEN: usize = 64 * 1024;

pub struct Lexer {
    text: Arc<str>,
    pos: usize,
    file: FileId,
    /// The last token was the word `headers`: a `[` opens a header list (Monit reads `[`
    /// and `]` as list brackets only after `http headers`; elsewhere they are word
    /// characters, `s]yslog` is one word).
    after_headers: bool,
    /// Inside `[...]` of a header list: a `]` ends a word and the list.
    in_header_list: bool,
    /// Where the lexer stands after `check`: see [`CheckState`].
    check: CheckState,
    /// The last token was a service name (after `check` and its type): Monit reads any word
    /// there, `include` and `#x` too.
    service_name: bool,
}

/// The tokens after `check`: Monit's lexer reads the service name in a state of its own,
/// where any word is a name (`=`, `#x`, `include`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CheckState {
    None,
    /// After `check`: a service type or the name comes next.
    AfterCheck,
    /// After `check <type>`, or after `group` and a blank (Monit's `group[ \t]+`): the name
    /// comes next.
    AfterType,
}

/// The words that follow `check` as a service type.
const SERVICE_TYPE_WORDS: &[&str] =
    &["process", "file", "filesystem", "device", "directory", "host", "network", "fifo", "program", "system"];

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')')
}

fn is_op_char(c: char) -> bool {
    matches!(c, '<' | '>' | '=' | '!')
}

/// A character of Monit's plain words (its lexer's `str`: no control character, blank, or
/// any of `!@:{}"';(),%`). An operator glued to one (`>80`, `=^`) is one word for Monit,
/// since its lexer takes the longest match.
fn is_monit_word_char(c: char) -> bool {
    !c.is_control()
        && !c.is_whitespace()
        && !matches!(c, '!' | '@' | ':' | '{' | '}' | '"' | '\'' | ';' | '(' | ')' | ',' | '%')
}

impl Lexer {
    pub fn new(text: Arc<str>, file: FileId) -> Self {
        // A byte-order mark at the start is not part of the file's text.
        let pos = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
        Lexer {
            text,
            pos,
            file,
            after_headers: false,
            in_header_list: false,
            check: CheckState::None,
            service_name: false,
        }
    }

    pub fn file(&self) -> FileId {
        self.file
    }

    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn peek_char(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn span(&self, start: usize) -> Span {
        Span::new(self.file, start, self.pos)
    }

    fn skip_blanks_and_comments(&mut self) {
        while let Some(c) = self.peek_char() {
            if is_separator(c) {
                self.bump();
            } else if c == '#' {
                match self.rest().find('\n') {
                    Some(n) => self.pos += n,
                    None => self.pos = self.text.len(),
                }
            } else {
                break;
            }
        }
    }

    /// Whether the last token was a service name (`check process include ...` names a
    /// service `include`; no file is included).
    pub fn last_was_service_name(&self) -> bool {
        self.service_name
    }

    /// The next token.
    pub fn next_token(&mut self) -> Token {
        let in_name = self.check != CheckState::None;
        let token = if in_name { self.scan_service_name() } else { self.scan_token() };
        let word = match &token.kind {
            TokenKind::Word(w) => Some(w.as_str()),
            _ => None,
        };
        let is_type = word.is_some_and(|w| SERVICE_TYPE_WORDS.iter().any(|t| t.eq_ignore_ascii_case(w)));
        (self.check, self.service_name) = match self.check {
            CheckState::AfterCheck if is_type => (CheckState::AfterType, false),
            CheckState::AfterCheck | CheckState::AfterType => (CheckState::None, word.is_some()),
            CheckState::None
                if word.is_some_and(|w| w.eq_ignore_ascii_case("check")) && self.starts_a_check(&token) =>
            {
                (CheckState::AfterCheck, false)
            }
            CheckState::None
                if word.is_some_and(|w| w.eq_ignore_ascii_case("group"))
                    && self.text[token.span.end as usize..].starts_with([' ', '\t']) =>
            {
                (CheckState::AfterType, false)
            }
            CheckState::None => (CheckState::None, false),
        };
        self.after_headers = matches!(&token.kind, TokenKind::Word(w) if w.eq_ignore_ascii_case("headers"));
        match token.kind {
            TokenKind::LBracket => self.in_header_list = true,
            TokenKind::RBracket | TokenKind::Eof => self.in_header_list = false,
            _ => {}
        }
        token
    }

    /// Whether the word `check` starts a service: first on its line (else it is a name, as
    /// in `depends on check`), and followed by a blank or a separator as Monit's `check[ \t]+`
    /// (or a syntax error) wants.
    fn starts_a_check(&self, token: &Token) -> bool {
        let (start, end) = (token.span.start as usize, token.span.end as usize);
        let line_start = self.text[..start].rfind('\n').map_or(0, |n| n + 1);
        let first = self.text[line_start..start].trim_start_matches('\u{feff}').trim().is_empty();
        first && self.text[end..].starts_with([' ', '\t', ',', ';', '(', ')'])
    }

    /// A token where the service name may come: a word may start with `#` or an operator
    /// character there (`check process #x`, `check process =`), as in Monit.
    fn scan_service_name(&mut self) -> Token {
        while self.peek_char().is_some_and(char::is_whitespace) {
            self.bump();
        }
        let start = self.pos;
        match self.peek_char() {
            // Monit's lexer has no rule for these before the name: a syntax error.
            Some(c @ (',' | ';' | '(' | ')')) => {
                self.bump();
                let kind = TokenKind::Invalid(format!("unexpected '{c}' before the service name"));
                Token { kind, span: self.span(start) }
            }
            Some(c) if c == '#' || (is_op_char(c) && c != '!') => {
                self.bump();
                self.word(start)
            }
            _ => self.scan_token(),
        }
    }

    fn scan_token(&mut self) -> Token {
        self.skip_blanks_and_comments();
        let start = self.pos;
        let Some(c) = self.bump() else {
            return Token { kind: TokenKind::Eof, span: self.span(start) };
        };
        let kind = match c {
            '{' => TokenKind::LBrace,
            '}' => TokenKind::RBrace,
            '[' if self.after_headers => TokenKind::LBracket,
            ']' if self.in_header_list => TokenKind::RBracket,
            '"' | '\'' => return self.string(c, start),
            c if is_op_char(c) => {
                let mut op = c.to_string();
                if let Some(next) = self.peek_char().filter(|&n| matches!((c, n), ('>' | '<' | '=' | '!', '='))) {
                    self.bump();
                    op.push(next);
                }
                if op == "!" {
                    // A lone `!` starts a word such as `!important`; keep it literal.
                    return self.word(start);
                }
                if c != '!' && self.peek_char().is_some_and(is_monit_word_char) {
                    return self.word(start);
                }
                TokenKind::Op(op)
            }
            c if c.is_control() => TokenKind::Invalid(format!("invalid character {:?}", c)),
            _ => return self.word(start),
        };
        Token { kind, span: self.span(start) }
    }

    fn word(&mut self, start: usize) -> Token {
        // The first character is already consumed.
        let mut brackets = 0i32;
        if self.text[start..].starts_with('[') {
            brackets = 1;
        }
        let in_list = self.in_header_list;
        // `#` starts a comment only where a token would start (`a#b` is one word for Monit).
        while let Some(c) = self.peek_char() {
            if is_separator(c) || matches!(c, '{' | '}' | '"' | '\'') || c.is_control() {
                break;
            }
            if c == '=' && self.equals_opens_a_command(start) {
                break;
            }
            if !in_list {
                // Outside a header list `[` and `]` are word characters.
            } else if c == '[' {
                brackets += 1;
            } else if c == ']' {
                if brackets == 0 {
                    break;
                }
                brackets -= 1;
            }
            self.bump();
        }
        let text = self.text[start..self.pos].to_owned();
        Token { kind: TokenKind::Word(text), span: self.span(start) }
    }

    /// Whether the `=` at the lexer's position ends the word begun at `start`: Monit's
    /// `start{ws}?(program)?{ws}?([=]{ws}?)?["]` is one token, so in `start program="/x"`
    /// (or `stop="/x"`) the `=` belongs to it, not to the word before.
    fn equals_opens_a_command(&self, start: usize) -> bool {
        let word = &self.text[start..self.pos];
        let method = ["start", "stop", "restart", "program"].iter().any(|w| w.eq_ignore_ascii_case(word));
        method && self.rest()[1..].trim_start_matches([' ', '\t', '\r']).starts_with('"')
    }

    fn string(&mut self, quote: char, start: usize) -> Token {
        let mut value = String::new();
        loop {
            let Some(c) = self.bump() else {
                let kind = TokenKind::Invalid("an unterminated string".to_owned());
                return Token { kind, span: Span::new(self.file, start, start + 1) };
            };
            if c == quote {
                break;
            }
            if c == '\\' {
                // `\"` and `\\` are escapes; any other backslash stays (regexes need it).
                match self.peek_char() {
                    Some(n) if n == quote || n == '\\' => {
                        self.bump();
                        value.push(n);
                    }
                    _ => value.push('\\'),
                }
            } else {
                value.push(c);
            }
            if value.len() > MAX_STRING_LEN {
                let kind = TokenKind::Invalid(format!("a string longer than {} kB", MAX_STRING_LEN / 1024));
                // Skip to the closing quote (or the end) so the rest of the file still parses.
                match self.rest().find(quote) {
                    Some(n) => self.pos += n + quote.len_utf8(),
                    None => self.pos = self.text.len(),
                }
                return Token { kind, span: Span::new(self.file, start, start + 1) };
            }
        }
        Token { kind: TokenKind::Str(value), span: self.span(start) }
    }

    /// Whether a `,` `;` `(` or `)` outside comments stands between two byte offsets of
    /// this file's text: what continues a list where a blank alone ends it (`depends on`).
    pub fn has_list_separator_between(&self, from: u32, to: u32) -> bool {
        let between = self.text.get(from as usize..to as usize).unwrap_or_default();
        between.lines().any(|line| line.split('#').next().is_some_and(|code| code.contains([',', ';', '(', ')'])))
    }

    /// The text between two byte offsets of this file (empty if they are no boundaries).
    pub fn text_between(&self, from: u32, to: u32) -> &str {
        self.text.get(from as usize..to as usize).unwrap_or_default()
    }

    /// Whether a newline stands between two byte offsets of this file's text.
    pub fn has_newline_between(&self, from: u32, to: u32) -> bool {
        self.text.get(from as usize..to as usize).is_some_and(|between| between.contains('\n'))
    }

    /// The file or glob after `include`, read as Monit's lexer reads it: blanks (newlines
    /// too) skipped, then every character up to the next blank (`#`, `}` and quotes are part
    /// of it), unless a quoted name is longer (`"conf d/*"`) or as long (`"x"`: the quotes are
    /// dropped).
    pub fn include_target(&mut self) -> Token {
        while self.peek_char().is_some_and(char::is_whitespace) {
            self.bump();
        }
        let start = self.pos;
        let run = self.rest().find(char::is_whitespace).unwrap_or(self.rest().len());
        if run == 0 {
            return Token { kind: TokenKind::Eof, span: self.span(start) };
        }
        let quoted = self.rest().chars().next().filter(|c| matches!(c, '"' | '\'')).and_then(|q| {
            let line = &self.rest()[1..];
            let close = line.find([q, '\n', '\r'])?;
            (line[close..].starts_with(q) && close > 0).then_some(close + 2)
        });
        let kind = match quoted {
            Some(len) if len >= run => {
                let name = self.rest()[1..len - 1].to_owned();
                self.pos += len;
                TokenKind::Str(name)
            }
            _ => {
                let name = self.rest()[..run].to_owned();
                self.pos += run;
                TokenKind::Word(name)
            }
        };
        Token { kind, span: self.span(start) }
    }

    /// Raw text up to (not including) the end of the line, trimmed; for `subject:`.
    pub fn raw_line(&mut self) -> (String, Span) {
        let start = self.pos;
        let end = self.rest().find(['\n', '}']).map_or(self.text.len(), |n| self.pos + n);
        self.pos = end;
        (self.text[start..end].trim().to_owned(), Span::new(self.file, start, end))
    }

    /// Raw text up to (not including) the next `}`; for `message:`.
    pub fn raw_until_brace(&mut self) -> (String, Span) {
        let start = self.pos;
        let end = self.rest().find('}').map_or(self.text.len(), |n| self.pos + n);
        self.pos = end;
        let text = self.text[start..end].trim_matches(|c: char| c == ' ' || c == '\t').trim_start_matches('\n');
        (text.trim_end().to_owned(), Span::new(self.file, start, end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<TokenKind> {
        let mut lexer = Lexer::new(text.into(), 0);
        let mut out = Vec::new();
        loop {
            let t = lexer.next_token();
            if t.kind == TokenKind::Eof {
                return out;
            }
            out.push(t.kind);
        }
    }

    fn w(s: &str) -> TokenKind {
        TokenKind::Word(s.to_owned())
    }

    #[test]
    fn words_strings_operators_and_separators() {
        assert_eq!(
            kinds("if cpu > 80% for 3 cycles then alert # comment\n"),
            vec![
                w("if"),
                w("cpu"),
                TokenKind::Op(">".into()),
                w("80%"),
                w("for"),
                w("3"),
                w("cycles"),
                w("then"),
                w("alert")
            ]
        );
        assert_eq!(kinds("depends on a, b;c (d)"), vec![w("depends"), w("on"), w("a"), w("b"), w("c"), w("d")]);
        assert_eq!(
            kinds("x != 'a \\' b' >= <> <"),
            vec![
                w("x"),
                TokenKind::Op("!=".into()),
                TokenKind::Str("a ' b".into()),
                TokenKind::Op(">=".into()),
                w("<>"),
                TokenKind::Op("<".into())
            ]
        );
    }

    #[test]
    fn a_hash_inside_a_word_is_part_of_it() {
        assert_eq!(kinds("alert a#b # c"), vec![w("alert"), w("a#b")]);
    }

    #[test]
    fn urls_and_user_passwords_stay_one_word() {
        assert_eq!(kinds("url http://u:p@h:80/x?a=b&c=d"), vec![w("url"), w("http://u:p@h:80/x?a=b&c=d")]);
        assert_eq!(kinds("allow admin:\"s3cr#t\""), vec![w("allow"), w("admin:"), TokenKind::Str("s3cr#t".into())]);
        assert_eq!(kinds("http://[::1]:8080/"), vec![w("http://[::1]:8080/")]);
        assert_eq!(
            kinds("headers [X: y]"),
            vec![w("headers"), TokenKind::LBracket, w("X:"), w("y"), TokenKind::RBracket]
        );
    }

    #[test]
    fn brackets_are_word_characters_outside_a_header_list() {
        // Monit: `[` and `]` open and close a list only after `http headers`.
        assert_eq!(kinds("s]yslog with] [x a[b]c"), vec![w("s]yslog"), w("with]"), w("[x"), w("a[b]c")]);
        assert_eq!(kinds("headers [a: b] x]"), {
            let mut v = vec![w("headers"), TokenKind::LBracket, w("a:"), w("b"), TokenKind::RBracket];
            v.push(w("x]"));
            v
        });
    }

    #[test]
    fn an_operator_glued_to_a_word_character_is_a_word() {
        // Monit's lexer takes the longest match: `>80` is one word, `!=80` an operator and a
        // number (`!` is no word character), `>%` an operator and a percent sign.
        assert_eq!(kinds(">80% =^ <a@b.c>"), vec![w(">80%"), w("=^"), w("<a@b.c>")]);
        assert_eq!(
            kinds("!=80 >= \"x\""),
            vec![TokenKind::Op("!=".into()), w("80"), TokenKind::Op(">=".into()), TokenKind::Str("x".into())]
        );
    }

    #[test]
    fn the_word_after_check_and_its_type_is_a_name_whatever_it_starts_with() {
        assert_eq!(kinds("check process #x pidfile"), vec![w("check"), w("process"), w("#x"), w("pidfile")]);
        assert_eq!(kinds("check = pidfile # c"), vec![w("check"), w("="), w("pidfile")]);
        assert_eq!(kinds("x #c\n= y"), vec![w("x"), TokenKind::Op("=".into()), w("y")]);
        // Monit: syntax error ';' (no rule of its lexer takes it before the name).
        assert!(matches!(kinds("check process ;a")[2], TokenKind::Invalid(_)));
        assert!(matches!(kinds("check; process a")[1], TokenKind::Invalid(_)));
        // The same after `group` and a blank (Monit's `group[ \t]+`).
        assert_eq!(kinds("group #g"), vec![w("group"), w("#g")]);
        assert!(matches!(kinds("group (www")[1], TokenKind::Invalid(_)));
    }

    #[test]
    fn backslashes_in_strings_survive_except_escapes() {
        assert_eq!(kinds(r#""\d+\.\"x\\""#), vec![TokenKind::Str(r#"\d+\."x\"#.into())]);
        assert_eq!(kinds("'\\Σ'"), vec![TokenKind::Str("\\Σ".into())]);
    }

    #[test]
    fn an_unterminated_string_is_one_invalid_token() {
        let mut lexer = Lexer::new("start \"/bin/x\n".into(), 0);
        lexer.next_token();
        let t = lexer.next_token();
        assert!(matches!(t.kind, TokenKind::Invalid(_)));
        assert_eq!(lexer.next_token().kind, TokenKind::Eof);
    }

    #[test]
    fn an_include_target_runs_to_the_next_blank_as_in_monit() {
        let target = |text: &str| Lexer::new(text.into(), 0).include_target().kind;
        assert_eq!(target("  conf.d/*.conf # x"), w("conf.d/*.conf"));
        assert_eq!(target(" #conf\n"), w("#conf"));
        assert_eq!(target(" }x y"), w("}x"));
        assert_eq!(target("\n  next"), w("next"));
        assert_eq!(target(" \"a b/*\" c"), TokenKind::Str("a b/*".into()));
        assert_eq!(target(" \"x\""), TokenKind::Str("x".into()));
        assert_eq!(target(" \"x\"y\""), w("\"x\"y\""));
        assert_eq!(target("   "), TokenKind::Eof);
    }

    #[test]
    fn mail_format_message_is_raw_until_the_brace() {
        let mut lexer = Lexer::new("message: $EVENT on $SERVICE\n  at $DATE }".into(), 0);
        assert_eq!(lexer.next_token().kind, w("message:"));
        let (text, _) = lexer.raw_until_brace();
        assert_eq!(text, "$EVENT on $SERVICE\n  at $DATE");
        assert_eq!(lexer.next_token().kind, TokenKind::RBrace);
    }
}
