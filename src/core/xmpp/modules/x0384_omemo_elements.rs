//! XEP-0384 OMEMO's elements, in both wire versions: the `<encrypted/>`
//! of a message, the device list and the bundle published over PEP, and
//! the PEP nodes they live on.
//!
//! Legacy (`eu.siacs.conversations.axolotl`, what Conversations, Dino and
//! Gajim send today): `<header sid>` with `<key rid prekey>` and `<iv>`,
//! `<list><device id/></list>`, and a bundle of `signedPreKeyPublic`,
//! `signedPreKeySignature`, `identityKey` and `prekeys/preKeyPublic`, on the
//! nodes `….devicelist` and `….bundles:<device id>`.
//! OMEMO 2 (`urn:xmpp:omemo:2`): keys grouped per recipient in
//! `<keys jid>`, with `<key rid kex>`, `<devices><device id label/></devices>`,
//! and a bundle of `spk`, `spks`, `ik` and `prekeys/pk`, on the nodes
//! `urn:xmpp:omemo:2:devices` and `urn:xmpp:omemo:2:bundles` (item id =
//! device id).
//!
//! Everything read from the network is bounded: devices, keys and
//! pre-keys per element, and the size of each value.

use base64::{engine::general_purpose::STANDARD, Engine};
use xmpp_parsers::minidom::Element;

use crate::core::{
    limits::at_most,
    omemo::{bundle::Bundle, OmemoError, WireVersion},
};

/// Devices read from one device list.
pub const MAX_DEVICES: usize = 256;
/// Keys read from one message (one per recipient device).
pub const MAX_KEYS: usize = 1_024;
/// Pre-keys read from one bundle.
pub const MAX_PRE_KEYS: usize = 256;
/// Bytes of one key, signature or ratchet message.
pub const MAX_KEY_BYTES: usize = 4_096;
/// Bytes of one payload (a message body, or an SCE envelope).
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// One `<key/>`: key material for one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedKeyElement {
    /// OMEMO 2: whose device it is (`<keys jid>`); legacy: none.
    pub jid: Option<String>,
    /// The recipient device.
    pub rid: u32,
    /// It starts a session (`prekey` / `kex`).
    pub key_exchange: bool,
    /// The ratchet message.
    pub data: Vec<u8>,
}

/// A message's `<encrypted/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encrypted {
    /// Its version (the element's namespace).
    pub version: WireVersion,
    /// The sending device.
    pub sid: u32,
    /// Key material for each recipient device.
    pub keys: Vec<EncryptedKeyElement>,
    /// Legacy: the payload's IV.
    pub iv: Vec<u8>,
    /// The encrypted body; none for a message that only carries keys.
    pub payload: Option<Vec<u8>>,
}

fn malformed(what: impl Into<String>) -> OmemoError {
    OmemoError::Malformed(what.into())
}

/// The wire version `element` belongs to, if it is OMEMO's.
pub fn version_of(element: &Element) -> Option<WireVersion> {
    [WireVersion::Legacy, WireVersion::Omemo2]
        .into_iter()
        .find(|v| element.ns() == v.namespace())
}

fn number(element: &Element, attr: &str) -> Result<u32, OmemoError> {
    element
        .attr(attr)
        .ok_or_else(|| malformed(format!("<{}/> without '{attr}'", element.name())))?
        .trim()
        .parse()
        .map_err(|_| {
            malformed(format!(
                "<{}/>'s '{attr}' is not a device or key id",
                element.name()
            ))
        })
}

fn flag(element: &Element, attr: &str) -> bool {
    matches!(element.attr(attr), Some("true" | "1"))
}

fn decode(element: &Element, limit: usize) -> Result<Vec<u8>, OmemoError> {
    let text: String = element
        .text()
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if text.len() > limit.div_ceil(3) * 4 {
        return Err(malformed(format!(
            "<{}/> is longer than {limit} bytes",
            element.name()
        )));
    }
    STANDARD
        .decode(text.as_bytes())
        .map_err(|_| malformed(format!("<{}/> is not base64", element.name())))
}

fn child<'a>(element: &'a Element, name: &str, ns: &str) -> Result<&'a Element, OmemoError> {
    element
        .get_child(name, ns)
        .ok_or_else(|| malformed(format!("<{}/> without <{name}/>", element.name())))
}

fn key_element(
    key: &Element,
    jid: Option<String>,
    version: WireVersion,
) -> Result<EncryptedKeyElement, OmemoError> {
    let key_exchange = match version {
        WireVersion::Legacy => flag(key, "prekey"),
        WireVersion::Omemo2 => flag(key, "kex"),
    };
    Ok(EncryptedKeyElement {
        jid,
        rid: number(key, "rid")?,
        key_exchange,
        data: decode(key, MAX_KEY_BYTES)?,
    })
}

