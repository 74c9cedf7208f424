//! Group chat messages (XEP-0045 §7.4, §8.1): what a room sends us is read
//! here, stored like chat messages, and our own messages coming back from
//! the room mark them as delivered.

use xmpp_parsers::{
    jid::{BareJid, Jid},
    message::{Message, MessageType},
};

use crate::core::xmpp::{
    modules::chat::{self, Parsed, Source},
    modules::x0308_corrections,
    modules::x0359_stanza_ids,
    modules::x0384_omemo_receive,
    modules::{x0045_muc::Rooms, Flow, Module},
    session::context::SessionContext,
};
use crate::core::{bridge::Event, message::ChatKind, store::Placement};

/// The module entry: a room's messages (a group chat message goes no
/// further, whether or not we are in the room).
pub const MODULE: Module = Module {
    name: "XEP-0045 room messages",
    message: Some(|ctx, incoming| {
        Box::pin(async move {
            if incoming.message.type_ != xmpp_parsers::message::MessageType::Groupchat {
                return Flow::Next(incoming);
            }
            if !on_message(ctx, &incoming.message).await {
                tracing::debug!(from = ?incoming.message.from, "groupchat message from a room we are not in");
            }
            Flow::Handled
        })
    }),
    ..Module::NONE
};

/// What a groupchat message from a room we know carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomMessage {
    /// A message to store.
    Chat(Box<Parsed>),
    /// A new subject (empty when cleared), and who set it.
    Subject {
        /// The room.
        room: BareJid,
        /// The subject.
        subject: String,
        /// The nickname of whoever set it, when known.
        by: Option<String>,
    },
}

/// Reads a groupchat message; `None` for what is not one from a room.
/// `our_nick` tells whether the sender is us.
pub fn parse(message: &Message, our_nick: &str) -> Option<RoomMessage> {
    if message.type_ != MessageType::Groupchat {
        return None;
    }
    let from = message.from.clone()?;
    let room = from.to_bare();
    let nick = from.resource().map(|r| r.as_str().to_owned());
    let body = message
        .get_best_body_cloned(vec![])
        .map(|(_, b)| b)
        .filter(|b| !b.trim().is_empty());
    if body.is_none() {
        if let Some((_, subject)) = message.get_best_subject(vec![]) {
            return Some(RoomMessage::Subject {
                room,
                subject: subject.clone(),
                by: nick,
            });
        }
        return None;
    }
    // Messages from the room itself (no nickname) are notices; ours are
    // recognised by nickname.
    let sender = nick.unwrap_or_default();
    let id = message.id.as_ref().map(|i| i.0.clone());
    let delayed_ms = chat::delayed_ms(message);
    Some(RoomMessage::Chat(Box::new(Parsed {
        kind: ChatKind::GroupChat,
        peer: room.clone(),
        peer_jid: Jid::from(room.clone()),
        outgoing: !sender.is_empty() && sender == our_nick,
        sender,
        body,
        origin_id: x0359_stanza_ids::origin_id(message).or_else(|| id.clone()),
        id,
        // Only the room may assign its archive ids.
        stanza_id: x0359_stanza_ids::stanza_id_by(message, &room),
        replaces: x0308_corrections::replaces(message),
        chat_state: None,
        wants_receipt: false,
        receipt_for: None,
        displayed_for: None,
        delayed_ms,
        file: chat::shared_file(message),
        encryption: x0384_omemo_receive::encryption_of(message),
    })))
}

/// Handles a groupchat message; false when it is not from a room we know.
pub async fn on_message(ctx: &SessionContext, message: &Message) -> bool {
    let Some(room) = message.from.as_ref().map(|f| f.to_bare()) else {
        return false;
    };
    let Some(our_nick) = ctx.state::<Rooms>().nick(&room) else {
        return false;
    };
    // What only OMEMO may mark is never taken from the network; an
    // encrypted message is read with its sender's real address.
    let mut message = message.clone();
    x0384_omemo_receive::strip_local(&mut message);
    if message.type_ == MessageType::Groupchat
        && x0384_omemo_receive::decrypt(ctx, &mut message) == x0384_omemo_receive::Outcome::Nothing
    {
        return true;
    }
    let message = &message;
    match parse(message, &our_nick) {
        Some(RoomMessage::Subject { room, subject, by }) => {
            ctx.state::<Rooms>()
                .set_subject(&room, Some(subject.clone()).filter(|s| !s.is_empty()));
            ctx.emit(Event::RoomSubjectChanged {
                jid: ctx.account.clone(),
                room,
                subject,
                by,
            });
        }
        Some(RoomMessage::Chat(parsed)) => {
            let now = chrono::Utc::now().timestamp_millis();
            ctx.state::<Rooms>()
                .saw_message(&room, parsed.delayed_ms.unwrap_or(now));
            let account = ctx.account.clone();
            let batch = vec![(*parsed, Source::Live)];
            match ctx
                .store
                .run(move |s| chat::persist(s, &account, &batch, Placement::Newest))
                .await
            {
                Ok(events) => events.into_iter().for_each(|e| ctx.emit(e)),
                Err(e) => tracing::error!(error = %e, "could not store a group message"),
            }
        }
        None => tracing::trace!(%room, "groupchat message without body or subject"),
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use xmpp_parsers::minidom::Element;

    fn message(xml: &str) -> Message {
        Message::try_from(xml.parse::<Element>().expect("xml")).expect("message")
    }

    #[test]
    fn reads_a_group_message_and_recognises_ours() {
        let xml =
            "<message xmlns='jabber:client' type='groupchat' from='tavern@rooms.example/romeo' id='m1'>\
            <body>Hello</body><origin-id xmlns='urn:xmpp:sid:0' id='o1'/>\
            <stanza-id xmlns='urn:xmpp:sid:0' by='tavern@rooms.example' id='s1'/>\
            <stanza-id xmlns='urn:xmpp:sid:0' by='evil@example.org' id='forged'/></message>";
        let Some(RoomMessage::Chat(p)) = parse(&message(xml), "juliet") else {
            panic!("not a chat message")
        };
        assert_eq!(p.peer.as_str(), "tavern@rooms.example");
        assert_eq!(p.sender, "romeo");
        assert!(!p.outgoing);
        assert_eq!(p.origin_id.as_deref(), Some("o1"));
        assert_eq!(p.stanza_id.as_deref(), Some("s1"));
        let Some(RoomMessage::Chat(ours)) = parse(&message(xml), "romeo") else {
            panic!("not a chat message")
        };
        assert!(ours.outgoing);
    }

    #[test]
    fn reads_a_subject_and_ignores_chat_messages() {
        let xml = "<message xmlns='jabber:client' type='groupchat' from='tavern@rooms.example/nurse'>\
            <subject>Tonight</subject></message>";
        assert_eq!(
            parse(&message(xml), "juliet"),
            Some(RoomMessage::Subject {
                room: "tavern@rooms.example".parse().expect("jid"),
                subject: "Tonight".into(),
                by: Some("nurse".into()),
            })
        );
        let chat = "<message xmlns='jabber:client' type='chat' from='tavern@rooms.example/nurse'><body>x</body></message>";
        assert_eq!(parse(&message(chat), "juliet"), None);
    }
}
