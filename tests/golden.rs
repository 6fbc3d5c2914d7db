//! Golden files: what rmonit's CLI prints, compared byte for byte with what Debian's monit
//! 5.33 printed for the same command lines on the same control file.
//!
//! `tests/golden/record.sh` ran `/usr/bin/monit` on `tests/golden/monitrc.in` and stored
//! each command line of `tests/golden/cases` (its exit code, stdout and stderr) in
//! `tests/golden/expected/NAME`, so this test needs no monit. Cases marked `@tty` run on a
//! terminal made by `script` (util-linux), where boxes and colours are drawn. Both sides
//! go through the same normalisation (dates, the header's uptime and the terminal's line
//! ends, see [`normalise`]). A case where
//! rmonit differs on purpose is listed in [`DEVIATIONS`] with its reason, and what rmonit
//! prints instead is in `tests/golden/deviations/NAME`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use regex::Regex;

use crate::util::{Daemon, repo_root, stdout, wait_until, write_monitrc};

/// Cases where rmonit prints something else than Monit, deliberately.
const DEVIATIONS: &[(&str, &str)] = &[
    (
        "report-nogroup",
        "Monit prints -nan% percentages and exits 0 for a group that does not exist; rmonit says \
         the group is not found and exits 1, as Monit does for summary and status",
    ),
    ("procmatch-without-pattern", "Monit prints its usage error on stdout; rmonit prints every error on stderr"),
];

fn golden_dir() -> PathBuf {
    repo_root().join("tests/golden")
}

/// The cases: a name, then the arguments after `-c FILE`.
fn cases() -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(golden_dir().join("cases")).expect("read tests/golden/cases");
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut words = line.split_whitespace().map(str::to_owned);
            let name = words.next().expect("a case name");
            (name, words.collect())
        })
        .collect()
}

/// record.sh's `normalise`: `\r\n` becomes `\n`, dates `<date>`, the header's uptime
/// `<uptime>`.
fn normalise(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let date = Regex::new(r"[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}").expect("regex");
    let header = Regex::new(r"(?m)^(Monit [0-9.]+ uptime: ).*$").expect("regex");
    let text = date.replace_all(&text, "<date>");
    header.replace_all(&text, "${1}<uptime>").into_owned()
}

/// The golden file's shape: exit code, stdout, stderr.
fn transcript(output: &Output) -> String {
    let code = output.status.code().map_or_else(|| "signal".to_owned(), |c| c.to_string());
    format!(
        "exit: {code}\n--- stdout\n{}--- stderr\n{}",
        normalise(&String::from_utf8_lossy(&output.stdout)),
        normalise(&String::from_utf8_lossy(&output.stderr))
    )
}

/// Quotes a word for `sh -c`.
fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// Runs the CLI on a terminal, as record.sh does for `@tty` cases: `script` gives it a
/// pseudo-terminal and hands on its exit code; stdout and stderr come merged.
fn on_terminal(daemon: &Daemon, args: &[&str]) -> Output {
    let mut words = vec![crate::util::rmonit_bin().display().to_string(), "-c".to_owned()];
    words.push(daemon.config.display().to_string());
    words.extend(args.iter().map(|a| (*a).to_owned()));
    let command: Vec<String> = words.iter().map(|w| shell_quote(w)).collect();
    Command::new("script")
        .args(["-qec", &command.join(" "), "/dev/null"])
        .env("TERM", "xterm")
        .env("HOME", &daemon.dir)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run script (util-linux)")
}

/// Creates what the services look at, as record.sh does.
fn fixtures(dir: &Path) {
    let status = Command::new(golden_dir().join("fixtures.sh")).arg(dir).status().expect("run fixtures.sh");
    assert!(status.success(), "fixtures.sh failed");
}

/// The state record.sh waits for: nothing initializing, both programs' results known.
fn settled(daemon: &Daemon) -> bool {
    stdout(&daemon.cli(&["-B", "report", "initializing"])) == "0\n"
        && stdout(&daemon.cli(&["-B", "summary", "failing"])).contains("Status failed")
        && Regex::new(r"last exit value +0\n")
            .expect("regex")
            .is_match(&stdout(&daemon.cli(&["-B", "status", "passing"])))
}

fn expected(name: &str) -> String {
    let dir = if DEVIATIONS.iter().any(|(n, _)| *n == name) { "deviations" } else { "expected" };
    let path = golden_dir().join(dir).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_case_prints_what_monit_printed() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixtures(dir.path());
    let template = std::fs::read_to_string(golden_dir().join("monitrc.in")).expect("read monitrc.in");
    let config = write_monitrc(dir.path(), "monitrc", &template.replace("@DIR@", &dir.path().display().to_string()));
    let daemon = Daemon::start(dir.path(), &config);
    assert!(wait_until(Duration::from_secs(20), || settled(&daemon)), "the daemon did not settle:\n{}", daemon.log());

    let cases = cases();
    assert!(cases.len() >= 20, "tests/golden/cases lists {} cases", cases.len());
    let mut differences = Vec::new();
    for (name, args) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = match args.split_first() {
            Some((&"@tty", rest)) => on_terminal(&daemon, rest),
            _ => daemon.cli(&args),
        };
        let actual = transcript(&output);
        let expected = expected(name);
        if actual != expected {
            differences.push(format!("case {name} ({}):\n-- monit:\n{expected}-- rmonit:\n{actual}", args.join(" ")));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} cases differ:\n\n{}",
        differences.len(),
        cases.len(),
        differences.join("\n")
    );
}

#[test]
fn golden_files_and_cases_agree() {
    let cases = cases();
    for (name, reason) in DEVIATIONS {
        assert!(!reason.is_empty());
        assert!(cases.iter().any(|(n, _)| n == name), "deviation {name} is no case");
        assert!(golden_dir().join("deviations").join(name).is_file(), "no tests/golden/deviations/{name}");
    }
    for (name, _) in &cases {
        assert!(golden_dir().join("expected").join(name).is_file(), "case {name} was not recorded (record.sh)");
    }
    for dir in ["expected", "deviations"] {
        for entry in std::fs::read_dir(golden_dir().join(dir)).expect("read the golden directory") {
            let name = entry.expect("a directory entry").file_name().to_string_lossy().into_owned();
            assert!(cases.iter().any(|(n, _)| *n == name), "tests/golden/{dir}/{name} belongs to no case");
        }
    }
}

#[test]
fn normalisation_hides_only_dates_uptime_and_carriage_returns() {
    let text = "Monit 5.33.0 uptime: 1h 3m\r\n  data collected               Mon, 23 Nov 2026 19:37:09\n  uptime  5m\n";
    assert_eq!(normalise(text), "Monit 5.33.0 uptime: <uptime>\n  data collected               <date>\n  uptime  5m\n");
}
