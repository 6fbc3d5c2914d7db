//! Property tests: the control-file reader never panics and never hangs, whatever it reads.
//! (A coverage-guided fuzz target of the same functions is in fuzz/.)

use std::time::Duration;

use proptest::prelude::*;
use rmonit::config::{LoadOptions, load_str};

const OPTIONS: LoadOptions = LoadOptions { strict: false, skip_permissions: true };

/// Words and symbols of the language, so generated inputs reach deep into the grammar.
const VOCABULARY: &[&str] = &[
    "set",
    "check",
    "process",
    "file",
    "fifo",
    "directory",
    "filesystem",
    "host",
    "system",
    "program",
    "network",
    "with",
    "pidfile",
    "path",
    "matching",
    "address",
    "interface",
    "if",
    "failed",
    "succeeded",
    "changed",
    "not",
    "exist",
    "then",
    "else",
    "alert",
    "restart",
    "start",
    "stop",
    "unmonitor",
    "exec",
    "timeout",
    "cycles",
    "times",
    "within",
    "for",
    "cpu",
    "memory",
    "totalmem",
    "loadavg",
    "space",
    "inode",
    "free",
    "port",
    "protocol",
    "http",
    "request",
    "status",
    "content",
    "checksum",
    "expect",
    "send",
    "url",
    "ping",
    "daemon",
    "log",
    "httpd",
    "allow",
    "mailserver",
    "mail-format",
    "limits",
    "depends",
    "on",
    "group",
    "every",
    "mode",
    "passive",
    "include",
    "environment",
    "action",
    "working",
    "total",
    "uploaded",
    "in",
    "last",
    "hours",
    "ssl",
    "options",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    ",",
    ";",
    "=",
    "!=",
    ">",
    "<",
    ">=",
    "80%",
    "200 MB",
    "5",
    "3",
    "0644",
    "/tmp/x",
    "\"/bin/true\"",
    "\"a b\"",
    "'x'",
    "\"",
    "admin:pw",
    "@grp",
    "$HOST",
    "from:",
    "subject:",
    "message:",
    "#",
    "\n",
    "5 seconds",
    "10 MB/s",
    "md5",
    "exec \"/x\"",
    "webhook",
    "\"*/5 * * * *\"",
];

/// How long one load may run before it counts as a hang: a bound against exponential
/// blowup on a hostile input (a load takes milliseconds), not a measurement.
const HANG: Duration = Duration::from_secs(30);

/// Loads `text` as a file at `path`: it must end (with a result or an error) within
/// [`HANG`], without a panic.
fn loads_in_time(path: &'static str, text: &str) {
    let owned = text.to_owned();
    let ended = crate::util::within(HANG, move || {
        let _ = load_str(path, &owned, OPTIONS);
    });
    assert!(ended.is_some(), "no end within {HANG:?} on {text:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_text(text in "\\PC{0,400}") {
        loads_in_time("/nonexistent-dir/monitrc", &text);
    }

    #[test]
    fn never_panics_on_arbitrary_bytes_as_text(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        loads_in_time("/nonexistent-dir/monitrc", &text);
    }

    #[test]
    fn never_panics_on_keyword_soup(words in proptest::collection::vec(proptest::sample::select(VOCABULARY), 0..80)) {
        loads_in_time("/nonexistent-dir/monitrc", &words.join(" "));
    }

    #[test]
    fn never_panics_on_yaml_soup(words in proptest::collection::vec(proptest::sample::select(&[
        "services:", "- name: a", "  check:", "    process:", "      pidfile: /x", "  rules:", "  - test:", "      resource:",
        "        metric: cpu", "        limit: \"> 80%\"", "    action: alert", "daemon:", "  interval: 5 s", "[", "]", "{", "}",
        "&a", "*a", "!tag", "? key", "---", "...", "  ", "- ", ": ", "'", "\"",
    ][..]), 0..40)) {
        let text = words.join("\n");
        loads_in_time("/nonexistent-dir/x.yml", &text);
    }
}
