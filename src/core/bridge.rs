//! The typed messages that cross between the GTK side and the worker.
//! Only plain, owned, `Send` data lives here.

use std::time::Duration;

use xmpp_parsers::jid::{BareJid, FullJid, Jid};

use super::{
    account::AccountConfig,
    contacts::{ResourcePresence, RosterItem, SubscriptionAction},
    credentials::{Password, PasswordStorage},
    message::{ChatState, Correction, DeliveryState, StoredMessage},
    xmpp::error::ConnectError,
};

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

/// Requests from the UI to the worker.
#[derive(Debug)]
pub enum Command {
    /// Try to log in with new settings; when it succeeds, remember the
    /// account (and the password in `storage`). Failures arrive as
    /// [`Event::ConnectionChanged`] with an `Offline` error.
    AddAccount {
        /// How to connect.
        config: AccountConfig,
        /// The password.
        password: Password,
        /// Where to keep the password once the login worked.
        storage: PasswordStorage,
    },
    /// Connect a stored account.
    Connect {
        /// The account.
        jid: BareJid,
    },
    /// Disconnect an account (presence unavailable, stream closed).
    Disconnect {
        /// The account.
        jid: BareJid,
    },
    /// Change our presence; connects the account if it is offline.
    SetPresence {
        /// The account.
        jid: BareJid,
        /// The new presence.
        presence: OwnPresence,
    },
    /// Send our presence to one entity only, or end it with unavailable.
    SendDirectedPresence {
        /// The account.
        jid: BareJid,
        /// The recipient.
        to: Jid,
        /// Available (with our show, status and caps) or unavailable.
        available: bool,
    },
    /// Pin `der` for the account and try to connect again.
    TrustCertificate {
        /// The account.
        jid: BareJid,
        /// The certificate the user accepted.
        der: Vec<u8>,
    },
    /// Send a chat message (through the outbox, so it survives restarts).
    SendMessage {
        /// The account.
        jid: BareJid,
        /// The contact.
        to: BareJid,
        /// The text.
        body: String,
    },
    /// Correct our last message to `to` (XEP-0308).
    CorrectMessage {
        /// The account.
        jid: BareJid,
        /// The contact.
        to: BareJid,
        /// The origin-id of the message to correct.
        replaces: String,
        /// The new text.
        body: String,
    },
    /// Tell a contact our chat state (XEP-0085).
    SendChatState {
        /// The account.
        jid: BareJid,
        /// The contact.
        to: BareJid,
        /// The state.
        state: ChatState,
    },
    /// Tell a contact we displayed their message (XEP-0333).
    MarkDisplayed {
        /// The account.
        jid: BareJid,
        /// The contact.
        to: BareJid,
        /// The message's origin-id (or `id`).
        id: String,
    },
    /// Add a contact, or change its name or groups.
    SetContact {
        /// The account.
        jid: BareJid,
        /// The contact.
        contact: BareJid,
        /// Display name.
        name: Option<String>,
        /// Groups.
        groups: Vec<String>,
    },
    /// Remove a contact from the roster.
    RemoveContact {
        /// The account.
        jid: BareJid,
        /// The contact.
        contact: BareJid,
    },
    /// Request, approve (or pre-approve), deny or cancel a subscription.
    Subscription {
        /// The account.
        jid: BareJid,
        /// The contact.
        contact: BareJid,
        /// What to do.
        action: SubscriptionAction,
    },
    /// Block or unblock JIDs (XEP-0191). Unblocking none unblocks all.
    SetBlocked {
        /// The account.
        jid: BareJid,
        /// Who.
        items: Vec<Jid>,
        /// Block (true) or unblock.
        blocked: bool,
    },
    /// Fetch an older page of a conversation from the archive.
    LoadOlderMessages {
        /// The account.
        jid: BareJid,
        /// The conversation.
        peer: BareJid,
    },
    /// Close every connection and stop the worker.
    Shutdown,
}

/// A request that can fail after it was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// Fetching the roster.
    Roster,
    /// Adding or changing a contact.
    SetContact,
    /// Removing a contact.
    RemoveContact,
    /// Blocking or unblocking.
    Blocking,
    /// Fetching history.
    History,
    /// Enabling carbons.
    Carbons,
    /// Sending a message.
    Message,
    /// Anything that needs a connection while offline.
    Offline,
}

/// A stored account as the UI first sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSummary {
    /// The account's JID.
    pub jid: BareJid,
    /// Whether it connects at start.
    pub enabled: bool,
}

