//! Regular expressions of the control file (`matching`, `content`, `ignore content`,
//! `expect`), compiled when the file is loaded: a [`Pattern`] is the text as written and the
//! `Regex` built from it, so nothing is compiled again while the monitor runs.
//!
//! The text is turned into a `Regex` with `Regex::new`, as every run-time caller did before
//! the model held compiled patterns. Two patterns are equal when their texts are, and a
//! pattern serializes as its text.

use std::fmt;
use std::ops::Deref;

use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A regular expression of the control file, compiled.
#[derive(Clone)]
pub struct Pattern {
    source: String,
    regex: Regex,
}

/// A pattern that does not compile: its text and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub source: String,
    /// The regex crate's whole message.
    pub error: String,
}

impl PatternError {
    /// The last line of the regex crate's message (the part that says what is wrong).
    pub fn reason(&self) -> &str {
        let last = self.error.lines().last().unwrap_or(&self.error);
        last.trim().trim_start_matches("error: ")
    }
}

impl fmt::Display for PatternError {
    /// `invalid regular expression '<text>': <reason>`, as `rmonit -t` reports it.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "invalid regular expression '{}': {}", self.source, self.reason())
    }
}

impl Pattern {
    /// Compiles `source`.
    pub fn new(source: impl Into<String>) -> Result<Pattern, PatternError> {
        let source = source.into();
        match Regex::new(&source) {
            Ok(regex) => Ok(Pattern { source, regex }),
            // What Monit's POSIX regcomp (glibc) takes as a literal, the regex crate refuses:
            // a backslash before a letter with no meaning (`\c` is `c`) and a `)` that closes
            // no group. Such a pattern is compiled with those made literal.
            Err(e) => match posix_literals(&source).and_then(|t| Regex::new(&t).ok()) {
                Some(regex) => Ok(Pattern { source, regex }),
                None => Err(PatternError { source, error: e.to_string() }),
            },
        }
    }

    /// A pattern that keeps `source` but matches nothing: what the parser puts in the model
    /// after reporting that `source` does not compile, so that it can go on reading the file
    /// (a model with one never runs: the load fails).
    pub fn unmatchable(source: impl Into<String>) -> Pattern {
        // An empty class; a constant that compiles.
        let regex = Regex::new(r"[^\s\S]").expect("a constant pattern");
        Pattern { source: source.into(), regex }
    }

    /// The text as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The compiled expression.
    pub fn regex(&self) -> &Regex {
        &self.regex
    }
}

/// `source` with the escapes glibc's regcomp reads as literals made literal for the regex
/// crate (`\c` -> `c`, an unopened `)` -> `\)`), or none if nothing changes. Bracket
/// expressions are copied as they are.
fn posix_literals(source: &str) -> Option<String> {
    // Letters the regex crate gives a meaning after a backslash.
    const KNOWN: &str = "afnrtvdDsSwWbBAzpPxuU";
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let (mut depth, mut changed, mut i) = (0usize, false, 0);
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() => {
                let n = chars[i + 1];
                if n.is_ascii_alphabetic() && !KNOWN.contains(n) {
                    out.push(n);
                    changed = true;
                } else {
                    out.push(c);
                    out.push(n);
                }
                i += 2;
                continue;
            }
            '[' => {
                // Copy the bracket expression: a `]` first (after an optional `^`) is literal.
                let mut j = i + 1;
                if chars.get(j) == Some(&'^') {
                    j += 1;
                }
                if chars.get(j) == Some(&']') {
                    j += 1;
                }
                while j < chars.len() && chars[j] != ']' {
                    j += 1;
                }
                let end = (j + 1).min(chars.len());
                out.extend(&chars[i..end]);
                i = end;
                continue;
            }
            '(' => depth += 1,
            ')' if depth == 0 => {
                out.push_str("\\)");
                changed = true;
                i += 1;
                continue;
            }
            ')' => depth -= 1,
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    changed.then_some(out)
}

/// A pattern reads as its text.
impl Deref for Pattern {
    type Target = str;

    fn deref(&self) -> &str {
        &self.source
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Pattern) -> bool {
        self.source == other.source
    }
}

