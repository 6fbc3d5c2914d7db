//! The `ciphers: "..."` option read as an OpenSSL cipher string and mapped to the cipher
//! suites rustls has (ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2, the three
//! TLS 1.3 suites). Pure: the names are matched here, the suites picked where the TLS
//! configuration is built, and `-t` says what a string asks for that rustls lacks.

/// rustls's suites (ring provider): the OpenSSL name, then the IANA name rustls knows it by
/// (`CipherSuite::as_str`).
pub const SUITES: &[(&str, &str)] = &[
    ("TLS_AES_256_GCM_SHA384", "TLS13_AES_256_GCM_SHA384"),
    ("TLS_AES_128_GCM_SHA256", "TLS13_AES_128_GCM_SHA256"),
    ("TLS_CHACHA20_POLY1305_SHA256", "TLS13_CHACHA20_POLY1305_SHA256"),
    ("ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    ("ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
    ("ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
    ("ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    ("ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    ("ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
];

/// OpenSSL selections that every rustls suite satisfies (`ALL`, `HIGH`, `DEFAULT`, the
/// key exchange and AEAD families rustls has), and exclusions of what rustls never offers
/// (`!aNULL`, `!MD5`, `!RC4`, `!3DES` ...): with only these, rustls's default set is what
/// OpenSSL would have picked of the suites there are.
const SATISFIED: &[&str] = &[
    "ALL",
    "HIGH",
    "DEFAULT",
    "SECURE",
    "ECDHE",
    "EECDH",
    "KECDHE",
    "AECDH",
    "AESGCM",
    "AEAD",
    "TLSV1.2",
    "TLSV1.3",
    "@STRENGTH",
];
const NEVER_OFFERED: &[&str] = &[
    "ANULL",
    "ENULL",
    "NULL",
    "EXPORT",
    "EXP",
    "LOW",
    "MEDIUM",
    "MD5",
    "RC4",
    "3DES",
    "DES",
    "IDEA",
    "SEED",
    "PSK",
    "SRP",
    "KRSA",
    "RSA",
    "DSS",
    "ADSS",
    "KDHE",
    "EDH",
    "DHE",
    "CAMELLIA",
    "ARIA",
    "SHA1",
    "SHA",
    "CBC",
    "SSLV3",
    "TLSV1",
    "AESCCM",
    "AESCCM8",
    "CCM",
    "ADH",
    "KEDH",
    "EXPORT40",
    "EXPORT56",
    "KECDH",
    "AECDSA_NULL",
    "ECDSA_NULL",
];

/// What a cipher string asks of rustls.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CipherChoice {
    /// The IANA names of the suites named, in order, less the ones excluded; empty means
    /// rustls's default set.
    pub suites: Vec<&'static str>,
    /// Parts no rustls suite answers (names of suites rustls lacks, OpenSSL selections
    /// rustls's set does not satisfy): ignored.
    pub unavailable: Vec<String>,
}

impl CipherChoice {
    /// Reads an OpenSSL cipher string (parts separated by `:`, `,` or spaces; `!` and `-`
    /// exclude, `+` moves, which changes nothing here; `@SECLEVEL=N` is ignored). A suite
    /// is named by its OpenSSL or its IANA name, in any case.
    pub fn parse(text: &str) -> CipherChoice {
        let mut choice = CipherChoice::default();
        let mut excluded = Vec::new();
        for part in text.split([':', ',', ' ']).map(str::trim).filter(|p| !p.is_empty()) {
            let (exclude, name) = match part.strip_prefix(['!', '-']) {
                Some(rest) => (true, rest),
                None => (false, part.strip_prefix('+').unwrap_or(part)),
            };
            let upper = name.to_ascii_uppercase();
            if let Some(iana) = suite(&upper) {
                if exclude {
                    excluded.push(iana);
                } else if !choice.suites.contains(&iana) {
                    choice.suites.push(iana);
                }
            } else if upper.starts_with("@SECLEVEL")
                || (!exclude && SATISFIED.contains(&upper.as_str()))
                || (exclude && NEVER_OFFERED.contains(&upper.as_str()))
            {
            } else {
                choice.unavailable.push(part.to_owned());
            }
        }
        choice.suites.retain(|s| !excluded.contains(s));
        // Only exclusions of suites: the default set less those.
        if choice.suites.is_empty() && !excluded.is_empty() {
            choice.suites = SUITES.iter().map(|(_, iana)| *iana).filter(|s| !excluded.contains(s)).collect();
        }
        choice
    }

    /// The suites used, by their OpenSSL names, for messages.
    pub fn used(&self) -> String {
        if self.suites.is_empty() {
            return "rustls's default cipher suites".to_owned();
        }
        let names: Vec<&str> = self
            .suites
            .iter()
            .filter_map(|iana| SUITES.iter().find(|(_, i)| i == iana).map(|(openssl, _)| *openssl))
            .collect();
        names.join(":")
    }
}

/// The IANA name of the suite named `upper` (an OpenSSL or IANA name, upper case).
fn suite(upper: &str) -> Option<&'static str> {
    SUITES.iter().find(|(openssl, iana)| *openssl == upper || *iana == upper).map(|(_, iana)| *iana)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openssl_and_tls13_names_pick_rustls_suites() {
        let choice = CipherChoice::parse("ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_256_GCM_SHA384");
        assert_eq!(choice.suites, ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS13_AES_256_GCM_SHA384"]);
        assert!(choice.unavailable.is_empty());
        assert_eq!(choice.used(), "ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_256_GCM_SHA384");
    }

    #[test]
    fn openssl_selections_rustls_satisfies_mean_its_default_set() {
        let choice = CipherChoice::parse("HIGH:!aNULL:!MD5:@SECLEVEL=2");
        assert_eq!(choice, CipherChoice::default());
        assert_eq!(choice.used(), "rustls's default cipher suites");
    }

    #[test]
    fn parts_without_a_rustls_suite_are_listed() {
        let choice = CipherChoice::parse("AES128-SHA:DHE-RSA-AES256-SHA ECDHE-ECDSA-CHACHA20-POLY1305,AES256");
        assert_eq!(choice.suites, ["TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"]);
        assert_eq!(choice.unavailable, ["AES128-SHA", "DHE-RSA-AES256-SHA", "AES256"]);
    }

    #[test]
    fn exclusions_of_suites_take_them_away() {
        let choice = CipherChoice::parse("DEFAULT:!TLS_CHACHA20_POLY1305_SHA256");
        assert_eq!(choice.suites.len(), SUITES.len() - 1);
        assert!(!choice.suites.contains(&"TLS13_CHACHA20_POLY1305_SHA256"));
        let named =
            CipherChoice::parse("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:-ECDHE-RSA-AES128-GCM-SHA256");
        assert_eq!(named.suites, ["TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"]);
    }
}
