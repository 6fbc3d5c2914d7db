//! An acknowledged change of monitoring mode is on disk: `monitor`/`unmonitor` requests
//! stream at a daemon, which is killed with SIGKILL at a random (seeded) moment; the state
//! file, and the daemon started on it again, must hold the last acknowledged mode of every
//! service.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::util::{Daemon, header_with_cycle, stdout, wait_until, write_monitrc};

const SERVICES: usize = 4;
const ROUNDS: usize = 10;

/// A small seeded generator (xorshift), so that a failing round can be run again.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What became of a request.
enum Outcome {
    /// The daemon answered; 200 acknowledges.
    Answered(bool),
    /// Sent, but the daemon died before its answer: maybe carried out, not acknowledged.
    Interrupted,
    /// Never reached the daemon.
    Refused,
}

/// POSTs `/_doaction` over the control socket as the CLI does (with `wait=yes`).
fn act(socket: &Path, action: &str, service: &str) -> Outcome {
    let Ok(mut stream) = UnixStream::connect(socket) else { return Outcome::Refused };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let body = format!("action={action}&service={service}&wait=yes");
    let request = format!(
        "POST /_doaction HTTP/1.0\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return Outcome::Interrupted;
    }
    let mut answer = String::new();
    if stream.read_to_string(&mut answer).is_err() || !answer.starts_with("HTTP/") {
        return Outcome::Interrupted;
    }
    Outcome::Answered(answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200"))
}

/// The `monitored` flag of every service in the state file.
fn saved_modes(statefile: &Path) -> Vec<(String, bool)> {
    let text = std::fs::read_to_string(statefile).expect("the state file");
    let state: serde_json::Value = serde_json::from_str(&text).expect("JSON state file");
    state["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|s| (s["name"].as_str().expect("name").to_owned(), s["monitored"].as_bool().expect("monitored")))
        .collect()
}

/// Whether `rmonit status <service>` shows the service monitored (or initializing).
fn shown_monitored(daemon: &Daemon, service: &str) -> Option<bool> {
    let status = stdout(&daemon.cli(&["status", service]));
    let line = status.lines().find(|l| l.trim_start().starts_with("monitoring status"))?;
    Some(!line.contains("Not monitored"))
}

fn config(dir: &Path) -> PathBuf {
    let mut text = header_with_cycle(dir, 60);
    for i in 0..SERVICES {
        let file = dir.join(format!("f{i}"));
        std::fs::write(&file, "x").expect("write a watched file");
        text.push_str(&format!("check file f{i} with path {}\n", file.display()));
    }
    write_monitrc(dir, "monitrc", &text)
}

#[test]
fn every_acknowledged_mode_survives_kill_9() {
    let dir = tempfile::tempdir().expect("temp dir");
    let monitrc = config(dir.path());
    let socket = dir.path().join("rmonit.sock");
    let statefile = dir.path().join("rmonit.state");
    let mut random = Random(0x5eed_2026_1303);
    // The last acknowledged mode per service, across rounds (all monitored at first).
    let acked: Arc<Mutex<Vec<bool>>> = Arc::new(Mutex::new(vec![true; SERVICES]));
    // The mode a request sent but not answered asks for: it may be saved, unacknowledged.
    let asked: Arc<Mutex<Vec<Option<bool>>>> = Arc::new(Mutex::new(vec![None; SERVICES]));
    let mut lost = Vec::new();
    let mut total_acks = 0;
    for round in 0..ROUNDS {
        let _ = std::fs::remove_file(&socket);
        let mut daemon = Daemon::start(dir.path(), &monitrc);
        assert!(
            wait_until(Duration::from_secs(10), || daemon.cli(&["summary"]).status.success()),
            "round {round}: the daemon did not answer:\n{}",
            daemon.log()
        );
        // The restarted daemon shows what the last round acknowledged.
        let expected = acked.lock().unwrap().clone();
        for (i, monitored) in expected.iter().enumerate() {
            assert_eq!(
                shown_monitored(&daemon, &format!("f{i}")),
                Some(*monitored),
                "round {round}: f{i} after the restart:\n{}",
                daemon.log()
            );
        }
        let stop = Arc::new(AtomicBool::new(false));
        let acks = Arc::new(Mutex::new(0usize));
        let streams: Vec<_> = (0..SERVICES)
            .map(|i| {
                let (socket, stop, acks) = (socket.clone(), stop.clone(), acks.clone());
                let (acked, asked) = (acked.clone(), asked.clone());
                let mut random = Random(random.next() | 1);
                std::thread::spawn(move || {
                    // Until the daemon is gone: its last request may be unanswered.
                    while !stop.load(Ordering::SeqCst) {
                        let monitor = random.below(2) == 0;
                        asked.lock().unwrap()[i] = Some(monitor);
                        match act(&socket, if monitor { "monitor" } else { "unmonitor" }, &format!("f{i}")) {
                            Outcome::Answered(ok) => {
                                if ok {
                                    acked.lock().unwrap()[i] = monitor;
                                    *acks.lock().unwrap() += 1;
                                }
                                asked.lock().unwrap()[i] = None;
                            }
                            Outcome::Interrupted => break,
                            Outcome::Refused => {
                                asked.lock().unwrap()[i] = None;
                                break;
                            }
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(200 + random.below(1300)));
        // Killed first, the streams stopped after: an answer read before the kill counts.
        let _ = daemon.child.kill();
        let _ = daemon.child.wait();
        stop.store(true, Ordering::SeqCst);
        for stream in streams {
            stream.join().expect("a stream");
        }
        total_acks += *acks.lock().unwrap();
        let expected = acked.lock().unwrap().clone();
        let saved = saved_modes(&statefile);
        for (i, monitored) in expected.iter().enumerate() {
            let on_disk = saved.iter().find(|(n, _)| n == &format!("f{i}")).map(|(_, m)| *m);
            let unanswered = asked.lock().unwrap()[i].take();
            if on_disk != Some(*monitored) && (on_disk.is_none() || on_disk != unanswered) {
                lost.push(format!("round {round}: f{i} acknowledged {monitored}, saved {on_disk:?}"));
            }
            // What the file holds is where the next round starts.
            acked.lock().unwrap()[i] = on_disk.unwrap_or(true);
        }
    }
    assert!(total_acks > ROUNDS * SERVICES, "too few acknowledged actions to tell: {total_acks}");
    eprintln!("{total_acks} acknowledged modes over {ROUNDS} rounds, {} lost", lost.len());
    assert!(lost.is_empty(), "{} of {total_acks} acknowledged modes lost:\n{}", lost.len(), lost.join("\n"));
}

#[test]
fn a_mode_that_cannot_be_saved_is_not_acknowledged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let monitrc = config(dir.path());
    let daemon = Daemon::start(dir.path(), &monitrc);
    let statefile = dir.path().join("rmonit.state");
    assert!(
        wait_until(Duration::from_secs(10), || statefile.exists() && daemon.cli(&["summary"]).status.success()),
        "the daemon did not start:\n{}",
        daemon.log()
    );
    // A directory where the state file goes: no rename can replace it.
    std::fs::remove_file(&statefile).expect("remove the state file");
    std::fs::create_dir(&statefile).expect("a directory in its place");
    std::fs::write(statefile.join("keep"), "x").expect("not empty");
    let refused = daemon.cli(&["unmonitor", "f0"]);
    let message = crate::util::stderr(&refused);
    assert!(!refused.status.success(), "acknowledged though not saved: {message}");
    assert!(message.contains("'f0' unmonitor done but not saved"), "{message}");
    assert!(message.contains("rmonit.state could not be written"), "{message}");
    // The mode did change; once the file can be written, the next change is acknowledged.
    assert_eq!(shown_monitored(&daemon, "f0"), Some(false));
    std::fs::remove_dir_all(&statefile).expect("remove the directory");
    let saved = daemon.cli(&["unmonitor", "f1"]);
    assert!(saved.status.success(), "{}", crate::util::stderr(&saved));
    let modes = saved_modes(&statefile);
    let mode = |name: &str| modes.iter().find(|(n, _)| n == name).map(|(_, m)| *m);
    assert_eq!((mode("f0"), mode("f1"), mode("f2")), (Some(false), Some(false), Some(true)));
}
