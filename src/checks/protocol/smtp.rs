//! `protocol smtp|smtps [username U password P]` (reference §3.2): a 2xx greeting, `EHLO
//! localhost` (`HELO` when refused), `STARTTLS` when the test asks for TLS on a submission
//! port (25, 587; `smtps` is wrapped before it starts), `AUTH PLAIN` (or `LOGIN` when that
//! is all the server offers) expecting 235, then `QUIT`.

use base64ct::{Base64, Encoding};

use super::reply::MAX_REPLY_LINES;
use super::{Session, Stream, io};
use crate::checks::network::tls;
use crate::config::model::ProtocolConfig;

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    let config = session.config;
    expect(session.stream, 2, "greeting").await?;
    let mut capabilities = hello(session.stream).await?;
    let starttls = super::tls_asked(session.test) && super::starttls(session.config.name, session.port);
    if starttls {
        command(session.stream, "STARTTLS", 2).await?;
        let mut secured = tls::handshake(&mut *session.stream, session.host, session.test.ssl.as_ref()).await?;
        capabilities = hello(&mut secured).await?;
        return finish(&mut secured, config, &capabilities).await;
    }
    finish(session.stream, config, &capabilities).await
}

/// Authentication when credentials are given, then `QUIT`.
async fn finish(stream: &mut dyn Stream, config: &ProtocolConfig, capabilities: &[String]) -> Result<(), String> {
    if let Some(user) = &config.username {
        let password = config.password.as_deref().unwrap_or("");
        let offers = |mechanism: &str| {
            capabilities.iter().any(|c| {
                let c = c.to_ascii_uppercase();
                c.starts_with("AUTH") && c.split([' ', '=']).any(|m| m == mechanism)
            })
        };
        if !offers("PLAIN") && offers("LOGIN") {
            command(stream, "AUTH LOGIN", 3).await?;
            command(stream, &Base64::encode_string(user.as_bytes()), 3).await?;
            command(stream, &Base64::encode_string(password.as_bytes()), 2).await?;
        } else {
            let token = Base64::encode_string(format!("\0{user}\0{password}").as_bytes());
            command(stream, &format!("AUTH PLAIN {token}"), 2).await?;
        }
    }
    io::send(stream, b"QUIT\r\n").await.map_err(|e| format!("SMTP: {e}"))?;
    // The goodbye is a courtesy: a server that closes at once has still passed.
    let _ = reply(stream).await;
    Ok(())
}

/// `EHLO localhost`, falling back to `HELO`; the capability lines.
async fn hello(stream: &mut dyn Stream) -> Result<Vec<String>, String> {
    io::send(stream, b"EHLO localhost\r\n").await.map_err(|e| format!("SMTP: {e}"))?;
    let lines = reply(stream).await?;
    if lines.last().is_some_and(|l| l.starts_with('2')) {
        return Ok(lines.iter().map(|l| l.get(4..).unwrap_or("").to_owned()).collect());
    }
    command(stream, "HELO localhost", 2).await?;
    Ok(Vec::new())
}

/// Sends `line` and expects a reply whose code starts with `class`.
async fn command(stream: &mut dyn Stream, line: &str, class: u8) -> Result<(), String> {
    io::send(stream, format!("{line}\r\n").as_bytes()).await.map_err(|e| format!("SMTP: {e}"))?;
    let shown = if line.starts_with("AUTH") { "AUTH" } else { line };
    expect(stream, class, shown).await
}

async fn expect(stream: &mut dyn Stream, class: u8, after: &str) -> Result<(), String> {
    let lines = reply(stream).await?;
    let last = lines.last().cloned().unwrap_or_default();
    if last.as_bytes().first() == Some(&(b'0' + class)) {
        Ok(())
    } else {
        Err(format!(
            "SMTP: Mailserver response error to {after}, expected {class}xx, got '{}'",
            io::printable(last.as_bytes())
        ))
    }
}

