//! Messages for conversation-model tests, and what a model holds.

use balcony::{
    core::message::{ChatKind, DeliveryState, NewMessage},
    model::{MessageList, MessageObject},
};
use gio::prelude::*;
use xmpp_parsers::jid::BareJid;

/// Incoming message number `i` from `peer` ("m{i}"), a second apart.
pub fn message(peer: &BareJid, i: usize) -> NewMessage {
    NewMessage {
        peer: peer.clone(),
        kind: ChatKind::Chat,
        outgoing: false,
        sender: peer.to_string(),
        body: format!("m{i}"),
        origin_id: None,
        stanza_id: None,
        timestamp_ms: 1_700_000_000_000 + (i as i64) * 1000,
        state: DeliveryState::Received,
        encryption: Default::default(),
    }
}

/// The bodies `list` holds, in order.
pub fn bodies(list: &MessageList) -> Vec<String> {
    (0..list.n_items())
        .filter_map(|i| list.item(i).and_downcast::<MessageObject>())
        .map(|m| m.body())
        .collect()
}
