//! The little of BER (and DER, its strict subset) that the connection tests read: a
//! tag-length-value element and its length, for the certificate's expiry walk and LDAP's
//! bind answer. Lengths come in the short form (one byte, 0..127) or the long form (a byte
//! `0x80 | N`, then N big-endian bytes); the indefinite form (`0x80`) and lengths of more
//! than [`MAX_LENGTH_BYTES`] bytes are refused, as is input that ends too soon.

/// The most bytes a long-form length may have after its first byte (lengths below 4 GiB).
pub const MAX_LENGTH_BYTES: usize = 4;

/// How many bytes a length takes, from its first byte: 1 in the short form, 1 + N in the
/// long form. `None` for the indefinite form and for more than [`MAX_LENGTH_BYTES`] bytes.
pub fn length_size(first: u8) -> Option<usize> {
    if first < 0x80 {
        return Some(1);
    }
    let count = usize::from(first & 0x7f);
    (1..=MAX_LENGTH_BYTES).contains(&count).then_some(1 + count)
}

/// The length at the start of `data`: its value and how many bytes it took. `None` when it
/// is refused (see [`length_size`]) or `data` ends inside it.
pub fn length(data: &[u8]) -> Option<(usize, usize)> {
    let size = length_size(*data.first()?)?;
    if size == 1 {
        return Some((usize::from(data[0]), 1));
    }
    let value = data.get(1..size)?.iter().fold(0usize, |value, &b| (value << 8) | usize::from(b));
    Some((value, size))
}

/// The element at the start of `data`: its tag, its content, and what follows it. `None`
/// when the length is refused or the content is cut short.
pub fn element(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = data.split_first()?;
    let (length, size) = length(rest)?;
    let rest = &rest[size..];
    let content = rest.get(..length)?;
    Some((tag, content, &rest[length..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_form_lengths() {
        assert_eq!(length(&[0x00]), Some((0, 1)));
        assert_eq!(length(&[0x7f, 0xff]), Some((127, 1)));
        assert_eq!(length(&[0x81, 0x80]), Some((128, 2)));
        assert_eq!(length(&[0x82, 0x01, 0x00]), Some((256, 3)));
        assert_eq!(length(&[0x83, 0x01, 0x00, 0x00]), Some((65_536, 4)));
        // Not minimal (as slapd writes it), still read.
        assert_eq!(length(&[0x84, 0x00, 0x00, 0x00, 0x10]), Some((16, 5)));
        assert_eq!(length(&[0x84, 0xff, 0xff, 0xff, 0xff]), Some((0xffff_ffff, 5)));
        assert_eq!(length_size(0x05), Some(1));
        assert_eq!(length_size(0x84), Some(5));
    }

    #[test]
    fn indefinite_oversized_and_truncated_lengths_are_refused() {
        assert_eq!(length(&[0x80, 0x00]), None, "indefinite form");
        assert_eq!(length_size(0x80), None);
        assert_eq!(length(&[0x85, 0, 0, 0, 0, 1]), None, "five length bytes");
        assert_eq!(length_size(0xff), None);
        assert_eq!(length(&[]), None);
        assert_eq!(length(&[0x82, 0x01]), None, "one of two length bytes");
    }

    #[test]
    fn elements_and_what_follows() {
        assert_eq!(element(&[0x02, 0x01, 0x07, 0x05, 0x00]), Some((0x02, &[0x07][..], &[0x05, 0x00][..])));
        assert_eq!(element(&[0x30, 0x81, 0x02, 0xaa, 0xbb]), Some((0x30, &[0xaa, 0xbb][..], &[][..])));
        assert_eq!(element(&[0x04, 0x03, 0x61, 0x62]), None, "content cut short");
        assert_eq!(element(&[0x30, 0x80, 0x00, 0x00]), None, "indefinite form");
        assert_eq!(element(&[0x30]), None, "no length");
    }
}
