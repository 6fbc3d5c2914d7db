//! ClamAV's clamd: `PING` must be answered with `PONG`.

use super::{Session, reply};

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    reply::command(session.stream, "PING").await?;
    reply::expect_prefix(session.stream, "answer to PING", "PONG").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    #[tokio::test]
    async fn ping_pong() {
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Clamav), b"PONG\n", check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent, b"PING\r\n");
    }

    #[tokio::test]
    async fn another_answer_fails() {
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Clamav), b"UNKNOWN COMMAND\n", check).await;
        assert_eq!(verdict, Err("answer to PING: expected 'PONG...', got 'UNKNOWN COMMAND'".to_owned()));
    }
}
