//! A program and its arguments as Monit's grammar takes them after `start`, `stop`,
//! `restart`, `exec` and `check program ... path`: one or more arguments, each a quoted
//! string or a bare word that Monit's lexer reads as a string or a path (not a keyword, a
//! number or a word with `@`, `:`, `%`, ...). The first quoted string usually holds the
//! whole command line; words after it are more arguments (`path /bin/check --all` and
//! `exec "/bin/notify" "down a"` are Monit control files). The words `ready notification`
//! end the list: rmonit's readiness option of a start program, not two arguments.

use super::reserved::is_monit_string;
use super::{PResult, Parser, STATEMENT_WORDS};
use crate::config::lexer::TokenKind;
use crate::config::source::Span;

/// Where `=` may stand before the command.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Equals {
    /// `action drain = cmd` (our extension), or `start program = "cmd"` as Monit's lexer
    /// takes it (see [`Parser::equals_before_method_command`]).
    Optional,
    /// `check program x path cmd`, `exec cmd`, and `start` where Monit has no `=`.
    Never,
}

/// Whether a token can be one argument. Our extensions' statement words (`environment`,
/// `working`, `action`, ...) end the list: Monit has no such statements, and a word of
/// theirs after a command is the next statement, not an argument.
fn is_argument(kind: &TokenKind) -> bool {
    match kind {
        TokenKind::Str(_) => true,
        TokenKind::Word(w) => is_monit_string(w) && !STATEMENT_WORDS.iter().any(|s| s.eq_ignore_ascii_case(w)),
        _ => false,
    }
}

/// An argument for a command line that [`crate::config::model::split_command`] splits back
/// into the same word.
fn quote_argument(arg: &str) -> String {
    if !arg.is_empty() && !arg.chars().any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\')) {
        return arg.to_owned();
    }
    let escaped: String =
        arg.chars().flat_map(|c| (c == '\'' || c == '\\').then_some('\\').into_iter().chain([c])).collect();
    format!("'{escaped}'")
}

impl Parser<'_> {
    /// Where `=` may go after `start`, `stop` or `restart` (just read): Monit's lexer reads
    /// `start [program] = "` as one token, so `=` belongs there only right after the word or
    /// one `program`, and right before a quoted command (`start program program = "x"` and
    /// `start program = /bin/x` are syntax errors in Monit).
    /// Only blanks (no newline, `;` or `,`) may stand around them: Monit's `{ws}` is
    /// `[ \r\t]+` (`start program; = "x"` and an `=` that ends its line are errors there).
    /// `keyword_end` is where the `start` word ends.
    pub(crate) fn equals_before_method_command(&mut self, keyword_end: u32) -> Equals {
        let n = usize::from(self.peek_raw(0).is_word("program"));
        let equals = matches!(&self.peek_raw(n).kind, TokenKind::Op(o) if o == "=");
        let command = self.peek_raw(n + 1).clone();
        if !equals || !matches!(command.kind, TokenKind::Str(_)) {
            return Equals::Never;
        }
        let between = self.frames.last().map(|f| f.lexer.text_between(keyword_end, command.span.start));
        let blank = |c: char| matches!(c, ' ' | '\r' | '\t');
        let only_blanks = between.is_some_and(|text| {
            let text = text.trim_start_matches(blank);
            let text = text.get(..7).filter(|p| p.eq_ignore_ascii_case("program")).map_or(text, |_| &text[7..]);
            text.trim_start_matches(blank).strip_prefix('=').is_some_and(|rest| rest.chars().all(blank))
        });
        if only_blanks { Equals::Optional } else { Equals::Never }
    }

    /// Whether the next token is one more argument; `check` at the end of a line is one (see
    /// [`Parser::is_pattern_word_as_string`]): `exec check`.
    fn peek_is_argument(&mut self) -> bool {
        let token = self.peek().clone();
        is_argument(&token.kind)
            || matches!(&token.kind, TokenKind::Word(w) if self.is_pattern_word_as_string(w, token.span))
    }

    /// The command line: the first argument as written (a quoted string keeps its blanks and
    /// quotes for [`crate::config::model::split_command`]), each further one quoted as needed.
    /// Returns it with the first argument's span.
    pub(crate) fn parse_arguments(&mut self, equals: Equals, what: &str) -> PResult<(String, Span)> {
        if matches!(&self.peek().kind, TokenKind::Op(o) if o == "=") {
            if equals == Equals::Never {
                return self.unexpected(what, &[]);
            }
            self.next();
        }
        if !self.peek_is_argument() {
            return self.unexpected(what, &[]);
        }
        let (mut command, span) = self.expect_value(what)?;
        // rmonit's `ready notification` after the command is not two more arguments.
        while self.peek_is_argument() && !(self.peek_is("ready") && self.peek_raw_is_word(1, "notification")) {
            let (arg, _) = self.expect_value(what)?;
            command.push(' ');
            command.push_str(&quote_argument(&arg));
        }
        Ok((command, span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::split_command;

    #[test]
    fn quoted_arguments_split_back_into_themselves() {
        for arg in ["plain", "two words", "it's", "back\\slash", "\"q\"", ""] {
            assert_eq!(split_command(&format!("/bin/x {}", quote_argument(arg))), ["/bin/x", arg], "{arg}");
        }
    }
}
