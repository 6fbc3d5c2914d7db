//! fail2ban's server socket: the command `["ping"]`, pickled (protocol 2) and ended by
//! `<F2B_END_COMMAND>`, must be answered with a pickled `pong`, ended the same way.

use super::{Session, io};

const END: &[u8] = b"<F2B_END_COMMAND>";
/// `["ping"]` pickled: PROTO 2, EMPTY_LIST, BINPUT 0, SHORT_BINSTRING "ping", BINPUT 1,
/// APPEND, STOP.
const PING: &[u8] = b"\x80\x02]q\x00U\x04pingq\x01a.";
/// The longest answer read.
const MAX_ANSWER: usize = 4096;

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    io::send(session.stream, &[PING, END].concat()).await?;
    let mut answer = Vec::new();
    while !answer.ends_with(END) {
        let chunk = io::read_some(session.stream, MAX_ANSWER).await.map_err(|e| format!("answer to ping: {e}"))?;
        if chunk.is_empty() || answer.len() + chunk.len() > MAX_ANSWER {
            return Err(format!(
                "answer to ping: expected a pickled 'pong' ended by {}, got '{}'",
                String::from_utf8_lossy(END),
                io::printable(&answer)
            ));
        }
        answer.extend_from_slice(&chunk);
    }
    if answer.windows(4).any(|w| w == b"pong") {
        Ok(())
    } else {
        Err(format!("answer to ping: expected 'pong', got '{}'", io::printable(&answer)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    #[tokio::test]
    async fn ping_pong() {
        // (0, 'pong') as Python 3's fail2ban pickles it (protocol 4).
        let replies = b"\x80\x04\x95\x0c\x00\x00\x00\x00\x00\x00\x00K\x00\x8c\x04pong\x94\x86\x94.<F2B_END_COMMAND>";
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Fail2ban), replies, check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent, b"\x80\x02]q\x00U\x04pingq\x01a.<F2B_END_COMMAND>");
    }

    #[tokio::test]
    async fn no_pong_or_no_end_fails() {
        let replies = b"\x80\x04K\x01\x8c\x05error\x86.<F2B_END_COMMAND>";
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Fail2ban), replies, check).await;
        assert_eq!(
            verdict,
            Err("answer to ping: expected 'pong', got '\\x80\\x04K\\x01\\x8C\\x05error\\x86.<F2B_END_COMMAND>'"
                .to_owned())
        );
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Fail2ban), b"pong", check).await;
        assert_eq!(
            verdict,
            Err("answer to ping: expected a pickled 'pong' ended by <F2B_END_COMMAND>, got 'pong'".to_owned())
        );
    }
}
