//! The one explicit list of protocol modules. What we advertise in
//! disco#info (and so in the caps hash) is derived from this list, so we
//! advertise exactly what we implement.

pub mod avatar_updates;
pub mod chat;
pub mod contact_presence;
pub mod own_presence;
pub mod roster;
pub mod x0030_disco;
pub mod x0045_muc;
pub mod x0045_muc_messages;
pub mod x0045_muc_owner;
pub mod x0050_command_client;
pub mod x0050_command_responder;
pub mod x0050_commands;
pub mod x0077_registration;
pub mod x0084_user_avatar;
pub mod x0085_chat_states;
pub mod x0092_version;
pub mod x0115_caps;
pub mod x0153_vcard_avatar;
pub mod x0184_receipts;
pub mod x0191_blocking;
pub mod x0199_ping;
pub mod x0202_time;
pub mod x0280_carbons;
pub mod x0308_corrections;
pub mod x0313_mam;
pub mod x0333_markers;
pub mod x0352_csi;
pub mod x0359_stanza_ids;
pub mod x0402_bookmarks;

use std::collections::BTreeSet;

use xmpp_parsers::{
    iq::Iq,
    jid::{BareJid, Jid},
    minidom::Element,
    stanza_error::{DefinedCondition, ErrorType, StanzaError},
};

/// How a module answers an IQ get or set addressed to us.
pub enum Answer {
    /// A result with an optional payload.
    Result(Option<Element>),
    /// A stanza error.
    Error(StanzaError),
}

/// An IQ request as modules see it.
pub struct IqRequest<'a> {
    /// True for `set`, false for `get`.
    pub is_set: bool,
    /// The sender.
    pub from: Option<&'a Jid>,
    /// The payload.
    pub payload: &'a Element,
}

/// Answers a request, or `None` when the payload is not this module's.
pub type IqHandler = fn(&IqRequest<'_>) -> Option<Answer>;

/// A protocol module: its name, the features it announces, and its IQ handler.
pub struct Module {
    /// Name for logs, e.g. `XEP-0199 ping`.
    pub name: &'static str,
    /// disco#info features this module announces.
    pub features: &'static [&'static str],
    /// The IQ handler, if the module answers IQs.
    pub iq: Option<IqHandler>,
}

/// Every registered module.
pub const REGISTERED: &[&Module] = &[
    &x0030_disco::MODULE,
    &x0045_muc::MODULE,
    &x0050_command_responder::MODULE,
    &x0084_user_avatar::MODULE,
    &x0085_chat_states::MODULE,
    &x0092_version::MODULE,
    &x0115_caps::MODULE,
    &x0184_receipts::MODULE,
    &x0199_ping::MODULE,
    &x0202_time::MODULE,
    &x0280_carbons::MODULE,
    &x0308_corrections::MODULE,
    &x0313_mam::MODULE,
    &x0333_markers::MODULE,
    &x0359_stanza_ids::MODULE,
    &x0402_bookmarks::MODULE,
];

/// The features we announce, from [`REGISTERED`].
pub fn advertised_features() -> BTreeSet<String> {
    REGISTERED
        .iter()
        .flat_map(|m| m.features.iter().map(|f| (*f).to_owned()))
        .collect()
}

/// A `<error/>` with `condition`.
pub fn stanza_error(type_: ErrorType, condition: DefinedCondition, text: &str) -> StanzaError {
    StanzaError::new(type_, condition, "en", text)
}

/// A request's parts: whether it is a set, its sender, id and payload;
/// `None` for results and errors.
pub fn request_parts(iq: &Iq) -> Option<(bool, &Option<Jid>, &str, &Element)> {
    match iq {
        Iq::Get {
            from, id, payload, ..
        } => Some((false, from, id, payload)),
        Iq::Set {
            from, id, payload, ..
        } => Some((true, from, id, payload)),
        Iq::Result { .. } | Iq::Error { .. } => None,
    }
}

/// The reply to an IQ get/set addressed to us; `None` for results and errors.
/// Unknown payloads get `service-unavailable` (RFC 6120 §8.4).
pub fn answer(iq: &Iq) -> Option<Iq> {
    let (is_set, from, id, payload) = request_parts(iq)?;
    let request = IqRequest {
        is_set,
        from: from.as_ref(),
        payload,
    };
    let answer = REGISTERED
        .iter()
        .filter_map(|m| m.iq)
        .find_map(|handler| handler(&request))
        .unwrap_or_else(|| {
            tracing::debug!(ns = %payload.ns(), name = %payload.name(), "IQ not supported");
            Answer::Error(stanza_error(
                ErrorType::Cancel,
                DefinedCondition::ServiceUnavailable,
                "This request is not supported",
            ))
        });
    Some(reply(from, id, answer))
}

/// The reply to request `id` from `to`.
pub fn reply(to: &Option<Jid>, id: &str, answer: Answer) -> Iq {
    match answer {
        Answer::Result(payload) => Iq::Result {
            from: None,
            to: to.clone(),
            id: id.to_owned(),
            payload,
        },
        Answer::Error(error) => Iq::Error {
            from: None,
            to: to.clone(),
            id: id.to_owned(),
            payload: None,
            error,
        },
    }
}

/// True when a push comes from our own account: no `from` (the server on
/// its behalf) or our bare JID (RFC 6121 §2.1.6). Pushes from anyone else
/// are forgeries.
pub fn pushed_by_own_account(from: &Option<Jid>, account: &BareJid) -> bool {
    from.as_ref().is_none_or(|f| f.as_str() == account.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_come_from_the_registry() {
        let features = advertised_features();
        for m in REGISTERED {
            for f in m.features {
                assert!(features.contains(*f), "{} announces {f}", m.name);
            }
        }
        assert!(features.contains(xmpp_parsers::ns::PING));
        assert!(
            !features.contains(xmpp_parsers::ns::MAM),
            "nothing unimplemented is announced"
        );
    }

    #[test]
    fn unknown_requests_get_service_unavailable_and_results_get_nothing() {
        let iq = Iq::Get {
            from: Some(Jid::new("romeo@montague.lit/orchard").expect("jid")),
            to: None,
            id: "q1".into(),
            payload: Element::builder("query", "urn:example:unknown").build(),
        };
        match answer(&iq) {
            Some(Iq::Error { id, error, to, .. }) => {
                assert_eq!(id, "q1");
                assert_eq!(error.defined_condition, DefinedCondition::ServiceUnavailable);
                assert_eq!(
                    to.map(|j| j.to_string()).as_deref(),
                    Some("romeo@montague.lit/orchard")
                );
            }
            other => panic!("unexpected reply {other:?}"),
        }
        let result = Iq::empty_result(Jid::new("a@b").expect("jid"), "r");
        assert!(answer(&result).is_none());
    }
}
