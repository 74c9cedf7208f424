//! Routing what arrives: IQ answers to their askers, pushes to their
//! modules, requests to the module registry, and messages to storage.

use xmpp_parsers::{
    iq::Iq,
    message::{Message, MessageType},
    stanza_error::{DefinedCondition, ErrorType},
};

use crate::core::xmpp::{
    connection::depth_limit,
    modules,
    modules::chat::{self, Source},
    modules::roster,
    modules::x0045_muc_messages,
    modules::x0084_user_avatar,
    modules::x0184_receipts,
    modules::x0191_blocking,
    modules::x0280_carbons::{self, Carbon, Unwrapped},
    modules::x0402_bookmarks,
    session::context::SessionContext,
    session::iq_tracker::IqTracker,
};
use crate::core::{bridge::Event, store::Placement};

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
    if let Some(reply) = roster::on_push(ctx, &iq).await {
        return Some(reply);
    }
    if let Some(reply) = x0191_blocking::on_push(ctx, &iq).await {
        return Some(reply);
    }
    let us = match &iq {
        Iq::Get { to: Some(to), .. } | Iq::Set { to: Some(to), .. } => to.clone(),
        _ => ctx.account.clone().into(),
    };
    if let Some(reply) = ctx.commands.answer(&iq, &ctx.account, &us) {
        return Some(reply);
    }
    modules::answer(&iq)
}

/// Handles a live message (not an archive result).
pub async fn on_message(ctx: &SessionContext, message: Message) {
    if too_deep("message", &message.payloads) {
        return;
    }
    if message.type_ == MessageType::Groupchat {
        if !x0045_muc_messages::on_message(ctx, &message).await {
            tracing::debug!(from = ?message.from, "groupchat message from a room we are not in");
        }
        return;
    }
    if x0402_bookmarks::on_message(ctx, &message).await {
        return;
    }
    if x0084_user_avatar::on_message(ctx, &message) {
        return;
    }
    let (message, source) = match x0280_carbons::unwrap(&ctx.account, message) {
        Unwrapped::Plain(m) => (m, Source::Live),
        Unwrapped::Carbon(m, direction) => (m, Source::Carbon(direction)),
        Unwrapped::Forged => return,
    };
    if message.type_ == MessageType::Error {
        tracing::info!(from = ?message.from, id = ?message.id, "message bounced");
        return;
    }
    let Some(parsed) = chat::parse(&ctx.account, &message) else {
        tracing::trace!(from = ?message.from, "message not for a chat");
        return;
    };
    if let (Some(state), false, Source::Live | Source::Carbon(Carbon::Received)) =
        (parsed.chat_state, parsed.outgoing, source)
    {
        ctx.emit(Event::ChatStateChanged {
            jid: ctx.account.clone(),
            peer: parsed.peer.clone(),
            state,
        });
    }
    let receipt =
        (source == Source::Live && parsed.wants_receipt && !parsed.outgoing && parsed.body.is_some())
            .then(|| parsed.id.clone())
            .flatten()
            .map(|id| x0184_receipts::receipt(parsed.peer_jid.clone(), id));
    let account = ctx.account.clone();
    let batch = vec![(parsed, source)];
    match ctx
        .store
        .run(move |s| chat::persist(s, &account, &batch, Placement::Newest))
        .await
    {
        Ok(events) => events.into_iter().for_each(|e| ctx.emit(e)),
        // Not stored: no receipt, so the sender knows it did not arrive.
        Err(e) => {
            tracing::error!(error = %e, "could not store a message");
            return;
        }
    }
    if let Some(receipt) = receipt {
        ctx.out.send(receipt);
    }
}
