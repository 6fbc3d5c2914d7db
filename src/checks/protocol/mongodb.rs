//! MongoDB: `{isMaster: 1}` as an OP_QUERY on `admin.$cmd` (the handshake every server
//! version still answers; Monit 5.33 sends `ping` the same way, which MongoDB 6 refuses)
//! must be answered with an OP_REPLY whose document has `ok: 1`.

use super::{Session, io};

const OP_REPLY: i32 = 1;
const OP_QUERY: i32 = 2004;
const HEADER_LEN: usize = 16;
/// responseFlags, cursorID, startingFrom, numberReturned.
const REPLY_FIELDS_LEN: usize = 20;
const MAX_MESSAGE: usize = 1024 * 1024;

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    let mut id = [0u8; 4];
    getrandom::fill(&mut id).map_err(|e| format!("no random request id: {e}"))?;
    let request_id = i32::from_le_bytes(id) & 0x7fff_ffff;
    io::send(session.stream, &is_master_query(request_id)).await?;
    let header = io::read_exact(session.stream, HEADER_LEN).await.map_err(|e| format!("answer to isMaster: {e}"))?;
    let field = |at: usize| i32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
    let length = usize::try_from(field(0)).unwrap_or(0);
    if !(HEADER_LEN + REPLY_FIELDS_LEN..=MAX_MESSAGE).contains(&length) || field(12) != OP_REPLY {
        return Err(format!("answer to isMaster: expected an OP_REPLY, got '{}'", io::printable(&header)));
    }
    if field(8) != request_id {
        return Err(format!("answer to isMaster: expected a reply to request {request_id}, got one to {}", field(8)));
    }
    let body =
        io::read_exact(session.stream, length - HEADER_LEN).await.map_err(|e| format!("answer to isMaster: {e}"))?;
    judge(&body[REPLY_FIELDS_LEN..])
}

fn is_master_query(request_id: i32) -> Vec<u8> {
    // {isMaster: 1}: its length, an int32 element, the terminator.
    let document: Vec<u8> = [&19i32.to_le_bytes()[..], b"\x10isMaster\0", &1i32.to_le_bytes(), b"\0"].concat();
    let mut body = 0i32.to_le_bytes().to_vec(); // flags
    body.extend_from_slice(b"admin.$cmd\0");
    body.extend_from_slice(&0i32.to_le_bytes()); // numberToSkip
    body.extend_from_slice(&(-1i32).to_le_bytes()); // numberToReturn: one document
    body.extend_from_slice(&document);
    let mut message = ((HEADER_LEN + body.len()) as i32).to_le_bytes().to_vec();
    message.extend_from_slice(&request_id.to_le_bytes());
    message.extend_from_slice(&0i32.to_le_bytes());
    message.extend_from_slice(&OP_QUERY.to_le_bytes());
    message.extend_from_slice(&body);
    message
}

/// Checks the reply's first document for `ok: 1`.
fn judge(document: &[u8]) -> Result<(), String> {
    match field_number(document, "ok") {
        Some(1.0) => Ok(()),
        Some(ok) => {
            let error = field_string(document, "errmsg").unwrap_or_default();
            Err(format!("answer to isMaster: expected ok: 1, got ok: {ok} '{error}'"))
        }
        None => Err(format!("answer to isMaster: expected a document with 'ok', got '{}'", io::printable(document))),
    }
}

/// The BSON elements of `document`: type, name, value bytes.
fn elements(document: &[u8]) -> Vec<(u8, &str, &[u8])> {
    let mut found = Vec::new();
    let mut rest = document.get(4..).unwrap_or_default();
    while let Some((&kind, after)) = rest.split_first() {
        let Some(name_end) = after.iter().position(|&b| b == 0) else { break };
        let name = std::str::from_utf8(&after[..name_end]).unwrap_or_default();
        let value = &after[name_end + 1..];
        let i32_at = |at: usize| value.get(at..at + 4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
        let size = match kind {
            0x00 => break,
            0x01 | 0x09 | 0x11 | 0x12 => Some(8),
            0x02 | 0x0d | 0x0e => i32_at(0).map(|n| 4 + n),
            0x03 | 0x04 => i32_at(0),
            0x05 => i32_at(0).map(|n| 5 + n),
            0x07 => Some(12),
            0x08 => Some(1),
            0x0a | 0x06 | 0x7f | 0xff => Some(0),
            0x10 => Some(4),
            0x13 => Some(16),
            _ => None,
        };
        let Some(value) = size.and_then(|n| value.get(..n)) else { break };
        found.push((kind, name, value));
        rest = &after[name_end + 1 + value.len()..];
    }
    found
}

fn field_number(document: &[u8], wanted: &str) -> Option<f64> {
    elements(document).into_iter().find(|(_, name, _)| *name == wanted).and_then(|(kind, _, value)| match kind {
        0x01 => Some(f64::from_le_bytes(value.try_into().ok()?)),
        0x10 => Some(f64::from(i32::from_le_bytes(value.try_into().ok()?))),
        0x12 => Some(i64::from_le_bytes(value.try_into().ok()?) as f64),
        0x08 => Some(f64::from(value[0])),
        _ => None,
    })
}

fn field_string(document: &[u8], wanted: &str) -> Option<String> {
    elements(document).into_iter().find(|(kind, name, _)| *kind == 0x02 && *name == wanted).map(|(_, _, value)| {
        String::from_utf8_lossy(value.get(4..value.len().saturating_sub(1)).unwrap_or_default()).into_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse_answering;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    /// A BSON document of `elements` (already encoded).
    fn document(elements: &[u8]) -> Vec<u8> {
        [&((elements.len() + 5) as i32).to_le_bytes()[..], elements, b"\0"].concat()
    }

    fn reply_to(request: &[u8], document: &[u8]) -> Vec<u8> {
        let body = [&[0u8; REPLY_FIELDS_LEN][..], document].concat();
        let mut header = ((HEADER_LEN + body.len()) as i32).to_le_bytes().to_vec();
        header.extend_from_slice(&[9, 0, 0, 0]);
        header.extend_from_slice(&request[4..8]);
        header.extend_from_slice(&OP_REPLY.to_le_bytes());
        [header, body].concat()
    }

    #[tokio::test]
    async fn is_master_ok() {
        let ok = document(
            &[b"\x08ismaster\0\x01".as_slice(), b"\x02msg\0\x05\0\0\0abcd\0", b"\x01ok\0", &1f64.to_le_bytes()]
                .concat(),
        );
        let (verdict, sent) =
            converse_answering(ProtocolConfig::new(Protocol::Mongodb), move |r| reply_to(r, &ok), check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(&sent[12..16], &OP_QUERY.to_le_bytes());
        assert!(sent.windows(11).any(|w| w == b"admin.$cmd\0"));
    }

    #[tokio::test]
    async fn not_ok_fails() {
        let refused =
            document(&[b"\x01ok\0".as_slice(), &0f64.to_le_bytes(), b"\x02errmsg\0\x0a\0\0\0no access\0"].concat());
        let (verdict, _) =
            converse_answering(ProtocolConfig::new(Protocol::Mongodb), move |r| reply_to(r, &refused), check).await;
        assert_eq!(verdict, Err("answer to isMaster: expected ok: 1, got ok: 0 'no access'".to_owned()));
    }
}
