//! Escaping of control characters, so that text from outside (a client's user name, a
//! program's output, a file's content) cannot start a forged line in the log, move a
//! terminal's cursor, or split an alert's text.
//!
//! Every character a terminal or a log reader treats as a control is written as a visible
//! escape: `\n`, `\r`, `\e`-style bytes as `\x1b`, C1 controls and the Unicode line and
//! paragraph separators as `\u{85}`. Tabs stay: they are common in program output and start
//! no line.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with its control characters escaped; borrowed when there are none, as almost
/// always.
pub fn control_chars(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            c if c.is_ascii_control() => {
                let _ = write!(escaped, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(escaped, "\\u{{{:x}}}", c as u32);
            }
            c => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t') || c == '\u{2028}' || c == '\u{2029}'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(control_chars("admin from 127.0.0.1\ttab"), Cow::Borrowed(_)));
    }

    #[test]
    fn controls_become_visible_escapes() {
        assert_eq!(
            control_chars("eve\n[2026-12-02T10:00:00+0000] info     : forged"),
            "eve\\n[2026-12-02T10:00:00+0000] info     : forged"
        );
        assert_eq!(control_chars("a\rb\u{1b}[2Jc\u{7f}"), "a\\rb\\x1b[2Jc\\x7f");
        assert_eq!(control_chars("x\u{85}y\u{2028}z\u{2029}"), "x\\u{85}y\\u{2028}z\\u{2029}");
        assert_eq!(control_chars("\0"), "\\x00");
    }
}
