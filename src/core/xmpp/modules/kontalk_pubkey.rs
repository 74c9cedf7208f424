//! Kontalk's public key in subscription requests
//! (`<pubkey xmlns='urn:xmpp:pubkey:2'>` with `<key>` and `<print>`): the
//! server appends the requester's OpenPGP key and its fingerprint. The
//! fingerprint is recomputed from the key (OpenPGP v4: SHA-1 over the
//! public-key packet, RFC 4880 §12.2); a malformed key block, or a `print`
//! that does not match, is reported and not trusted.

use sha1::{Digest, Sha1};
use xmpp_parsers::{minidom::Element, presence::Presence};

use crate::core::xmpp::modules::Module;

/// The namespace.
pub const NS: &str = "urn:xmpp:pubkey:2";

/// The largest key block read (bytes, after base64).
const MAX_KEY: usize = 64 * 1024;

/// The module entry: nothing to announce; the presence handling reads it.
pub const MODULE: Module = Module {
    name: "Kontalk public key in subscription requests",
    ..Module::NONE
};

/// What a subscription request's key says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyCheck {
    /// The key parses and its fingerprint is the one given (40 hex
    /// digits, upper case).
    Verified(String),
    /// The key block is not a usable OpenPGP public key.
    Malformed(String),
    /// The fingerprint given is not the key's.
    Mismatch {
        /// What the element claims.
        claimed: String,
        /// What the key's fingerprint is.
        actual: String,
    },
}

/// The OpenPGP v4 fingerprint of the first packet of `key`, which must be
/// a version 4 public-key packet.
pub fn v4_fingerprint(key: &[u8]) -> Result<[u8; 20], String> {
    let (&header, rest) = key.split_first().ok_or("the key is empty")?;
    if header & 0x80 == 0 {
        return Err("not an OpenPGP packet".into());
    }
    let (tag, len, rest) = if header & 0x40 != 0 {
        let tag = header & 0x3f;
        match rest {
            [a, tail @ ..] if *a < 192 => (tag, usize::from(*a), tail),
            [a, b, tail @ ..] if *a < 224 => {
                (tag, ((usize::from(*a) - 192) << 8) + usize::from(*b) + 192, tail)
            }
            [255, a, b, c, d, tail @ ..] => (tag, u32::from_be_bytes([*a, *b, *c, *d]) as usize, tail),
            _ => return Err("a packet length OpenPGP keys do not use".into()),
        }
    } else {
        let tag = (header >> 2) & 0x0f;
        match (header & 0x03, rest) {
            (0, [a, tail @ ..]) => (tag, usize::from(*a), tail),
            (1, [a, b, tail @ ..]) => (tag, usize::from(u16::from_be_bytes([*a, *b])), tail),
            (2, [a, b, c, d, tail @ ..]) => (tag, u32::from_be_bytes([*a, *b, *c, *d]) as usize, tail),
            _ => return Err("a packet length OpenPGP keys do not use".into()),
        }
    };
    if tag != 6 {
        return Err(format!("the first packet is of type {tag}, not a public key"));
    }
    let body = rest.get(..len).ok_or("the key block is cut short")?;
    if body.first() != Some(&4) {
        return Err("not a version 4 key".into());
    }
    let len16 = u16::try_from(len).map_err(|_| "the key packet is too long")?;
    let mut hash = Sha1::new();
    hash.update([0x99]);
    hash.update(len16.to_be_bytes());
    hash.update(body);
    Ok(hash.finalize().into())
}

/// Reads a `<pubkey/>` element.
pub fn check(pubkey: &Element) -> KeyCheck {
    use base64::Engine;
    let text: String = pubkey
        .get_child("key", NS)
        .map(|k| k.text())
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if text.is_empty() {
        return KeyCheck::Malformed("no key".into());
    }
    if text.len() > MAX_KEY * 4 / 3 + 4 {
        return KeyCheck::Malformed("the key block is too large".into());
    }
    let key = match base64::engine::general_purpose::STANDARD.decode(&text) {
        Ok(k) => k,
        Err(e) => return KeyCheck::Malformed(format!("the key is not base64: {e}")),
    };
    let actual = match v4_fingerprint(&key) {
        Ok(f) => hex::encode_upper(f),
        Err(e) => return KeyCheck::Malformed(e),
    };
    let claimed: String = pubkey
        .get_child("print", NS)
        .map(|p| p.text())
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect::<String>()
        .to_ascii_uppercase();
    if claimed == actual {
        KeyCheck::Verified(actual)
    } else {
        KeyCheck::Mismatch { claimed, actual }
    }
}

