//! Our own presence stanza.

use xmpp_parsers::{
    jid::Jid,
    presence::{Presence, Show},
};

use crate::core::bridge::{Availability, OwnPresence};
use crate::core::xmpp::modules::x0115_caps;

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
        });
        assert_eq!(p.show, Some(Show::Away));
        assert_eq!(p.statuses.values().next().map(String::as_str), Some("lunch"));
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
