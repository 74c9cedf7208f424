//! Group chats (XEP-0045) and their bookmarks (XEP-0402), as plain data.

use std::fmt;

use xmpp_parsers::jid::{BareJid, FullJid};

use super::contacts::ContactShow;

/// An occupant's role in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// May kick and change the subject.
    Moderator,
    /// May speak.
    Participant,
    /// May only read.
    Visitor,
    /// Not in the room.
    None,
}

/// An occupant's long-lived affiliation with a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Affiliation {
    /// Owns the room.
    Owner,
    /// Administers it.
    Admin,
    /// A member.
    Member,
    /// Banned.
    Outcast,
    /// None.
    None,
}

/// Someone in a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occupant {
    /// The nickname (the resource of the occupant JID).
    pub nick: String,
    /// The real JID, when the room shows it to us.
    pub real_jid: Option<FullJid>,
    /// Role.
    pub role: Role,
    /// Affiliation.
    pub affiliation: Affiliation,
    /// Availability.
    pub show: ContactShow,
    /// Status message (may be empty).
    pub status: String,
}

/// Why joining a room failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomJoinError {
    /// Every nickname we tried was taken.
    NicknameConflict {
        /// The last nickname tried.
        nick: String,
    },
    /// The room wants a password, or the one given was wrong.
    PasswordRequired,
    /// We are banned.
    Banned,
    /// Only members may enter.
    MembersOnly,
    /// The room is full.
    Full,
    /// The room does not exist and may not be created.
    NotFound,
    /// Any other error, with the server's condition and text.
    Other(String),
}

/// Why we are no longer in a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomExit {
    /// We left.
    Left,
    /// A moderator kicked us.
    Kicked {
        /// Their reason.
        reason: Option<String>,
    },
    /// We were banned.
    Banned {
        /// Their reason.
        reason: Option<String>,
    },
    /// Our affiliation changed and the room is members-only.
    MembershipRevoked,
    /// The room was destroyed.
    Destroyed {
        /// The reason given.
        reason: Option<String>,
    },
    /// The service shut down.
    Shutdown,
}

/// A room bookmark (XEP-0402).
#[derive(Clone, PartialEq, Eq)]
pub struct Bookmark {
    /// The room.
    pub room: BareJid,
    /// A display name.
    pub name: Option<String>,
    /// The nickname to join with.
    pub nick: Option<String>,
    /// Join it at login.
    pub autojoin: bool,
    /// The room's password. Kept in memory only, never stored or logged.
    pub password: Option<String>,
}

impl fmt::Debug for Bookmark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bookmark")
            .field("room", &self.room)
            .field("name", &self.name)
            .field("nick", &self.nick)
            .field("autojoin", &self.autojoin)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}
