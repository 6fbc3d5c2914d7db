//! LMTP: the greeting must be a 220 reply, `LHLO localhost` must be answered with 250 (its
//! extension lines skipped) and `QUIT` with 221.

use super::{Session, reply};

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    reply::expect_code(session.stream, "greeting", 220).await?;
    reply::command(session.stream, "LHLO localhost").await?;
    reply::expect_code(session.stream, "answer to LHLO", 250).await?;
    reply::command(session.stream, "QUIT").await?;
    reply::expect_code(session.stream, "answer to QUIT", 221).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    #[tokio::test]
    async fn greeting_lhlo_quit() {
        let replies = b"220 lmtp ready\r\n250-mail.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n221 bye\r\n";
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Lmtp), replies, check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent, b"LHLO localhost\r\nQUIT\r\n");
    }

    #[tokio::test]
    async fn a_refused_lhlo_fails() {
        let replies = b"220 ready\r\n500 unknown command\r\n";
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Lmtp), replies, check).await;
        assert_eq!(verdict, Err("answer to LHLO: expected a 250 reply, got '500 unknown command'".to_owned()));
    }
}
