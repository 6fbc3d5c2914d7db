//! Password checks for the web interface: cleartext (compared in constant time) and every
//! hash a sysadmin is likely to have — argon2 (`$argon2id$`), bcrypt (`$2y$`, `$2b$`),
//! SHA-crypt (`$5$`, `$6$`), yescrypt (`$y$`, Debian's /etc/shadow default), MD5-crypt
//! (`$1$`, Apache's `$apr1$`) and `{SHA}` from htpasswd files. Hash checks are slow on
//! purpose (argon2: about 25 ms); callers run them off the async threads.

use base64ct::{Base64, Encoding};
use md5::{Digest, Md5};
use sha_crypt::PasswordVerifier;
use subtle::ConstantTimeEq;

/// How a stored password is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Cleartext,
    Argon2,
    Bcrypt,
    ShaCrypt,
    Yescrypt,
    Md5Crypt,
    /// htpasswd `-s`: `{SHA}` and base64 of the SHA-1 digest.
    Sha1,
    /// DES crypt (13 characters): too weak to support; refused with a warning at load.
    Unsupported,
}

impl Scheme {
    /// Recognises a stored password by its prefix. `htpasswd` says whether a bare
    /// 13-character word is a DES-crypt hash (htpasswd files) or a password (`allow u:p`).
    pub fn of(stored: &str, htpasswd: bool) -> Scheme {
        if stored.starts_with("$argon2") {
            Scheme::Argon2
        } else if ["$2a$", "$2b$", "$2y$", "$2x$"].iter().any(|p| stored.starts_with(p)) {
            Scheme::Bcrypt
        } else if stored.starts_with("$5$") || stored.starts_with("$6$") {
            Scheme::ShaCrypt
        } else if stored.starts_with("$y$") {
            Scheme::Yescrypt
        } else if stored.starts_with("$1$") || stored.starts_with("$apr1$") {
            Scheme::Md5Crypt
        } else if stored.starts_with("{SHA}") {
            Scheme::Sha1
        } else if htpasswd && stored.len() == 13 && !stored.starts_with('$') {
            Scheme::Unsupported
        } else {
            Scheme::Cleartext
        }
    }

    /// Whether checking costs real time (worth a thread and a cache).
    pub fn is_slow(self) -> bool {
        !matches!(self, Scheme::Cleartext | Scheme::Sha1 | Scheme::Unsupported)
    }
}

/// Whether `password` matches the stored one.
pub fn verify(stored: &str, password: &str, htpasswd: bool) -> bool {
    let given = password.as_bytes();
    match Scheme::of(stored, htpasswd) {
        Scheme::Cleartext => constant_time_eq(stored.as_bytes(), given),
        Scheme::Argon2 => argon2::Argon2::default().verify_password(given, stored).is_ok(),
        Scheme::Bcrypt => bcrypt::verify(given, stored).unwrap_or(false),
        Scheme::ShaCrypt => sha_crypt::ShaCrypt::default().verify_password(given, stored).is_ok(),
        Scheme::Yescrypt => yescrypt::Yescrypt::default().verify_password(given, stored).is_ok(),
        Scheme::Md5Crypt => {
            let magic = if stored.starts_with("$apr1$") { "$apr1$" } else { "$1$" };
            let salt = stored[magic.len()..].split('$').next().unwrap_or("");
            constant_time_eq(md5_crypt(given, salt.as_bytes(), magic).as_bytes(), stored.as_bytes())
        }
        Scheme::Sha1 => {
            let digest = sha1::Sha1::digest(given);
            constant_time_eq(Base64::encode_string(&digest).as_bytes(), &stored.as_bytes()["{SHA}".len()..])
        }
        Scheme::Unsupported => false,
    }
}

/// Compares without leaking where the first difference is (the lengths may leak): subtle's
/// constant-time equality.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Poul-Henning Kamp's MD5-crypt, as glibc (`$1$`) and Apache (`$apr1$`) compute it.
fn md5_crypt(password: &[u8], salt: &[u8], magic: &str) -> String {
    let salt = &salt[..salt.len().min(8)];
    let mut alternate = Md5::new();
    alternate.update(password);
    alternate.update(salt);
    alternate.update(password);
    let alternate = alternate.finalize();
    let mut context = Md5::new();
    context.update(password);
    context.update(magic.as_bytes());
    context.update(salt);
    let mut remaining = password.len();
    while remaining > 0 {
        let n = remaining.min(16);
        context.update(&alternate[..n]);
        remaining -= n;
    }
    let mut bits = password.len();
    while bits > 0 {
        context.update(if bits & 1 == 1 { &[0u8][..] } else { &password[..1] });
        bits >>= 1;
    }
    let mut digest = context.finalize();
    for round in 0..1000 {
        let mut step = Md5::new();
        if round & 1 == 1 {
            step.update(password);
        } else {
            step.update(digest);
        }
        if round % 3 != 0 {
            step.update(salt);
        }
        if round % 7 != 0 {
            step.update(password);
        }
        if round & 1 == 1 {
            step.update(digest);
        } else {
            step.update(password);
        }
        digest = step.finalize();
    }
    const ALPHABET: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = format!("{magic}{}$", String::from_utf8_lossy(salt));
    let mut push = |value: u32, chars: usize| {
        let mut v = value;
        for _ in 0..chars {
            out.push(ALPHABET[(v & 0x3f) as usize] as char);
            v >>= 6;
        }
    };
    let d = |i: usize| u32::from(digest[i]);
    for (a, b, c) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
        push((d(a) << 16) | (d(b) << 8) | d(c), 4);
    }
    push(d(11), 2);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors from `openssl passwd` and Python's crypt (glibc).
    const VECTORS: &[&str] = &[
        "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/",
        "$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/",
        "$5$saltsalt$gOjOtoMpVhru2uyjeJSEc/JaLQWOXMNmlOnj6T4AtC.",
        "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
        "$2b$04$8uJYdJGAERXTcyQBDnJEBe5BSg2Sxw2IAnE24Fx4lH7Jhhb9nrP1K",
        "$y$j9T$abcdefghijklmnop$7asOTx5b6Exfl3myM6K0pLBn.I2hsEvu7G0F7NMfaO.",
        "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
    ];

    #[test]
    fn every_scheme_accepts_the_right_password_and_refuses_a_wrong_one() {
        for stored in VECTORS {
            assert!(Scheme::of(stored, true).is_slow() || stored.starts_with("{SHA}"), "{stored}");
            assert!(verify(stored, "password", true), "{stored} should match");
            assert!(!verify(stored, "Password", true), "{stored} should not match");
        }
    }

    #[test]
    fn argon2_hashes_made_here_verify() {
        use argon2::password_hash::PasswordHasher;
        let hash = argon2::Argon2::default().hash_password(b"s3cret").unwrap().to_string();
        assert_eq!(Scheme::of(&hash, false), Scheme::Argon2);
        assert!(verify(&hash, "s3cret", false));
        assert!(!verify(&hash, "s3cre", false));
    }

    #[test]
    fn cleartext_and_des() {
        assert!(verify("monit", "monit", false));
        assert!(!verify("monit", "monit2", false));
        assert_eq!(Scheme::of("abcdefghijklm", true), Scheme::Unsupported);
        assert_eq!(Scheme::of("abcdefghijklm", false), Scheme::Cleartext);
        assert!(!verify("abcdefghijklm", "abcdefghijklm", true));
    }
}
