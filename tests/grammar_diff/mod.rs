//! Differential test of the grammar against Debian's Monit 5.33: mutants of the project's
//! own control files (tests/corpus/valid, monitrc.example, checks/) are judged by `monit -t`
//! and `rmonit -t`, and both must give the same verdict and, for a refusal, name the same
//! line for the first error.
//!
//! `GRAMMAR_DIFF_FILES=N` runs N mutants (default 300, the CI run), `GRAMMAR_DIFF_SEED=S`
//! starts from another seed, and `GRAMMAR_DIFF_REPORT=FILE` writes every disagreement with
//! the lines its edits changed there.
//!
//! Normalised, not counted as disagreements: host facts Monit resolves at `-t` (see
//! `verdict`), the newlines Monit's lexer reads without counting them (its line numbers drift,
//! see [`verdict::monit_line`]), and rmonit's after-the-file errors (dependencies, incomplete
//! services) beside a syntax error that Monit stops at.
//!
//! Classes fixed by issue 13, point 4 (tests in src/config/parser/tests/monit_grammar.rs and
//! the lexer's tests): `[` and `]` are word characters outside `http headers [...]`; an
//! operator glued to a word character is one word (`>80`, `=^`); `timestamp` and `uptime`
//! take a bare number as seconds; any word after `check <type>` is the name (`=`, `#x`,
//! `include`), and `,;()` before it are errors; noise between a number and its unit
//! (`timeout 5 for seconds`); a `from:` or `reply-to:` without an address; a `timeout`
//! without `seconds` (or in another unit), which Monit refuses; any word after `group` and a
//! blank is the group name (`group include`, `group with`).
//!
//! Classes fixed by issue 13, point "Monit's grammar to the token" (tests in the same
//! places): `allow user:password` takes STRING:STRING (no number, path, mail address,
//! keyword, second `:` or `from:`; a glued noise word is dropped) and a host a STRING;
//! `set mailserver` takes a STRING or MAILADDR as username, a STRING as password, and its
//! timeout and `hostname` end the server list; `alert` and `noalert` take an unquoted
//! address with one `@`; `ping` and plurals are no events of a filter; `set limits` wants `KEY: NUMBER` and a timeout's `ms` or `s`; `50.` is no number;
//! `<>` is gone (no file in tests/corpus, checks/ or monitrc.example used it, and Monit
//! refuses it); `=` before a command stands among blanks only (`start program; =`, and
//! `program="/x"` no longer makes `program=` the command); `every` and `repeat every` want
//! their argument after blanks on the same line, and the number; `content` wants `=` or
//! `!=`, `match` none; `ignore` only in file and program checks; URLs unquoted; `uid` and
//! `gid` a STRING or NUMBER; permissions unquoted; `host`, `send` and `hostheader` a STRING;
//! `check`, `depends` and `group` with no blank after them are strings (`exec check`); and a
//! quoted string that runs over lines is reported on the line of its closing quote, as
//! Monit's lexer counts its newlines first.
//!
//! Classes still open (issue 13): 7 disagreements in 10,000 mutants (seed 13; 54 before
//! this point), 99.93% full agreement (same verdict 99.97%, same line 99.95%). A run from
//! another seed (`GRAMMAR_DIFF_SEED=29`) finds 23 (42 after the first fixes of this point),
//! 99.77% full agreement, one or two mutants per class:
//! - Regular expressions, deliberately: Monit's glibc regcomp (POSIX ERE) and rmonit's regex
//!   crate differ. Where regcomp reads a literal that the crate refuses, rmonit compiles it
//!   as regcomp does (`\c` is `c`, an unopened `)` is literal; see
//!   `config::model::pattern`). The rest stays: back-references (`\1`) have no equivalent in
//!   the crate, and what the crate takes beyond POSIX (`\d`, `(?i)`, `\pL`, lazy `+?`) is
//!   kept as our extension, since refusing it would break rmonit files that work today.
//! - A stray quote after `start`, `stop` or `restart` (`start program =" "/x"`, `start"
//!   program = "/x"`): there Monit's lexer enters its argument state, reads blank-separated
//!   words up to the next `"` as arguments and goes back, so a stray quote turns what
//!   follows into commands or statements and Monit may accept the file. rmonit reads a
//!   command as quoted strings and reports an unterminated string; taking that state over
//!   would change how every command line is split, for files no one writes on purpose.
//! - `check proce"ss`: Monit reads `check proce` as a process named `proce`, then a string
//!   to the next quote; rmonit stops at `proce` two lines earlier.
//! - Lists and names with lexer states of their own: `http headers [...]` with a word glued
//!   after a value, `depends (on x`, `depends, on x`, a `check` line after `depends on x,`,
//!   and `check sys&tem include` (a type Monit does not know, then a bare `include`).
//! - Checks rmonit makes where Monit does not: a `request` that is no path (`"*/_ping"`,
//!   which makes no HTTP request line), a port above 65535, a `restart` rule over more than
//!   64 cycles, a disk rate without its unit (and `3 times within 2 cycles`, refused by
//!   both, is named a line apart). And the reverse: `allow "<not a host>"`, which
//!   Monit 5.33 refuses in some files ("invalid allow option") and takes in others, rmonit
//!   always takes (a check of the name refused more files Monit accepts than it matched).
//! - Separators and noise inside a test, which Monit's lexer reads as tokens of their own:
//!   `total;mem`, `total) cpu`, `cpu ;(nice)`, `else on 3 cycles`, `else if passed alert`
//!   (no `then`); and a `from:` holding only a keyword or nothing.

