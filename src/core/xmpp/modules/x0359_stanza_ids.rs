//! XEP-0359 Unique and Stable Stanza IDs: origin-id on what we send, and
//! the stanza-id our archive (or a room) assigned to what we receive.

use xmpp_parsers::{
    jid::BareJid,
    message::Message,
    ns,
    stanza_id::{OriginId, StanzaId},
};

use crate::core::xmpp::modules::Module;

/// The module entry.
pub const MODULE: Module = Module {
    name: "XEP-0359 stanza ids",
    features: &[ns::SID],
    iq: None,
    ..Module::NONE
};

/// A fresh origin-id (also used as the message's `id`).
pub fn new_origin_id() -> String {
    format!("{:016x}{:016x}", rand::random::<u64>(), rand::random::<u64>())
}

/// The message's origin-id, if any.
pub fn origin_id(message: &Message) -> Option<String> {
    let element = message.payloads.iter().find(|p| p.is("origin-id", ns::SID))?;
    OriginId::try_from(element.clone()).ok().map(|o| o.id)
}

/// The stanza-id assigned `by` this entity, if any. Only the account's own
/// server (or the room) can be trusted to have assigned it.
pub fn stanza_id_by(message: &Message, by: &BareJid) -> Option<String> {
    message
        .payloads
        .iter()
        .filter(|p| p.is("stanza-id", ns::SID))
        .filter_map(|p| StanzaId::try_from(p.clone()).ok())
        .find(|s| s.by.to_bare() == *by && s.by.resource().is_none())
        .map(|s| s.id)
}

/// The origin-id element.
pub fn origin_id_element(id: String) -> OriginId {
    OriginId { id }
}
