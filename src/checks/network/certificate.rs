//! What a connection test reads from the server's certificate: its checksum (`certificate
//! checksum [md5|sha1] H`) and the days until it expires (`certificate valid > N days`).
//! The expiry comes from a small DER walk (`ber`) to the validity field; nothing else is
//! parsed.

use md5::Digest;
use rustls::pki_types::{CertificateDer, ServerName};

use super::ber;
use crate::config::model::HashType;

/// The certificate's checksum as lower-case hex.
pub fn checksum(der: &[u8], hash: HashType) -> String {
    let bytes: Vec<u8> = match hash {
        HashType::Md5 => md5::Md5::digest(der).to_vec(),
        HashType::Sha1 => sha1::Sha1::digest(der).to_vec(),
        HashType::Sha256 => sha2::Sha256::digest(der).to_vec(),
    };
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The to-be-signed part of a certificate from its issuer on (version, serial number and
/// signature algorithm skipped).
fn from_issuer(der: &[u8]) -> Option<&[u8]> {
    let (certificate, _) = element(der, 0x30)?;
    let (tbs, _) = element(certificate, 0x30)?;
    let mut rest = tbs;
    // [0] EXPLICIT version is optional.
    if rest.first() == Some(&0xA0) {
        rest = element(rest, 0xA0)?.1;
    }
    rest = element(rest, 0x02)?.1; // serialNumber
    Some(element(rest, 0x30)?.1) // signature algorithm
}

/// The certificate's `notAfter`, in seconds since the epoch.
pub fn not_after(der: &[u8]) -> Option<i64> {
    let after_not_before = skip_any(validity(der)?)?;
    time(after_not_before)
}

/// The certificate's `notBefore`, in seconds since the epoch.
pub fn not_before(der: &[u8]) -> Option<i64> {
    time(validity(der)?)
}

/// The content of the validity field (`notBefore`, `notAfter`).
fn validity(der: &[u8]) -> Option<&[u8]> {
    let rest = element(from_issuer(der)?, 0x30)?.1; // issuer
    Some(element(rest, 0x30)?.0)
}

/// Whether a certificate nobody issued may stand in for one an authority did
/// (`selfsigned: allow`): it names itself as its issuer, `now` (seconds since the epoch)
/// is within its validity, and it is for `host`. An expired one, one not yet valid or one
/// for another name is refused, with the reason.
pub fn accept_self_signed(der: &[u8], host: &ServerName<'_>, now: i64) -> Result<(), String> {
    if !is_self_issued(der) {
        return Err("the certificate is neither issued by a trusted authority nor self-signed".to_owned());
    }
    let (Some(start), Some(end)) = (not_before(der), not_after(der)) else {
        return Err("the self-signed certificate has no readable validity".to_owned());
    };
    if now > end {
        return Err(format!("the self-signed certificate expired on {}", date(end)));
    }
    if now < start {
        return Err(format!("the self-signed certificate is not valid before {}", date(start)));
    }
    let certificate = CertificateDer::from(der);
    let parsed = rustls::server::ParsedCertificate::try_from(&certificate)
        .map_err(|e| format!("the self-signed certificate cannot be read: {e}"))?;
    rustls::client::verify_server_name(&parsed, host)
        .map_err(|e| format!("the self-signed certificate is not for {}: {e}", host.to_str()))
}

/// `2026-12-03 06:00:00 UTC`.
fn date(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0).map_or_else(|| secs.to_string(), |t| t.format("%F %T UTC").to_string())
}

/// Whether the certificate names itself as its issuer (a self-signed certificate).
pub fn is_self_issued(der: &[u8]) -> bool {
    let parts = || -> Option<bool> {
        let (issuer, after_issuer) = element(from_issuer(der)?, 0x30)?;
        let after_validity = element(after_issuer, 0x30)?.1;
        let (subject, _) = element(after_validity, 0x30)?;
        Some(issuer == subject)
    };
    parts().unwrap_or(false)
}

/// Whole days from `now` (seconds since the epoch) until the certificate expires; negative
/// once it has.
pub fn days_left(der: &[u8], now: i64) -> Option<i64> {
    not_after(der).map(|end| (end - now).div_euclid(86_400))
}

/// The content of the element with `tag` at the start of `data`, and what follows it.
fn element(data: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    ber::element(data).filter(|(found, _, _)| *found == tag).map(|(_, content, rest)| (content, rest))
}

/// What follows the element at the start of `data`, whatever its tag.
fn skip_any(data: &[u8]) -> Option<&[u8]> {
    ber::element(data).map(|(_, _, rest)| rest)
}

/// UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn time(data: &[u8]) -> Option<i64> {
    let tag = *data.first()?;
    let (content, _) = element(data, tag)?;
    let text = std::str::from_utf8(content).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 => {
            let yy: i64 = text.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, text.get(2..)?)
        }
        0x18 => (text.get(..4)?.parse().ok()?, text.get(4..)?),
        _ => return None,
    };
    let field = |i: usize| -> Option<i64> { rest.get(i..i + 2)?.parse().ok() };
    let date = chrono::NaiveDate::from_ymd_opt(year as i32, field(0)? as u32, field(2)? as u32)?;
    let at = date.and_hms_opt(field(4)? as u32, field(6)? as u32, field(8)? as u32)?;
    Some(at.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal certificate-shaped DER: version, serial, algorithm, issuer, validity.
    fn fake_certificate(not_after: &[u8], tag: u8, subject: &[u8]) -> Vec<u8> {
        fn wrap(tag: u8, content: &[u8]) -> Vec<u8> {
            let mut out = vec![tag, content.len() as u8];
            out.extend_from_slice(content);
            out
        }
        let mut validity = wrap(0x17, b"200101000000Z");
        validity.extend(wrap(tag, not_after));
        let mut tbs = wrap(0xA0, &wrap(0x02, &[2]));
        tbs.extend(wrap(0x02, &[1]));
        tbs.extend(wrap(0x30, &[]));
        tbs.extend(wrap(0x30, &[]));
        tbs.extend(wrap(0x30, &validity));
        tbs.extend(wrap(0x30, subject));
        wrap(0x30, &wrap(0x30, &tbs))
    }

    #[test]
    fn expiry_is_read_from_both_time_forms() {
        let utc = fake_certificate(b"300101000000Z", 0x17, b"");
        assert_eq!(not_after(&utc), Some(1_893_456_000));
        let generalized = fake_certificate(b"20300101000000Z", 0x18, b"");
        assert_eq!(not_after(&generalized), Some(1_893_456_000));
        assert_eq!(days_left(&utc, 1_893_456_000 - 86_400 * 10 - 5), Some(10));
        assert_eq!(not_after(b"\x30\x02\x05\x00"), None);
    }

    #[test]
    fn self_issued_means_issuer_equals_subject() {
        assert!(is_self_issued(&fake_certificate(b"300101000000Z", 0x17, b"")));
        assert!(!is_self_issued(&fake_certificate(b"300101000000Z", 0x17, b"\x31\x00")));
        assert!(!is_self_issued(b"junk"));
    }

    #[test]
    fn checksums_are_hex() {
        assert_eq!(checksum(b"", HashType::Md5), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(checksum(b"", HashType::Sha1).len(), 40);
    }
}