/// Reads an `<encrypted/>` of either version.
pub fn parse_encrypted(element: &Element) -> Result<Encrypted, OmemoError> {
    let version = version_of(element)
        .filter(|_| element.name() == "encrypted")
        .ok_or_else(|| malformed("not an OMEMO <encrypted/>"))?;
    let ns = version.namespace();
    let header = child(element, "header", ns)?;
    let sid = number(header, "sid")?;
    let mut keys = Vec::new();
    match version {
        WireVersion::Legacy => {
            for key in header.children().filter(|c| c.is("key", ns)) {
                at_most("keys", keys.len() + 1, MAX_KEYS).map_err(malformed)?;
                keys.push(key_element(key, None, version)?);
            }
        }
        WireVersion::Omemo2 => {
            for group in header.children().filter(|c| c.is("keys", ns)) {
                let jid = group
                    .attr("jid")
                    .ok_or_else(|| malformed("<keys/> without 'jid'"))?
                    .to_owned();
                for key in group.children().filter(|c| c.is("key", ns)) {
                    at_most("keys", keys.len() + 1, MAX_KEYS).map_err(malformed)?;
                    keys.push(key_element(key, Some(jid.clone()), version)?);
                }
            }
        }
    }
    let iv = match version {
        WireVersion::Legacy => decode(child(header, "iv", ns)?, MAX_KEY_BYTES)?,
        WireVersion::Omemo2 => Vec::new(),
    };
    let payload = element
        .get_child("payload", ns)
        .map(|p| decode(p, MAX_PAYLOAD_BYTES))
        .transpose()?;
    Ok(Encrypted {
        version,
        sid,
        keys,
        iv,
        payload,
    })
}

fn text_element(name: &str, ns: &str, data: &[u8]) -> Element {
    Element::builder(name, ns).append(STANDARD.encode(data)).build()
}

/// Writes an `<encrypted/>`.
pub fn build_encrypted(encrypted: &Encrypted) -> Element {
    let ns = encrypted.version.namespace();
    let mut header = Element::builder("header", ns).attr(xml_name("sid"), encrypted.sid.to_string());
    let key = |k: &EncryptedKeyElement| {
        let mut e = Element::builder("key", ns).attr(xml_name("rid"), k.rid.to_string());
        if k.key_exchange {
            let name = match encrypted.version {
                WireVersion::Legacy => "prekey",
                WireVersion::Omemo2 => "kex",
            };
            e = e.attr(xml_name(name), "true");
        }
        e.append(STANDARD.encode(&k.data)).build()
    };
    match encrypted.version {
        WireVersion::Legacy => {
            for k in &encrypted.keys {
                header = header.append(key(k));
            }
            header = header.append(text_element("iv", ns, &encrypted.iv));
        }
        WireVersion::Omemo2 => {
            let mut jids: Vec<&str> = encrypted.keys.iter().filter_map(|k| k.jid.as_deref()).collect();
            jids.sort_unstable();
            jids.dedup();
            for jid in jids {
                let mut group = Element::builder("keys", ns).attr(xml_name("jid"), jid);
                for k in encrypted.keys.iter().filter(|k| k.jid.as_deref() == Some(jid)) {
                    group = group.append(key(k));
                }
                header = header.append(group.build());
            }
        }
    }
    let mut element = Element::builder("encrypted", ns).append(header.build());
    if let Some(payload) = &encrypted.payload {
        element = element.append(text_element("payload", ns, payload));
    }
    element.build()
}

fn xml_name(name: &str) -> xmpp_parsers::minidom::rxml::NcName {
    // The names used here are fixed and valid.
    xmpp_parsers::minidom::rxml::NcName::try_from(name)
        .unwrap_or_else(|_| xmpp_parsers::minidom::rxml::xml_ncname!("x").to_owned())
}

/// The PEP node of `version`'s device list.
pub fn device_list_node(version: WireVersion) -> &'static str {
    match version {
        WireVersion::Legacy => "eu.siacs.conversations.axolotl.devicelist",
        WireVersion::Omemo2 => "urn:xmpp:omemo:2:devices",
    }
}

