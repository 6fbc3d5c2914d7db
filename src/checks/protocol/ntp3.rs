//! NTP version 3 (over UDP): a 48-byte client request must be answered by a server
//! (mode 4) speaking version 3 whose clock is synchronized (leap indicator not 3).

use super::{Session, io};

const PACKET_LEN: usize = 48;
/// Leap indicator 0, version 3, mode 3 (client).
const CLIENT_REQUEST: u8 = 0b00_011_011;
const MODE_SERVER: u8 = 4;
const LEAP_UNSYNCHRONIZED: u8 = 3;

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    let mut request = [0u8; PACKET_LEN];
    request[0] = CLIENT_REQUEST;
    io::send(session.stream, &request).await?;
    let answer = io::read_some(session.stream, 1024).await.map_err(|e| format!("answer: {e}"))?;
    judge(&answer)
}

fn judge(answer: &[u8]) -> Result<(), String> {
    if answer.len() < PACKET_LEN {
        return Err(format!("answer: expected a 48-byte NTP packet, got '{}'", io::printable(answer)));
    }
    let (leap, version, mode) = (answer[0] >> 6, (answer[0] >> 3) & 0b111, answer[0] & 0b111);
    if mode != MODE_SERVER {
        return Err(format!("answer: expected mode 4 (server), got mode {mode}"));
    }
    if version != 3 {
        return Err(format!("answer: expected version 3, got version {version}"));
    }
    if leap == LEAP_UNSYNCHRONIZED {
        return Err("answer: expected a synchronized clock, got leap indicator 3 (unsynchronized)".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    fn answer(first: u8) -> Vec<u8> {
        let mut packet = vec![0u8; PACKET_LEN];
        packet[0] = first;
        packet
    }

    #[tokio::test]
    async fn a_synchronized_server() {
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Ntp3), &answer(0b00_011_100), check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent.len(), PACKET_LEN);
        assert_eq!(sent[0], 0x1b);
    }

    #[tokio::test]
    async fn an_unsynchronized_server_or_a_client_fails() {
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Ntp3), &answer(0b11_011_100), check).await;
        assert_eq!(
            verdict,
            Err("answer: expected a synchronized clock, got leap indicator 3 (unsynchronized)".to_owned())
        );
        assert_eq!(judge(&answer(0b00_011_011)), Err("answer: expected mode 4 (server), got mode 3".to_owned()));
        assert_eq!(judge(b"short"), Err("answer: expected a 48-byte NTP packet, got 'short'".to_owned()));
    }
}