impl Eq for Pattern {}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        fmt::Debug::fmt(&self.source, f)
    }
}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Pattern, D::Error> {
        let source = String::deserialize(deserializer)?;
        Pattern::new(source).map_err(serde::de::Error::custom)
    }
}

/// `content = FILE "path"`: a file of patterns, one per line, read when the control file is
/// loaded (and reloaded). Two pattern files are equal when their paths are; one serializes as
/// its path, and is read by the loader after it is deserialized.
#[derive(Debug, Clone)]
pub struct PatternFile {
    pub path: String,
    /// The patterns of its lines, or why there are none.
    pub lines: Result<Vec<Pattern>, PatternFileError>,
}

/// Why a pattern file gives no patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternFileError {
    /// Not read yet (just deserialized).
    NotRead,
    /// The file could not be read: `cannot read the pattern file <path>: <reason>`.
    Unreadable(String),
    /// A line (counted from 1) does not compile.
    BadLine { line: usize, error: PatternError },
}

impl PatternFile {
    /// A pattern file not read yet.
    pub fn unread(path: impl Into<String>) -> PatternFile {
        PatternFile { path: path.into(), lines: Err(PatternFileError::NotRead) }
    }
}

impl PatternFileError {
    /// What a rule with this file reports while the monitor runs (as it did when the file
    /// was read then).
    pub fn run_time_message(&self, path: &str) -> String {
        match self {
            PatternFileError::NotRead => format!("the pattern file {path} was not read"),
            PatternFileError::Unreadable(message) => message.clone(),
            PatternFileError::BadLine { error, .. } => error.error.clone(),
        }
    }
}

impl PartialEq for PatternFile {
    fn eq(&self, other: &PatternFile) -> bool {
        self.path == other.path
    }
}

impl Eq for PatternFile {}

impl Serialize for PatternFile {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.path)
    }
}

impl<'de> Deserialize<'de> for PatternFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PatternFile, D::Error> {
        String::deserialize(deserializer).map(PatternFile::unread)
    }
}

/// Tests write pattern files as their paths.
#[cfg(test)]
impl From<&str> for PatternFile {
    fn from(path: &str) -> PatternFile {
        PatternFile::unread(path)
    }
}

/// Tests write patterns as string literals.
#[cfg(test)]
impl From<&str> for Pattern {
    fn from(source: &str) -> Pattern {
        Pattern::new(source).expect("a valid test pattern")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_is_its_text_compiled() {
        let p = Pattern::new("^a+b$").unwrap();
        assert!(p.regex().is_match("aab"));
        assert_eq!((p.source(), format!("{p:?}")), ("^a+b$", "\"^a+b$\"".to_owned()));
        assert_eq!(p, Pattern::unmatchable("^a+b$"));
        assert!(!Pattern::unmatchable("").regex().is_match(""));
    }

    #[test]
    fn a_bad_pattern_says_what_is_wrong() {
        let e = Pattern::new("worker(").unwrap_err();
        assert_eq!(e.to_string(), "invalid regular expression 'worker(': unclosed group");
    }

    #[test]
    fn a_pattern_serializes_as_its_text() {
        let p: Pattern = serde_json::from_str("\"x.*\"").unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"x.*\"");
        assert!(serde_json::from_str::<Pattern>("\"(\"").unwrap_err().to_string().contains("unclosed group"));
    }

    #[test]
    fn what_posix_reads_as_literals_compiles() {
        // Monit (glibc regcomp): accepted, `\c` is `c` and an unopened `)` is literal.
        let p = Pattern::new(r"office-syn\c").expect("compiles");
        assert!(p.regex().is_match("office-sync"));
        assert_eq!(p.source(), r"office-syn\c");
        assert!(Pattern::new(")Failed password for").expect("compiles").regex().is_match(")Failed password for"));
        assert_eq!(posix_literals(r"[\c)]x"), None, "a bracket expression is left as it is");
        assert_eq!(posix_literals(r"\d+(a)"), None);
        // Still refused: an unclosed group.
        assert!(Pattern::new("(a").is_err());
    }
}
