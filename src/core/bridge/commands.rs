//! Requests from the UI to the worker.

use tokio::sync::oneshot;
use xmpp_parsers::jid::{BareJid, Jid};

use super::OwnPresence;
use crate::core::{
    account::AccountConfig,
    contacts::SubscriptionAction,
    credentials::{Password, PasswordStorage},
    message::ChatState,
    privacy::{
        DecloakAnswer, DecloakPolicy, DecloakReason, DecloakRule, PresenceAnswer, PresenceRequestError,
    },
    remote_control::RcOptions,
    rooms::Bookmark,
    xmpp::{
        modules::x0045_muc_owner::RoomConfigError,
        modules::x0050_command_client::{CommandItem, CommandStep},
        modules::x0050_commands::{CommandError, CommandPayload},
        modules::x0077_registration::Answers,
    },
};

/// Where the commands an entity offers are sent.
pub type CommandsReply = oneshot::Sender<Result<Vec<CommandItem>, CommandError>>;
/// Where a room's configuration form is sent.
pub type RoomConfigReply = oneshot::Sender<Result<crate::core::forms::Form, RoomConfigError>>;
/// Where the outcome of saving a room's configuration is sent.
pub type RoomConfigSaved = oneshot::Sender<Result<(), RoomConfigError>>;
/// Where an account's pinned certificates (SHA-256 digests) are sent, or
/// why they could not be read or changed.
pub type PinsReply = oneshot::Sender<Result<Vec<[u8; 32]>, String>>;
/// Where the resources that answered a presence request are sent.
pub type PresenceAnswersReply = oneshot::Sender<Result<Vec<PresenceAnswer>, PresenceRequestError>>;
/// Where an account's remembered decloak decisions are sent.
pub type DecloakRulesReply = oneshot::Sender<Result<Vec<DecloakRule>, String>>;
/// Where the answer to one command step is sent.
pub type CommandStepReply = oneshot::Sender<Result<CommandPayload, CommandError>>;