mod mutate;
mod verdict;

use std::path::{Path, PathBuf};

use mutate::{Rng, mutate, tokens};
use verdict::Verdict;

use crate::util::{repo_root, rmonit_bin, skip};

const MONIT: &str = "/usr/bin/monit";
const DEFAULT_FILES: usize = 300;
const DEFAULT_SEED: u64 = 13;

/// Mutants of the CI run (300 from seed 13) on which the tools still disagree: classes of
/// issue 13 not fixed yet (listed in this module's docs). A fix lowers it; the test
/// fails if it rises. It is checked only for the CI run; other runs report their figures.
const KNOWN_CI_DISAGREEMENTS: usize = 0;

/// A seed control file and its text.
struct Seed {
    name: String,
    text: String,
}

/// The seed files: every file whose text both tools accept as it is. Files that use rmonit's
/// extensions (webhooks, digests, `history`, ...) are refused by Monit and so left out: the
/// mutants are about Monit's language.
fn seeds(dir: &Path) -> Vec<Seed> {
    let root = repo_root();
    let mut paths: Vec<PathBuf> = Vec::new();
    for sub in ["tests/corpus/valid", "checks"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(sub))
            .expect("seed directory")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "monitrc"))
            .collect();
        files.sort();
        paths.extend(files);
    }
    paths.push(root.join("monitrc.example"));
    let probe = dir.join("seed.monitrc");
    paths
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            write_private(&probe, &text);
            let agreed = verdict::monit(&probe) == Verdict::Accepted
                && verdict::rmonit(&rmonit_bin(), &probe) == Verdict::Accepted;
            let name = path.strip_prefix(&root).unwrap_or(&path).display().to_string();
            agreed.then_some(Seed { name, text })
        })
        .collect()
}

/// Writes `text` with mode 0600, as `monit -t` demands of a control file.
fn write_private(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write mutant");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod mutant");
}

/// How the two tools judged one mutant.
struct Judged {
    number: u64,
    seed: usize,
    text: String,
    edits: Vec<mutate::Edit>,
    monit: Verdict,
    rmonit: Verdict,
}

impl Judged {
    fn same_verdict(&self) -> bool {
        matches!(
            (&self.monit, &self.rmonit),
            (Verdict::Accepted, Verdict::Accepted) | (Verdict::Refused { .. }, Verdict::Refused { .. })
        )
    }

    /// Same verdict, and the same line where Monit names one.
    fn agrees(&self) -> bool {
        self.same_verdict() && (self.monit.line().is_none() || self.same_line())
    }

