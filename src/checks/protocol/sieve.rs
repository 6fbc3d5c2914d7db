//! ManageSieve: the greeting is a list of capability lines ended by an `OK` line; then
//! `LOGOUT` must be answered with `OK`.

use super::{Session, reply};

/// The most capability lines a greeting may have.
const MAX_CAPABILITY_LINES: usize = 100;

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    greeting(session).await?;
    reply::command(session.stream, "LOGOUT").await?;
    reply::expect_prefix(session.stream, "answer to LOGOUT", "OK").await?;
    Ok(())
}

/// Skips the capability lines up to the `OK` that ends the greeting.
async fn greeting(session: &mut Session<'_>) -> Result<(), String> {
    for _ in 0..MAX_CAPABILITY_LINES {
        let line = reply::line(session.stream, "greeting").await?;
        if reply::starts_with_ignore_case(&line, "OK") {
            return Ok(());
        }
        if reply::starts_with_ignore_case(&line, "NO") || reply::starts_with_ignore_case(&line, "BYE") {
            return Err(reply::unexpected("greeting", "capabilities ended by 'OK'", &line));
        }
    }
    Err(format!("greeting: no 'OK' within {MAX_CAPABILITY_LINES} lines"))
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    #[tokio::test]
    async fn capabilities_then_logout() {
        let replies = b"\"IMPLEMENTATION\" \"Dovecot Pigeonhole\"\r\n\"SIEVE\" \"fileinto\"\r\nOK \"ready.\"\r\nOK \"Logout completed.\"\r\n";
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Sieve), replies, check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent, b"LOGOUT\r\n");
    }

    #[tokio::test]
    async fn a_bye_greeting_fails() {
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Sieve), b"BYE \"busy\"\r\n", check).await;
        assert_eq!(verdict, Err("greeting: expected capabilities ended by 'OK', got 'BYE \"busy\"'".to_owned()));
    }
}
