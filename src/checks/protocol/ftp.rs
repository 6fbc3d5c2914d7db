//! FTP: the greeting must be a 220 reply (its continuation lines skipped), then `QUIT` must
//! be answered with 221.

use super::{Session, reply};

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    reply::expect_code(session.stream, "greeting", 220).await?;
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
    async fn multi_line_greeting_then_quit() {
        let replies = b"220-Welcome\r\n220-to the server\r\n220 ready\r\n221 Goodbye.\r\n";
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Ftp), replies, check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent, b"QUIT\r\n");
    }

    #[tokio::test]
    async fn a_busy_server_fails() {
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Ftp), b"421 Too many users\r\n", check).await;
        assert_eq!(verdict, Err("greeting: expected a 220 reply, got '421 Too many users'".to_owned()));
    }
}
