//! rdate (RFC 868 time): the server sends its clock as 4 bytes, seconds since 1900; it must
//! be within 3 seconds of the local clock.

use std::time::{SystemTime, UNIX_EPOCH};

use super::{Session, io};

/// Seconds from 1900-01-01 to 1970-01-01.
const SECONDS_1900_TO_1970: i64 = 2_208_988_800;
/// The largest difference accepted between the server's clock and ours (Monit's).
const MAX_SKEW_SECONDS: i64 = 3;

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    let bytes = io::read_exact(session.stream, 4).await.map_err(|e| format!("time: {e}"))?;
    let remote = i64::from(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])) - SECONDS_1900_TO_1970;
    let local = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    judge(remote, local)
}

/// Whether the server's clock (`remote`, Unix seconds) is close enough to `local`.
fn judge(remote: i64, local: i64) -> Result<(), String> {
    let skew = remote - local;
    if skew.abs() > MAX_SKEW_SECONDS {
        return Err(format!(
            "time: expected the server's clock within {MAX_SKEW_SECONDS} s of ours, got a difference of {skew} s"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    fn time_bytes(offset: i64) -> Vec<u8> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
        ((now + offset + SECONDS_1900_TO_1970) as u32).to_be_bytes().to_vec()
    }

    #[tokio::test]
    async fn a_close_clock_passes() {
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Rdate), &time_bytes(1), check).await;
        assert_eq!(verdict, Ok(()));
        assert!(sent.is_empty());
    }

    #[tokio::test]
    async fn a_far_clock_or_a_short_answer_fails() {
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Rdate), &time_bytes(-3600), check).await;
        assert!(
            verdict
                .unwrap_err()
                .starts_with("time: expected the server's clock within 3 s of ours, got a difference of -3")
        );
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Rdate), b"ab", check).await;
        assert_eq!(verdict, Err("time: the connection was closed in the middle of an answer".to_owned()));
        assert_eq!(judge(100, 97), Ok(()));
    }
}