/// One reply: lines `250-...` continue until `250 ...`. Each line is capped at
/// [`io::MAX_LINE`] bytes and a reply at [`MAX_REPLY_LINES`] lines, so a peer that never
/// ends a line or a reply fails the test instead of growing memory.
async fn reply(stream: &mut dyn Stream) -> Result<Vec<String>, String> {
    let mut lines = Vec::new();
    while lines.len() < MAX_REPLY_LINES {
        let line = io::read_line(stream).await.map_err(|e| format!("SMTP: {e}"))?;
        let coded = line.len() >= 4 && line.as_bytes()[..3].iter().all(u8::is_ascii_digit);
        let more = coded && line.as_bytes()[3] == b'-';
        lines.push(line);
        if !more {
            return Ok(lines);
        }
    }
    Err(format!("SMTP: a reply longer than {MAX_REPLY_LINES} lines came back"))
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    use super::super::testpeer;
    use super::*;
    use crate::config::model::{ConnectionTarget, ConnectionTest, Protocol};

    /// A scripted server: the greeting, then one canned reply per command; returns the
    /// commands it read.
    async fn against(
        config: ProtocolConfig,
        greeting: &'static str,
        replies: Vec<&'static str>,
    ) -> (Result<(), String>, Vec<String>) {
        let test =
            ConnectionTest::new(ConnectionTarget::Port { host: None, port: 2525, address: None, ip_version: None });
        let (mut client, server) = tokio::io::duplex(4096);
        let peer = tokio::spawn(async move {
            let (read, mut write) = tokio::io::split(server);
            let mut read = BufReader::new(read);
            write.write_all(greeting.as_bytes()).await.unwrap();
            let mut commands = Vec::new();
            for reply in replies {
                let mut line = String::new();
                if read.read_line(&mut line).await.unwrap_or(0) == 0 {
                    break;
                }
                commands.push(line.trim_end().to_owned());
                write.write_all(reply.as_bytes()).await.unwrap();
            }
            commands
        });
        let mut session = super::super::testpeer::local_session(&mut client, &test, &config, 2525);
        let result = check(&mut session).await;
        drop(client);
        (result, peer.await.unwrap())
    }

    #[tokio::test]
    async fn ehlo_auth_plain_quit() {
        let mut config = ProtocolConfig::new(Protocol::Smtp);
        config.username = Some("bob".into());
        config.password = Some("secret".into());
        let replies = vec!["250-mx\r\n250 AUTH PLAIN LOGIN\r\n", "235 ok\r\n", "221 bye\r\n"];
        let (result, commands) = against(config, "220 mx ESMTP\r\n", replies).await;
        assert_eq!(result, Ok(()));
        assert_eq!(commands, ["EHLO localhost", "AUTH PLAIN AGJvYgBzZWNyZXQ=", "QUIT"]);
    }

    #[tokio::test]
    async fn an_endless_line_or_reply_fails() {
        let endless_line = vec![b'2'; io::MAX_LINE + 100];
        let (mut stream, _peer) = testpeer::replying(&endless_line);
        assert_eq!(reply(&mut stream).await, Err(format!("SMTP: a line longer than {} bytes came back", io::MAX_LINE)));
        let endless_reply = "250-more\r\n".repeat(MAX_REPLY_LINES + 1);
        let (mut stream, _peer) = testpeer::replying(endless_reply.as_bytes());
        assert_eq!(
            reply(&mut stream).await,
            Err(format!("SMTP: a reply longer than {MAX_REPLY_LINES} lines came back"))
        );
        let (mut stream, _peer) = testpeer::replying(b"250-a\r\n250 b\r\n");
        assert_eq!(reply(&mut stream).await, Ok(vec!["250-a".to_owned(), "250 b".to_owned()]));
    }

    #[tokio::test]
    async fn a_bad_greeting_or_refused_login_fails() {
        let (result, _) = against(ProtocolConfig::new(Protocol::Smtp), "554 go away\r\n", vec![]).await;
        assert_eq!(
            result,
            Err("SMTP: Mailserver response error to greeting, expected 2xx, got '554 go away'".to_owned())
        );
        let mut config = ProtocolConfig::new(Protocol::Smtp);
        config.username = Some("bob".into());
        let replies = vec!["500 what\r\n", "250 mx\r\n", "535 no\r\n"];
        let (result, commands) = against(config, "220 mx\r\n", replies).await;
        assert_eq!(commands, ["EHLO localhost", "HELO localhost", "AUTH PLAIN AGJvYgA="]);
        assert!(result.unwrap_err().ends_with("expected 2xx, got '535 no'"));
    }
}
