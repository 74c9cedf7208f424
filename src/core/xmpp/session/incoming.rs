//! What arrives, before the modules: stanzas with elements cut for nesting
//! too deep are refused, IQ answers go to their askers (the tracker), and
//! everything else walks the module list ([`modules::route_iq`],
//! [`modules::route_message`], [`modules::route_presence`]).

use xmpp_parsers::{
    iq::Iq,
    message::Message,
    presence::Presence,
    stanza_error::{DefinedCondition, ErrorType},
};

use crate::core::xmpp::{
    connection::depth_limit, modules, session::context::SessionContext, session::iq_tracker::IqTracker,
};

/// What is said of a stanza with elements nested past the stream's limit.
const TOO_DEEP: &str = "The stanza is nested too deeply";

/// An IQ from which [`depth_limit`] cut elements: a request gets
/// `bad-request`, an answer reaches its asker as that error.
/// What to do with an IQ after the depth check.
enum DepthChecked {
    /// Route it as usual.
    Route(Iq),
    /// Send this reply (or nothing) instead.
    Refused(Option<Iq>),
}

fn refuse_too_deep(iq: Iq) -> DepthChecked {
    let error = || modules::stanza_error(ErrorType::Modify, DefinedCondition::BadRequest, TOO_DEEP);
    match iq {
        Iq::Get { ref payload, .. } | Iq::Set { ref payload, .. } if depth_limit::holds_marker(payload) => {
            tracing::warn!(from = ?iq_from(&iq), "IQ request nested too deeply refused");
            let reply = modules::request_parts(&iq)
                .map(|(_, from, id, _)| modules::reply(from, id, modules::Answer::Error(error())));
            DepthChecked::Refused(reply)
        }
        Iq::Result {
            from,
            to,
            id,
            payload: Some(payload),
        } if depth_limit::holds_marker(&payload) => DepthChecked::Route(Iq::Error {
            from,
            to,
            id,
            payload: None,
            error: error(),
        }),
        other => DepthChecked::Route(other),
    }
}

fn iq_from(iq: &Iq) -> Option<&xmpp_parsers::jid::Jid> {
    match iq {
        Iq::Get { from, .. } | Iq::Set { from, .. } | Iq::Result { from, .. } | Iq::Error { from, .. } => {
            from.as_ref()
        }
    }
}

/// True (and logged) when elements were cut out of a message or presence
/// for nesting too deep: it is dropped.
pub fn too_deep(kind: &str, payloads: &[xmpp_parsers::minidom::Element]) -> bool {
    let cut = payloads.iter().any(depth_limit::holds_marker);
    if cut {
        tracing::warn!(kind, "stanza nested too deeply dropped");
    }
    cut
}

/// Handles an IQ; the reply to send, if any.
pub async fn on_iq(ctx: &SessionContext, tracker: &mut IqTracker, iq: Iq) -> Option<Iq> {
    let iq = match refuse_too_deep(iq) {
        DepthChecked::Route(iq) => iq,
        DepthChecked::Refused(reply) => return reply,
    };
    if matches!(iq, Iq::Result { .. } | Iq::Error { .. }) {
        if !tracker.on_answer(iq) {
            tracing::debug!("unexpected IQ answer ignored");
        }
        return None;
    }
    modules::route_iq(modules::REGISTERED, ctx, &iq).await
}

/// Handles a live message (not an archive result): through the module
/// list, unless elements were cut from it for nesting too deep.
pub async fn on_message(ctx: &SessionContext, message: Message) {
    if too_deep("message", &message.payloads) {
        return;
    }
    modules::route_message(modules::REGISTERED, ctx, message).await;
}

/// Handles a presence: through the module list, unless elements were cut
/// from it for nesting too deep.
pub async fn on_presence(ctx: &SessionContext, presence: Presence) {
    if too_deep("presence", &presence.payloads) {
        return;
    }
    modules::route_presence(modules::REGISTERED, ctx, presence).await;
}
