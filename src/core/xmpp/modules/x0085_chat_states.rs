//! XEP-0085 Chat State Notifications.

use xmpp_parsers::{chatstates, message::Message, minidom::Element, ns};

use crate::core::message::ChatState;
use crate::core::xmpp::modules::Module;

/// The module entry.
pub const MODULE: Module = Module {
    name: "XEP-0085 chat states",
    features: &[ns::CHATSTATES],
    iq: None,
    ..Module::NONE
};

/// The chat state a message carries, if any.
pub fn of(message: &Message) -> Option<ChatState> {
    let element = message.payloads.iter().find(|p| p.ns() == ns::CHATSTATES)?;
    Some(match chatstates::ChatState::try_from(element.clone()).ok()? {
        chatstates::ChatState::Active => ChatState::Active,
        chatstates::ChatState::Composing => ChatState::Composing,
        chatstates::ChatState::Paused => ChatState::Paused,
        chatstates::ChatState::Inactive => ChatState::Inactive,
        chatstates::ChatState::Gone => ChatState::Gone,
    })
}

/// The element for `state`.
pub fn element(state: ChatState) -> Element {
    match state {
        ChatState::Active => chatstates::ChatState::Active,
        ChatState::Composing => chatstates::ChatState::Composing,
        ChatState::Paused => chatstates::ChatState::Paused,
        ChatState::Inactive => chatstates::ChatState::Inactive,
        ChatState::Gone => chatstates::ChatState::Gone,
    }
    .into()
}
