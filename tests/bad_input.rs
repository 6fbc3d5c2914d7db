//! Bad input to the control-file reader: every case ends in a clear error (or warning),
//! never a panic or a hang, and hostile files get a few kB of diagnostics with positions,
//! not a copy of the file per error. Each load and each `rmonit -t` runs under a deadline,
//! and `rmonit -t` has its output read up to a limit.

use std::path::Path;
use std::time::Duration;

use rmonit::config::{self, ConfigError, LoadOptions};

use crate::util::{BoundedOutput, run_rmonit_bounded, write_monitrc};

const OPTIONS: LoadOptions = LoadOptions { strict: false, skip_permissions: true };

/// Loads a file in a thread and fails the test if it has not ended within `limit`: a
/// bound against a hang, far above what a load takes, not a measurement.
fn load_within(path: &Path, limit: Duration) -> Result<config::Loaded, ConfigError> {
    let path = path.to_path_buf();
    crate::util::within(limit, move || config::load(&path, OPTIONS))
        .unwrap_or_else(|| panic!("loading did not end within {limit:?}: a hang"))
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

/// Output of `rmonit -t -c path`, bounded: 64 kB of each stream at most, 20 s at most.
fn syntax_check(path: &Path) -> BoundedOutput {
    let output = run_rmonit_bounded(&["-t", "-c", path.to_str().unwrap()], 64 * 1024, Duration::from_secs(20));
    assert!(output.status.is_some(), "rmonit -t ran longer than 20 s");
    output
}

/// Diagnostics are a few kB whatever the input: bounded in number, each line bounded.
fn assert_bounded(output: &BoundedOutput) {
    let size = output.stdout.len() + output.stderr.len();
    assert!(
        size < 20_000,
        "{size} bytes of output:\n{}",
        String::from_utf8_lossy(&output.stderr[..2000.min(output.stderr.len())])
    );
    let longest = output.stderr().lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(longest <= 300, "a line of {longest} characters");
}

#[test]
fn a_line_of_16000_include_words_gives_twenty_warnings() {
    let dir = tempfile::tempdir().unwrap();
    // `include include` 8000 times: 8000 plain includes of a file named `include` that does
    // not exist, each a warning with the whole 128 kB line before.
    let path = write_monitrc(dir.path(), "many", &format!("{}\n", ["include"; 16_000].join(" ")));
    let output = syntax_check(&path);
    assert_bounded(&output);
    let stderr = output.stderr();
    assert!(output.status.unwrap().success(), "{stderr}");
    assert_eq!(stderr.matches("warning: included file").count(), 20, "{stderr}");
    assert!(stderr.contains("many:1:313: warning: included file") && !stderr.contains("many:1:329:"), "{stderr}");
    assert!(stderr.ends_with("... and 7980 more warnings\n"), "{stderr}");
    assert!(output.stdout().contains("Control file syntax OK"));
}

#[test]
fn a_line_of_16000_includes_of_a_directory_gives_twenty_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("include")).unwrap();
    let path = write_monitrc(dir.path(), "many", &format!("{}\n", ["include"; 16_000].join(" ")));
    let output = syntax_check(&path);
    assert_bounded(&output);
    let stderr = output.stderr();
    assert!(!output.status.unwrap().success(), "{stderr}");
    let first = format!(
        "many:1:1: cannot include '{}': it is a directory, not a control file",
        dir.path().join("include").display()
    );
    assert!(stderr.starts_with(&format!("{}/{first}\n", dir.path().display())), "{stderr}");
    assert_eq!(stderr.matches("it is a directory").count(), 20, "{stderr}");
    assert!(stderr.trim_end().ends_with("... and 7980 more errors"), "{stderr}");
    assert!(!output.stdout().contains("syntax OK"));
}

#[test]
fn errors_far_into_a_megabyte_line_show_a_window_of_it() {
    let dir = tempfile::tempdir().unwrap();
    // 900 kB of blanks, then 5000 broken rules: each error is 900 kB into the line.
    let text = format!("check system s{}{}\n", " ".repeat(900_000), "if cpu > then alert ".repeat(5000));
    let path = write_monitrc(dir.path(), "wide", &text);
    let error = load_within(&path, Duration::from_secs(10)).expect_err("an error");
    let rendered = error.to_string();
    assert!(rendered.len() < 20_000, "{} bytes of diagnostics", rendered.len());
    assert_eq!(error.diagnostics.error_count(), 100);
    assert!(rendered.starts_with(&format!("{}:1:900024: unexpected 'then'", path.display())), "{rendered}");
    // 40 characters before the column, 60 from it.
    let window = format!(
        "\n1 | ...{}if cpu > then alert if cpu > then alert if cpu > then alert if cpu > ...\n",
        " ".repeat(31)
    );
    assert!(rendered.contains(&window), "{rendered}");
    assert!(rendered.ends_with("\n... and 80 more errors (the parser gave up after 100 errors)"), "{rendered}");
}

