//! POP3 (and POP3S, the same conversation over TLS): the greeting must be `+OK`, then
//! `QUIT` must be answered with `+OK`.

use super::{Session, reply};

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    reply::expect_prefix(session.stream, "greeting", "+OK").await?;
    reply::command(session.stream, "QUIT").await?;
    reply::expect_prefix(session.stream, "answer to QUIT", "+OK").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    #[tokio::test]
    async fn greeting_then_quit() {
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Pop), b"+OK ready\r\n+OK bye\r\n", check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent, b"QUIT\r\n");
    }

    #[tokio::test]
    async fn an_error_to_quit_fails() {
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Pop), b"+OK ready\r\n-ERR no\r\n", check).await;
        assert_eq!(verdict, Err("answer to QUIT: expected '+OK...', got '-ERR no'".to_owned()));
    }
}
