//! Line replies of the text protocols (IMAP, POP, FTP, NNTP ...): a command sent as one
//! line, a reply line checked against the prefix the protocol expects, and numeric replies
//! (`220 ready`, or `220-first` lines continued up to `220 last`). Every mismatch says which
//! step failed, what was expected and what came back.

use super::{Stream, io};

/// The most continuation lines a numeric reply may have (more is an error, not a hang).
pub const MAX_REPLY_LINES: usize = 1000;

/// Sends `command` followed by CRLF.
pub async fn command(stream: &mut dyn Stream, command: &str) -> Result<(), String> {
    io::send(stream, format!("{command}\r\n").as_bytes()).await
}

/// Reads one line for `step` (its name in messages).
pub async fn line(stream: &mut dyn Stream, step: &str) -> Result<String, String> {
    io::read_line(stream).await.map_err(|e| format!("{step}: {e}"))
}

/// Reads one line and checks that it starts with `prefix` (ASCII case ignored).
pub async fn expect_prefix(stream: &mut dyn Stream, step: &str, prefix: &str) -> Result<String, String> {
    let line = line(stream, step).await?;
    if starts_with_ignore_case(&line, prefix) {
        Ok(line)
    } else {
        Err(unexpected(step, &format!("'{prefix}...'"), &line))
    }
}

/// Reads a numeric reply and checks that its code is `expected`.
pub async fn expect_code(stream: &mut dyn Stream, step: &str, expected: u16) -> Result<String, String> {
    let (code, line) = numeric(stream, step).await?;
    if code == expected { Ok(line) } else { Err(unexpected(step, &format!("a {expected} reply"), &line)) }
}

/// Reads a numeric reply: its code and its last line. A reply whose first line is `NNN-`
/// goes on up to the line that starts with `NNN ` (or is `NNN` alone).
pub async fn numeric(stream: &mut dyn Stream, step: &str) -> Result<(u16, String), String> {
    let first = line(stream, step).await?;
    let code = reply_code(&first).ok_or_else(|| unexpected(step, "a numeric reply", &first))?;
    if first.as_bytes().get(3) != Some(&b'-') {
        return Ok((code, first));
    }
    let code_text = &first[..3];
    for _ in 0..MAX_REPLY_LINES {
        let next = line(stream, step).await?;
        if next.len() >= 3 && next.starts_with(code_text) && next.as_bytes().get(3).is_none_or(|&b| b == b' ') {
            return Ok((code, next));
        }
    }
    Err(format!("{step}: a reply longer than {MAX_REPLY_LINES} lines came back"))
}

/// The three-digit code a reply line starts with.
pub fn reply_code(line: &str) -> Option<u16> {
    let digits = line.get(..3)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match line.as_bytes().get(3) {
        None | Some(b' ') | Some(b'-') | Some(b'\t') => digits.parse().ok(),
        Some(_) => None,
    }
}

/// Whether `text` starts with `prefix`, ASCII case ignored.
pub fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len() && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// The message of a reply that is not the expected one.
pub fn unexpected(step: &str, expected: &str, got: &str) -> String {
    format!("{step}: expected {expected}, got '{}'", io::printable(got.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::super::testpeer;
    use super::*;

    #[tokio::test]
    async fn numeric_replies_with_continuations() {
        let (mut stream, _peer) = testpeer::replying(b"220-welcome\r\nsome text\r\n220 ready\r\n221 bye\r\n");
        assert_eq!(numeric(&mut stream, "greeting").await.unwrap(), (220, "220 ready".to_owned()));
        let error = expect_code(&mut stream, "QUIT", 200).await.unwrap_err();
        assert_eq!(error, "QUIT: expected a 200 reply, got '221 bye'");
    }

    #[tokio::test]
    async fn an_endless_reply_fails() {
        let endless = "250-more\r\n".repeat(MAX_REPLY_LINES + 1);
        let (mut stream, _peer) = testpeer::replying(endless.as_bytes());
        let error = numeric(&mut stream, "answer to LHLO").await.unwrap_err();
        assert_eq!(error, format!("answer to LHLO: a reply longer than {MAX_REPLY_LINES} lines came back"));
        let (mut stream, _peer) = testpeer::replying(&vec![b'2'; io::MAX_LINE + 1]);
        let error = numeric(&mut stream, "greeting").await.unwrap_err();
        assert_eq!(error, format!("greeting: a line longer than {} bytes came back", io::MAX_LINE));
    }

    #[tokio::test]
    async fn prefixes_ignore_case() {
        let (mut stream, _peer) = testpeer::replying(b"* ok hi\r\n-ERR no\r\n");
        assert!(expect_prefix(&mut stream, "greeting", "* OK").await.is_ok());
        let error = expect_prefix(&mut stream, "QUIT", "+OK").await.unwrap_err();
        assert_eq!(error, "QUIT: expected '+OK...', got '-ERR no'");
        assert_eq!(reply_code("250"), Some(250));
        assert_eq!(reply_code("25x ok"), None);
        assert_eq!(reply_code("2500 ok"), None);
    }
}
