//! Oracle TNS listener: a CONNECT packet carrying `(CONNECT_DATA=(COMMAND=ping))` (what
//! `tnsping` sends) must be answered with a TNS packet: the listener's REFUSE with
//! `(ERR=0)`, or an ACCEPT. Another packet type, or an error number, is a failure.

use super::{Session, io};

const TYPE_CONNECT: u8 = 1;
const TYPE_ACCEPT: u8 = 2;
const TYPE_REFUSE: u8 = 4;
const TYPE_REDIRECT: u8 = 5;
const TYPE_RESEND: u8 = 11;
const HEADER_LEN: usize = 8;
/// Where the connect data starts in our CONNECT packet.
const DATA_OFFSET: usize = 58;
const PING: &[u8] = b"(CONNECT_DATA=(COMMAND=ping))";
const MAX_PACKET: usize = 64 * 1024;

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    io::send(session.stream, &connect_packet()).await?;
    let header = io::read_exact(session.stream, HEADER_LEN).await.map_err(|e| format!("answer to ping: {e}"))?;
    let length = usize::from(u16::from_be_bytes([header[0], header[1]]));
    if !(HEADER_LEN..=MAX_PACKET).contains(&length) {
        return Err(format!("answer to ping: expected a TNS packet, got '{}'", io::printable(&header)));
    }
    let body = io::read_exact(session.stream, length - HEADER_LEN).await.map_err(|e| format!("answer to ping: {e}"))?;
    judge(header[4], &body)
}

fn connect_packet() -> Vec<u8> {
    let total = DATA_OFFSET + PING.len();
    let mut packet = vec![0u8; DATA_OFFSET];
    packet[..2].copy_from_slice(&(total as u16).to_be_bytes());
    packet[4] = TYPE_CONNECT;
    let fields: [(usize, u16); 10] = [
        (8, 0x0136),  // version
        (10, 0x012c), // lowest compatible version
        (12, 0x0000), // service options
        (14, 0x0800), // session data unit
        (16, 0x7fff), // maximum transmission data unit
        (18, 0x7f08), // protocol characteristics
        (20, 0x0000), // line turnaround
        (22, 0x0001), // the value of 1 in hardware
        (24, PING.len() as u16),
        (26, DATA_OFFSET as u16),
    ];
    for (at, value) in fields {
        packet[at..at + 2].copy_from_slice(&value.to_be_bytes());
    }
    packet.extend_from_slice(PING);
    packet
}

fn judge(kind: u8, body: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(body);
    match kind {
        TYPE_ACCEPT => Ok(()),
        TYPE_REFUSE => match text.find("(ERR=").map(|at| &text[at + 5..]) {
            Some(rest) if !rest.starts_with("0)") => {
                let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
                Err(format!("answer to ping: expected (ERR=0), got error {number} '{}'", io::printable(body)))
            }
            _ => Ok(()),
        },
        TYPE_REDIRECT | TYPE_RESEND => Err(format!(
            "answer to ping: expected REFUSE with (ERR=0) or ACCEPT, got a {} packet",
            if kind == TYPE_REDIRECT { "REDIRECT" } else { "RESEND" }
        )),
        other => Err(format!("answer to ping: expected a TNS REFUSE or ACCEPT packet, got type {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    fn packet(kind: u8, data: &[u8]) -> Vec<u8> {
        let body = [&[0u8, 0, 0, 0, 0, 0, 0, 0][..], data].concat();
        let mut header = vec![0u8; HEADER_LEN];
        header[..2].copy_from_slice(&((HEADER_LEN + body.len()) as u16).to_be_bytes());
        header[4] = kind;
        [header, body].concat()
    }

    #[tokio::test]
    async fn the_listener_answers_the_ping() {
        let replies = packet(TYPE_REFUSE, b"(DESCRIPTION=(TMP=)(VSNNUM=318767104)(ERR=0)(ALIAS=LISTENER))");
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Tns), &replies, check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent.len(), DATA_OFFSET + PING.len());
        assert!(sent.ends_with(PING));
    }

    #[tokio::test]
    async fn an_error_number_fails() {
        let replies = packet(TYPE_REFUSE, b"(DESCRIPTION=(ERR=12514))");
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Tns), &replies, check).await;
        assert!(verdict.unwrap_err().starts_with("answer to ping: expected (ERR=0), got error 12514"));
        assert!(judge(TYPE_RESEND, b"").unwrap_err().contains("RESEND"));
    }
}
