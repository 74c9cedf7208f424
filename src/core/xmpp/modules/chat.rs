//! One-to-one chat messages: reading what arrives (live, as carbons or from
//! the archive), storing it once, and building what we send.

use xmpp_parsers::{
    delay::Delay,
    jid::{BareJid, Jid},
    message::{Id, Lang, Message, MessageType},
    ns,
};

use crate::core::files::FileAttachment;
use crate::core::xmpp::{
    modules::x0066_oob,
    modules::x0085_chat_states,
    modules::x0184_receipts,
    modules::x0280_carbons::Carbon,
    modules::x0308_corrections,
    modules::x0333_markers,
    modules::x0359_stanza_ids,
    modules::x0384_omemo_receive,
    modules::{Flow, Incoming, Module},
    session::context::SessionContext,
};

/// The module entry: one-to-one messages, live or carbon copies, last in
/// the list: stored, a chat state told, a receipt sent when asked.
pub const MODULE: Module = Module {
    name: "RFC 6121 chat",
    message: Some(|ctx, incoming| {
        Box::pin(async move {
            on_message(ctx, incoming).await;
            Flow::Handled
        })
    }),
    ..Module::NONE
};

async fn on_message(ctx: &SessionContext, incoming: Incoming) {
    let Incoming { message, source } = incoming;
    if message.type_ == xmpp_parsers::message::MessageType::Error {
        tracing::info!(from = ?message.from, id = ?message.id, "message bounced");
        return;
    }
    let Some(parsed) = parse(&ctx.account, &message) else {
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
        .run(move |s| persist(s, &account, &batch, Placement::Newest))
        .await
    {
        Ok(events) => {
            crate::core::xmpp::session::file_transfers::accept_offered(ctx, &events).await;
            events.into_iter().for_each(|e| ctx.emit(e));
        }
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
use crate::core::{
    bridge::Event,
    message::{ChatKind, ChatState, Correction, DeliveryState, MessageEncryption, NewMessage, StoredMessage},
    store::{Inserted, Placement, Store, StoreError},
};

/// Where a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Live, addressed to us.
    Live,
    /// A carbon copy.
    Carbon(Carbon),
    /// Our archive, with the archive's id.
    Archive,
}

/// What one `<message/>` means for a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// Chat or group chat.
    pub kind: ChatKind,
    /// The conversation.
    pub peer: BareJid,
    /// The other side's full JID, as it was addressed.
    pub peer_jid: Jid,
    /// True when we sent it.
    pub outgoing: bool,
    /// Who wrote it.
    pub sender: String,
    /// The text, when it has one.
    pub body: Option<String>,
    /// origin-id, or else the `id` attribute.
    pub origin_id: Option<String>,
    /// The stanza's `id` attribute.
    pub id: Option<String>,
    /// stanza-id from our archive.
    pub stanza_id: Option<String>,
    /// The id a correction replaces.
    pub replaces: Option<String>,
    /// Chat state.
    pub chat_state: Option<ChatState>,
    /// The sender wants a receipt.
    pub wants_receipt: bool,
    /// The id a receipt confirms.
    pub receipt_for: Option<String>,
    /// The id a displayed marker refers to.
    pub displayed_for: Option<String>,
    /// When it was sent (ms), from a delay stamp.
    pub delayed_ms: Option<i64>,
    /// The file it shares (XEP-0066), when the URL is also its body.
    pub file: Option<FileAttachment>,
    /// End-to-end encryption, as the OMEMO module marked it.
    pub encryption: MessageEncryption,
}

/// Reads a chat message. `None` for what is not a chat message of ours
/// (groupchat, headline, errors, server messages, or no other party).
pub fn parse(own: &BareJid, message: &Message) -> Option<Parsed> {
    if !matches!(message.type_, MessageType::Chat | MessageType::Normal) {
        return None;
    }
    let from = message.from.clone().unwrap_or_else(|| Jid::from(own.clone()));
    let outgoing = from.to_bare() == *own;
    let peer_jid = if outgoing {
        message.to.clone()?
    } else {
        from.clone()
    };
    let peer = peer_jid.to_bare();
    if peer == *own {
        return None;
    }
    let id = message.id.as_ref().map(|i| i.0.clone());
    let delayed_ms = delayed_ms(message);
    Some(Parsed {
        kind: ChatKind::Chat,
        sender: from.to_string(),
        body: message
            .get_best_body_cloned(vec![])
            .map(|(_, b)| b)
            .filter(|b| !b.trim().is_empty()),
        origin_id: x0359_stanza_ids::origin_id(message).or_else(|| id.clone()),
        id,
        stanza_id: x0359_stanza_ids::stanza_id_by(message, own),
        replaces: x0308_corrections::replaces(message),
        chat_state: x0085_chat_states::of(message),
        wants_receipt: x0184_receipts::requested(message),
        receipt_for: x0184_receipts::confirms(message),
        displayed_for: x0333_markers::displayed(message),
        delayed_ms,
        file: shared_file(message),
        encryption: x0384_omemo_receive::encryption_of(message),
        peer,
        peer_jid,
        outgoing,
    })
}

/// The file a message shares: an OOB URL (XEP-0066) that is also the
/// message's body, as XEP-0363 senders do (a URL beside other text is a
/// link, not a file). A malformed OOB element leaves the body a link.
pub fn shared_file(message: &Message) -> Option<FileAttachment> {
    let Some(oob) = x0066_oob::of(message) else {
        // An encrypted file's URL comes without OOB (XEP-0454).
        return super::x0454_media_sharing::shared_file(message);
    };
    let oob = match oob {
        Ok(oob) => oob,
        Err(e) => {
            tracing::info!(from = ?message.from, error = %e, "OOB element ignored");
            return None;
        }
    };
    let body = message.get_best_body_cloned(vec![]).map(|(_, b)| b);
    if body.as_deref().map(str::trim) != Some(oob.url.as_str()) {
        return None;
    }
    Some(FileAttachment::offered(
        &oob.url,
        oob.mime,
        oob.length,
        oob.encrypted,
    ))
}

/// When a message was sent (ms), from its delay stamp (XEP-0203).
pub fn delayed_ms(message: &Message) -> Option<i64> {
    message
        .payloads
        .iter()
        .find(|p| p.is("delay", ns::DELAY))
        .and_then(|p| Delay::try_from(p.clone()).ok())
        .map(|d| d.stamp.0.timestamp_millis())
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The row a parsed message with a body becomes (corrections are not rows).
pub fn to_row(p: &Parsed, received_ms: i64) -> Option<NewMessage> {
    if p.replaces.is_some() {
        return None;
    }
    Some(NewMessage {
        peer: p.peer.clone(),
        kind: p.kind,
        outgoing: p.outgoing,
        sender: p.sender.clone(),
        body: p.body.clone()?,
        origin_id: p.origin_id.clone(),
        stanza_id: p.stanza_id.clone(),
        timestamp_ms: p.delayed_ms.unwrap_or(received_ms),
        // Ours reached the server (carbon or archive), or the room sent
        // it back to everyone; theirs reached us.
        state: match (p.outgoing, p.kind) {
            (true, ChatKind::Chat) => DeliveryState::Acked,
            _ => DeliveryState::Received,
        },
        encryption: p.encryption,
    })
}

/// Writes a batch of parsed messages in one transaction: new rows,
/// receipts and markers as delivery states, and corrections. Returns the
/// events to emit, in order.
pub fn persist(
    store: &mut Store,
    account: &BareJid,
    batch: &[(Parsed, Source)],
    placement: Placement,
) -> Result<Vec<Event>, StoreError> {
    let now = now_ms();
    let (rows, files): (Vec<NewMessage>, Vec<Option<FileAttachment>>) = batch
        .iter()
        .filter_map(|(p, _)| Some((to_row(p, now)?, p.file.clone())))
        .unzip();
    let inserted = store.insert_messages(account, &rows, placement)?;
    let mut events = Vec::new();
    let mut reflected = Vec::new();
    let mut added = Vec::new();
    for ((message, file), result) in rows.into_iter().zip(files).zip(inserted) {
        if let (Inserted::New(id), Some(file)) = (result, &file) {
            store.attach_file(id, file)?;
        }
        match result {
            Inserted::New(id) => added.push(StoredMessage {
                id,
                message,
                corrected: false,
                file,
                forwarded_by: None,
            }),
            Inserted::Duplicate => {
                // A room sending our own message back: it reached everyone.
                if let (ChatKind::GroupChat, true, Some(id)) =
                    (message.kind, message.outgoing, &message.origin_id)
                {
                    reflected.push(id.clone());
                }
            }
        }
    }
    if !added.is_empty() {
        events.push(Event::MessagesAdded {
            jid: account.clone(),
            messages: added,
            live: batch.iter().all(|(_, source)| *source != Source::Archive),
            read_before: match placement {
                Placement::CatchUpPage { read_before, .. } => read_before,
                _ => 0,
            },
        });
    }
    for id in reflected {
        if let Some(peer) = store.raise_delivery_state(account, &id, DeliveryState::Received)? {
            events.push(Event::MessageStateChanged {
                jid: account.clone(),
                peer,
                origin_id: id,
                state: DeliveryState::Received,
            });
        }
    }
    for (p, _) in batch {
        // Receipts and markers confirm what we sent.
        let confirmations = [
            (p.receipt_for.as_ref(), DeliveryState::Received),
            (p.displayed_for.as_ref(), DeliveryState::Displayed),
        ];
        for (id, state) in confirmations {
            if let (Some(id), false) = (id, p.outgoing) {
                if let Some(peer) = store.raise_delivery_state(account, id, state)? {
                    events.push(Event::MessageStateChanged {
                        jid: account.clone(),
                        peer,
                        origin_id: id.clone(),
                        state,
                    });
                }
            }
        }
        if let (Some(replaces), Some(body)) = (&p.replaces, &p.body) {
            let correction = Correction {
                peer: p.peer.clone(),
                outgoing: p.outgoing,
                replaces: replaces.clone(),
                body: body.clone(),
            };
            if store.apply_correction(account, &correction)? {
                events.push(Event::MessageCorrected {
                    jid: account.clone(),
                    correction,
                });
            }
        }
    }
    Ok(events)
}

/// A chat message from us: body, origin-id (also its `id`), a receipt
/// request and markable; with `replaces`, a correction.
pub fn outgoing(kind: ChatKind, to: BareJid, body: &str, origin_id: &str, replaces: Option<&str>) -> Message {
    let mut m = match kind {
        ChatKind::Chat => Message::chat(Some(Jid::from(to))),
        ChatKind::GroupChat => Message::groupchat(Some(Jid::from(to))),
    };
    m.id = Some(Id(origin_id.to_owned()));
    m.bodies.insert(Lang::default(), body.to_owned());
    m.payloads
        .push(x0359_stanza_ids::origin_id_element(origin_id.to_owned()).into());
    m.payloads.push(x0085_chat_states::element(ChatState::Active));
    match replaces {
        Some(id) => m.payloads.push(x0308_corrections::replace(id.to_owned()).into()),
        // Receipts are for one recipient (XEP-0184 §5.3).
        None if kind == ChatKind::Chat => {
            m.payloads.push(x0184_receipts::request().into());
            m.payloads.push(x0333_markers::markable_element().into());
        }
        None => m.payloads.push(x0333_markers::markable_element().into()),
    }
    m
}

/// A standalone chat state notification.
pub fn chat_state(to: BareJid, state: ChatState) -> Message {
    let mut m = Message::chat(Some(Jid::from(to)));
    m.payloads.push(x0085_chat_states::element(state));
    m
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use xmpp_parsers::minidom::Element;

    fn own() -> BareJid {
        BareJid::from_str("juliet@example.org").expect("jid")
    }

    fn message(xml: &str) -> Message {
        Message::try_from(xml.parse::<Element>().expect("xml")).expect("message")
    }

    #[test]
    fn our_message_round_trips_through_parse() {
        let m = outgoing(
            ChatKind::Chat,
            BareJid::from_str("romeo@example.org").expect("jid"),
            "hi",
            "o1",
            None,
        );
        let p = parse(&own(), &m).expect("parsed");
        assert!(p.outgoing);
        assert_eq!(p.peer.as_str(), "romeo@example.org");
        assert_eq!(p.origin_id.as_deref(), Some("o1"));
        assert_eq!(p.body.as_deref(), Some("hi"));
        assert!(p.wants_receipt);
        assert_eq!(p.chat_state, Some(ChatState::Active));
    }

    #[test]
    fn incoming_with_stanza_id_from_our_server_only() {
        let p = parse(
            &own(),
            &message(
                "<message xmlns='jabber:client' type='chat' from='romeo@example.org/orchard' id='m1'>
                 <body>hello</body>
                 <stanza-id xmlns='urn:xmpp:sid:0' by='mallory@example.org' id='fake'/>
                 <stanza-id xmlns='urn:xmpp:sid:0' by='juliet@example.org' id='real'/>
                 <delay xmlns='urn:xmpp:delay' stamp='2024-01-01T00:00:00Z'/></message>",
            ),
        )
        .expect("parsed");
        assert!(!p.outgoing);
        assert_eq!(p.stanza_id.as_deref(), Some("real"));
        assert_eq!(
            p.origin_id.as_deref(),
            Some("m1"),
            "the id attribute stands in for origin-id"
        );
        assert_eq!(p.delayed_ms, Some(1_704_067_200_000));
    }

    #[test]
    fn groupchat_headline_and_empty_bodies_are_not_chat_rows() {
        assert!(parse(
            &own(),
            &message("<message xmlns='jabber:client' type='groupchat' from='room@muc.example.org/n'><body>x</body></message>")
        )
        .is_none());
        let state_only = parse(
            &own(),
            &message(
                "<message xmlns='jabber:client' type='chat' from='romeo@example.org/o'>
                 <composing xmlns='http://jabber.org/protocol/chatstates'/></message>",
            ),
        )
        .expect("parsed");
        assert_eq!(state_only.body, None);
        assert_eq!(state_only.chat_state, Some(ChatState::Composing));
        assert!(to_row(&state_only, 0).is_none());
    }
}