#[test]
fn a_megabyte_line_of_garbage_is_checked_quickly() {
    let dir = tempfile::tempdir().unwrap();
    // Every kind of token and a control character now and then, no newline.
    let alphabet = b"ab{}[]<>=!\"'#;, \t$%x\x07";
    let mut state = 1u32;
    let line: Vec<u8> = (0..1 << 20)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            alphabet[(state >> 16) as usize % alphabet.len()]
        })
        .collect();
    let path = write_monitrc(dir.path(), "garbage", "");
    std::fs::write(&path, [b"check system s ".as_slice(), &line].concat()).unwrap();
    let output = syntax_check(&path);
    assert_bounded(&output);
    assert!(!output.status.unwrap().success());
    assert!(output.stderr().starts_with(&format!("{}:1:", path.display())), "{}", output.stderr());
}

#[test]
fn a_byte_that_is_not_utf8_is_shown_at_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_monitrc(dir.path(), "latin1", "");
    std::fs::write(&path, b"set daemon 5\ncheck process caf\xe9 pidfile /x\n").unwrap();
    let output = syntax_check(&path);
    assert!(!output.status.unwrap().success());
    assert_eq!(
        output.stderr(),
        format!(
            "{}:2:18: cannot read the control file: it is not UTF-8 text (invalid byte 0xe9)\n  |\n2 | check process caf\u{fffd} pidfile /x\n  |                  ^\n",
            path.display()
        )
    );
    // In an included file: its own place, and where it was included from.
    std::fs::write(dir.path().join("bad.conf"), b"# \xff\n").unwrap();
    let main = write_monitrc(dir.path(), "main", "set daemon 5\ninclude bad.conf\n");
    let error = first_error(load_within(&main, Duration::from_secs(5)));
    assert!(
        error.ends_with("bad.conf:1:3: cannot read included file: it is not UTF-8 text (invalid byte 0xff)"),
        "{error}"
    );
    let rendered = load_within(&main, Duration::from_secs(5)).unwrap_err().to_string();
    assert!(rendered.ends_with(&format!("= help: included from {}:2:1", main.display())), "{rendered}");
}

#[test]
fn including_a_directory_is_an_error_and_a_glob_skips_directories() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_monitrc(dir.path(), "root", "set daemon 5\ninclude /\n");
    let output = syntax_check(&path);
    assert!(!output.status.unwrap().success(), "{}", output.stdout());
    assert_eq!(
        output.stderr(),
        format!(
            "{}:2:1: cannot include '/': it is a directory, not a control file\n  |\n2 | include /\n  | ^^^^^^^^^\n  = help: `include /*` includes the files in it\n",
            path.display()
        )
    );
    let conf = dir.path().join("conf.d");
    std::fs::create_dir_all(conf.join("old")).unwrap();
    std::fs::write(conf.join("a.conf"), "check system a\n").unwrap();
    let relative = write_monitrc(dir.path(), "relative", "include conf.d\n");
    let error = first_error(load_within(&relative, Duration::from_secs(5)));
    assert!(
        error.ends_with(&format!(
            "relative:1:1: cannot include '{}': it is a directory, not a control file",
            conf.display()
        )),
        "{error}"
    );
    let glob = write_monitrc(dir.path(), "glob", "include conf.d/*\n");
    let loaded = load_within(&glob, Duration::from_secs(5)).expect("the directory conf.d/old is skipped");
    assert_eq!(loaded.config.services.len(), 1);
    // A FIFO the glob matches is an error at once, not a reader waiting for a writer.
    let status = std::process::Command::new("mkfifo").arg(conf.join("pipe")).status().unwrap();
    assert!(status.success());
    let error = first_error(load_within(&glob, Duration::from_secs(5)));
    assert!(error.contains("pipe': it is a fifo, not a regular file"), "{error}");
}

#[test]
fn includes_that_multiply_stop_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    // Each file includes the next twice: 2^30 inclusions of 30 small files.
    for i in 0..30 {
        std::fs::write(dir.path().join(format!("f{i}")), format!("include f{0}\ninclude f{0}\n", i + 1)).unwrap();
    }
    std::fs::write(dir.path().join("f30"), "").unwrap();
    let path = write_monitrc(dir.path(), "main", "include f0\n");
    let error = load_within(&path, Duration::from_secs(20)).expect_err("an error");
    let first = error.diagnostics.errors().next().map(|d| d.headline(&error.sources)).unwrap_or_default();
    assert!(first.contains("the control file already includes 4096 files, the most it may"), "{first}");
    assert!(error.to_string().len() < 20_000);
}
