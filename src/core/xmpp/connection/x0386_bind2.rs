//! XEP-0386 Bind 2: the resource is bound inside the SASL2
//! `<authenticate/>`, so binding costs no round trip of its own.
//!
//! tokio-xmpp 6's stanza stream sends its own bind request after every
//! login and refuses features without bind. After a Bind2 login it gets
//! features that offer bind, and the connection's [`LoginCapture`] answers
//! its request with the JID the server bound: the request never reaches
//! the server.

use tokio_xmpp::{
    minidom::Element,
    parsers::{bind, bind2, jid::Jid, ns, stream_features::StreamFeatures},
};

use crate::core::xmpp::connection::login_capture::LoginCapture;

/// The `<tag/>` of our request: the server makes the resource from it and
/// the client id (stable per device), e.g. `Balcony~3x4Yc…`.
pub const TAG: &str = "Balcony";

/// Whether the server's SASL2 offer includes Bind2.
pub fn offered(features: &StreamFeatures) -> bool {
    features
        .sasl2
        .as_ref()
        .and_then(|offer| offer.inline.as_ref())
        .is_some_and(|inline| inline.bind2.is_some())
}

/// The request that goes inside `<authenticate/>`.
pub fn request() -> Element {
    bind2::BindQuery {
        tag: Some(TAG.to_owned()),
        payloads: Vec::new(),
    }
    .into()
}

/// Whether a SASL2 success with `payloads` and `identity` bound a
/// resource (a `<bound/>` and a full JID).
pub fn bound(payloads: &[Element], identity: &Jid) -> bool {
    payloads.iter().any(|p| p.is("bound", ns::BIND2)) && identity.resource().is_some()
}

/// Hands a stream bound as `identity` to tokio-xmpp: `features` offer
/// bind again and `capture` answers the stanza stream's bind request.
pub fn hand_over(features: &mut StreamFeatures, identity: &Jid, capture: &LoginCapture) {
    features.bind = Some(bind::BindFeature { required: true });
    capture.answer_bind(&identity.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_needs_the_element_and_a_full_jid() {
        let bound_element: Element = "<bound xmlns='urn:xmpp:bind:0'/>".parse().expect("xml");
        let full: Jid = "j@b/Balcony~x".parse().expect("jid");
        let bare: Jid = "j@b".parse().expect("jid");
        assert!(bound(std::slice::from_ref(&bound_element), &full));
        assert!(!bound(std::slice::from_ref(&bound_element), &bare));
        assert!(!bound(&[], &full));
        let failed: Element = "<failed xmlns='urn:xmpp:bind:0'/>".parse().expect("xml");
        assert!(!bound(&[failed], &full));
        assert_eq!(
            String::from(&request()),
            "<bind xmlns='urn:xmpp:bind:0'><tag>Balcony</tag></bind>"
        );
    }
}
