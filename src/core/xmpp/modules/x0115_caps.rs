//! XEP-0115 Entity Capabilities: the `<c/>` we put in our presence, hashed
//! from our own disco#info; and verification of the caps others send.

use std::sync::OnceLock;

use xmpp_parsers::{
    caps::{compute_disco, hash_caps, query_caps, Caps},
    disco::DiscoInfoResult,
    hashes::Algo,
    ns,
};

use crate::core::xmpp::{modules::x0030_disco, modules::Module};

/// Our caps node URI.
pub const NODE: &str = "https://balcony.im";

/// The module entry.
pub const MODULE: Module = Module {
    name: "XEP-0115 entity capabilities",
    features: &[ns::CAPS],
    iq: None,
    ..Module::NONE
};

/// Our `<c/>` element (computed once from the registry).
pub fn our_caps() -> Caps {
    static CAPS: OnceLock<Caps> = OnceLock::new();
    CAPS.get_or_init(|| {
        let data = compute_disco(&x0030_disco::our_info(None));
        match hash_caps(&data, Algo::Sha_1) {
            Ok(hash) => Caps::new(NODE, hash),
            // SHA-1 is always supported; keep a valid element regardless.
            Err(e) => {
                tracing::error!(error = %e, "could not hash our caps");
                Caps::new(
                    NODE,
                    xmpp_parsers::hashes::Hash {
                        algo: Algo::Sha_1,
                        hash: Vec::new(),
                    },
                )
            }
        }
    })
    .clone()
}

/// `node#ver` as other entities query it.
pub fn our_node_ver() -> String {
    query_caps(our_caps()).node.unwrap_or_default()
}

/// True when `info` hashes to the `ver` that `caps` claims. A mismatching
/// hash must not be trusted or cached.
pub fn verify(caps: &Caps, info: &DiscoInfoResult) -> bool {
    match hash_caps(&compute_disco(info), caps.hash.clone()) {
        Ok(hash) => hash.hash == caps.ver,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use xmpp_parsers::{disco::Identity, minidom::Element};

    use super::*;

    #[test]
    fn xep_0115_simple_example_hashes_to_the_spec_value() {
        // XEP-0115 §5.2: Exodus 0.9.1 → QgayPKawpkPSDYmwT/WM94uAlu0=
        let info = DiscoInfoResult {
            node: None,
            identities: vec![Identity::new("client", "pc", "", "Exodus 0.9.1")],
            features: [
                "http://jabber.org/protocol/caps",
                "http://jabber.org/protocol/disco#info",
                "http://jabber.org/protocol/disco#items",
                "http://jabber.org/protocol/muc",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            extensions: vec![],
        };
        let el = Element::from_str(
            "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='http://code.google.com/p/exodus' ver='QgayPKawpkPSDYmwT/WM94uAlu0='/>",
        )
        .expect("xml");
        let caps = Caps::try_from(el).expect("caps");
        assert!(verify(&caps, &info));
        let mut tampered = info.clone();
        tampered.features.insert("urn:xmpp:evil".into());
        assert!(!verify(&caps, &tampered), "a mismatching hash is not trusted");
    }

    #[test]
    fn our_caps_verify_against_our_info_and_node_ver_is_base64() {
        let caps = our_caps();
        assert!(verify(&caps, &x0030_disco::our_info(None)));
        let nv = our_node_ver();
        assert!(nv.starts_with("https://balcony.im#") && nv.ends_with('='), "{nv}");
    }
}
