//! The protocol modules, and the one explicit list of them ([`REGISTERED`]).
//!
//! The list says what we announce: disco#info (and so the caps hash) is
//! derived from it, so we advertise exactly what we implement. It also
//! routes: each module declares the handlers it has (IQ requests, pushes
//! and other requests that need the session, messages, presences) and the
//! state it keeps for a session, and incoming stanzas walk the list in its
//! order until a module handles them ([`route_iq`], [`route_message`],
//! [`route_presence`]). Adding a XEP is its file and one line here.

pub mod avatar_updates;
pub mod chat;
pub mod contact_presence;
pub mod kontalk_pubkey;
pub mod kontalk_push;
pub mod kontalk_upload;
pub mod own_presence;
pub mod roster;
pub mod x0030_disco;
pub mod x0033_addresses;
pub mod x0045_muc;
pub mod x0045_muc_messages;
pub mod x0045_muc_owner;
pub mod x0050_command_client;
pub mod x0050_command_responder;
pub mod x0050_commands;
pub mod x0060_pep_publish;
pub mod x0066_oob;
pub mod x0077_registration;
pub mod x0084_user_avatar;
pub mod x0085_chat_states;
pub mod x0092_version;
pub mod x0115_caps;
pub mod x0126_invisibility_lists;
pub mod x0146_devices;
pub mod x0146_remote_control;
pub mod x0153_vcard_avatar;
pub mod x0184_receipts;
pub mod x0186_invisible;
pub mod x0191_blocking;
pub mod x0199_ping;
pub mod x0202_time;
pub mod x0276_decloak;
pub mod x0280_carbons;
pub mod x0308_corrections;
pub mod x0313_mam;
pub mod x0333_markers;
pub mod x0352_csi;
pub mod x0359_stanza_ids;
pub mod x0363_http_upload;
pub mod x0384_omemo;
pub mod x0384_omemo_elements;
pub mod x0384_omemo_receive;
pub mod x0384_omemo_rooms;
pub mod x0384_omemo_send;
pub mod x0384_omemo_trust;
pub mod x0402_bookmarks;
pub mod x0420_sce;
pub mod x0454_media_sharing;

use std::collections::BTreeSet;

use futures::future::BoxFuture;
use xmpp_parsers::{
    iq::Iq,
    jid::{BareJid, Jid},
    message::Message,
    minidom::Element,
    presence::Presence,
    stanza_error::{DefinedCondition, ErrorType, StanzaError},
};

use crate::core::xmpp::session::context::{ModuleState, SessionContext, StateMaker};

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

/// What a handler did with a stanza: took it, or passed it on (perhaps
/// changed: carbons pass on the message they carried).
#[derive(Debug)]
pub enum Flow<T> {
    /// Handled; the walk stops.
    Handled,
    /// Not this module's; the next one gets it.
    Next(T),
}

/// A message on its way through the list, with where it came from.
#[derive(Debug, Clone)]
pub struct Incoming {
    /// The message.
    pub message: Message,
    /// Live, or unwrapped from a carbon.
    pub source: chat::Source,
}

/// Answers an IQ get or set that needs the session (a push, an ad-hoc
/// command): `Some(reply)` when the request is this module's, including a
/// refusal by its own rule.
pub type RequestHandler = for<'a> fn(&'a SessionContext, &'a Iq) -> BoxFuture<'a, Option<Iq>>;
/// Handles a message, or passes it on.
pub type MessageHandler = for<'a> fn(&'a SessionContext, Incoming) -> BoxFuture<'a, Flow<Incoming>>;
/// Handles a presence, or passes it on.
pub type PresenceHandler = for<'a> fn(&'a SessionContext, Presence) -> BoxFuture<'a, Flow<Presence>>;

/// A protocol module: its name, the features it announces, its handlers,
/// and the state it keeps for a session.
pub struct Module {
    /// Name for logs, e.g. `XEP-0199 ping`.
    pub name: &'static str,
    /// disco#info features this module announces.
    pub features: &'static [&'static str],
    /// Answers IQ requests from the request alone (ping, time, …).
    pub iq: Option<IqHandler>,
    /// Answers IQ requests that need the session (pushes, commands).
    pub request: Option<RequestHandler>,
    /// Handles messages.
    pub message: Option<MessageHandler>,
    /// Handles presences.
    pub presence: Option<PresenceHandler>,
    /// Makes the state it keeps for a session ([`SessionContext::state`]).
    pub state: Option<StateMaker>,
}

impl Module {
    /// A module with a name and nothing else, to build the others from.
    pub const NONE: Module = Module {
        name: "",
        features: &[],
        iq: None,
        request: None,
        message: None,
        presence: None,
        state: None,
    };
}

