//! Postfix policy delegation: a made-up `smtpd_access_policy` request (attribute lines and
//! an empty line) must be answered with an `action=` line.

use super::{Session, io, reply};

const REQUEST: &str = "request=smtpd_access_policy\n\
    protocol_state=RCPT\n\
    protocol_name=SMTP\n\
    sender=monit@foo.tld\n\
    recipient=monit@foo.tld\n\
    client_address=1.2.3.4\n\
    client_name=mx.foo.tld\n\
    \n";

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    io::send(session.stream, REQUEST.as_bytes()).await?;
    let answer = reply::line(session.stream, "answer to the policy request").await?;
    if answer.len() > "action=".len() && answer.starts_with("action=") {
        Ok(())
    } else {
        Err(reply::unexpected("answer to the policy request", "'action=...'", &answer))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    #[tokio::test]
    async fn an_action_answers() {
        let replies = b"action=DUNNO\n\n";
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::PostfixPolicy), replies, check).await;
        assert_eq!(verdict, Ok(()));
        assert!(sent.starts_with(b"request=smtpd_access_policy\nprotocol_state=RCPT\n"));
        assert!(sent.ends_with(b"client_name=mx.foo.tld\n\n"));
    }

    #[tokio::test]
    async fn anything_else_fails() {
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::PostfixPolicy), b"action=\n", check).await;
        assert_eq!(verdict, Err("answer to the policy request: expected 'action=...', got 'action='".to_owned()));
    }
}
