//! Contacts: roster items and their presence, as plain data.

use xmpp_parsers::jid::BareJid;

/// Roster subscription state (RFC 6121 §2.1.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Subscription {
    /// Neither side sees the other.
    #[default]
    None,
    /// We see their presence.
    To,
    /// They see ours.
    From,
    /// Both.
    Both,
}

impl Subscription {
    /// Stable name, as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::To => "to",
            Self::From => "from",
            Self::Both => "both",
        }
    }

    /// Parses [`Self::as_str`].
    pub fn from_name(s: &str) -> Option<Self> {
        [Self::None, Self::To, Self::From, Self::Both]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// One roster entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterItem {
    /// The contact.
    pub jid: BareJid,
    /// The name the user gave, if any.
    pub name: Option<String>,
    /// Subscription state.
    pub subscription: Subscription,
    /// We asked to see their presence and wait for an answer.
    pub ask: bool,
    /// The server pre-approved their subscription request.
    pub approved: bool,
    /// Groups, sorted.
    pub groups: Vec<String>,
}

/// A contact resource's availability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactShow {
    /// Online.
    Available,
    /// Free for chat.
    Chat,
    /// Away.
    Away,
    /// Extended away.
    ExtendedAway,
    /// Do not disturb.
    DoNotDisturb,
    /// Went offline.
    Unavailable,
}

impl ContactShow {
    /// Its name in the UI's CSS and icons (`available`, …, `offline`).
    pub fn as_str(self) -> &'static str {
        match self {
            ContactShow::Available => "available",
            ContactShow::Chat => "chat",
            ContactShow::Away => "away",
            ContactShow::ExtendedAway => "xa",
            ContactShow::DoNotDisturb => "dnd",
            ContactShow::Unavailable => "offline",
        }
    }
}

/// The presence of one resource of a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePresence {
    /// The resource.
    pub resource: String,
    /// Availability.
    pub show: ContactShow,
    /// Status message (may be empty).
    pub status: String,
    /// Priority.
    pub priority: i8,
    /// Entity caps `(hash, ver)` as announced, if any.
    pub caps: Option<(String, String)>,
}

/// The subscription-related presence stanzas we send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionAction {
    /// Ask to see their presence.
    Request,
    /// Let them see ours: approve their request, or pre-approve one.
    Approve,
    /// Refuse their request, or revoke their subscription.
    Deny,
    /// Stop seeing their presence.
    Cancel,
}
