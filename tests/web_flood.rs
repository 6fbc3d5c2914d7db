//! The web interface under hostile clients, with a real daemon: a stalled request head
//! gets 408.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::web::web_daemon;

#[test]
fn a_stalled_request_head_gets_408_and_a_silent_connection_is_just_closed() {
    let dir = tempfile::tempdir().unwrap();
    let port = crate::util::free_port();
    let _daemon = web_daemon(dir.path(), port, "");
    let mut stalled = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let start = Instant::now();
    stalled.write_all(b"GET /_status HTTP/1.1\r\nHost: 127.0.0.1\r\n").unwrap();
    for stream in [&stalled, &silent] {
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    }
    let mut answer = Vec::new();
    let _ = stalled.read_to_end(&mut answer);
    let took = start.elapsed();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{answer:?} after {took:?}");
    assert!(answer.contains("<h2>Request Timeout</h2>"), "Monit's error page: {answer}");
    assert!(took >= Duration::from_secs(9) && took < Duration::from_secs(15), "at the 10 s head timeout: {took:?}");
    let mut nothing = Vec::new();
    let _ = silent.read_to_end(&mut nothing);
    assert!(nothing.is_empty(), "nothing for a connection that sent nothing: {:?}", String::from_utf8_lossy(&nothing));
}