/// Requests from the UI to the worker. `Debug` leaves out message text,
/// passwords and form values.
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
    /// Log a stored account in with `password` the user typed (it was not
    /// stored, or the server refused the stored one); once the login
    /// works, keep it in `storage`.
    LoginWithPassword {
        /// The account.
        jid: BareJid,
        /// The password.
        password: Password,
        /// Where to keep it once the login worked (`None`: nowhere).
        storage: PasswordStorage,
    },
    /// Change the account's password on the server (XEP-0077); once the
    /// server took it, it is kept where the old one was.
    ChangePassword {
        /// The account.
        jid: BareJid,
        /// The new password.
        password: Password,
        /// Done, or why not.
        reply: oneshot::Sender<Result<(), String>>,
    },
    /// Sends the account's XML elements, as they pass, to `sink` (an XML
    /// console opened), or stops (`None`: closed). Secrets are masked.
    WatchStream {
        /// The account.
        jid: BareJid,
        /// Where the elements go.
        sink: Option<async_channel::Sender<crate::core::xml_console::ConsoleEntry>>,
    },
    /// Sends stanzas the user typed in the XML console, as they are.
    SendRawStanzas {
        /// The account.
        jid: BareJid,
        /// The stanzas (see [`crate::core::xml_console::parse_raw`]).
        stanzas: Vec<xmpp_parsers::stanza::Stanza>,
    },
    /// What the account's server runs and announces.
    ServerInfo {
        /// The account.
        jid: BareJid,
        /// The answer, or why there is none.
        reply: oneshot::Sender<Result<crate::core::xmpp::modules::x0092_version::ServerInfo, String>>,
    },
    /// Upload the file at `path` (XEP-0363) and send its URL to `to`.
    /// Progress arrives as [`super::Event::TransferProgress`], the message
    /// as [`super::Event::MessagesAdded`] followed by
    /// [`super::Event::UploadDone`]; a failure as
    /// [`super::Event::TransferFailed`], after which nothing was sent.
    SendFile {
        /// The account.
        jid: BareJid,
        /// The contact or room.
        to: BareJid,
        /// Chat or group chat.
        kind: crate::core::message::ChatKind,
        /// The file.
        path: std::path::PathBuf,
        /// The number the UI follows this upload by.
        transfer: u64,
    },
    /// Download the file of a stored message into the Downloads folder
    /// (resuming a broken download).
    DownloadFile {
        /// The account.
        jid: BareJid,
        /// The message's row id.
        message: i64,
    },
    /// Stop an upload (nothing is sent) or a download (what arrived is kept
    /// to resume).
    CancelTransfer {
        /// The account.
        jid: BareJid,
        /// Which.
        transfer: crate::core::files::TransferId,
    },
    /// Where downloads go (`None`: the user's Downloads folder).
    SetDownloadDirectory {
        /// The folder.
        path: Option<std::path::PathBuf>,
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
    /// Everything in a conversation has been read (unread counts start
    /// after it).
    MarkConversationRead {
        /// The account.
        jid: BareJid,
        /// The conversation.
        peer: BareJid,
    },
    /// Encrypt messages to `peer` with OMEMO (or stop); remembered.
    SetConversationEncryption {
        /// The account.
        jid: BareJid,
        /// The conversation.
        peer: BareJid,
        /// Encrypt from now on.
        enabled: bool,
    },
    /// Read `peer`'s OMEMO device lists from the server (as their
    /// conversation opens), which decide whether it is encrypted by
    /// default: answered by [`super::Event::OmemoDeviceLists`].
    LearnOmemoDevices {
        /// The account.
        jid: BareJid,
        /// The contact.
        peer: BareJid,
    },
    /// List the OMEMO devices of `peer` and our own, with fingerprints
    /// and trust: answered by [`super::Event::OmemoDevices`].
    ListOmemoDevices {
        /// The account.
        jid: BareJid,
        /// The contact.
        peer: BareJid,
    },
    /// Verify `peer`'s devices whose keys match the fingerprints of an
    /// `xmpp:` link (`omemo-sid-…`): answered by
    /// [`super::Event::OmemoLinkChecked`] and the list sent again.
    VerifyOmemoFingerprints {
        /// The account.
        jid: BareJid,
        /// The contact.
        peer: BareJid,
        /// Device ids with their fingerprints (64 hex digits).
        fingerprints: Vec<(u32, String)>,
    },
    /// Verify, distrust or blindly trust one device's key; the list is
    /// sent again.
    SetOmemoTrust {
        /// The account.
        jid: BareJid,
        /// The contact whose list the dialog shows.
        peer: BareJid,
        /// The device's owner (the contact, or our own account).
        owner: BareJid,
        /// The device.
        device: u32,
        /// The trust.
        trust: super::Trust,
    },
    /// Answer the open decloak question about `from` (XEP-0276).
    AnswerDecloak {
        /// The account.
        jid: BareJid,
        /// Who asked.
        from: BareJid,
        /// The user's answer.
        answer: DecloakAnswer,
    },
    /// Ask `to` to share their presence with us (XEP-0276) and wait for
    /// the resources that answer.
    RequestPresence {
        /// The account.
        jid: BareJid,
        /// Whom to ask (a bare JID).
        to: BareJid,
        /// Why.
        reason: DecloakReason,
        /// The answers, or why there are none.
        reply: PresenceAnswersReply,
    },
    /// Stop sharing presence with `peer` (their conversation was closed).
    WithdrawPresence {
        /// The account.
        jid: BareJid,
        /// The contact.
        peer: BareJid,
    },
    /// List the account's remembered "always share" decisions.
    ListDecloakRules {
        /// The account.
        jid: BareJid,
        /// The rules, or why they could not be read.
        reply: DecloakRulesReply,
    },
    /// Forget one remembered decision.
    RevokeDecloakRule {
        /// The account.
        jid: BareJid,
        /// The decision.
        rule: DecloakRule,
        /// The rules left, or why the change failed.
        reply: DecloakRulesReply,
    },
    /// Whether our other devices may control this client, and the options
    /// they can change (from the preferences, at start and on change).
    SetRemoteControl {
        /// The responder is on.
        enabled: bool,
        /// The options.
        options: RcOptions,
    },
    /// What to do with decloak requests no decision covers.
    SetDecloakPolicy {
        /// The policy.
        policy: DecloakPolicy,
    },
    /// How much archived history the account downloads on its own; kept
    /// at once (before the account's first login, when it is being added),
    /// and, when the account is online, a catch-up to the new extent runs.
    SetHistorySync {
        /// The account.
        jid: BareJid,
        /// The choice.
        choice: crate::core::history_sync::HistoryChoice,
    },
    /// Fetch an older page of a conversation from the archive.
    LoadOlderMessages {
        /// The account.
        jid: BareJid,
        /// The conversation.
        peer: BareJid,
    },
    /// Create an account on its server (XEP-0077): connects and answers
    /// with [`super::Event::RegistrationForm`].
    StartRegistration {
        /// The server, and the address the account will have.
        config: AccountConfig,
    },
    /// Submit answers to the registration form of `jid`.
    SubmitRegistration {
        /// The account being registered.
        jid: BareJid,
        /// The answers.
        answers: Answers,
    },
    /// Give up registering `jid`.
    CancelRegistration {
        /// The account being registered.
        jid: BareJid,
    },
    /// Join a room (XEP-0045). A taken nickname is retried with
    /// underscores appended; [`super::Event::RoomJoined`] tells the result.
    JoinRoom {
        /// The account.
        jid: BareJid,
        /// The room.
        room: BareJid,
        /// Our nickname; the account's local part when `None`.
        nick: Option<String>,
        /// The room's password, if it has one.
        password: Option<Password>,
    },
    /// Leave a room.
    LeaveRoom {
        /// The account.
        jid: BareJid,
        /// The room.
        room: BareJid,
    },
    /// Send a message to a room (through the outbox).
    SendGroupMessage {
        /// The account.
        jid: BareJid,
        /// The room.
        room: BareJid,
        /// The text.
        body: String,
    },
    /// Change a room's subject.
    SetRoomSubject {
        /// The account.
        jid: BareJid,
        /// The room.
        room: BareJid,
        /// The new subject (empty to clear it).
        subject: String,
    },
    /// Add or change a bookmark (XEP-0402).
    SetBookmark {
        /// The account.
        jid: BareJid,
        /// The bookmark.
        bookmark: Bookmark,
    },
    /// Remove a bookmark.
    RemoveBookmark {
        /// The account.
        jid: BareJid,
        /// Its room.
        room: BareJid,
    },
    /// Whether a window of ours has focus; the server is told (XEP-0352)
    /// so that it can hold back unimportant traffic while none has.
    SetInteractive {
        /// True when a window has focus.
        active: bool,
    },
    /// List the ad-hoc commands `entity` offers (XEP-0050).
    ListCommands {
        /// The account.
        jid: BareJid,
        /// Whose commands.
        entity: Jid,
        /// Where the list goes.
        reply: CommandsReply,
    },
    /// Run one step of an ad-hoc command on `entity`.
    RunCommand {
        /// The account.
        jid: BareJid,
        /// Where the command runs.
        entity: Jid,
        /// The step.
        step: CommandStep,
        /// Where the answer goes.
        reply: CommandStepReply,
    },
    /// Fetch a room's configuration form (we must own the room).
    FetchRoomConfig {
        /// The account.
        jid: BareJid,
        /// The room.
        room: BareJid,
        /// Where the form goes.
        reply: RoomConfigReply,
    },
    /// Save a room's configuration.
    SaveRoomConfig {
        /// The account.
        jid: BareJid,
        /// The room.
        room: BareJid,
        /// The filled-in form (`<x type='submit'/>`).
        submission: xmpp_parsers::minidom::Element,
        /// Where the outcome goes.
        reply: RoomConfigSaved,
    },
    /// List the certificates pinned for the account (SHA-256 digests).
    CertificatePins {
        /// The account.
        jid: BareJid,
        /// Where the list goes.
        reply: PinsReply,
    },
    /// Stop trusting a pinned certificate; a connected account connects
    /// again, so that the change applies at once. The remaining pins are
    /// the answer.
    ForgetCertificate {
        /// The account.
        jid: BareJid,
        /// The pin's SHA-256 digest.
        sha256: [u8; 32],
        /// Where the remaining pins go.
        reply: PinsReply,
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
    /// Fetching, adding or removing bookmarks.
    Bookmarks,
    /// Becoming invisible or visible, or visible to one entity.
    Invisibility,
    /// Anything that needs a connection while offline.
    Offline,
}
