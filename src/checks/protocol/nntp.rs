//! NNTP: the greeting must be a 200 reply (posting allowed, as Monit requires), then `QUIT`
//! must be answered with 205.

use super::{Session, reply};

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    reply::expect_code(session.stream, "greeting", 200).await?;
    reply::command(session.stream, "QUIT").await?;
    reply::expect_code(session.stream, "answer to QUIT", 205).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    #[tokio::test]
    async fn greeting_then_quit() {
        let (verdict, sent) =
            converse(ProtocolConfig::new(Protocol::Nntp), b"200 news ready\r\n205 bye\r\n", check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent, b"QUIT\r\n");
    }

    #[tokio::test]
    async fn a_wrong_answer_to_quit_fails() {
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Nntp), b"200 ready\r\n500 what?\r\n", check).await;
        assert_eq!(verdict, Err("answer to QUIT: expected a 205 reply, got '500 what?'".to_owned()));
    }
}
