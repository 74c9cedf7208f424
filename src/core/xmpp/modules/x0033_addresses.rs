//! XEP-0033 Extended Stanza Addressing, the part remote control needs:
//! `<addresses/>` with typed `<address/>` children. Forwarded messages
//! (XEP-0146 §4.2) name their original sender with `type='ofrom'`.
//! xmpp-parsers 0.23 has no such element, so it is written here.

use xmpp_parsers::{
    jid::Jid,
    minidom::{rxml::xml_ncname, Element},
};

use crate::core::xmpp::modules::Module;

/// The namespace.
pub const NS: &str = "http://jabber.org/protocol/address";

/// Most addresses read from one element.
pub const MAX_ADDRESSES: usize = 64;

/// The module entry. We read and write addresses; we do not announce
/// multicast support (we route nothing through a multicast service).
pub const MODULE: Module = Module {
    name: "XEP-0033 extended stanza addressing",
    ..Module::NONE
};

/// One `<address/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// `to`, `cc`, `bcc`, `replyto`, `replyroom`, `noreply`, `ofrom`.
    pub type_: String,
    /// The address, when it is a JID.
    pub jid: Option<Jid>,
    /// A human-readable description.
    pub desc: Option<String>,
    /// Whether the address was delivered to already.
    pub delivered: bool,
}

impl Address {
    /// An `ofrom` address: who originally sent a forwarded stanza.
    pub fn ofrom(jid: Jid) -> Self {
        Address {
            type_: "ofrom".into(),
            jid: Some(jid),
            desc: None,
            delivered: false,
        }
    }
}

/// Why an `<addresses/>` element was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressesError {
    /// Not `<addresses xmlns='http://jabber.org/protocol/address'/>`.
    #[error("not an addresses element")]
    NotAddresses,
    /// An address without its type.
    #[error("an address has no type")]
    NoType,
    /// A `jid` attribute that is not a JID.
    #[error("an address has an invalid jid: {0}")]
    BadJid(String),
    /// Too many addresses.
    #[error("{0}")]
    TooMany(String),
}

/// Writes `addresses` as one element.
pub fn to_element(addresses: &[Address]) -> Element {
    let mut root = Element::builder("addresses", NS);
    for a in addresses {
        let mut e = Element::builder("address", NS).attr(xml_ncname!("type").to_owned(), a.type_.as_str());
        if let Some(jid) = &a.jid {
            e = e.attr(xml_ncname!("jid").to_owned(), jid.to_string());
        }
        if let Some(desc) = &a.desc {
            e = e.attr(xml_ncname!("desc").to_owned(), desc.as_str());
        }
        if a.delivered {
            e = e.attr(xml_ncname!("delivered").to_owned(), "true");
        }
        root = root.append(e.build());
    }
    root.build()
}

/// Reads an `<addresses/>` element.
pub fn parse(element: &Element) -> Result<Vec<Address>, AddressesError> {
    if !element.is("addresses", NS) {
        return Err(AddressesError::NotAddresses);
    }
    let children: Vec<&Element> = element.children().filter(|c| c.is("address", NS)).collect();
    crate::core::limits::at_most("addresses", children.len(), MAX_ADDRESSES)
        .map_err(AddressesError::TooMany)?;
    children
        .into_iter()
        .map(|c| {
            let type_ = c
                .attr("type")
                .filter(|t| !t.is_empty())
                .ok_or(AddressesError::NoType)?;
            let jid = match c.attr("jid") {
                Some(j) => Some(
                    j.parse::<Jid>()
                        .map_err(|e| AddressesError::BadJid(e.to_string()))?,
                ),
                None => None,
            };
            Ok(Address {
                type_: type_.to_owned(),
                jid,
                desc: c.attr("desc").map(str::to_owned),
                delivered: matches!(c.attr("delivered"), Some("true" | "1")),
            })
        })
        .collect()
}

/// The `ofrom` address among a stanza's payloads, if any.
pub fn original_sender(payloads: &[Element]) -> Option<Jid> {
    let element = payloads.iter().find(|e| e.is("addresses", NS))?;
    parse(element)
        .ok()?
        .into_iter()
        .find(|a| a.type_ == "ofrom")
        .and_then(|a| a.jid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip() {
        let list = vec![
            Address::ofrom("romeo@montague.lit/orchard".parse().expect("jid")),
            Address {
                type_: "cc".into(),
                jid: Some("nurse@capulet.lit".parse().expect("jid")),
                desc: Some("the nurse".into()),
                delivered: true,
            },
        ];
        let element = to_element(&list);
        let xml = String::from(&element);
        let back: Element = xml.parse().expect("xml");
        assert_eq!(parse(&back), Ok(list));
        assert_eq!(
            original_sender(&[back]).map(|j| j.to_string()).as_deref(),
            Some("romeo@montague.lit/orchard")
        );
    }

    #[test]
    fn malformed_addresses_are_refused_clearly() {
        let no_type: Element =
            "<addresses xmlns='http://jabber.org/protocol/address'><address jid='a@b'/></addresses>"
                .parse()
                .expect("xml");
        assert_eq!(parse(&no_type), Err(AddressesError::NoType));
        let bad_jid: Element =
            "<addresses xmlns='http://jabber.org/protocol/address'><address type='ofrom' jid='@@'/></addresses>"
                .parse()
                .expect("xml");
        assert!(matches!(parse(&bad_jid), Err(AddressesError::BadJid(_))));
        assert_eq!(original_sender(&[bad_jid]), None);
        let many = format!(
            "<addresses xmlns='http://jabber.org/protocol/address'>{}</addresses>",
            "<address type='to' jid='a@b'/>".repeat(MAX_ADDRESSES + 1)
        );
        let many: Element = many.parse().expect("xml");
        assert!(matches!(parse(&many), Err(AddressesError::TooMany(_))));
        let wrong: Element = "<addresses xmlns='urn:example'/>".parse().expect("xml");
        assert_eq!(parse(&wrong), Err(AddressesError::NotAddresses));
    }
}
