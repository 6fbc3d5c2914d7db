//! IMAP (and IMAPS, the same conversation over TLS): the greeting must be `* OK`, then
//! `LOGOUT` must be answered with `* BYE`. With `ssl` on port 143 the connection is secured
//! first with `001 STARTTLS`, as Monit does.

use super::{Session, Stream, reply};
use crate::checks::network::tls;

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    reply::expect_prefix(session.stream, "greeting", "* OK").await?;
    let starttls = super::tls_asked(session.test) && super::starttls(session.config.name, session.port);
    if !starttls {
        return logout(session.stream, "001").await;
    }
    reply::command(session.stream, "001 STARTTLS").await?;
    reply::expect_prefix(session.stream, "answer to STARTTLS", "001 OK").await?;
    let mut secured = tls::handshake(&mut *session.stream, session.host, session.test.ssl.as_ref()).await?;
    logout(&mut secured, "002").await
}

/// `<tag> LOGOUT`, answered with `* BYE`.
async fn logout(stream: &mut dyn Stream, tag: &str) -> Result<(), String> {
    reply::command(stream, &format!("{tag} LOGOUT")).await?;
    reply::expect_prefix(stream, "answer to LOGOUT", "* BYE").await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::{converse, replying, test_for};
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig, SocketType, SslOptions};

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

    #[tokio::test]
    async fn ssl_on_port_143_asks_for_starttls() {
        let (mut stream, peer) = replying(b"* OK ready\r\n001 BAD STARTTLS unavailable\r\n");
        let mut test = test_for(Protocol::Imap);
        test.ssl = Some(SslOptions::default());
        let config = ProtocolConfig::new(Protocol::Imap);
        let verdict = {
            let mut session = super::super::testpeer::local_session(&mut stream, &test, &config, 143);
            check(&mut session).await
        };
        drop(stream);
        assert_eq!(
            verdict,
            Err("answer to STARTTLS: expected '001 OK...', got '001 BAD STARTTLS unavailable'".to_owned())
        );
        assert_eq!(peer.await.unwrap(), b"001 STARTTLS\r\n");
    }

    #[tokio::test]
    async fn type_tcpssl_on_port_143_also_asks_for_starttls_but_imaps_does_not() {
        for (protocol, socket_type, sent) in [
            (Protocol::Imap, Some(SocketType::Tcpssl), &b"001 STARTTLS\r\n"[..]),
            (Protocol::Imaps, None, &b"001 LOGOUT\r\n"[..]),
        ] {
            let (mut stream, peer) = replying(b"* OK ready\r\n001 BAD no\r\n* BYE\r\n");
            let mut test = test_for(protocol);
            test.socket_type = socket_type;
            test.ssl = (protocol == Protocol::Imaps).then(SslOptions::default);
            let config = ProtocolConfig::new(protocol);
            {
                let mut session = super::super::testpeer::local_session(&mut stream, &test, &config, 143);
                let _ = check(&mut session).await;
            }
            drop(stream);
            assert_eq!(peer.await.unwrap(), sent, "{protocol:?}");
        }
    }
}
