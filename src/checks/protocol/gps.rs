//! gpsd (its old text protocol): `G` must be answered with `GPSD,G=GPS`, or one of the
//! RTCM104 answers of a differential receiver.

use super::{Session, reply};

const ANSWERS: [&str; 3] = ["GPSD,G=GPS", "GPSD,G=RTCM104v2", "GPSD,G=RTCM104"];

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    reply::command(session.stream, "G").await?;
    let answer = reply::line(session.stream, "answer to G").await?;
    if ANSWERS.iter().any(|expected| answer.starts_with(expected)) {
        Ok(())
    } else {
        Err(reply::unexpected("answer to G", "'GPSD,G=GPS' or 'GPSD,G=RTCM104[v2]'", &answer))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    #[tokio::test]
    async fn gps_answer() {
        let (verdict, sent) = converse(ProtocolConfig::new(Protocol::Gps), b"GPSD,G=GPS\r\n", check).await;
        assert_eq!(verdict, Ok(()));
        assert_eq!(sent, b"G\r\n");
    }

    #[tokio::test]
    async fn a_json_answer_fails() {
        let replies = b"{\"class\":\"VERSION\",\"release\":\"3.22\"}\r\n";
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Gps), replies, check).await;
        assert_eq!(
            verdict,
            Err("answer to G: expected 'GPSD,G=GPS' or 'GPSD,G=RTCM104[v2]', got '{\"class\":\"VERSION\",\"release\":\"3.22\"}'"
                .to_owned())
        );
    }
}
