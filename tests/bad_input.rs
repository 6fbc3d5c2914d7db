//! Bad input to the control-file reader: every case ends in a clear error (or warning),
//! never a panic or a hang. Each load runs under a deadline.

use std::path::Path;
use std::time::{Duration, Instant};

use rmonit::config::{self, ConfigError, LoadOptions};

use crate::util::write_monitrc;

const OPTIONS: LoadOptions = LoadOptions { strict: false, skip_permissions: true };

/// Loads a file in a thread and fails the test if it takes longer than `limit`.
fn load_within(path: &Path, limit: Duration) -> Result<config::Loaded, ConfigError> {
    let path = path.to_path_buf();
    let start = Instant::now();
    let handle = std::thread::spawn(move || config::load(&path, OPTIONS));
    while !handle.is_finished() {
        assert!(start.elapsed() < limit, "loading took longer than {limit:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    handle.join().expect("the loader panicked")
}

fn first_error(result: Result<config::Loaded, ConfigError>) -> String {
    match result {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.diagnostics.errors().next().map(|d| d.headline(&e.sources)).unwrap_or_default(),
    }
}

#[test]
fn binary_garbage_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage");
    let bytes: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    std::fs::write(&path, &bytes).unwrap();
    let error = first_error(load_within(&path, Duration::from_secs(5)));
    assert!(error.contains("is not a text file") || error.contains("not UTF-8"), "{error}");
}

#[test]
fn invalid_utf8_without_nul_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1");
    std::fs::write(&path, b"check process caf\xe9 pidfile /x\n").unwrap();
    let error = first_error(load_within(&path, Duration::from_secs(5)));
    assert!(
        error.ends_with("latin1:1:18: cannot read the control file: it is not UTF-8 text (invalid byte 0xe9)"),
        "{error}"
    );
}

#[test]
fn control_characters_are_errors_with_positions() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_monitrc(dir.path(), "ctl", "set daemon 5\n\u{7}\u{1b}[31m check system x\n");
    let error = first_error(load_within(&path, Duration::from_secs(5)));
    assert!(error.ends_with("ctl:2:1: syntax error: invalid character '\\u{7}'"), "{error}");
}

#[test]
fn an_unterminated_string_is_reported_where_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_monitrc(
        dir.path(),
        "unterminated",
        "check process a pidfile /a.pid\n start program = \"/bin/a\n stop program = /bin/b\n",
    );
    let error = first_error(load_within(&path, Duration::from_secs(5)));
    assert!(error.ends_with("unterminated:2:18: syntax error: an unterminated string"), "{error}");
}

#[test]
fn a_ten_thousand_line_string_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let body: String = (0..10_000).map(|i| format!("line {i} of a runaway string\n")).collect();
    let path = write_monitrc(
        dir.path(),
        "long",
        &format!("set daemon 5\nset mail-format {{ subject: x }}\ncheck program p path \"{body}\"\n"),
    );
    let error = first_error(load_within(&path, Duration::from_secs(5)));
    assert!(error.contains("syntax error: a string longer than 64 kB"), "{error}");
}

#[test]
fn a_huge_file_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(100 * 1024 * 1024).unwrap();
    let error = first_error(load_within(&path, Duration::from_secs(5)));
    assert!(error.contains("it is 100 MB, larger than the 16 MB a control file may be"), "{error}");
}

#[test]
fn many_services_and_long_lines_parse_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("set daemon 5\n");
    for i in 0..2000 {
        text.push_str(&format!("check process p{i} pidfile /run/p{i}.pid\n if cpu > 80% for 3 cycles then alert\n"));
    }
    text.push_str(&format!("check file long path /tmp/{}\n", "x".repeat(50_000)));
    let path = write_monitrc(dir.path(), "many", &text);
    let loaded = load_within(&path, Duration::from_secs(20)).expect("valid");
    assert_eq!(loaded.config.services.len(), 2001);
}

#[test]
fn deeply_nested_includes_stop_at_the_depth_limit() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..100 {
        std::fs::write(dir.path().join(format!("inc{i}")), format!("include inc{}\n", i + 1)).unwrap();
    }
    let path = write_monitrc(dir.path(), "deep", "include inc0\n");
    let error = first_error(load_within(&path, Duration::from_secs(10)));
    assert!(error.contains("includes nested deeper than 64 files"), "{error}");
}

#[test]
fn an_include_loop_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.conf"), "include b.conf\n").unwrap();
    std::fs::write(dir.path().join("b.conf"), "include *.conf\n").unwrap();
    let path = write_monitrc(dir.path(), "main", "include a.conf\n");
    let error = first_error(load_within(&path, Duration::from_secs(5)));
    assert!(error.contains("include loop"), "{error}");
}

#[test]
fn an_unreadable_include_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    // A FIFO would block a naive reader forever; it is not a regular file.
    let fifo = dir.path().join("pipe.conf");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let path = write_monitrc(dir.path(), "main", "include pipe.conf\n");
    let error = first_error(load_within(&path, Duration::from_secs(5)));
    assert!(error.contains("cannot read included file") && error.contains("not a regular file"), "{error}");
    std::fs::write(dir.path().join("bad.conf"), b"\xff\xfe").unwrap();
    let path = write_monitrc(dir.path(), "main2", "include bad.conf\n");
    let error = first_error(load_within(&path, Duration::from_secs(5)));
    assert!(error.contains("cannot read included file") && error.contains("not UTF-8"), "{error}");
}

#[test]
fn deeply_nested_yaml_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep.yml");
    std::fs::write(&path, format!("services: {}{}", "[".repeat(100_000), "]".repeat(100_000))).unwrap();
    let error = first_error(load_within(&path, Duration::from_secs(10)));
    assert!(error.contains("invalid YAML"), "{error}");
}

#[test]
fn unknown_yaml_keys_are_errors_with_positions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.yml");
    std::fs::write(&path, "daemon:\n  interval: 5 s\nservices:\n- name: a\n  check: system\n  grups: [x]\n").unwrap();
    let error = first_error(load_within(&path, Duration::from_secs(5)));
    assert!(error.contains("typo.yml:6:3: invalid YAML: unknown field `grups`"), "{error}");
}
