//! Keeping an account's conversation list current: the most recently
//! active conversation first, with its newest message and unread count.

use gio::prelude::*;
use xmpp_parsers::jid::BareJid;

use super::ConversationObject;
use crate::core::{
    message::{ChatKind, Correction, StoredMessage},
    store::ConversationSummary,
};

/// The conversation with `peer` in `list`, and its position.
pub fn find(list: &gio::ListStore, peer: &str) -> Option<(u32, ConversationObject)> {
    list.iter::<ConversationObject>()
        .flatten()
        .enumerate()
        .find(|(_, c)| c.peer() == peer)
        .map(|(i, c)| (i as u32, c))
}

/// Replaces the list with what the store holds.
pub fn replace(list: &gio::ListStore, summaries: &[ConversationSummary]) {
    let rows: Vec<ConversationObject> = summaries.iter().map(ConversationObject::from_summary).collect();
    list.splice(0, list.n_items(), &rows);
}

/// Shows a correction in the row that previews the corrected message.
pub fn correct(list: &gio::ListStore, correction: &Correction) {
    if let Some((_, conversation)) = find(list, correction.peer.as_str()) {
        conversation.apply_correction(correction);
    }
}

/// Records newly stored messages. Those in `open` (the conversation on
/// screen), and history stamped before `read_before`, do not count as
/// unread.
pub fn record(list: &gio::ListStore, messages: &[StoredMessage], open: Option<&BareJid>, read_before: i64) {
    for stored in messages {
        let m = &stored.message;
        let (conversation, position) = match find(list, m.peer.as_str()) {
            Some((i, c)) => (c, Some(i)),
            None => (
                ConversationObject::new(m.peer.as_str(), m.kind == ChatKind::GroupChat),
                None,
            ),
        };
        // Older messages (history) do not change what the row shows.
        if m.timestamp_ms >= conversation.last_timestamp() {
            // Who wrote it first: the row's preview reads it when the body changes.
            conversation.set_last_outgoing(m.outgoing);
            conversation.set_last_origin_id(m.origin_id.clone());
            conversation.set_last_body(match m.encryption {
                crate::core::message::MessageEncryption::Undecryptable(reason) => {
                    crate::model::encryption_text::undecryptable(reason)
                }
                _ => stored
                    .file
                    .as_ref()
                    .map_or_else(|| m.body.clone(), |f| f.name.clone()),
            });
            conversation.set_last_timestamp(m.timestamp_ms);
        }
        if !m.outgoing {
            conversation.set_typing(false);
        }
        if !m.outgoing && open != Some(&m.peer) && m.timestamp_ms >= read_before {
            conversation.set_unread(conversation.unread() + 1);
        }
        // Where it belongs among the others, the most recent first.
        let at = list
            .iter::<ConversationObject>()
            .flatten()
            .filter(|c| c != &conversation)
            .position(|c| c.last_timestamp() < conversation.last_timestamp())
            .unwrap_or(list.n_items() as usize - usize::from(position.is_some())) as u32;
        // Moved only when its place changes, so that a selection stays.
        if position != Some(at) {
            if let Some(i) = position {
                list.remove(i);
            }
            list.insert(at, &conversation);
        }
    }
}
