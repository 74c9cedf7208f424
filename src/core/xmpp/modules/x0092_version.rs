//! XEP-0092 Software Version: our name and version (no operating system:
//! that would tell strangers more than they need).

use xmpp_parsers::{ns, version::VersionResult};

use crate::core::xmpp::modules::{Answer, IqRequest, Module};

/// The module entry.
pub const MODULE: Module = Module {
    name: "XEP-0092 software version",
    features: &[ns::VERSION],
    iq: Some(answer),
    ..Module::NONE
};

fn answer(request: &IqRequest<'_>) -> Option<Answer> {
    if request.is_set || !request.payload.is("query", ns::VERSION) {
        return None;
    }
    let result = VersionResult {
        name: "Balcony".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        os: None,
    };
    Some(Answer::Result(Some(result.into())))
}
