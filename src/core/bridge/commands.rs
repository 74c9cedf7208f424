//! Requests from the UI to the worker.

use std::fmt;

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
    redact::{Outline, Redacted},
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
    /// What to do with decloak requests no decision covers.
    SetDecloakPolicy {
        /// The policy.
        policy: DecloakPolicy,
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

/// Debug output that can reach a log: message text is shown by size, form
/// submissions by outline, passwords (a [`Password`]) not at all.
impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AddAccount {
                config,
                password,
                storage,
            } => f
                .debug_struct("AddAccount")
                .field("config", config)
                .field("password", password)
                .field("storage", storage)
                .finish(),
            Self::Connect { jid } => f.debug_struct("Connect").field("jid", jid).finish(),
            Self::Disconnect { jid } => f.debug_struct("Disconnect").field("jid", jid).finish(),
            Self::SetPresence { jid, presence } => f
                .debug_struct("SetPresence")
                .field("jid", jid)
                .field("presence", presence)
                .finish(),
            Self::SendDirectedPresence { jid, to, available } => f
                .debug_struct("SendDirectedPresence")
                .field("jid", jid)
                .field("to", to)
                .field("available", available)
                .finish(),
            Self::TrustCertificate { jid, der } => f
                .debug_struct("TrustCertificate")
                .field("jid", jid)
                .field("der", &format_args!("<{} bytes>", der.len()))
                .finish(),
            Self::SendMessage { jid, to, body } => f
                .debug_struct("SendMessage")
                .field("jid", jid)
                .field("to", to)
                .field("body", &Redacted(body))
                .finish(),
            Self::CorrectMessage {
                jid,
                to,
                replaces,
                body,
            } => f
                .debug_struct("CorrectMessage")
                .field("jid", jid)
                .field("to", to)
                .field("replaces", replaces)
                .field("body", &Redacted(body))
                .finish(),
            Self::SendChatState { jid, to, state } => f
                .debug_struct("SendChatState")
                .field("jid", jid)
                .field("to", to)
                .field("state", state)
                .finish(),
            Self::MarkDisplayed { jid, to, id } => f
                .debug_struct("MarkDisplayed")
                .field("jid", jid)
                .field("to", to)
                .field("id", id)
                .finish(),
            Self::SetContact {
                jid,
                contact,
                name,
                groups,
            } => f
                .debug_struct("SetContact")
                .field("jid", jid)
                .field("contact", contact)
                .field("name", name)
                .field("groups", groups)
                .finish(),
            Self::RemoveContact { jid, contact } => f
                .debug_struct("RemoveContact")
                .field("jid", jid)
                .field("contact", contact)
                .finish(),
            Self::Subscription { jid, contact, action } => f
                .debug_struct("Subscription")
                .field("jid", jid)
                .field("contact", contact)
                .field("action", action)
                .finish(),
            Self::SetBlocked { jid, items, blocked } => f
                .debug_struct("SetBlocked")
                .field("jid", jid)
                .field("items", items)
                .field("blocked", blocked)
                .finish(),
            Self::MarkConversationRead { jid, peer } => f
                .debug_struct("MarkConversationRead")
                .field("jid", jid)
                .field("peer", peer)
                .finish(),
            Self::AnswerDecloak { jid, from, answer } => f
                .debug_struct("AnswerDecloak")
                .field("jid", jid)
                .field("from", from)
                .field("answer", answer)
                .finish(),
            Self::RequestPresence { jid, to, reason, .. } => f
                .debug_struct("RequestPresence")
                .field("jid", jid)
                .field("to", to)
                .field("reason", reason)
                .finish_non_exhaustive(),
            Self::WithdrawPresence { jid, peer } => f
                .debug_struct("WithdrawPresence")
                .field("jid", jid)
                .field("peer", peer)
                .finish(),
            Self::ListDecloakRules { jid, .. } => f
                .debug_struct("ListDecloakRules")
                .field("jid", jid)
                .finish_non_exhaustive(),
            Self::RevokeDecloakRule { jid, rule, .. } => f
                .debug_struct("RevokeDecloakRule")
                .field("jid", jid)
                .field("rule", rule)
                .finish_non_exhaustive(),
            Self::SetDecloakPolicy { policy } => f
                .debug_struct("SetDecloakPolicy")
                .field("policy", policy)
                .finish(),
            Self::LoadOlderMessages { jid, peer } => f
                .debug_struct("LoadOlderMessages")
                .field("jid", jid)
                .field("peer", peer)
                .finish(),
            Self::StartRegistration { config } => f
                .debug_struct("StartRegistration")
                .field("config", config)
                .finish(),
            Self::SubmitRegistration { jid, answers } => f
                .debug_struct("SubmitRegistration")
                .field("jid", jid)
                .field("answers", answers)
                .finish(),
            Self::CancelRegistration { jid } => {
                f.debug_struct("CancelRegistration").field("jid", jid).finish()
            }
            Self::JoinRoom {
                jid,
                room,
                nick,
                password,
            } => f
                .debug_struct("JoinRoom")
                .field("jid", jid)
                .field("room", room)
                .field("nick", nick)
                .field("password", password)
                .finish(),
            Self::LeaveRoom { jid, room } => f
                .debug_struct("LeaveRoom")
                .field("jid", jid)
                .field("room", room)
                .finish(),
            Self::SendGroupMessage { jid, room, body } => f
                .debug_struct("SendGroupMessage")
                .field("jid", jid)
                .field("room", room)
                .field("body", &Redacted(body))
                .finish(),
            Self::SetRoomSubject { jid, room, subject } => f
                .debug_struct("SetRoomSubject")
                .field("jid", jid)
                .field("room", room)
                .field("subject", subject)
                .finish(),
            Self::SetBookmark { jid, bookmark } => f
                .debug_struct("SetBookmark")
                .field("jid", jid)
                .field("bookmark", bookmark)
                .finish(),
            Self::RemoveBookmark { jid, room } => f
                .debug_struct("RemoveBookmark")
                .field("jid", jid)
                .field("room", room)
                .finish(),
            Self::SetInteractive { active } => {
                f.debug_struct("SetInteractive").field("active", active).finish()
            }
            Self::ListCommands { jid, entity, .. } => f
                .debug_struct("ListCommands")
                .field("jid", jid)
                .field("entity", entity)
                .finish_non_exhaustive(),
            Self::RunCommand {
                jid, entity, step, ..
            } => f
                .debug_struct("RunCommand")
                .field("jid", jid)
                .field("entity", entity)
                .field("step", step)
                .finish_non_exhaustive(),
            Self::FetchRoomConfig { jid, room, .. } => f
                .debug_struct("FetchRoomConfig")
                .field("jid", jid)
                .field("room", room)
                .finish_non_exhaustive(),
            Self::SaveRoomConfig {
                jid,
                room,
                submission,
                ..
            } => f
                .debug_struct("SaveRoomConfig")
                .field("jid", jid)
                .field("room", room)
                .field("submission", &Outline(submission))
                .finish_non_exhaustive(),
            Self::CertificatePins { jid, .. } => f
                .debug_struct("CertificatePins")
                .field("jid", jid)
                .finish_non_exhaustive(),
            Self::ForgetCertificate { jid, sha256, .. } => f
                .debug_struct("ForgetCertificate")
                .field("jid", jid)
                .field(
                    "sha256",
                    &crate::core::xmpp::connection::tls::fingerprint_hex(sha256),
                )
                .finish_non_exhaustive(),
            Self::Shutdown => f.write_str("Shutdown"),
        }
    }
}
