//! The web interface under a flood of connections, with a real daemon: idle and half-sent
//! connections by the hundred from one address and from many, an authenticated request
//! that still answers at once, a log that summarises instead of writing a line each, and a
//! stalled request head that gets 408.
//!
//! Loopback is one client like any other, so the tests spread clients over 127.0.0.x
//! source addresses (all of 127/8 is the loopback on Linux).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::time::Duration;

use rmonit::control::admission::{MAX_CONNECTIONS, MAX_PER_CLIENT};

use crate::util::{connect_from, raise_fd_limit, stdout, wait_until};
use crate::web::{basic, daemon_log, web_daemon};

fn loopback(last: u8) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 0, last)
}

/// `count` connections from `sources` in turn that send nothing (even ones) or half a
/// request line (odd ones) and then wait; non-blocking, for [`still_open`].
fn idle_connections(sources: &[Ipv4Addr], port: u16, count: usize) -> Vec<TcpStream> {
    (0..count)
        .map(|i| {
            let mut stream = connect_from(sources[i % sources.len()], port).expect("connect");
            if (i / sources.len()) % 2 == 1 {
                stream.write_all(b"GET /_sta").expect("half a request line");
            }
            stream.set_nonblocking(true).expect("non-blocking");
            stream
        })
        .collect()
}

/// How many of these connections the daemon has not closed.
fn still_open(streams: &[TcpStream]) -> usize {
    streams
        .iter()
        .filter(|s| matches!(s.peek(&mut [0u8; 1]), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock))
        .count()
}

/// How long a GET under a flood may wait for its answer: half the listener's 10 s head
/// timeout, so an answer within it cannot come from a slot the timeout freed.
const UNDER_FLOOD: Duration = Duration::from_secs(5);

/// An authenticated GET of `/_summary` on a new connection from `source`: its status code,
/// none if the connection was closed or not answered within [`UNDER_FLOOD`].
fn get_under_flood(source: Ipv4Addr, port: u16) -> Option<u16> {
    (|| {
        let mut stream = connect_from(source, port).ok()?;
        stream.set_read_timeout(Some(UNDER_FLOOD)).ok()?;
        stream.write_all(format!("GET /_summary HTTP/1.0\r\n{}\r\n", basic("admin", "monit")).as_bytes()).ok()?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).ok()?;
        String::from_utf8_lossy(&answer).split_whitespace().nth(1)?.parse().ok()
    })()
}

/// One request on a kept-alive HTTP/1.1 connection; the status line of its answer.
fn keep_alive_request(stream: &mut TcpStream, auth: &str) -> String {
    stream.write_all(format!("GET /_ping HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n").as_bytes()).expect("send");
    let mut answer = Vec::new();
    let mut byte = [0u8; 1];
    while !answer.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => answer.push(byte[0]),
            _ => return String::from_utf8_lossy(&answer).into_owned(),
        }
    }
    let head = String::from_utf8_lossy(&answer).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    let _ = stream.read_exact(&mut body);
    head.lines().next().unwrap_or("").to_owned()
}

#[test]
fn six_hundred_idle_connections_from_one_address_cost_that_address_only() {
    raise_fd_limit();
    let dir = tempfile::tempdir().unwrap();
    let port = crate::util::free_port();
    let daemon = web_daemon(dir.path(), port, "");
    let neighbour = idle_connections(&[loopback(2)], port, 20);
    let flood = idle_connections(&[loopback(1)], port, 600);

    for source in [loopback(1), loopback(3)] {
        let code = get_under_flood(source, port);
        assert_eq!(code, Some(200), "an authenticated GET from [{source}] under the flood: {}", daemon_log(dir.path()));
    }
    assert!(
        wait_until(Duration::from_secs(5), || still_open(&flood) <= MAX_PER_CLIENT),
        "the flooding address keeps at most {MAX_PER_CLIENT}: {} still open",
        still_open(&flood)
    );
    assert_eq!(still_open(&neighbour), 20, "another address lost none of its connections");
    let summary = daemon.cli(&["summary"]);
    assert!(stdout(&summary).contains(" data "), "the CLI's socket is not concerned: {summary:?}");
}

#[test]
fn six_hundred_idle_connections_from_ten_addresses_leave_room_for_authenticated_users() {
    raise_fd_limit();
    let dir = tempfile::tempdir().unwrap();
    let port = crate::util::free_port();
    let _daemon = web_daemon(dir.path(), port, "");
    // A user's kept-alive connection, authenticated before the flood.
    let mut user = connect_from(loopback(20), port).unwrap();
    user.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let admin = basic("admin", "monit");
    assert_eq!(keep_alive_request(&mut user, &admin), "HTTP/1.1 200 OK");

    let sources: Vec<Ipv4Addr> = (2..12).map(loopback).collect();
    let flood = idle_connections(&sources, port, 600);
    let code = get_under_flood(loopback(1), port);
    assert_eq!(code, Some(200), "an authenticated GET under the flood: {}", daemon_log(dir.path()));
    assert!(
        wait_until(Duration::from_secs(5), || still_open(&flood) < MAX_CONNECTIONS),
        "the listener holds at most {MAX_CONNECTIONS}: {} of the flood still open",
        still_open(&flood)
    );
    assert_eq!(keep_alive_request(&mut user, &admin), "HTTP/1.1 200 OK", "the authenticated connection was kept");
}

#[test]
fn a_flood_is_summarised_in_the_log_not_logged_line_by_line() {
    raise_fd_limit();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = crate::util::free_port();
    let _daemon = web_daemon(d, port, "");
    let flood = idle_connections(&[loopback(1)], port, 1000);
    let summary =
        |log: &str| log.lines().find(|l| l.contains("web interface: connections in the last 10 s:")).map(str::to_owned);
    assert!(wait_until(Duration::from_secs(15), || summary(&daemon_log(d)).is_some()), "{}", daemon_log(d));
    let log = daemon_log(d);
    let line = summary(&log).unwrap();
    let closed: u64 = line
        .split_whitespace()
        .zip(line.split_whitespace().skip(1))
        .find_map(|(count, word)| (word == "closed").then(|| count.parse().ok()).flatten())
        .unwrap_or(0);
    assert!(closed as usize >= 1000 - MAX_PER_CLIENT - 10, "{line}");
    assert!(line.contains("most from [127.0.0.1]"), "{line}");
    let about_connections = log.lines().filter(|l| l.contains("web interface:") && l.contains("[127.0.0.1]")).count();
    assert!(about_connections <= 3, "{about_connections} lines about the flood:\n{log}");
    drop(flood);
}

#[test]
fn a_stalled_request_head_gets_408_and_a_silent_connection_is_just_closed() {
    let dir = tempfile::tempdir().unwrap();
    let port = crate::util::free_port();
    let _daemon = web_daemon(dir.path(), port, "");
    let mut stalled = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stalled.write_all(b"GET /_status HTTP/1.1\r\nHost: 127.0.0.1\r\n").unwrap();
    for stream in [&stalled, &silent] {
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    }
    // The 10 s head timeout answers within the 20 s read deadline, and says it timed out.
    let mut answer = Vec::new();
    let _ = stalled.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{answer:?}");
    assert!(answer.contains("<h2>Request Timeout</h2>"), "Monit's error page: {answer}");
    let mut nothing = Vec::new();
    let _ = silent.read_to_end(&mut nothing);
    assert!(nothing.is_empty(), "nothing for a connection that sent nothing: {:?}", String::from_utf8_lossy(&nothing));
}