/// Every registered module. The order is the order in which incoming
/// stanzas reach them, and it matters where commented.
pub const REGISTERED: &[&Module] = &[
    // IQ pushes only our own account may send come first; each module
    // refuses a stranger's by its own rule.
    &roster::MODULE,
    &x0191_blocking::MODULE,
    // Ad-hoc commands answer disco#info and disco#items on their own
    // nodes, so they come before disco.
    &x0050_command_responder::MODULE,
    &x0030_disco::MODULE,
    &x0092_version::MODULE,
    &x0199_ping::MODULE,
    &x0202_time::MODULE,
    // Presence: rooms take their occupants' presences before contacts'
    // presence handling sees them.
    &x0045_muc::MODULE,
    // Decloak requests are answered (or asked about) here, never shown as
    // a contact's presence; answers to our own requests pass on.
    &x0276_decloak::MODULE,
    // Messages: group chat first (a room's messages go nowhere else), then
    // PEP notifications, then carbons, which unwrap the message they carry
    // and pass it on, and chat last.
    &x0045_muc_messages::MODULE,
    &x0402_bookmarks::MODULE,
    &x0084_user_avatar::MODULE,
    &x0280_carbons::MODULE,
    // OMEMO after carbons (copies are decrypted too), before anything
    // that reads a body: it takes device-list notifications, decrypts,
    // and takes off the marks only it may set.
    &x0384_omemo::MODULE,
    // Our other resources: their presence makes them devices, not
    // contacts, and the messages they forward us (XEP-0146) go to their
    // original conversations. Then chat, and contact presence last.
    &x0146_devices::MODULE,
    &chat::MODULE,
    &contact_presence::MODULE,
    // Announce features or keep state, and route nothing.
    &own_presence::MODULE,
    &kontalk_pubkey::MODULE,
    &kontalk_push::MODULE,
    &kontalk_upload::MODULE,
    &avatar_updates::MODULE,
    &x0085_chat_states::MODULE,
    &x0115_caps::MODULE,
    &x0033_addresses::MODULE,
    &x0066_oob::MODULE,
    &x0126_invisibility_lists::MODULE,
    &x0146_remote_control::MODULE,
    &x0184_receipts::MODULE,
    &x0186_invisible::MODULE,
    &x0308_corrections::MODULE,
    &x0313_mam::MODULE,
    &x0333_markers::MODULE,
    &x0359_stanza_ids::MODULE,
    &x0363_http_upload::MODULE,
];

/// The state of every module in `list`, for a new session.
pub fn session_state(list: &[&Module]) -> ModuleState {
    ModuleState::new(list.iter().filter_map(|m| m.state))
}

/// Routes an IQ get or set addressed to us through `list`: the first
/// module that takes it answers; nobody's gets `service-unavailable`
/// (RFC 6120 §8.4). `None` for results and errors, which are not requests.
pub async fn route_iq(list: &[&Module], ctx: &SessionContext, iq: &Iq) -> Option<Iq> {
    let (is_set, from, id, payload) = request_parts(iq)?;
    let request = IqRequest {
        is_set,
        from: from.as_ref(),
        payload,
    };
    for module in list {
        if let Some(handler) = module.request {
            if let Some(reply) = handler(ctx, iq).await {
                return Some(reply);
            }
        }
        if let Some(answer) = module.iq.and_then(|handler| handler(&request)) {
            return Some(reply(from, id, answer));
        }
    }
    tracing::debug!(ns = %payload.ns(), name = %payload.name(), "IQ not supported");
    Some(reply(
        from,
        id,
        Answer::Error(stanza_error(
            ErrorType::Cancel,
            DefinedCondition::ServiceUnavailable,
            "This request is not supported",
        )),
    ))
}

/// Routes a message through `list` until a module handles it.
pub async fn route_message(list: &[&Module], ctx: &SessionContext, message: Message) {
    let mut incoming = Incoming {
        message,
        source: chat::Source::Live,
    };
    for module in list {
        if let Some(handler) = module.message {
            match handler(ctx, incoming).await {
                Flow::Handled => return,
                Flow::Next(passed) => incoming = passed,
            }
        }
    }
    tracing::trace!(from = ?incoming.message.from, "message no module handled");
}

/// Routes a presence through `list` until a module handles it.
pub async fn route_presence(list: &[&Module], ctx: &SessionContext, presence: Presence) {
    let mut presence = presence;
    for module in list {
        if let Some(handler) = module.presence {
            match handler(ctx, presence).await {
                Flow::Handled => return,
                Flow::Next(passed) => presence = passed,
            }
        }
    }
    tracing::trace!(from = ?presence.from, "presence no module handled");
}

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

/// The reply to an IQ get/set addressed to us from the modules that need
/// no session (see [`route_iq`] for the whole list); `None` for results
/// and errors. Unknown payloads get `service-unavailable`.
pub fn answer(iq: &Iq) -> Option<Iq> {
    let (_, from, id, payload) = request_parts(iq)?;
    let request = IqRequest {
        is_set: matches!(iq, Iq::Set { .. }),
        from: from.as_ref(),
        payload,
    };
    let answer = REGISTERED
        .iter()
        .filter_map(|m| m.iq)
        .find_map(|handler| handler(&request))
        .unwrap_or_else(|| {
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

#[cfg(test)]
#[path = "routing_tests.rs"]
mod routing_tests;