    /// Both name the same line (counted as Monit counts, see [`verdict::monit_line`]).
    fn same_line(&self) -> bool {
        let rmonit = self.rmonit.line().map(|l| verdict::monit_line(&self.text, l));
        self.monit.line().is_some() && self.monit.line() == rmonit
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Judges `count` mutants from `seed` on two threads (the machine's share).
fn run(dir: &Path, seeds: &[Seed], count: usize, seed: u64) -> Vec<Judged> {
    let vocabulary: Vec<String> =
        seeds.iter().flat_map(|s| tokens(&s.text).into_iter().map(|t| s.text[t.start..t.end].to_owned())).collect();
    let workers = 2;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let vocabulary = &vocabulary;
                scope.spawn(move || {
                    let path = dir.join(format!("mutant-{w}.monitrc"));
                    let mut out = Vec::new();
                    for n in (w..count).step_by(workers) {
                        let number = seed.wrapping_mul(1_000_003).wrapping_add(n as u64);
                        let mut rng = Rng::new(number);
                        let from = rng.below(seeds.len());
                        let (text, edits) = mutate(&seeds[from].text, vocabulary, &mut rng);
                        write_private(&path, &text);
                        let monit = verdict::monit(&path);
                        let rmonit = verdict::rmonit(&rmonit_bin(), &path);
                        out.push(Judged { number, seed: from, text, edits, monit, rmonit });
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("worker")).collect()
    })
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 { 100.0 } else { part as f64 * 100.0 / whole as f64 }
}

/// A disagreement: the verdicts, and the lines the edits changed (seed, then mutant).
fn describe(j: &Judged, seeds: &[Seed]) -> String {
    let changed: String = seeds[j.seed]
        .text
        .lines()
        .zip(j.text.lines())
        .enumerate()
        .filter(|(_, (before, after))| before != after)
        .map(|(n, (before, after))| format!("  {:>4} - {before}\n  {:>4} + {after}\n", n + 1, n + 1))
        .collect();
    format!(
        "mutant {} of {} ({:?}):\n  monit:  {:?}\n  rmonit: {:?}\n{changed}",
        j.number, seeds[j.seed].name, j.edits, j.monit, j.rmonit
    )
}

#[test]
fn mutants_get_monits_verdict_and_line() {
    if !Path::new(MONIT).exists() {
        return skip("no /usr/bin/monit (Debian package monit) to compare with");
    }
    // A fresh directory for the mutants: no include.d beside them, so includes match nothing.
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = temp.path();
    let seeds = seeds(dir);
    assert!(seeds.len() >= 30, "only {} seed files agree before mutation", seeds.len());
    let count = env_number("GRAMMAR_DIFF_FILES", DEFAULT_FILES as u64) as usize;
    let seed = env_number("GRAMMAR_DIFF_SEED", DEFAULT_SEED);
    let judged = run(dir, &seeds, count, seed);
    let both_refused: Vec<&Judged> =
        judged.iter().filter(|j| j.monit != Verdict::Accepted && j.rmonit != Verdict::Accepted).collect();
    let with_line = both_refused.iter().filter(|j| j.monit.line().is_some()).count();
    let same_line = both_refused.iter().filter(|j| j.same_line()).count();
    let disagreeing: Vec<&Judged> = judged.iter().filter(|j| !j.agrees()).collect();
    let refused_by_monit = judged.iter().filter(|j| j.monit != Verdict::Accepted).count();
    eprintln!(
        "grammar diff: {} mutants of {} seeds; Monit refused {}; same verdict {:.2}%; same line {:.2}% of {} \
         refusals with a line; full agreement {:.2}%",
        judged.len(),
        seeds.len(),
        refused_by_monit,
        percent(judged.iter().filter(|j| j.same_verdict()).count(), judged.len()),
        percent(same_line, with_line),
        with_line,
        percent(judged.len() - disagreeing.len(), judged.len()),
    );
    if let Ok(report) = std::env::var("GRAMMAR_DIFF_REPORT") {
        let text: String = disagreeing.iter().map(|j| describe(j, &seeds)).collect();
        std::fs::write(&report, text).expect("write report");
    }
    let shown: Vec<String> = disagreeing.iter().take(5).map(|j| describe(j, &seeds)).collect();
    let ci_run = count == DEFAULT_FILES && seed == DEFAULT_SEED;
    let allowed = if ci_run { KNOWN_CI_DISAGREEMENTS } else { usize::MAX };
    assert!(
        disagreeing.len() <= allowed,
        "{} of {} mutants disagree (known: {allowed}); first:\n{}",
        disagreeing.len(),
        judged.len(),
        shown.join("\n")
    );
}
