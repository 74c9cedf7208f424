//! XEP-0308 Last Message Correction.

use xmpp_parsers::{message::Message, message_correct::Replace, ns};

use crate::core::xmpp::modules::Module;

/// The module entry.
pub const MODULE: Module = Module {
    name: "XEP-0308 last message correction",
    features: &[ns::MESSAGE_CORRECT],
    iq: None,
    ..Module::NONE
};

/// The id a correction replaces, if the message is one.
pub fn replaces(message: &Message) -> Option<String> {
    let element = message
        .payloads
        .iter()
        .find(|p| p.is("replace", ns::MESSAGE_CORRECT))?;
    Replace::try_from(element.clone()).ok().map(|r| r.id.0)
}

/// The element that marks a correction of `id`.
pub fn replace(id: String) -> Replace {
    Replace {
        id: xmpp_parsers::message::Id(id),
    }
}
