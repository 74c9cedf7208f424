//! News from the worker to the UI.

use xmpp_parsers::jid::{BareJid, FullJid, Jid};

use super::{ConnectionState, OwnPresence, RequestKind};
use crate::core::{
    contacts::{ResourcePresence, RosterItem},
    credentials::PasswordStorage,
    message::{ChatState, Correction, DeliveryState, StoredMessage},
    privacy::{DecloakRequest, InvisibilityMethod},
    remote_control::{Device, RemoteAction},
    rooms::{Bookmark, Occupant, RoomExit, RoomJoinError},
    xmpp::modules::x0077_registration::{RegistrationError, RegistrationForm},
};

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
    },
    /// Whether a Secret Service is on the session bus (asked as the worker
    /// starts, beside its first connections, not before them).
    SecretServiceChecked {
        /// Whether one is.
        available: bool,
    },
    /// The fingerprints of an `xmpp:` link were compared with the
    /// contact's keys (the answer to
    /// [`super::Command::VerifyOmemoFingerprints`]).
    OmemoLinkChecked {
        /// The account.
        jid: BareJid,
        /// The contact.
        peer: BareJid,
        /// Devices whose keys matched, now verified.
        verified: Vec<u32>,
        /// Devices whose keys did not match (or could not be read):
        /// not verified.
        mismatched: Vec<u32>,
    },
    /// Whether messages in a room just joined can be encrypted (it is
    /// members-only and non-anonymous).
    RoomEncryption {
        /// The account.
        jid: BareJid,
        /// The room.
        room: BareJid,
        /// Whether they can.
        possible: bool,
    },
    /// A contact's OMEMO device lists were read and stored (the answer
    /// to [`super::Command::LearnOmemoDevices`]).
    OmemoDeviceLists {
        /// The account.
        jid: BareJid,
        /// The contact.
        peer: BareJid,
        /// Whether the contact lists any device.
        uses_omemo: bool,
    },
    /// The OMEMO devices of a contact and our own (the answer to
    /// [`super::Command::ListOmemoDevices`]).
    OmemoDevices {
        /// The account.
        jid: BareJid,
        /// The contact.
        peer: BareJid,
        /// The contact's devices, then ours.
        devices: Vec<super::OmemoDeviceInfo>,
    },
    /// A message that was to be encrypted could not be, and was not sent.
    MessageNotEncrypted {
        /// The account.
        jid: BareJid,
        /// The conversation, when the message named one.
        peer: Option<BareJid>,
        /// The message's origin-id.
        origin_id: String,
        /// Why, in English (for logs and details).
        detail: String,
        /// Because a verified contact has a device not verified yet.
        new_device: bool,
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
        /// Their Kontalk public key, checked, when the request carries one.
        key: Option<crate::core::xmpp::modules::kontalk_pubkey::KeyCheck>,
    },
    /// A contact request was approved without asking, as the option
    /// "authorize contacts automatically" says.
    SubscriptionApprovedAutomatically {
        /// The account.
        jid: BareJid,
        /// Who may now see our presence.
        from: BareJid,
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
    /// A contact's avatar changed (XEP-0084 or XEP-0153); `None` when
    /// they have none any more.
    ContactAvatar {
        /// The account.
        jid: BareJid,
        /// The contact.
        contact: BareJid,
        /// The checked image.
        image: Option<crate::core::store::AvatarImage>,
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
        /// They arrived just now (not from the archive, not our own
        /// sending): worth a notification.
        live: bool,
        /// Those stamped before this (ms since the epoch) are history,
        /// stored as read (0: none).
        read_before: i64,
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
    /// Which invisibility the server offers, found before initial presence
    /// (`None`: none, so Invisible is unavailable).
    InvisibilitySupport {
        /// The account.
        jid: BareJid,
        /// The method Balcony uses.
        method: Option<InvisibilityMethod>,
    },
    /// Whom we are visible to while invisible (empty when visible to all
    /// or to none).
    VisibleTo {
        /// The account.
        jid: BareJid,
        /// The entities that see our presence.
        to: Vec<Jid>,
    },
    /// Someone asks to see our presence (XEP-0276) and the user decides.
    DecloakRequested {
        /// The account.
        jid: BareJid,
        /// Who asks, why, and what we know of them.
        request: DecloakRequest,
    },
    /// Our presence was shared with someone who asked.
    DecloakShared {
        /// The account.
        jid: BareJid,
        /// Who sees it now.
        with: BareJid,
        /// True when a remembered decision answered, without asking.
        automatic: bool,
    },
    /// Another device of ours controlled this client (XEP-0146).
    RemoteControlled {
        /// The account.
        jid: BareJid,
        /// The device (its resource).
        device: String,
        /// What it did.
        action: RemoteAction,
    },
    /// One of our account's other resources came online or changed.
    DeviceChanged {
        /// The account.
        jid: BareJid,
        /// The device as known now.
        device: Device,
    },
    /// One of our account's other resources went offline.
    DeviceGone {
        /// The account.
        jid: BareJid,
        /// The device.
        device: FullJid,
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
    /// A catch-up that takes more than one page (a first history
    /// download, or a long absence) is under way, or has just ended.
    HistoryProgress {
        /// The account.
        jid: BareJid,
        /// Archived messages read so far.
        messages: usize,
        /// The catch-up ended (done, or cut off by the connection).
        finished: bool,
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
    /// We are in a room now (or were asked again while in it).
    RoomJoined {
        /// The account.
        jid: BareJid,
        /// The room.
        room: BareJid,
        /// Our nickname there (another one when ours was taken).
        nick: String,
        /// Who is there, us included.
        occupants: Vec<Occupant>,
        /// The subject, when already known.
        subject: Option<String>,
    },
    /// Joining a room failed.
    RoomJoinFailed {
        /// The account.
        jid: BareJid,
        /// The room.
        room: BareJid,
        /// Why.
        error: RoomJoinError,
    },
    /// We are no longer in a room.
    RoomLeft {
        /// The account.
        jid: BareJid,
        /// The room.
        room: BareJid,
        /// Why.
        exit: RoomExit,
    },
    /// Someone entered a room we are in, or changed their presence.
    OccupantChanged {
        /// The account.
        jid: BareJid,
        /// The room.
        room: BareJid,
        /// The occupant.
        occupant: Occupant,
    },
    /// Someone left a room we are in.
    OccupantLeft {
        /// The account.
        jid: BareJid,
        /// The room.
        room: BareJid,
        /// Their nickname.
        nick: String,
    },
    /// A room's subject, as sent after joining or when it changes.
    RoomSubjectChanged {
        /// The account.
        jid: BareJid,
        /// The room.
        room: BareJid,
        /// The subject (empty when cleared).
        subject: String,
        /// Who set it.
        by: Option<String>,
    },
    /// Our bookmarks (XEP-0402), fetched after login.
    BookmarksReplaced {
        /// The account.
        jid: BareJid,
        /// All of them.
        bookmarks: Vec<Bookmark>,
    },
    /// A bookmark was added or changed (by us or another of our clients).
    BookmarkChanged {
        /// The account.
        jid: BareJid,
        /// The bookmark.
        bookmark: Bookmark,
    },
    /// A bookmark was removed.
    BookmarkRemoved {
        /// The account.
        jid: BareJid,
        /// Its room.
        room: BareJid,
    },
    /// What the server asks for a new account (XEP-0077).
    RegistrationForm {
        /// The account being registered.
        jid: BareJid,
        /// The fields.
        form: RegistrationForm,
    },
    /// The account was created; log in with [`super::Command::AddAccount`].
    Registered {
        /// The new account.
        jid: BareJid,
    },
    /// Registering failed. Unless the connection failed, corrected answers
    /// may be submitted again.
    RegistrationFailed {
        /// The account being registered.
        jid: BareJid,
        /// Why.
        error: RegistrationError,
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
    /// How far an upload or download has come.
    TransferProgress {
        /// The account.
        jid: BareJid,
        /// Which.
        transfer: crate::core::files::TransferId,
        /// Bytes done.
        done: u64,
        /// Bytes in all (0 when unknown).
        total: u64,
    },
    /// An upload or download did not finish.
    TransferFailed {
        /// The account.
        jid: BareJid,
        /// Which.
        transfer: crate::core::files::TransferId,
        /// Why.
        error: crate::core::files::TransferError,
    },
    /// An upload finished and its message was queued.
    UploadDone {
        /// The account.
        jid: BareJid,
        /// The UI's number for it.
        transfer: u64,
    },
    /// A message's file changed state (downloaded, failed).
    FileChanged {
        /// The account.
        jid: BareJid,
        /// The conversation.
        peer: BareJid,
        /// The message's row id.
        message: i64,
        /// The file now.
        file: crate::core::files::FileAttachment,
    },
}
