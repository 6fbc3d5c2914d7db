//! IMAP (and IMAPS, the same conversation over TLS): the greeting must be `* OK`, then
//! `001 LOGOUT` must be answered with `* BYE`.

use super::{Session, reply};

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    reply::expect_prefix(session.stream, "greeting", "* OK").await?;
    reply::command(session.stream, "001 LOGOUT").await?;
    reply::expect_prefix(session.stream, "answer to LOGOUT", "* BYE").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    #[tokio::test]
    async fn greeting_then_logout() {
        let replies = b"* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n* BYE Logging out\r\n001 OK Logout\r\n";
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Imap), replies, check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent, b"001 LOGOUT\r\n");
    }

    #[tokio::test]
    async fn a_refusing_greeting_fails() {
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Imap), b"* BYE too many\r\n", check).await;
        assert_eq!(verdict, Err("greeting: expected '* OK...', got '* BYE too many'".to_owned()));
    }
}
