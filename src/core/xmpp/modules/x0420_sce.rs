//! Stanza Content Encryption (XEP-0420) envelopes, as OMEMO 2 uses them
//! (XEP-0384 §5.4.1): the body inside `<content/>`, random padding in
//! `<rpad/>`, and the sender in `<from/>`, checked on reading.

use xmpp_parsers::{jid::BareJid, minidom::Element, ns};

use crate::core::omemo::OmemoError;

/// The envelope's namespace.
pub const NS: &str = "urn:xmpp:sce:1";

/// Children of `<content/>` read at most.
const MAX_CONTENT_CHILDREN: usize = 64;

fn malformed(what: &str) -> OmemoError {
    OmemoError::Malformed(format!("SCE envelope: {what}"))
}

/// Padding of 0–200 random characters on top of a 64-byte minimum, as
/// XEP-0420 §4.2 asks (the content's length is hidden up to that).
fn padding(content_len: usize) -> Result<String, OmemoError> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut extra = [0u8; 1];
    getrandom::fill(&mut extra).map_err(|_| OmemoError::Library(-1))?;
    let len = 64usize.saturating_sub(content_len) + usize::from(extra[0]) % 201;
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(|_| OmemoError::Library(-1))?;
    Ok(bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

/// The envelope for a message `body` from `from`, serialized.
pub fn envelope(body: &str, from: &BareJid) -> Result<Vec<u8>, OmemoError> {
    let content = Element::builder("content", NS)
        .append(Element::builder("body", ns::DEFAULT_NS).append(body).build())
        .build();
    let envelope = Element::builder("envelope", NS)
        .append(content)
        .append(Element::builder("rpad", NS).append(padding(body.len())?).build())
        .append(
            Element::builder("from", NS)
                .attr(
                    xmpp_parsers::minidom::rxml::xml_ncname!("jid").to_owned(),
                    from.to_string(),
                )
                .build(),
        )
        .build();
    Ok(String::from(&envelope).into_bytes())
}

/// What an envelope carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The body, when it has one.
    pub body: Option<String>,
}

/// Reads an envelope sent by `sender`: its `<from/>`, when present, must
/// name the sender (else a server could replay one contact's message as
/// another's).
pub fn open(bytes: &[u8], sender: &BareJid) -> Result<Opened, OmemoError> {
    let text = std::str::from_utf8(bytes).map_err(|_| malformed("not UTF-8"))?;
    let envelope: Element = text.parse().map_err(|_| malformed("not XML"))?;
    if !envelope.is("envelope", NS) {
        return Err(malformed("not an envelope"));
    }
    if let Some(from) = envelope.get_child("from", NS) {
        let named = from.attr("jid").and_then(|j| j.parse::<BareJid>().ok());
        if named.as_ref() != Some(sender) {
            return Err(malformed("sent in someone else's name"));
        }
    }
    let content = envelope
        .get_child("content", NS)
        .ok_or_else(|| malformed("no content"))?;
    let body = content
        .children()
        .take(MAX_CONTENT_CHILDREN)
        .find(|c| c.is("body", ns::DEFAULT_NS))
        .map(|b| b.text());
    Ok(Opened { body })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jid(s: &str) -> BareJid {
        s.parse().expect("jid")
    }

    #[test]
    fn an_envelope_opens_to_its_body_and_is_padded() {
        let from = jid("romeo@montague.lit");
        let sealed = envelope("Hello <World> & more", &from).expect("envelope");
        let opened = open(&sealed, &from).expect("open");
        assert_eq!(opened.body.as_deref(), Some("Hello <World> & more"));
        let short = envelope("", &from).expect("envelope");
        assert!(short.len() > 64 + 100, "padded to the minimum: {}", short.len());
    }

    #[test]
    fn an_envelope_in_someone_elses_name_or_malformed_is_refused() {
        let sealed = envelope("hi", &jid("romeo@montague.lit")).expect("envelope");
        assert!(open(&sealed, &jid("tybalt@capulet.lit")).is_err());
        for bad in [
            &b"\xff\xfe"[..],
            b"<envelope",
            b"<other xmlns='urn:xmpp:sce:1'/>",
            b"<envelope xmlns='urn:xmpp:sce:1'/>",
        ] {
            assert!(open(bad, &jid("romeo@montague.lit")).is_err());
        }
        let no_from = b"<envelope xmlns='urn:xmpp:sce:1'><content><body xmlns='jabber:client'>x</body></content></envelope>";
        assert_eq!(
            open(no_from, &jid("a@b.c")).expect("open").body.as_deref(),
            Some("x")
        );
    }
}
