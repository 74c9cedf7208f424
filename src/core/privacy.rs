//! Who sees our presence: invisibility (XEP-0186, XEP-0126) and presence
//! decloaking (XEP-0276), as plain data shared by the worker and the UI.

use xmpp_parsers::jid::{BareJid, FullJid};

/// How the server lets us be invisible, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvisibilityMethod {
    /// XEP-0186 `urn:xmpp:invisible:1` (with the `probe` attribute).
    Invisible1,
    /// XEP-0186 v0.5–0.11 `urn:xmpp:invisible:0` (Tigase, slixmpp).
    Invisible0,
    /// XEP-0186 v0.4 `http://jabber.org/protocol/invisibility`.
    Seed,
    /// XEP-0126: a privacy list (XEP-0016) that blocks outgoing presence.
    PrivacyLists,
}

impl InvisibilityMethod {
    /// Every method, in order of preference.
    pub const BEST_FIRST: [Self; 4] = [Self::Invisible1, Self::Invisible0, Self::Seed, Self::PrivacyLists];

    /// The disco#info feature that announces it.
    pub fn feature(self) -> &'static str {
        match self {
            Self::Invisible1 => "urn:xmpp:invisible:1",
            Self::Invisible0 => "urn:xmpp:invisible:0",
            Self::Seed => "http://jabber.org/protocol/invisibility",
            Self::PrivacyLists => "jabber:iq:privacy",
        }
    }

    /// The best method among a server's features.
    pub fn best_of<S: AsRef<str>>(features: &[S]) -> Option<Self> {
        Self::BEST_FIRST
            .into_iter()
            .find(|m| features.iter().any(|f| f.as_ref() == m.feature()))
    }
}

/// Why someone asks to see our presence (XEP-0276 §6).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DecloakReason {
    /// A textual conversation.
    Text,
    /// A voice or video call.
    Media,
    /// A file transfer.
    File,
    /// No reason given.
    Unspecified,
    /// A value the specification does not define (kept, shortened, for display).
    Other(String),
}

impl DecloakReason {
    /// Longest unknown reason kept, in characters.
    pub const MAX_OTHER: usize = 64;

    /// Parses the `reason` attribute.
    pub fn parse(value: Option<&str>) -> Self {
        match value.map(str::trim) {
            None | Some("") => Self::Unspecified,
            Some("text") => Self::Text,
            Some("media") => Self::Media,
            Some("file") => Self::File,
            Some(other) => Self::Other(other.chars().take(Self::MAX_OTHER).collect()),
        }
    }

    /// The attribute value, if any.
    pub fn as_attr(&self) -> Option<&str> {
        match self {
            Self::Text => Some("text"),
            Self::Media => Some("media"),
            Self::File => Some("file"),
            Self::Unspecified => None,
            Self::Other(s) => Some(s),
        }
    }
}

/// Where a remembered decision applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleScope {
    /// One bare JID.
    Contact,
    /// Every JID of one domain.
    Domain,
}

impl RuleScope {
    /// Stable name for the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::Domain => "domain",
        }
    }

    /// Parses [`Self::as_str`].
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "contact" => Some(Self::Contact),
            "domain" => Some(Self::Domain),
            _ => None,
        }
    }
}

/// A remembered "always share" decision.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DecloakRule {
    /// Contact or domain.
    pub scope: RuleScope,
    /// The bare JID or the domain.
    pub target: String,
}

impl DecloakRule {
    /// Whether the rule covers `who`.
    pub fn covers(&self, who: &BareJid) -> bool {
        match self.scope {
            RuleScope::Contact => who.as_str() == self.target,
            RuleScope::Domain => who.domain().as_str() == self.target,
        }
    }
}

/// What the user answered to a decloak request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecloakAnswer {
    /// Share our presence (caps only) with the resources that asked, now.
    ShareOnce,
    /// Share now and whenever this contact asks again.
    AlwaysForContact,
    /// Share now and whenever anyone of this domain asks.
    AlwaysForDomain,
    /// Share nothing; later requests this session are dropped.
    Ignore,
    /// Share nothing and block the requester (XEP-0191).
    Block,
}

