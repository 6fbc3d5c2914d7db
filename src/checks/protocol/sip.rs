//! SIP: an OPTIONS request to `target` (default the host) with `maxforward` (default 70),
//! over the test's TCP or UDP, must be answered with a 2xx status.

use super::{Session, io, reply};

const DEFAULT_MAX_FORWARDS: u32 = 70;
const MAX_DATAGRAM: usize = 65_535;

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|e| format!("no random branch: {e}"))?;
    let token: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let request = options_request(session, &token);
    io::send(session.stream, request.as_bytes()).await?;
    let status = if session.udp {
        // One datagram holds the whole answer: read it at once (a byte-wise read would lose it).
        let datagram =
            io::read_some(session.stream, MAX_DATAGRAM).await.map_err(|e| format!("answer to OPTIONS: {e}"))?;
        let text = String::from_utf8_lossy(&datagram).into_owned();
        text.lines().next().unwrap_or_default().to_owned()
    } else {
        reply::line(session.stream, "answer to OPTIONS").await?
    };
    let code = status.strip_prefix("SIP/2.0 ").and_then(|rest| rest.get(..3)).and_then(|c| c.parse::<u16>().ok());
    match code {
        Some(200..=299) => Ok(()),
        _ => Err(reply::unexpected("answer to OPTIONS", "'SIP/2.0 2xx'", &status)),
    }
}

fn options_request(session: &Session<'_>, token: &str) -> String {
    let transport = if session.udp { "UDP" } else { "TCP" };
    let target = session.config.target.clone().unwrap_or_else(|| session.host.to_owned());
    let max_forwards = session.config.maxforward.unwrap_or(DEFAULT_MAX_FORWARDS);
    let local = "localhost";
    format!(
        "OPTIONS sip:{target} SIP/2.0\r\n\
         Via: SIP/2.0/{transport} {local};branch=z9hG4bK{token};rport\r\n\
         Max-Forwards: {max_forwards}\r\n\
         To: <sip:{target}>\r\n\
         From: rmonit <sip:rmonit@{local}>;tag={token}\r\n\
         Call-ID: {token}@{local}\r\n\
         CSeq: 63104 OPTIONS\r\n\
         Contact: <sip:rmonit@{local}>\r\n\
         Accept: application/sdp\r\n\
         User-Agent: rmonit\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::{converse, replying, test_for};
    use super::*;
    use crate::config::model::{Protocol, ProtocolConfig};

    #[tokio::test]
    async fn options_answered_ok() {
        let mut config = ProtocolConfig::new(Protocol::Sip);
        config.target = Some("alice@example.com".to_owned());
        config.maxforward = Some(6);
        let replies = b"SIP/2.0 200 OK\r\nCSeq: 63104 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        let (verdict, sent) = converse(config, replies, check).await;
        assert_eq!(verdict, Ok(()));
        let text = String::from_utf8_lossy(&sent);
        assert!(
            text.starts_with("OPTIONS sip:alice@example.com SIP/2.0\r\nVia: SIP/2.0/TCP localhost;branch=z9hG4bK"),
            "{text}"
        );
        assert!(text.contains("\r\nMax-Forwards: 6\r\nTo: <sip:alice@example.com>\r\n"), "{text}");
        assert!(text.ends_with("Content-Length: 0\r\n\r\n"));
    }

    #[tokio::test]
    async fn an_error_status_fails() {
        let replies = b"SIP/2.0 404 Not Found\r\n\r\n";
        let (verdict, _) = converse(ProtocolConfig::new(Protocol::Sip), replies, check).await;
        assert_eq!(verdict, Err("answer to OPTIONS: expected 'SIP/2.0 2xx', got 'SIP/2.0 404 Not Found'".to_owned()));
    }

    #[tokio::test]
    async fn over_udp_the_answer_is_one_datagram() {
        let (mut stream, peer) = replying(b"SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n");
        let test = test_for(Protocol::Sip);
        let config = ProtocolConfig::new(Protocol::Sip);
        let verdict = {
            let mut session = Session {
                stream: &mut stream,
                test: &test,
                config: &config,
                host: "pbx",
                port: Some(5060),
                udp: true,
                buffers: Default::default(),
            };
            check(&mut session).await
        };
        drop(stream);
        assert_eq!(verdict, Ok(()));
        let sent = peer.await.unwrap();
        assert!(sent.starts_with(b"OPTIONS sip:pbx SIP/2.0\r\nVia: SIP/2.0/UDP localhost;"));
    }
}
