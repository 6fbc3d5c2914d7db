//! Apache's mod_status: `GET <path>` (default `/server-status?auto`, Basic authentication
//! with `username`/`password`) must be answered with a status below 400 and a
//! `Scoreboard:` line. The share of each worker state in the scoreboard is held against
//! the test's limits (`loglimit > 10%` ...): a limit that holds fails the test, as in Monit.
//! HTTP/1.0 keeps the body plain (no chunks): read up to its Content-Length or the close.

use base64ct::{Base64, Encoding};

use super::{Session, http_head, io, reply};
use crate::config::model::{ApacheLimit, ApacheScore};

const DEFAULT_PATH: &str = "/server-status?auto";
/// The largest status page read.
const MAX_BODY: usize = 1024 * 1024;

pub async fn check(session: &mut Session<'_>) -> Result<(), String> {
    let request = request(session);
    io::send(session.stream, request.as_bytes()).await?;
    let head = http_head::read_head(session.stream, "answer").await?;
    if head.status.code.is_none_or(|c| c >= 400) {
        return Err(reply::unexpected("answer", "an HTTP status below 400", &head.status.line));
    }
    let content_length = head.values("content-length").last().and_then(|v| v.parse::<usize>().ok());
    let limit = content_length.unwrap_or(MAX_BODY).min(MAX_BODY);
    let mut page = Vec::new();
    while page.len() < limit {
        let chunk = io::read_some(session.stream, 16 * 1024).await.map_err(|e| format!("status page: {e}"))?;
        if chunk.is_empty() {
            break;
        }
        page.extend_from_slice(&chunk);
    }
    page.truncate(limit);
    let page = String::from_utf8_lossy(&page);
    let scoreboard = page
        .lines()
        .find_map(|line| line.strip_prefix("Scoreboard:"))
        .map(str::trim)
        .ok_or("status page: expected a 'Scoreboard:' line (is the path mod_status's ?auto page?), got none")?;
    judge(scoreboard, &session.config.limits)
}

fn request(session: &Session<'_>) -> String {
    let config = session.config;
    let path = config.path.as_deref().or(config.request.as_deref()).unwrap_or(DEFAULT_PATH);
    let host = http_head::host(session.host, session.port);
    let authorization = match (&config.username, &config.password) {
        (Some(user), password) => format!(
            "Authorization: Basic {}\r\n",
            Base64::encode_string(format!("{user}:{}", password.as_deref().unwrap_or_default()).as_bytes())
        ),
        _ => String::new(),
    };
    format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n{authorization}User-Agent: rmonit\r\nAccept: */*\r\n\r\n")
}

/// The scoreboard character of a worker state.
fn state(score: ApacheScore) -> char {
    match score {
        ApacheScore::Loglimit => 'L',
        ApacheScore::Closelimit => 'C',
        ApacheScore::Dnslimit => 'D',
        ApacheScore::Keepalivelimit => 'K',
        ApacheScore::Replylimit => 'W',
        ApacheScore::Requestlimit => 'R',
        ApacheScore::Startlimit => 'S',
        ApacheScore::Waitlimit => '_',
        ApacheScore::Gracefullimit => 'G',
        ApacheScore::Cleanuplimit => 'I',
    }
}

/// Fails on the first limit that holds for the scoreboard's share of its state.
fn judge(scoreboard: &str, limits: &[ApacheLimit]) -> Result<(), String> {
    let total = scoreboard.chars().count();
    if total == 0 {
        return Err("status page: the scoreboard is empty".to_owned());
    }
    for limit in limits {
        let count = scoreboard.chars().filter(|&c| c == state(limit.name)).count();
        let percent = 100.0 * count as f64 / total as f64;
        if limit.limit.op.holds(percent, limit.limit.limit.value) {
            return Err(format!(
                "{} is {percent:.0}% ({count} of {total} workers), which matches the limit {} {}%",
                limit.name.keyword(),
                limit.limit.op,
                limit.limit.limit.value
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testpeer::converse;
    use super::*;
    use crate::config::model::{Comparison, Operator, Protocol, ProtocolConfig, Quantity};

    fn limited(score: ApacheScore, op: Operator, percent: f64) -> ProtocolConfig {
        let mut config = ProtocolConfig::new(Protocol::ApacheStatus);
        config.limits = vec![ApacheLimit { name: score, limit: Comparison::new(op, Quantity::percent(percent)) }];
        config.username = Some("admin".to_owned());
        config.password = Some("pw".to_owned());
        config
    }

    const PAGE: &[u8] =
        b"HTTP/1.1 200 OK\r\nContent-Length: 54\r\n\r\nTotal Accesses: 5\nBusyWorkers: 1\nScoreboard: W___LL..\n";

    #[tokio::test]
    async fn limits_within_bounds_pass() {
        let (verdict, sent) = converse(limited(ApacheScore::Loglimit, Operator::Gt, 30.0), PAGE, check).await;
        assert_eq!(verdict, Ok(()));
        let text = String::from_utf8_lossy(&sent);
        assert!(text.starts_with(
            "GET /server-status?auto HTTP/1.0\r\nHost: localhost:1\r\nAuthorization: Basic YWRtaW46cHc=\r\n"
        ));
    }

    #[tokio::test]
    async fn a_limit_that_holds_fails() {
        let (verdict, _) = converse(limited(ApacheScore::Loglimit, Operator::Gt, 20.0), PAGE, check).await;
        assert_eq!(verdict, Err("loglimit is 25% (2 of 8 workers), which matches the limit > 20%".to_owned()));
        let refused = b"HTTP/1.1 403 Forbidden\r\n\r\n";
        let (verdict, _) = converse(limited(ApacheScore::Waitlimit, Operator::Lt, 10.0), refused, check).await;
        assert_eq!(verdict, Err("answer: expected an HTTP status below 400, got 'HTTP/1.1 403 Forbidden'".to_owned()));
    }
}