/// News from the worker to the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The worker has opened the profile.
    Started {
        /// Stored accounts.
        accounts: Vec<AccountSummary>,
        /// Whether a Secret Service is on the session bus.
        secret_service: bool,
    },
    /// The worker could not open the profile; nothing else will follow.
    StartFailed {
        /// Details.
        detail: String,
    },
    /// An account was saved after its first successful login.
    AccountAdded {
        /// The account.
        jid: BareJid,
        /// Where its password went.
        storage: PasswordStorage,
    },
    /// Saving a new account or its password failed (it stays connected).
    AccountSaveFailed {
        /// The account.
        jid: BareJid,
        /// Details.
        detail: String,
    },
    /// An account's connection state changed.
    ConnectionChanged {
        /// The account.
        jid: BareJid,
        /// The new state.
        state: ConnectionState,
    },
    /// Our own presence was sent.
    PresenceChanged {
        /// The account.
        jid: BareJid,
        /// What was sent.
        presence: OwnPresence,
    },
    /// The whole roster (cached or fetched) after login.
    RosterReplaced {
        /// The account.
        jid: BareJid,
        /// Every item.
        items: Vec<RosterItem>,
        /// True when the server confirmed the cached version and sent no items.
        unchanged: bool,
    },
    /// A roster item was added or changed (push).
    RosterItemChanged {
        /// The account.
        jid: BareJid,
        /// The item.
        item: RosterItem,
    },
    /// A roster item was removed (push).
    RosterItemRemoved {
        /// The account.
        jid: BareJid,
        /// The contact.
        contact: BareJid,
    },
    /// Someone asks to see our presence.
    SubscriptionRequest {
        /// The account.
        jid: BareJid,
        /// Who asks.
        from: BareJid,
        /// Their message (may be empty).
        status: String,
    },
    /// A contact approved or refused our subscription.
    SubscriptionAnswer {
        /// The account.
        jid: BareJid,
        /// The contact.
        contact: BareJid,
        /// Approved or refused.
        approved: bool,
    },
    /// A contact's resource changed its presence.
    ContactPresence {
        /// The account.
        jid: BareJid,
        /// The contact.
        contact: BareJid,
        /// The resource's presence.
        presence: ResourcePresence,
    },
    /// What a contact's client can do (verified caps).
    ContactCapabilities {
        /// The account.
        jid: BareJid,
        /// The resource.
        from: FullJid,
        /// Its client's name, when it gave one.
        client_name: Option<String>,
        /// Its disco#info features.
        features: Vec<String>,
    },
    /// Messages were stored (live, carbons, archive, or sent by us).
    MessagesAdded {
        /// The account.
        jid: BareJid,
        /// The new rows, in order.
        messages: Vec<StoredMessage>,
    },
    /// One of our messages moved on (sent, acked, received, displayed).
    MessageStateChanged {
        /// The account.
        jid: BareJid,
        /// The conversation.
        peer: BareJid,
        /// The message.
        origin_id: String,
        /// The new state.
        state: DeliveryState,
    },
    /// A stored message was corrected.
    MessageCorrected {
        /// The account.
        jid: BareJid,
        /// The correction.
        correction: Correction,
    },
    /// A contact's chat state.
    ChatStateChanged {
        /// The account.
        jid: BareJid,
        /// The contact.
        peer: BareJid,
        /// The state.
        state: ChatState,
    },
    /// The blocklist as fetched at login.
    BlocklistReplaced {
        /// The account.
        jid: BareJid,
        /// Blocked JIDs.
        items: Vec<Jid>,
    },
    /// JIDs were blocked or unblocked (push). An empty unblock means all.
    BlocklistChanged {
        /// The account.
        jid: BareJid,
        /// Who.
        items: Vec<Jid>,
        /// Blocked (true) or unblocked.
        blocked: bool,
    },
    /// The archive catch-up after login finished.
    CatchUpFinished {
        /// The account.
        jid: BareJid,
        /// Pages fetched.
        pages: usize,
        /// Archived messages read.
        messages: usize,
    },
    /// An older page of a conversation arrived.
    HistoryLoaded {
        /// The account.
        jid: BareJid,
        /// The conversation.
        peer: BareJid,
        /// Messages fetched.
        count: usize,
        /// True when nothing older exists.
        complete: bool,
    },
    /// A request failed.
    RequestFailed {
        /// The account.
        jid: BareJid,
        /// What failed.
        request: RequestKind,
        /// Why, for people.
        detail: String,
    },
}
