//! RADIUS (over UDP): a Status-Server request signed with the shared `secret` (default
//! `testing123`, Monit's) in a Message-Authenticator must be answered, under the same id,
//! with Access-Accept or Accounting-Response whose response authenticator proves the
//! server knows the secret.

use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};

use super::{Session, io};

const DEFAULT_SECRET: &str = "testing123";
const CODE_ACCESS_ACCEPT: u8 = 2;
const CODE_ACCESS_REJECT: u8 = 3;
const CODE_ACCOUNTING_RESPONSE: u8 = 5;
const CODE_STATUS_SERVER: u8 = 12;
const ATTRIBUTE_MESSAGE_AUTHENTICATOR: u8 = 80;
const HEADER_LEN: usize = 20;
const REQUEST_LEN: usize = HEADER_LEN + 18;
const MAX_DATAGRAM: usize = 4096;

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    let secret = session.config.secret.as_deref().unwrap_or(DEFAULT_SECRET);
    let mut random = [0u8; 17];
    getrandom::fill(&mut random).map_err(|e| format!("no random authenticator: {e}"))?;
    let request = status_server(random[0], &random[1..], secret);
    io::send(session.stream, &request).await?;
    let answer = io::read_some(session.stream, MAX_DATAGRAM).await.map_err(|e| format!("answer: {e}"))?;
    judge(&request, &answer, secret)
}

/// A Status-Server packet with identifier `id`, request authenticator `authenticator` (16
/// bytes) and its Message-Authenticator (HMAC-MD5 of the packet under the secret).
fn status_server(id: u8, authenticator: &[u8], secret: &str) -> Vec<u8> {
    let mut packet = vec![CODE_STATUS_SERVER, id];
    packet.extend_from_slice(&(REQUEST_LEN as u16).to_be_bytes());
    packet.extend_from_slice(authenticator);
    packet.extend_from_slice(&[ATTRIBUTE_MESSAGE_AUTHENTICATOR, 18]);
    packet.extend_from_slice(&[0; 16]);
    let signature = hmac_md5(secret.as_bytes(), &packet);
    packet[HEADER_LEN + 2..].copy_from_slice(&signature);
    packet
}

fn judge(request: &[u8], answer: &[u8], secret: &str) -> Result<(), String> {
    if answer.len() < HEADER_LEN {
        return Err(format!("answer: expected a RADIUS packet, got '{}'", io::printable(answer)));
    }
    if answer[1] != request[1] {
        return Err(format!("answer: expected identifier {}, got {}", request[1], answer[1]));
    }
    let length = usize::from(u16::from_be_bytes([answer[2], answer[3]]));
    let packet = answer
        .get(..length)
        .filter(|_| length >= HEADER_LEN)
        .ok_or_else(|| format!("answer: a packet of {} bytes says it has {length}", answer.len()))?;
    let expected: [u8; 16] =
        Md5::digest([&packet[..4], &request[4..HEADER_LEN], &packet[HEADER_LEN..], secret.as_bytes()].concat()).into();
    if packet[4..HEADER_LEN] != expected {
        return Err("answer: the response authenticator does not match (is the secret right?)".to_owned());
    }
    match packet[0] {
        CODE_ACCESS_ACCEPT | CODE_ACCOUNTING_RESPONSE => Ok(()),
        CODE_ACCESS_REJECT => {
            Err("answer: expected Access-Accept or Accounting-Response, got Access-Reject".to_owned())
        }
        code => Err(format!("answer: expected Access-Accept or Accounting-Response, got code {code}")),
    }
}

/// HMAC-MD5 (RFC 2104), the Message-Authenticator of RFC 3579.
fn hmac_md5(key: &[u8], message: &[u8]) -> [u8; 16] {
    // HMAC takes a key of any length (a long one is hashed first): this cannot fail.
    let mut mac = Hmac::<Md5>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse_answering;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    /// A server's answer with `code` to `request`, signed with `secret`.
    fn answer(request: &[u8], code: u8, secret: &str) -> Vec<u8> {
        let mut packet = vec![code, request[1], 0, HEADER_LEN as u8];
        let signature = Md5::digest([&packet[..4], &request[4..HEADER_LEN], secret.as_bytes()].concat());
        packet.extend_from_slice(&signature);
        packet
    }

    #[test]
    fn hmac_md5_of_rfc2104() {
        let hex: String =
            hmac_md5(b"Jefe", b"what do ya want for nothing?").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "750c783e6ab0b503eaa86e310a5db738");
    }

    #[tokio::test]
    async fn status_server_accepted() {
        let mut config = ProtocolConfig::new(Protocol::Radius);
        config.secret = Some("s3cret".to_owned());
        let (verdict, sent) =
            converse_answering(config, |request| answer(request, CODE_ACCESS_ACCEPT, "s3cret"), check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent.len(), REQUEST_LEN);
        assert_eq!(status_server(sent[1], &sent[4..20], "s3cret"), sent);
    }

    #[tokio::test]
    async fn a_wrong_secret_or_a_reject_fails() {
        let config = ProtocolConfig::new(Protocol::Radius);
        let (verdict, _) =
            converse_answering(config.clone(), |request| answer(request, CODE_ACCESS_ACCEPT, "other"), check).await;
        assert_eq!(verdict, Err("answer: the response authenticator does not match (is the secret right?)".to_owned()));
        let (verdict, _) =
            converse_answering(config, |request| answer(request, CODE_ACCESS_REJECT, DEFAULT_SECRET), check).await;
        assert_eq!(verdict, Err("answer: expected Access-Accept or Accounting-Response, got Access-Reject".to_owned()));
    }
}
