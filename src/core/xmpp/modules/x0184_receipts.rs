//! XEP-0184 Message Delivery Receipts.

use xmpp_parsers::{
    jid::Jid,
    message::Message,
    ns,
    receipts::{Received, Request},
};

use crate::core::xmpp::modules::Module;

/// The module entry.
pub const MODULE: Module = Module {
    name: "XEP-0184 delivery receipts",
    features: &[ns::RECEIPTS],
    iq: None,
    ..Module::NONE
};

/// True when the sender asks for a receipt.
pub fn requested(message: &Message) -> bool {
    message.payloads.iter().any(|p| p.is("request", ns::RECEIPTS))
}

/// The id a receipt confirms, if the message is one.
pub fn confirms(message: &Message) -> Option<String> {
    let element = message.payloads.iter().find(|p| p.is("received", ns::RECEIPTS))?;
    Received::try_from(element.clone()).ok().map(|r| r.id)
}

/// The receipt for chat message `id` from `to`.
pub fn receipt(to: Jid, id: String) -> Message {
    let mut m = Message::chat(Some(to));
    m.payloads.push(Received { id }.into());
    m
}

/// The request element.
pub fn request() -> Request {
    Request
}
