//! Redis: `PING` as a RESP array must be answered with `+PONG` (or `-NOAUTH`, a server that
//! wants a password is up); then `QUIT`, whose answer is not waited for.

use super::{Session, io, reply};

const PING: &[u8] = b"*1\r\n$4\r\nPING\r\n";
const QUIT: &[u8] = b"*1\r\n$4\r\nQUIT\r\n";

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    io::send(session.stream, PING).await?;
    let answer = reply::line(session.stream, "answer to PING").await?;
    if !reply::starts_with_ignore_case(&answer, "+PONG") && !reply::starts_with_ignore_case(&answer, "-NOAUTH") {
        return Err(reply::unexpected("answer to PING", "'+PONG' or '-NOAUTH'", &answer));
    }
    io::send(session.stream, QUIT).await
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    #[tokio::test]
    async fn ping_pong_quit() {
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Redis), b"+PONG\r\n+OK\r\n", check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent, [PING, QUIT].concat());
    }

    #[tokio::test]
    async fn a_password_protected_server_is_up() {
        let replies = b"-NOAUTH Authentication required.\r\n";
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Redis), replies, check).await;
        assert_eq!(verdict, Ok(()));
    }

    #[tokio::test]
    async fn another_error_fails() {
        let replies = b"-LOADING Redis is loading the dataset in memory\r\n";
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Redis), replies, check).await;
        assert_eq!(
            verdict,
            Err("answer to PING: expected '+PONG' or '-NOAUTH', got '-LOADING Redis is loading the dataset in memory'"
                .to_owned())
        );
    }
}
