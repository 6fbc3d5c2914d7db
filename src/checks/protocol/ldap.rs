//! LDAP (ldap3, and ldap2 with version 2): an anonymous simple BindRequest (BER) must be
//! answered with a BindResponse whose result is success; then an UnbindRequest.

use super::{Session, Stream, io};
use crate::checks::network::ber;
use crate::config::model::Protocol;

const TAG_SEQUENCE: u8 = 0x30;
const TAG_INTEGER: u8 = 0x02;
const TAG_ENUMERATED: u8 = 0x0a;
const TAG_BIND_RESPONSE: u8 = 0x61;
/// The largest answer read.
const MAX_MESSAGE: usize = 64 * 1024;
/// messageID 2, [APPLICATION 2] UnbindRequest (NULL).
const UNBIND: &[u8] = &[0x30, 0x05, 0x02, 0x01, 0x02, 0x42, 0x00];

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    let version = if session.config.name == Protocol::Ldap2 { 2 } else { 3 };
    io::send(session.stream, &bind_request(version)).await?;
    let message = read_message(session.stream).await?;
    judge(&message)?;
    io::send(session.stream, UNBIND).await
}

/// messageID 1, [APPLICATION 0] BindRequest: version, empty name, simple empty password.
fn bind_request(version: u8) -> Vec<u8> {
    vec![0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, version, 0x04, 0x00, 0x80, 0x00]
}

/// Reads one BER-encoded LDAPMessage (tag, length, content).
async fn read_message(stream: &mut dyn Stream) -> Result<Vec<u8>, String> {
    let head = io::read_exact(stream, 2).await.map_err(|e| format!("answer to bind: {e}"))?;
    if head[0] != TAG_SEQUENCE {
        return Err(format!("answer to bind: expected an LDAP message, got '{}'", io::printable(&head)));
    }
    let refused = || format!("answer to bind: expected a BER length, got '{}'", io::printable(&head));
    let size = ber::length_size(head[1]).ok_or_else(refused)?;
    let more = io::read_exact(stream, size - 1).await.map_err(|e| format!("answer to bind: {e}"))?;
    let (length, _) = ber::length(&[&head[1..], &more].concat()).ok_or_else(refused)?;
    if length > MAX_MESSAGE {
        return Err(format!("answer to bind: a message of {length} bytes is too long"));
    }
    io::read_exact(stream, length).await.map_err(|e| format!("answer to bind: {e}"))
}

/// Checks the content of the answer: messageID 1, a BindResponse, result 0.
fn judge(content: &[u8]) -> Result<(), String> {
    let malformed = || format!("answer to bind: expected a BindResponse, got '{}'", io::printable(content));
    let (tag, id, rest) = ber::element(content).ok_or_else(malformed)?;
    if tag != TAG_INTEGER || id != [1] {
        return Err(malformed());
    }
    let (tag, response, _) = ber::element(rest).ok_or_else(malformed)?;
    if tag != TAG_BIND_RESPONSE {
        return Err(malformed());
    }
    let (tag, code, rest) = ber::element(response).ok_or_else(malformed)?;
    if tag != TAG_ENUMERATED || code.len() != 1 {
        return Err(malformed());
    }
    if code[0] != 0 {
        let text =
            ber::element(rest).and_then(|(_, _, rest)| ber::element(rest)).map(|(_, text, _)| text).unwrap_or_default();
        return Err(format!(
            "answer to bind: expected result 0 (success), got {} ({}) '{}'",
            code[0],
            result_name(code[0]),
            io::printable(text)
        ));
    }
    Ok(())
}

fn result_name(code: u8) -> &'static str {
    match code {
        2 => "protocolError",
        7 => "authMethodNotSupported",
        8 => "strongerAuthRequired",
        13 => "confidentialityRequired",
        48 => "inappropriateAuthentication",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        _ => "error",
    }
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::ProtocolConfig;

    #[tokio::test]
    async fn anonymous_bind_then_unbind() {
        // As slapd answers: a long-form length.
        let replies = b"\x30\x84\x00\x00\x00\x10\x02\x01\x01\x61\x84\x00\x00\x00\x07\x0a\x01\x00\x04\x00\x04\x00";
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Ldap3), replies, check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent, [bind_request(3), UNBIND.to_vec()].concat());
    }

    #[tokio::test]
    async fn a_refused_bind_fails() {
        let replies = b"\x30\x1a\x02\x01\x01\x61\x15\x0a\x01\x35\x04\x00\x04\x0eanonymous off!";
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Ldap2), replies, check).await;
        assert_eq!(
            verdict,
            Err("answer to bind: expected result 0 (success), got 53 (unwillingToPerform) 'anonymous off!'".to_owned())
        );
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Ldap3), b"HTTP/1.1 400\r\n", check).await;
        assert_eq!(verdict, Err("answer to bind: expected an LDAP message, got 'HT'".to_owned()));
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Ldap3), b"\x30\x80\x02\x01\x01", check).await;
        assert_eq!(verdict, Err("answer to bind: expected a BER length, got '0\\x80'".to_owned()));
    }
}
