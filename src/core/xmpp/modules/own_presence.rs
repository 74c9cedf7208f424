//! Our own presence: the stanza, and what it is now (for remote control,
//! which shows it and changes it).

use std::sync::Mutex;

use xmpp_parsers::{
    jid::Jid,
    presence::{Presence, Priority, Show},
};

use crate::core::bridge::{Availability, OwnPresence};
use crate::core::xmpp::{
    modules::{x0115_caps, Module},
    session::context::SessionContext,
};

/// The module entry: the presence we have now, kept for the session.
pub const MODULE: Module = Module {
    name: "RFC 6121 own presence",
    state: Some(|| Box::<CurrentPresence>::default()),
    ..Module::NONE
};

/// The presence the session has now (what the user or a device chose).
#[derive(Debug, Default)]
pub struct CurrentPresence(Mutex<OwnPresence>);

impl CurrentPresence {
    /// The presence now.
    pub fn get(&self) -> OwnPresence {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Records the presence now.
    pub fn set(&self, presence: &OwnPresence) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = presence.clone();
    }
}

/// Records `presence` as the session's presence now.
pub fn remember(ctx: &SessionContext, presence: &OwnPresence) {
    ctx.state::<CurrentPresence>().set(presence);
}

/// Builds the broadcast presence for `own`.
pub fn own_presence_stanza(own: &OwnPresence) -> Presence {
    let mut p = Presence::available();
    p.show = match own.availability {
        Availability::Available => None,
        Availability::Chat => Some(Show::Chat),
        Availability::Away => Some(Show::Away),
        Availability::ExtendedAway => Some(Show::Xa),
        Availability::DoNotDisturb => Some(Show::Dnd),
    };
    if !own.status.is_empty() {
        p.statuses.insert(Default::default(), own.status.clone());
    }
    p.priority = Priority(own.priority);
    p.add_payload(x0115_caps::our_caps());
    p
}

/// Minimal available presence: caps only, no show, status or priority
/// (what a decloak answer carries, XEP-0276 §7).
pub fn caps_only_presence() -> Presence {
    Presence::available().with_payload(x0115_caps::our_caps())
}

/// Presence for one entity: our presence (with caps), or unavailable.
pub fn directed_presence_stanza(own: &OwnPresence, to: Jid, available: bool) -> Presence {
    let p = if available {
        own_presence_stanza(own)
    } else {
        Presence::unavailable()
    };
    p.with_to(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn away_with_status() {
        let p = own_presence_stanza(&OwnPresence {
            availability: Availability::Away,
            status: "lunch".into(),
            invisible: false,
            priority: -1,
        });
        assert_eq!(p.show, Some(Show::Away));
        assert_eq!(p.statuses.values().next().map(String::as_str), Some("lunch"));
        assert_eq!(p.priority, Priority(-1));
        let plain = own_presence_stanza(&OwnPresence::default());
        assert_eq!(plain.show, None);
        assert!(plain.statuses.is_empty());
        let caps: Vec<_> = plain
            .payloads
            .iter()
            .filter(|e| e.is("c", xmpp_parsers::ns::CAPS))
            .collect();
        assert_eq!(caps.len(), 1, "our presence carries entity caps");
    }
}
