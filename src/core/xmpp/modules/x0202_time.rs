//! XEP-0202 Entity Time: our UTC time and offset.

use chrono::{Local, Utc};
use xmpp_parsers::{ns, time::TimeResult};

use crate::core::xmpp::modules::{Answer, IqRequest, Module};

/// The module entry.
pub const MODULE: Module = Module {
    name: "XEP-0202 entity time",
    features: &[ns::TIME],
    iq: Some(answer),
    ..Module::NONE
};

fn answer(request: &IqRequest<'_>) -> Option<Answer> {
    if request.is_set || !request.payload.is("time", ns::TIME) {
        return None;
    }
    let result = TimeResult {
        tz_offset: *Local::now().offset(),
        utc: Utc::now(),
    };
    Some(Answer::Result(Some(result.into())))
}
