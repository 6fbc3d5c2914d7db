//! MQTT 3.1.1: a CONNECT (clean session, with `username`/`password` when given) must be
//! answered with a CONNACK that accepts it; then DISCONNECT.

use super::{Session, io};

const CONNECT: u8 = 0x10;
const CONNACK: u8 = 0x20;
const DISCONNECT: &[u8] = &[0xe0, 0x00];
const LEVEL_3_1_1: u8 = 4;
const FLAG_CLEAN_SESSION: u8 = 0x02;
const FLAG_PASSWORD: u8 = 0x40;
const FLAG_USERNAME: u8 = 0x80;
const KEEP_ALIVE_SECONDS: u16 = 30;

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    let mut random = [0u8; 4];
    getrandom::fill(&mut random).map_err(|e| format!("no random client id: {e}"))?;
    let client_id = format!("rmonit-{}", random.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let config = session.config;
    let packet = connect(&client_id, config.username.as_deref(), config.password.as_deref());
    io::send(session.stream, &packet).await?;
    let answer = io::read_exact(session.stream, 4).await.map_err(|e| format!("answer to CONNECT: {e}"))?;
    judge(&answer)?;
    io::send(session.stream, DISCONNECT).await
}

fn connect(client_id: &str, username: Option<&str>, password: Option<&str>) -> Vec<u8> {
    let mut flags = FLAG_CLEAN_SESSION;
    let mut body = Vec::new();
    string(&mut body, "MQTT");
    body.push(LEVEL_3_1_1);
    body.push(0);
    body.extend_from_slice(&KEEP_ALIVE_SECONDS.to_be_bytes());
    string(&mut body, client_id);
    if let Some(username) = username {
        flags |= FLAG_USERNAME;
        string(&mut body, username);
        if let Some(password) = password {
            flags |= FLAG_PASSWORD;
            string(&mut body, password);
        }
    }
    body[7] = flags;
    let mut packet = vec![CONNECT];
    let mut remaining = body.len();
    loop {
        let byte = (remaining % 128) as u8;
        remaining /= 128;
        packet.push(if remaining > 0 { byte | 0x80 } else { byte });
        if remaining == 0 {
            break;
        }
    }
    packet.extend_from_slice(&body);
    packet
}

/// A length-prefixed UTF-8 string.
fn string(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(&(text.len() as u16).to_be_bytes());
    out.extend_from_slice(text.as_bytes());
}

fn judge(answer: &[u8]) -> Result<(), String> {
    if answer[0] != CONNACK || answer[1] != 2 {
        return Err(format!("answer to CONNECT: expected a CONNACK, got '{}'", io::printable(answer)));
    }
    match answer[3] {
        0 => Ok(()),
        code => Err(format!("answer to CONNECT: expected return code 0 (accepted), got {code} ({})", refusal(code))),
    }
}

fn refusal(code: u8) -> &'static str {
    match code {
        1 => "unacceptable protocol version",
        2 => "identifier rejected",
        3 => "server unavailable",
        4 => "bad user name or password",
        5 => "not authorized",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    #[tokio::test]
    async fn connect_accepted_then_disconnect() {
        let mut config = ProtocolConfig::new(Protocol::Mqtt);
        config.username = Some("bob".to_owned());
        config.password = Some("secret".to_owned());
        let (verdict, sent) = converse(config, &[0x20, 0x02, 0x00, 0x00], check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent[0], CONNECT);
        assert_eq!(&sent[2..10], b"\0\x04MQTT\x04\xc2");
        assert!(sent.ends_with(b"\0\x03bob\0\x06secret\xe0\x00"));
    }

    #[tokio::test]
    async fn a_refusal_fails() {
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Mqtt), &[0x20, 0x02, 0x00, 0x05], check).await;
        assert_eq!(
            verdict,
            Err("answer to CONNECT: expected return code 0 (accepted), got 5 (not authorized)".to_owned())
        );
        assert_eq!(judge(b"HTTP"), Err("answer to CONNECT: expected a CONNACK, got 'HTTP'".to_owned()));
    }

    #[test]
    fn long_packets_have_multi_byte_lengths() {
        let packet = connect(&"x".repeat(200), None, None);
        assert_eq!(&packet[1..3], &[0xd4, 0x01]);
        assert_eq!(packet.len(), 3 + 212);
    }
}