/// What to do with requests that no rule covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecloakPolicy {
    /// Ask the user (the default).
    #[default]
    Ask,
    /// Drop them without asking.
    Ignore,
}

impl DecloakPolicy {
    /// Stable name, as in the GSettings key `decloak-default-policy`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ask => "ask",
            Self::Ignore => "ignore",
        }
    }

    /// Parses [`Self::as_str`]; anything else asks.
    pub fn from_name(s: &str) -> Self {
        match s {
            "ignore" => Self::Ignore,
            _ => Self::Ask,
        }
    }
}

/// Someone asks to see our presence, and nothing answered for us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecloakRequest {
    /// Who asks.
    pub from: BareJid,
    /// The resources that asked (more join while the question is open).
    pub resources: Vec<FullJid>,
    /// Why.
    pub reason: DecloakReason,
    /// Whether they are in our roster.
    pub in_roster: bool,
    /// Their Kontalk public-key fingerprint, when the request carried one.
    pub fingerprint: Option<String>,
}

/// Why a request to see someone's presence got no answers list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PresenceRequestError {
    /// The account is not connected.
    #[error("the account is offline")]
    Offline,
}

/// One resource that answered our request to see someone's presence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresenceAnswer {
    /// The resource.
    pub from: FullJid,
    /// Its client's name (disco identity), when it told us.
    pub client: Option<String>,
    /// Its identity type (pc, phone, web, bot …), when it told us.
    pub kind: Option<String>,
    /// Number of features it announces, when it told us.
    pub features: usize,
    /// Whether it can receive files (Jingle file transfer or HTTP upload links).
    pub files: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_namespace_wins_and_privacy_lists_come_last() {
        let all = [
            "jabber:iq:privacy",
            "http://jabber.org/protocol/invisibility",
            "urn:xmpp:invisible:0",
            "urn:xmpp:invisible:1",
        ];
        assert_eq!(
            InvisibilityMethod::best_of(&all),
            Some(InvisibilityMethod::Invisible1)
        );
        assert_eq!(
            InvisibilityMethod::best_of(&all[..3]),
            Some(InvisibilityMethod::Invisible0)
        );
        assert_eq!(
            InvisibilityMethod::best_of(&all[..2]),
            Some(InvisibilityMethod::Seed)
        );
        assert_eq!(
            InvisibilityMethod::best_of(&all[..1]),
            Some(InvisibilityMethod::PrivacyLists)
        );
        assert_eq!(InvisibilityMethod::best_of(&["urn:xmpp:invisible:2"]), None);
    }

    #[test]
    fn reasons_parse_and_unknown_ones_are_kept_short() {
        assert_eq!(DecloakReason::parse(Some("media")), DecloakReason::Media);
        assert_eq!(DecloakReason::parse(Some(" ")), DecloakReason::Unspecified);
        assert_eq!(DecloakReason::parse(None), DecloakReason::Unspecified);
        let long = "x".repeat(1000);
        match DecloakReason::parse(Some(&long)) {
            DecloakReason::Other(s) => assert_eq!(s.chars().count(), DecloakReason::MAX_OTHER),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rules_cover_their_contact_or_domain_only() {
        let who: BareJid = "tybalt@capulet.lit".parse().expect("jid");
        let contact = DecloakRule {
            scope: RuleScope::Contact,
            target: "tybalt@capulet.lit".into(),
        };
        let domain = DecloakRule {
            scope: RuleScope::Domain,
            target: "capulet.lit".into(),
        };
        assert!(contact.covers(&who) && domain.covers(&who));
        let other: BareJid = "nurse@capulet.lit".parse().expect("jid");
        assert!(!contact.covers(&other) && domain.covers(&other));
        let elsewhere: BareJid = "tybalt@montague.lit".parse().expect("jid");
        assert!(!domain.covers(&elsewhere));
    }
}
