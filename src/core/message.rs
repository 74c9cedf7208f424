//! Chat messages as the store keeps them and the UI sees them.

use xmpp_parsers::jid::BareJid;

/// How far an outgoing message has come. Incoming messages are `Received`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeliveryState {
    /// In the outbox, not yet written to the connection.
    Pending = 0,
    /// Written to the connection.
    Sent = 1,
    /// The server acknowledged it (XEP-0198).
    Acked = 2,
    /// The recipient's client confirmed it (XEP-0184).
    Received = 3,
    /// The recipient displayed it (XEP-0333).
    Displayed = 4,
    /// Never sent: it could not be encrypted (kept, with its text, for
    /// the user to send again). Last, so that nothing raises it further.
    NotSent = 5,
}

impl DeliveryState {
    /// Parses the stored number.
    pub fn from_stored(n: i64) -> Option<Self> {
        Some(match n {
            0 => Self::Pending,
            1 => Self::Sent,
            2 => Self::Acked,
            3 => Self::Received,
            4 => Self::Displayed,
            5 => Self::NotSent,
            _ => return None,
        })
    }
}

/// One-to-one chat or group chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatKind {
    /// `type='chat'` (or `normal`).
    Chat = 0,
    /// `type='groupchat'`.
    GroupChat = 1,
}

/// A message to store: what arrived or what we send. Its `Debug` output
/// leaves the text out.
#[derive(Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// The conversation: the contact's or the room's bare JID.
    pub peer: BareJid,
    /// Chat or group chat.
    pub kind: ChatKind,
    /// True when we sent it (from this or another of our resources).
    pub outgoing: bool,
    /// The sender: a full JID for chats, the nickname in rooms.
    pub sender: String,
    /// The text.
    pub body: String,
    /// XEP-0359 origin-id, or else the stanza's `id` attribute.
    pub origin_id: Option<String>,
    /// XEP-0359 stanza-id assigned by our archive (or the room's).
    pub stanza_id: Option<String>,
    /// Milliseconds since the epoch (the delay stamp when there is one).
    pub timestamp_ms: i64,
    /// Delivery state.
    pub state: DeliveryState,
    /// End-to-end encryption.
    pub encryption: MessageEncryption,
}

/// Whether a message came end-to-end encrypted, and if it could not be
/// read, why (stored as a number: 0 none, 1 OMEMO, 100 + the reason).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum MessageEncryption {
    /// Plain: the server could read it.
    #[default]
    None,
    /// Encrypted with OMEMO and decrypted here.
    Omemo,
    /// Encrypted with OMEMO and not readable here.
    Undecryptable(UndecryptableReason),
}

/// Why an encrypted message could not be read (what the conversation
/// explains).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UndecryptableReason {
    /// It was not encrypted for this device.
    NotForThisDevice = 1,
    /// No session with the sending device (its key exchange was lost).
    NoSession = 2,
    /// Altered on the way, or not for this session.
    Corrupted = 3,
    /// It refers to a key this device no longer has.
    UnknownKey = 4,
    /// The sending device's key is distrusted.
    Untrusted = 5,
    /// Its encryption data cannot be read at all.
    Unreadable = 6,
    /// Encryption is not set up on this device (no key can be kept).
    NotSetUp = 7,
    /// A room's message whose sender's real address the room did not
    /// show (so its key cannot be found).
    UnknownSender = 8,
}

impl MessageEncryption {
    /// The stored number.
    pub fn to_stored(self) -> i64 {
        match self {
            Self::None => 0,
            Self::Omemo => 1,
            Self::Undecryptable(reason) => 100 + reason as i64,
        }
    }

    /// Parses the stored number.
    pub fn from_stored(n: i64) -> Option<Self> {
        use UndecryptableReason::*;
        Some(match n {
            0 => Self::None,
            1 => Self::Omemo,
            101 => Self::Undecryptable(NotForThisDevice),
            102 => Self::Undecryptable(NoSession),
            103 => Self::Undecryptable(Corrupted),
            104 => Self::Undecryptable(UnknownKey),
            105 => Self::Undecryptable(Untrusted),
            106 => Self::Undecryptable(Unreadable),
            107 => Self::Undecryptable(NotSetUp),
            108 => Self::Undecryptable(UnknownSender),
            _ => return None,
        })
    }

    /// True for what was end-to-end encrypted, readable or not.
    pub fn is_encrypted(self) -> bool {
        self != Self::None
    }
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// Row id, increasing with insertion.
    pub id: i64,
    /// The message.
    pub message: NewMessage,
    /// True when a correction (XEP-0308) replaced the body.
    pub corrected: bool,
    /// The file the message shares, when it shares one.
    pub file: Option<crate::core::files::FileAttachment>,
    /// The device of ours (its resource) that forwarded it to us
    /// (XEP-0146), when one did.
    pub forwarded_by: Option<String>,
}

/// A correction (XEP-0308) to apply to a stored message.
#[derive(Clone, PartialEq, Eq)]
pub struct Correction {
    /// The conversation.
    pub peer: BareJid,
    /// Whether the corrected message is ours.
    pub outgoing: bool,
    /// The id the correction replaces (the original's origin-id or id).
    pub replaces: String,
    /// The new text.
    pub body: String,
}

/// A contact's chat state (XEP-0085).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatState {
    /// Paying attention.
    Active,
    /// Typing.
    Composing,
    /// Stopped typing.
    Paused,
    /// Not paying attention.
    Inactive,
    /// Left the conversation.
    Gone,
}

impl std::fmt::Debug for NewMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewMessage")
            .field("peer", &self.peer)
            .field("kind", &self.kind)
            .field("outgoing", &self.outgoing)
            .field("sender", &self.sender)
            .field("body", &crate::core::redact::Redacted(&self.body))
            .field("origin_id", &self.origin_id)
            .field("stanza_id", &self.stanza_id)
            .field("timestamp_ms", &self.timestamp_ms)
            .field("state", &self.state)
            .field("encryption", &self.encryption)
            .finish()
    }
}

impl std::fmt::Debug for Correction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Correction")
            .field("peer", &self.peer)
            .field("outgoing", &self.outgoing)
            .field("replaces", &self.replaces)
            .field("body", &crate::core::redact::Redacted(&self.body))
            .finish()
    }
}
