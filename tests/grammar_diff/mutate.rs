//! Mutants of control files: a coarse tokenisation of a seed file (words, quoted strings,
//! comments skipped) and one to three edits on it, chosen by a seeded xorshift so that the
//! mutant with a given number is the same on every machine.
//!
//! The edits never add or remove a newline, so a line in a mutant is the line of the seed
//! it came from: an error's line can be read back against the seed.

/// xorshift64*: small, deterministic, good enough to pick edits.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Mix the seed so that neighbouring seeds give unrelated streams; never zero.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A token of a seed: its byte range in the text.
#[derive(Clone, Copy, Debug)]
pub struct Tok {
    pub start: usize,
    pub end: usize,
}

/// Words and quoted strings of `text`, in order; comments and blanks are skipped, and no
/// token spans a newline (an unclosed quote runs to the end of its line).
pub fn tokens(text: &str) -> Vec<Tok> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'#' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if c == b'"' || c == b'\'' {
            let start = i;
            i += 1;
            while i < bytes.len() && bytes[i] != c && bytes[i] != b'\n' {
                i += 1;
            }
            if i < bytes.len() && bytes[i] == c {
                i += 1;
            }
            out.push(Tok { start, end: i });
        } else {
            let start = i;
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() && !matches!(bytes[i], b'"' | b'\'' | b'#') {
                i += 1;
            }
            out.push(Tok { start, end: i });
        }
    }
    out
}

/// Words Monit's lexer reads as keywords, put where a value goes.
const KEYWORDS: &[&str] = &[
    "if",
    "then",
    "alert",
    "start",
    "stop",
    "restart",
    "exec",
    "timeout",
    "port",
    "host",
    "address",
    "path",
    "pidfile",
    "uid",
    "gid",
    "cpu",
    "memory",
    "mysql",
    "http",
    "daemon",
    "syslog",
    "disk",
    "mode",
    "every",
    "cycles",
    "seconds",
    "status",
    "failed",
    "program",
    "with",
    "check",
    "include",
    "group",
    "depends",
    "unmonitor",
    "ssl",
    "size",
    "space",
    "content",
    "url",
    "request",
    "protocol",
    "type",
    "tcp",
    "send",
    "expect",
    "checksum",
    "md5",
    "permission",
    "ping",
    "count",
    "not",
    "exist",
    "changed",
    "limits",
    "log",
    "set",
    "httpd",
    "allow",
    "read-only",
    "mailserver",
    "username",
    "password",
    "from:",
    "subject:",
    "mail-format",
    "noalert",
    "reminder",
    "action",
    "else",
    "recovered",
    "timestamp",
    "uptime",
    "pid",
    "ppid",
];

/// Characters put inside words, paths and host names.
const ODD: &[&str] = &[
    "@", ":", "%", "{", "}", "[", "]", "<", ">", "=", "!", "$", "&", "*", "~", "^", "\\", "|", ";", ",", "(", ")", "/",
    ".", "-", "_", "+", "?", "é", "\"", "'", "#", "`", "0", "9",
];

/// What an edit did, for reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    Delete,
    Duplicate,
    Swap,
    Substitute,
    KeywordValue,
    OddChar,
    Unquote,
    Quote,
}

/// The mutant of `text` that `rng` picks, with the edits made; `vocabulary` holds the
/// tokens substitutions come from.
pub fn mutate(text: &str, vocabulary: &[String], rng: &mut Rng) -> (String, Vec<Edit>) {
    let mut text = text.to_owned();
    let mut edits = Vec::new();
    let rounds = 1 + rng.below(3).min(rng.below(3));
    for _ in 0..rounds {
        let toks = tokens(&text);
        if toks.is_empty() {
            break;
        }
        let i = rng.below(toks.len());
        let t = toks[i];
        let word = text[t.start..t.end].to_owned();
        let quoted = word.starts_with('"') || word.starts_with('\'');
        let edit = *rng.pick(&[
            Edit::Delete,
            Edit::Delete,
            Edit::Duplicate,
            Edit::Swap,
            Edit::Swap,
            Edit::Substitute,
            Edit::Substitute,
            Edit::KeywordValue,
            Edit::KeywordValue,
            Edit::OddChar,
            Edit::OddChar,
            Edit::Unquote,
            Edit::Quote,
        ]);
        let replacement = match edit {
            Edit::Delete => String::new(),
            Edit::Duplicate => format!("{word} {word}"),
            Edit::Swap => {
                let Some(next) = toks.get(i + 1) else { continue };
                let other = text[next.start..next.end].to_owned();
                text.replace_range(next.start..next.end, &word);
                text.replace_range(t.start..t.end, &other);
                edits.push(edit);
                continue;
            }
            Edit::Substitute => rng.pick(vocabulary).clone(),
            Edit::KeywordValue => {
                // The token after a word is where a value most often goes.
                let Some(next) = toks.get(i + 1) else { continue };
                let keyword = *rng.pick(KEYWORDS);
                text.replace_range(next.start..next.end, keyword);
                edits.push(edit);
                continue;
            }
            Edit::OddChar => {
                let inner: Vec<usize> = word.char_indices().map(|(n, _)| n).chain([word.len()]).collect();
                let at = *rng.pick(&inner);
                let odd = rng.pick(ODD);
                format!("{}{odd}{}", &word[..at], &word[at..])
            }
            Edit::Unquote if quoted && word.len() >= 2 => word[1..word.len() - 1].to_owned(),
            Edit::Quote if !quoted => format!("\"{word}\""),
            Edit::Unquote | Edit::Quote => continue,
        };
        text.replace_range(t.start..t.end, &replacement);
        edits.push(edit);
    }
    (text, edits)
}

#[test]
fn mutants_keep_every_newline_and_are_reproducible() {
    let seed = "set daemon 30\ncheck process a with pidfile \"/run/a.pid\" # c\n  if cpu > 80% then alert\n";
    let vocabulary: Vec<String> = tokens(seed).iter().map(|t| seed[t.start..t.end].to_owned()).collect();
    assert_eq!(vocabulary[..3], ["set", "daemon", "30"]);
    assert!(vocabulary.contains(&"\"/run/a.pid\"".to_owned()) && !vocabulary.iter().any(|v| v.contains('#')));
    for n in 0..200 {
        let (a, _) = mutate(seed, &vocabulary, &mut Rng::new(n));
        let (b, _) = mutate(seed, &vocabulary, &mut Rng::new(n));
        assert_eq!(a, b);
        assert_eq!(a.matches('\n').count(), 3, "{a}");
    }
}
