//! DNS: a query for the root's NS records (over TCP with its length prefix, or one UDP
//! datagram) must be answered, under the same id, with RCODE 0 and some answer or authority
//! records, or with RCODE 5 (REFUSED: a server that does not recurse is up).

use super::{Session, io};

const HEADER_LEN: usize = 12;
const TYPE_NS: u16 = 2;
const CLASS_IN: u16 = 1;
const FLAG_RESPONSE: u16 = 0x8000;
const FLAG_RECURSION_DESIRED: u16 = 0x0100;
const RCODE_OK: u16 = 0;
const RCODE_REFUSED: u16 = 5;
/// The largest UDP answer read.
const MAX_DATAGRAM: usize = 4096;

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    let mut id = [0u8; 2];
    getrandom::fill(&mut id).map_err(|e| format!("no random query id: {e}"))?;
    let id = u16::from_be_bytes(id);
    let query = query(id);
    let answer = if session.udp {
        io::send(session.stream, &query).await?;
        io::read_some(session.stream, MAX_DATAGRAM).await.map_err(|e| format!("answer: {e}"))?
    } else {
        io::send(session.stream, &[&(query.len() as u16).to_be_bytes()[..], &query].concat()).await?;
        let length = io::read_exact(session.stream, 2).await.map_err(|e| format!("answer: {e}"))?;
        let prefix = usize::from(u16::from_be_bytes([length[0], length[1]]));
        if prefix < HEADER_LEN {
            return Err(format!("answer: expected a DNS message, got '{}'", io::printable(&length)));
        }
        io::read_exact(session.stream, prefix).await.map_err(|e| format!("answer: {e}"))?
    };
    judge(id, &answer)
}

/// A query for `. IN NS` with recursion desired.
fn query(id: u16) -> Vec<u8> {
    let mut message = Vec::with_capacity(HEADER_LEN + 5);
    message.extend_from_slice(&id.to_be_bytes());
    message.extend_from_slice(&FLAG_RECURSION_DESIRED.to_be_bytes());
    message.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
    message.push(0);
    message.extend_from_slice(&TYPE_NS.to_be_bytes());
    message.extend_from_slice(&CLASS_IN.to_be_bytes());
    message
}

fn judge(id: u16, answer: &[u8]) -> Result<(), String> {
    let header = answer
        .get(..HEADER_LEN)
        .ok_or_else(|| format!("answer: expected a DNS message, got '{}'", io::printable(answer)))?;
    let field = |at: usize| u16::from_be_bytes([header[at], header[at + 1]]);
    if field(0) != id {
        return Err(format!("answer: expected the id of the query ({id}), got {}", field(0)));
    }
    let flags = field(2);
    if flags & FLAG_RESPONSE == 0 {
        return Err("answer: expected a response, got a query".to_owned());
    }
    let rcode = flags & 0xf;
    let records = field(6) + field(8);
    match rcode {
        RCODE_OK if records > 0 => Ok(()),
        RCODE_OK => Err("answer: expected NS records for the root, got none".to_owned()),
        RCODE_REFUSED => Ok(()),
        other => Err(format!("answer: expected RCODE 0 (NOERROR) or 5 (REFUSED), got {other} ({})", rcode_name(other))),
    }
}

fn rcode_name(rcode: u16) -> &'static str {
    match rcode {
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::{answering, converse_answering, test_for};
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    /// An answer to the TCP query `request` with `rcode` and `records` authority records.
    fn answer_to(request: &[u8], rcode: u16, records: u16) -> Vec<u8> {
        let query = &request[2..];
        let mut message = query.to_vec();
        message[2..4].copy_from_slice(&(FLAG_RESPONSE | FLAG_RECURSION_DESIRED | rcode).to_be_bytes());
        message[8..10].copy_from_slice(&records.to_be_bytes());
        [&(message.len() as u16).to_be_bytes()[..], &message].concat()
    }

    #[tokio::test]
    async fn root_ns_over_tcp() {
        let (verdict, sent) =
            converse_answering(ProtocolConfig::new(Protocol::Dns), |request| answer_to(request, 0, 1), check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(&sent[..2], &[0, 17]);
        assert_eq!(&sent[4..], &query(0)[2..]);
        let (verdict, _) =
            converse_answering(ProtocolConfig::new(Protocol::Dns), |request| answer_to(request, 5, 0), check).await;
        assert_eq!(verdict, Ok(()));
    }

    #[tokio::test]
    async fn servfail_or_a_wrong_id_fails() {
        let (verdict, _) =
            converse_answering(ProtocolConfig::new(Protocol::Dns), |request| answer_to(request, 2, 0), check).await;
        assert_eq!(verdict, Err("answer: expected RCODE 0 (NOERROR) or 5 (REFUSED), got 2 (SERVFAIL)".to_owned()));
        let mut wrong = answer_to(&[0, 17].iter().copied().chain(query(7)).collect::<Vec<_>>(), 0, 1);
        wrong[2..4].copy_from_slice(&7u16.to_be_bytes());
        assert!(judge(8, &wrong[2..]).unwrap_err().starts_with("answer: expected the id of the query (8), got 7"));
    }

    #[tokio::test]
    async fn over_udp_without_a_length_prefix() {
        let (mut stream, peer) = answering(|request| answer_to(&[&[0, 17][..], request].concat(), 0, 1)[2..].to_vec());
        let test = test_for(Protocol::Dns);
        let config = ProtocolConfig::new(Protocol::Dns);
        let verdict = {
            let mut session =
                Session { udp: true, ..super::super::testpeer::local_session(&mut stream, &test, &config, 53) };
            check(&mut session).await
        };
        drop(stream);
        assert_eq!(verdict, Ok(()));
        assert_eq!(&peer.await.unwrap()[2..], &query(0)[2..]);
    }

    #[tokio::test]
    async fn a_length_too_short_for_a_message_fails_at_once() {
        let (verdict, _) =
            converse_answering(ProtocolConfig::new(Protocol::Dns), |_| b"\x00\x03abc".to_vec(), check).await;
        assert_eq!(verdict, Err("answer: expected a DNS message, got '\\x00\\x03'".to_owned()));
    }
}