/// The PEP node (and item id) of `device`'s bundle in `version`.
pub fn bundle_node(version: WireVersion, device: u32) -> (String, String) {
    match version {
        WireVersion::Legacy => (
            format!("eu.siacs.conversations.axolotl.bundles:{device}"),
            "current".to_owned(),
        ),
        WireVersion::Omemo2 => ("urn:xmpp:omemo:2:bundles".to_owned(), device.to_string()),
    }
}

/// Reads a device list (`<list/>` or `<devices/>`): the device ids.
pub fn parse_device_list(element: &Element) -> Result<(WireVersion, Vec<u32>), OmemoError> {
    let version = version_of(element).ok_or_else(|| malformed("not an OMEMO device list"))?;
    let expected = match version {
        WireVersion::Legacy => "list",
        WireVersion::Omemo2 => "devices",
    };
    if element.name() != expected {
        return Err(malformed(format!(
            "<{}/> instead of <{expected}/>",
            element.name()
        )));
    }
    let mut ids = Vec::new();
    for device in element.children().filter(|c| c.is("device", version.namespace())) {
        at_most("devices", ids.len() + 1, MAX_DEVICES).map_err(malformed)?;
        let id = number(device, "id")?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok((version, ids))
}

/// Writes a device list.
pub fn build_device_list(version: WireVersion, ids: &[u32]) -> Element {
    let ns = version.namespace();
    let name = match version {
        WireVersion::Legacy => "list",
        WireVersion::Omemo2 => "devices",
    };
    let mut element = Element::builder(name, ns);
    for id in ids {
        element = element.append(
            Element::builder("device", ns)
                .attr(xml_name("id"), id.to_string())
                .build(),
        );
    }
    element.build()
}

/// The names in `version`'s bundle: signed pre-key, its signature,
/// identity key, pre-key, and the id attributes of the signed pre-key and
/// of a pre-key.
fn bundle_names(
    version: WireVersion,
) -> (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
) {
    match version {
        WireVersion::Legacy => (
            "signedPreKeyPublic",
            "signedPreKeySignature",
            "identityKey",
            "preKeyPublic",
            "signedPreKeyId",
            "preKeyId",
        ),
        WireVersion::Omemo2 => ("spk", "spks", "ik", "pk", "id", "id"),
    }
}

/// Reads the `<bundle/>` of device `device_id`.
pub fn parse_bundle(element: &Element, device_id: u32) -> Result<Bundle, OmemoError> {
    let version = version_of(element)
        .filter(|_| element.name() == "bundle")
        .ok_or_else(|| malformed("not an OMEMO <bundle/>"))?;
    let ns = version.namespace();
    let (spk, spks, ik, pk, spk_id, pk_id) = bundle_names(version);
    let signed = child(element, spk, ns)?;
    let mut pre_keys = Vec::new();
    for key in child(element, "prekeys", ns)?.children().filter(|c| c.is(pk, ns)) {
        at_most("pre-keys", pre_keys.len() + 1, MAX_PRE_KEYS).map_err(malformed)?;
        pre_keys.push((number(key, pk_id)?, decode(key, MAX_KEY_BYTES)?));
    }
    if pre_keys.is_empty() {
        return Err(malformed("a bundle without pre-keys"));
    }
    Ok(Bundle {
        version,
        device_id,
        identity_key: decode(child(element, ik, ns)?, MAX_KEY_BYTES)?,
        signed_pre_key_id: number(signed, spk_id)?,
        signed_pre_key: decode(signed, MAX_KEY_BYTES)?,
        signature: decode(child(element, spks, ns)?, MAX_KEY_BYTES)?,
        pre_keys,
    })
}

/// Writes a `<bundle/>`.
pub fn build_bundle(bundle: &Bundle) -> Element {
    let ns = bundle.version.namespace();
    let (spk, spks, ik, pk, spk_id, pk_id) = bundle_names(bundle.version);
    let mut pre_keys = Element::builder("prekeys", ns);
    for (id, key) in &bundle.pre_keys {
        pre_keys = pre_keys.append(
            Element::builder(pk, ns)
                .attr(xml_name(pk_id), id.to_string())
                .append(STANDARD.encode(key))
                .build(),
        );
    }
    Element::builder("bundle", ns)
        .append(
            Element::builder(spk, ns)
                .attr(xml_name(spk_id), bundle.signed_pre_key_id.to_string())
                .append(STANDARD.encode(&bundle.signed_pre_key))
                .build(),
        )
        .append(text_element(spks, ns, &bundle.signature))
        .append(text_element(ik, ns, &bundle.identity_key))
        .append(pre_keys.build())
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Element {
        xml.parse().expect("xml")
    }

    #[test]
    fn the_specs_examples_read_in_both_versions() {
        let legacy = parse(
            "<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='27183'>\
             <key rid='31415' prekey='true'>AQID</key><key rid='12321'>BAUG</key><iv>BwgJ</iv></header>\
             <payload>CgsM</payload></encrypted>",
        );
        let read = parse_encrypted(&legacy).expect("legacy");
        assert_eq!(read.version, WireVersion::Legacy);
        assert_eq!(read.sid, 27183);
        assert_eq!(read.keys.len(), 2);
        assert!(read.keys[0].key_exchange && !read.keys[1].key_exchange);
        assert_eq!(read.keys[0].data, vec![1, 2, 3]);
        assert_eq!(read.iv, vec![7, 8, 9]);
        assert_eq!(read.payload, Some(vec![10, 11, 12]));
        assert_eq!(parse_encrypted(&build_encrypted(&read)).expect("again"), read);

        let v2 = parse(
            "<encrypted xmlns='urn:xmpp:omemo:2'><header sid='27183'>\
             <keys jid='juliet@capulet.lit'><key rid='31415'>AQID</key></keys>\
             <keys jid='romeo@montague.lit'><key kex='true' rid='12321'>BAUG</key></keys>\
             </header><payload>CgsM</payload></encrypted>",
        );
        let read = parse_encrypted(&v2).expect("v2");
        assert_eq!(read.version, WireVersion::Omemo2);
        assert_eq!(read.keys[1].jid.as_deref(), Some("romeo@montague.lit"));
        assert!(read.keys[1].key_exchange);
        assert_eq!(parse_encrypted(&build_encrypted(&read)).expect("again"), read);

        let list = parse(
            "<devices xmlns='urn:xmpp:omemo:2'><device id='12345' label='Dino'/><device id='4223'/></devices>",
        );
        assert_eq!(
            parse_device_list(&list).expect("list"),
            (WireVersion::Omemo2, vec![12345, 4223])
        );
        let legacy_list = build_device_list(WireVersion::Legacy, &[1, 2]);
        assert_eq!(
            parse_device_list(&legacy_list).expect("list"),
            (WireVersion::Legacy, vec![1, 2])
        );
    }

    #[test]
    fn bundles_round_trip_in_both_versions() {
        for version in [WireVersion::Legacy, WireVersion::Omemo2] {
            let bundle = Bundle {
                version,
                device_id: 42,
                identity_key: vec![5; 33],
                signed_pre_key_id: 3,
                signed_pre_key: vec![6; 33],
                signature: vec![7; 64],
                pre_keys: vec![(1, vec![8; 33]), (2, vec![9; 33])],
            };
            assert_eq!(parse_bundle(&build_bundle(&bundle), 42).expect("bundle"), bundle);
        }
    }

    #[test]
    fn bad_elements_are_refused_clearly() {
        let cases = [
            "<encrypted xmlns='eu.siacs.conversations.axolotl'/>",
            "<encrypted xmlns='eu.siacs.conversations.axolotl'><header/></encrypted>",
            "<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='x'><iv>AA==</iv></header></encrypted>",
            "<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'><key rid='2'>!!</key><iv>AA==</iv></header></encrypted>",
            "<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'><key>AA==</key><iv>AA==</iv></header></encrypted>",
            "<encrypted xmlns='urn:xmpp:omemo:2'><header sid='1'><keys><key rid='1'>AA==</key></keys></header></encrypted>",
            "<encrypted xmlns='urn:example'/>",
        ];
        for xml in cases {
            assert!(
                matches!(parse_encrypted(&parse(xml)), Err(OmemoError::Malformed(_))),
                "{xml}"
            );
        }
        let many: String = (0..MAX_DEVICES + 1)
            .map(|i| format!("<device id='{i}'/>"))
            .collect();
        let list = parse(&format!("<devices xmlns='urn:xmpp:omemo:2'>{many}</devices>"));
        assert!(parse_device_list(&list).is_err());
        let huge = "A".repeat(MAX_KEY_BYTES * 2);
        let bundle = parse(&format!(
            "<bundle xmlns='urn:xmpp:omemo:2'><spk id='1'>{huge}</spk><spks>AA==</spks><ik>AA==</ik><prekeys><pk id='1'>AA==</pk></prekeys></bundle>"
        ));
        assert!(parse_bundle(&bundle, 1).is_err());
        let empty = parse(
            "<bundle xmlns='urn:xmpp:omemo:2'><spk id='1'>AA==</spk><spks>AA==</spks><ik>AA==</ik><prekeys/></bundle>",
        );
        assert!(parse_bundle(&empty, 1).is_err());
    }
}
