//! SpamAssassin's spamd: `PING SPAMC/1.2` must be answered with `SPAMD/<version> 0 PONG`.

use super::{Session, reply};

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    reply::command(session.stream, "PING SPAMC/1.2").await?;
    let answer = reply::expect_prefix(session.stream, "answer to PING", "SPAMD/").await?;
    if !answer.contains("PONG") {
        return Err(reply::unexpected("answer to PING", "'SPAMD/... PONG'", &answer));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    #[tokio::test]
    async fn ping_pong() {
        let (verdict, sent) =
            converse(ProtocolConfig::new(Protocol::Spamassassin), b"SPAMD/1.5 0 PONG\r\n", check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent, b"PING SPAMC/1.2\r\n");
    }

    #[tokio::test]
    async fn an_error_fails() {
        let replies = b"SPAMD/1.0 76 Bad header line: PING\r\n";
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Spamassassin), replies, check).await;
        assert_eq!(
            verdict,
            Err("answer to PING: expected 'SPAMD/... PONG', got 'SPAMD/1.0 76 Bad header line: PING'".to_owned())
        );
    }
}
