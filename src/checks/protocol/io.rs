//! Small reading and writing helpers the protocol conversations share: a bounded line
//! reader, exact reads, and a printable rendering of unexpected bytes for messages.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::Stream;

/// The longest line a protocol reads (a longer one is an error, not a hang).
pub const MAX_LINE: usize = 8192;

/// Writes all of `bytes`.
pub async fn send(stream: &mut dyn Stream, bytes: &[u8]) -> Result<(), String> {
    stream.write_all(bytes).await.map_err(|e| format!("cannot send: {e}"))?;
    stream.flush().await.map_err(|e| format!("cannot send: {e}"))
}

/// Reads one line (up to `\n`, which is removed with a `\r` before it).
pub async fn read_line(stream: &mut dyn Stream) -> Result<String, String> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        let n = stream.read(&mut byte).await.map_err(|e| format!("cannot read: {e}"))?;
        if n == 0 {
            if line.is_empty() {
                return Err("the connection was closed without an answer".to_owned());
            }
            break;
        }
        if byte[0] == b'\n' {
            break;
        }
        line.push(byte[0]);
        if line.len() > MAX_LINE {
            return Err(format!("a line longer than {MAX_LINE} bytes came back"));
        }
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// Reads exactly `n` bytes.
pub async fn read_exact(stream: &mut dyn Stream, n: usize) -> Result<Vec<u8>, String> {
    let mut buffer = vec![0u8; n];
    stream.read_exact(&mut buffer).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "the connection was closed in the middle of an answer".to_owned(),
        _ => format!("cannot read: {e}"),
    })?;
    Ok(buffer)
}

/// Reads what arrives in one read (at most `max` bytes); empty when the peer closed.
pub async fn read_some(stream: &mut dyn Stream, max: usize) -> Result<Vec<u8>, String> {
    let mut buffer = vec![0u8; max];
    let n = stream.read(&mut buffer).await.map_err(|e| format!("cannot read: {e}"))?;
    buffer.truncate(n);
    Ok(buffer)
}

/// Bytes shown in a message: text as is (cut at 80 characters), other bytes as `\xHH`.
pub fn printable(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes.iter().take(80) {
        match b {
            b' '..=b'~' => out.push(b as char),
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            _ => out.push_str(&format!("\\x{b:02X}")),
        }
    }
    if bytes.len() > 80 {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_and_bytes() {
        let (mut client, mut server) = tokio::io::duplex(64);
        server.write_all(b"220 ready\r\nabc").await.unwrap();
        drop(server);
        assert_eq!(read_line(&mut client).await.unwrap(), "220 ready");
        assert_eq!(read_line(&mut client).await.unwrap(), "abc");
        assert!(read_line(&mut client).await.is_err());
        assert_eq!(printable(b"ok\r\n\x00"), "ok\\r\\n\\x00");
    }
}
