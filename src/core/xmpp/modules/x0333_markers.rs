//! XEP-0333 Displayed Markers.

use xmpp_parsers::{
    displayed_markers::{Displayed, Markable},
    jid::Jid,
    message::{Id, Message, MessageType},
    ns,
};

use crate::core::xmpp::modules::Module;

/// The module entry.
pub const MODULE: Module = Module {
    name: "XEP-0333 displayed markers",
    features: &[ns::DISPLAYED_MARKERS],
    iq: None,
    ..Module::NONE
};

/// True when the sender wants a displayed marker.
pub fn markable(message: &Message) -> bool {
    message
        .payloads
        .iter()
        .any(|p| p.is("markable", ns::DISPLAYED_MARKERS))
}

/// The id a displayed marker refers to, if the message is one.
pub fn displayed(message: &Message) -> Option<String> {
    let element = message
        .payloads
        .iter()
        .find(|p| p.is("displayed", ns::DISPLAYED_MARKERS))?;
    Displayed::try_from(element.clone()).ok().map(|d| d.id.0)
}

/// The marker saying message `id` from `to` was displayed.
pub fn displayed_marker(to: Jid, id: String) -> Message {
    let mut m = Message::new(Some(to));
    m.type_ = MessageType::Chat;
    m.payloads.push(Displayed { id: Id(id) }.into());
    m
}

/// The element that asks for markers.
pub fn markable_element() -> Markable {
    Markable
}
