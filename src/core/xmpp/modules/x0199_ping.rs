//! XEP-0199 XMPP Ping: answer pings.

use xmpp_parsers::ns;

use crate::core::xmpp::modules::{Answer, IqRequest, Module};

/// The module entry.
pub const MODULE: Module = Module {
    name: "XEP-0199 ping",
    features: &[ns::PING],
    iq: Some(answer),
    ..Module::NONE
};

fn answer(request: &IqRequest<'_>) -> Option<Answer> {
    (!request.is_set && request.payload.is("ping", ns::PING)).then_some(Answer::Result(None))
}
