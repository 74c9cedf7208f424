//! The typed messages that cross between the GTK side and the worker.
//! Only plain, owned, `Send` data lives here.

mod command_debug;
mod commands;
mod events;
mod omemo_devices;

use std::time::Duration;

use xmpp_parsers::jid::FullJid;

use super::xmpp::connection::error::ConnectError;

pub use commands::{
    Command, CommandStepReply, CommandsReply, DecloakRulesReply, PinsReply, PresenceAnswersReply,
    RequestKind, RoomConfigReply, RoomConfigSaved,
};
pub use events::{AccountSummary, Event};
pub use omemo_devices::{OmemoDeviceInfo, Trust};

/// The user's own availability (XMPP `<show/>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Availability {
    /// Online, no `<show/>`.
    #[default]
    Available,
    /// Free for chat.
    Chat,
    /// Away.
    Away,
    /// Extended away.
    ExtendedAway,
    /// Do not disturb.
    DoNotDisturb,
}

impl Availability {
    /// All values, in menu order.
    pub const ALL: [Self; 5] = [
        Self::Available,
        Self::Chat,
        Self::Away,
        Self::ExtendedAway,
        Self::DoNotDisturb,
    ];

    /// Stable name for settings and actions.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Chat => "chat",
            Self::Away => "away",
            Self::ExtendedAway => "xa",
            Self::DoNotDisturb => "dnd",
        }
    }

    /// Parses [`Self::as_str`].
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// What we broadcast as our presence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OwnPresence {
    /// Show value.
    pub availability: Availability,
    /// Free-text status message (may be empty).
    pub status: String,
    /// Invisible (XEP-0186 or XEP-0126): online, but our presence reaches
    /// only those we chose.
    pub invisible: bool,
    /// Priority (RFC 6121 §4.7.2.3), 0 unless remote control set another.
    pub priority: i8,
}

/// The state of one account's connection, always known to the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Not connected. `error` says why, when it was not the user's choice.
    Offline {
        /// The reason, if any.
        error: Option<ConnectError>,
    },
    /// A first connection attempt is under way.
    Connecting {
        /// 1-based attempt number.
        attempt: u32,
    },
    /// Logged in, bound, presence sent.
    Online {
        /// The full JID the server bound.
        bound_jid: FullJid,
        /// The SASL mechanism used.
        mechanism: &'static str,
        /// True when a stream was resumed (XEP-0198) rather than restarted.
        resumed: bool,
    },
    /// The link broke; the next attempt comes after `retry_in`.
    Reconnecting {
        /// 1-based number of the next attempt.
        attempt: u32,
        /// Delay before it.
        retry_in: Duration,
        /// Why the last attempt or the link failed.
        error: Option<ConnectError>,
    },
}