/// The key a presence carries, checked; `None` when it carries none.
pub fn of(presence: &Presence) -> Option<KeyCheck> {
    presence.payloads.iter().find(|p| p.is("pubkey", NS)).map(check)
}

/// The element for `key` (for tests and servers of ours).
pub fn element(key: &[u8], print: &str) -> Element {
    use base64::Engine;
    Element::builder("pubkey", NS)
        .append(
            Element::builder("key", NS)
                .append(base64::engine::general_purpose::STANDARD.encode(key))
                .build(),
        )
        .append(Element::builder("print", NS).append(print).build())
        .build()
}

/// A fingerprint grouped for reading aloud: ten groups of four.
pub fn grouped(fingerprint: &str) -> String {
    fingerprint
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A v4 public-key packet (new format) with a 2-byte body MPI, RFC 4880
    /// §5.5.2 layout: version, time, algorithm, MPIs.
    fn packet(new_format: bool) -> Vec<u8> {
        let body = [4u8, 0x5f, 0, 0, 0, 22, 0, 9, 0x01, 0x40, 0x40];
        let mut p = if new_format {
            vec![0xc6, body.len() as u8]
        } else {
            vec![0x98, body.len() as u8]
        };
        p.extend_from_slice(&body);
        p
    }

    #[test]
    fn both_packet_formats_give_the_rfc_fingerprint() {
        let mut expected = Sha1::new();
        expected.update([0x99, 0, 11]);
        expected.update(&packet(true)[2..]);
        let expected: [u8; 20] = expected.finalize().into();
        assert_eq!(v4_fingerprint(&packet(true)), Ok(expected));
        assert_eq!(v4_fingerprint(&packet(false)), Ok(expected));
    }

    #[test]
    fn verified_mismatched_and_malformed_keys() {
        let key = packet(true);
        let print = hex::encode(v4_fingerprint(&key).expect("fp"));
        assert_eq!(
            check(&element(&key, &print)),
            KeyCheck::Verified(print.to_ascii_uppercase())
        );
        let wrong = "0".repeat(40);
        assert!(matches!(check(&element(&key, &wrong)), KeyCheck::Mismatch { .. }));
        assert!(matches!(check(&element(b"", &print)), KeyCheck::Malformed(_)));
        let mut signature = key.clone();
        signature[0] = 0xc2; // a signature packet
        assert!(matches!(
            check(&element(&signature, &print)),
            KeyCheck::Malformed(_)
        ));
        let cut = &key[..5];
        assert!(matches!(check(&element(cut, &print)), KeyCheck::Malformed(_)));
        let v3 = {
            let mut k = key.clone();
            k[2] = 3;
            k
        };
        assert!(matches!(check(&element(&v3, &print)), KeyCheck::Malformed(_)));
        let not_base64: Element =
            "<pubkey xmlns='urn:xmpp:pubkey:2'><key>@@@</key><print>AB</print></pubkey>"
                .parse()
                .expect("xml");
        assert!(matches!(check(&not_base64), KeyCheck::Malformed(_)));
        let no_key: Element = "<pubkey xmlns='urn:xmpp:pubkey:2'/>".parse().expect("xml");
        assert!(matches!(check(&no_key), KeyCheck::Malformed(_)));
    }

    #[test]
    fn fingerprints_read_aloud_in_groups_of_four() {
        assert_eq!(
            grouped("0123456789ABCDEF0123456789ABCDEF01234567"),
            "0123 4567 89AB CDEF 0123 4567 89AB CDEF 0123 4567"
        );
    }
}
