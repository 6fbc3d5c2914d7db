//! The words of a TLS `version:` option (`set ssl`, `ssl with options`, mail servers and
//! connection tests), classified when the file is loaded: a [`TlsVersion`] is the word as
//! written (what is rendered and serialized) and what it asks for.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One word of `version:`, e.g. `tlsv12`, `auto` or `-tlsv1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsVersion {
    word: String,
    meaning: TlsVersionMeaning,
}

/// What a `version:` word asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsVersionMeaning {
    /// `auto`: every version the TLS library has, whatever else is named after it.
    Auto,
    /// `tlsv12` or `tlsv1.2`.
    Tls12,
    /// `tlsv13` or `tlsv1.3`.
    Tls13,
    /// `-tlsv12` or `!tlsv13`: that version is taken away from the others.
    Removed(TlsRemoved),
    /// `tlsv1`, `tlsv11`: versions rustls does not have. `-t` warns; connections use
    /// TLS 1.2 or 1.3 instead.
    Legacy,
    /// Any other word. `-t` warns; a connection that asks for it fails when it is made,
    /// with "TLS: version ... is not supported (only tlsv12 and tlsv13)", unless an earlier
    /// `auto` was named.
    Unsupported,
}

/// What a removal (`-WORD`, `!WORD`) takes away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsRemoved {
    Tls12,
    Tls13,
    /// A version rustls does not have anyway (`-sslv3`, `-tlsv1`): nothing to take away.
    Absent,
}

impl TlsVersion {
    /// Classifies `word` (case does not matter; the word is kept as written).
    pub fn new(word: impl Into<String>) -> TlsVersion {
        let word = word.into();
        let meaning = match word.to_ascii_lowercase().as_str() {
            // Monit's lexer reads `sslauto` as `auto`.
            "auto" | "sslauto" => TlsVersionMeaning::Auto,
            "tlsv12" | "tlsv1.2" => TlsVersionMeaning::Tls12,
            "tlsv13" | "tlsv1.3" => TlsVersionMeaning::Tls13,
            "tlsv1" | "tlsv11" | "tlsv1.0" | "tlsv1.1" => TlsVersionMeaning::Legacy,
            removed if removed.starts_with('-') || removed.starts_with('!') => {
                TlsVersionMeaning::Removed(match &removed[1..] {
                    "tlsv12" | "tlsv1.2" => TlsRemoved::Tls12,
                    "tlsv13" | "tlsv1.3" => TlsRemoved::Tls13,
                    _ => TlsRemoved::Absent,
                })
            }
            _ => TlsVersionMeaning::Unsupported,
        };
        TlsVersion { word, meaning }
    }

    /// The word as written.
    pub fn word(&self) -> &str {
        &self.word
    }

    pub fn meaning(&self) -> TlsVersionMeaning {
        self.meaning
    }
}

impl From<&str> for TlsVersion {
    fn from(word: &str) -> TlsVersion {
        TlsVersion::new(word)
    }
}

impl PartialEq<&str> for TlsVersion {
    fn eq(&self, other: &&str) -> bool {
        self.word == *other
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.word)
    }
}

impl Serialize for TlsVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.word)
    }
}

impl<'de> Deserialize<'de> for TlsVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<TlsVersion, D::Error> {
        String::deserialize(deserializer).map(TlsVersion::new)
    }
}

#[cfg(test)]
mod tests {
    use super::TlsVersionMeaning::*;
    use super::*;

    #[test]
    fn words_keep_their_spelling_and_get_their_meaning() {
        let cases = [
            ("auto", Auto),
            ("AUTO", Auto),
            ("tlsv12", Tls12),
            ("TLSv1.2", Tls12),
            ("tlsv13", Tls13),
            ("tlsv1.3", Tls13),
            ("-tlsv1", Removed(TlsRemoved::Absent)),
            ("!sslv3", Removed(TlsRemoved::Absent)),
            ("-tlsv12", Removed(TlsRemoved::Tls12)),
            ("!TLSv13", Removed(TlsRemoved::Tls13)),
            ("tlsv1", Legacy),
            ("tlsv11", Legacy),
            ("sslauto", Auto),
            ("whatever", Unsupported),
        ];
        for (word, meaning) in cases {
            let version = TlsVersion::new(word);
            assert_eq!((version.word(), version.meaning()), (word, meaning));
            assert_eq!(serde_json::to_string(&version).unwrap(), format!("\"{word}\""));
            assert_eq!(serde_json::from_str::<TlsVersion>(&format!("\"{word}\"")).unwrap(), version);
        }
    }
}
