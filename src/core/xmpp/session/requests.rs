//! Requests from the UI that a running session carries out, each in a task
//! of its own so that the session loop never waits for an answer.

use std::fmt;

use xmpp_parsers::jid::{BareJid, Jid};

use crate::core::xmpp::{
    modules::chat,
    modules::roster,
    modules::x0045_muc,
    modules::x0045_muc_owner::{self, RoomConfigError},
    modules::x0050_command_client::{self, CommandStep},
    modules::x0050_commands::CommandError,
    modules::x0191_blocking,
    modules::x0276_decloak,
    modules::x0313_mam,
    modules::x0333_markers,
    modules::x0402_bookmarks,
    modules::{x0384_omemo, x0384_omemo_trust},
    session::context::SessionContext,
    session::file_transfers,
    session::outgoing::IqError,
};
use crate::core::{
    bridge::{
        Command, CommandStepReply, CommandsReply, Event, PresenceAnswersReply, RequestKind, RoomConfigReply,
        RoomConfigSaved,
    },
    contacts::SubscriptionAction,
    credentials::Password,
    files::TransferId,
    message::ChatState,
    privacy::{DecloakAnswer, DecloakReason, PresenceRequestError},
    redact::Outline,
    rooms::Bookmark,
};

/// What a session can be asked to do. `Debug` leaves out passwords and
/// form values.
pub enum SessionRequest {
    /// See [`crate::core::bridge::Command::SetContact`].
    SetContact {
        /// The contact.
        contact: BareJid,
        /// Display name.
        name: Option<String>,
        /// Groups.
        groups: Vec<String>,
    },
    /// See [`crate::core::bridge::Command::RemoveContact`].
    RemoveContact(BareJid),
    /// See [`crate::core::bridge::Command::Subscription`].
    Subscription(BareJid, SubscriptionAction),
    /// See [`crate::core::bridge::Command::SetBlocked`].
    SetBlocked(Vec<Jid>, bool),
    /// See [`crate::core::bridge::Command::SendChatState`].
    ChatState(BareJid, ChatState),
    /// See [`crate::core::bridge::Command::MarkDisplayed`].
    MarkDisplayed(BareJid, String),
    /// See [`crate::core::bridge::Command::LoadOlderMessages`].
    LoadOlder(BareJid),
    /// See [`crate::core::bridge::Command::LearnOmemoDevices`].
    OmemoDeviceLists(BareJid),
    /// See [`crate::core::bridge::Command::VerifyOmemoFingerprints`].
    OmemoVerifyLink(BareJid, Vec<(u32, String)>),
    /// See [`crate::core::bridge::Command::ListOmemoDevices`].
    OmemoDevices(BareJid),
    /// See [`crate::core::bridge::Command::SetOmemoTrust`].
    OmemoTrust {
        /// The contact whose list is shown.
        peer: BareJid,
        /// The device's owner.
        owner: BareJid,
        /// The device.
        device: u32,
        /// The trust.
        trust: crate::core::bridge::Trust,
    },
    /// A catch-up to the history policy just chosen
    /// ([`crate::core::bridge::Command::SetHistorySync`]).
    SyncHistory,
    /// See [`crate::core::bridge::Command::JoinRoom`].
    JoinRoom {
        /// The room.
        room: BareJid,
        /// Our nickname.
        nick: String,
        /// The room's password.
        password: Option<Password>,
    },
    /// See [`crate::core::bridge::Command::LeaveRoom`].
    LeaveRoom(BareJid),
    /// See [`crate::core::bridge::Command::SetRoomSubject`].
    RoomSubject(BareJid, String),
    /// See [`crate::core::bridge::Command::SetBookmark`].
    SetBookmark(Bookmark),
    /// See [`crate::core::bridge::Command::RemoveBookmark`].
    RemoveBookmark(BareJid),
    /// See [`crate::core::bridge::Command::FetchRoomConfig`].
    FetchRoomConfig(BareJid, RoomConfigReply),
    /// See [`crate::core::bridge::Command::SaveRoomConfig`].
    SaveRoomConfig(BareJid, xmpp_parsers::minidom::Element, RoomConfigSaved),
    /// See [`crate::core::bridge::Command::ListCommands`].
    ListCommands(Jid, CommandsReply),
    /// See [`crate::core::bridge::Command::RunCommand`].
    RunCommand(Jid, CommandStep, CommandStepReply),
    /// See [`crate::core::bridge::Command::AnswerDecloak`].
    AnswerDecloak(BareJid, DecloakAnswer),
    /// See [`crate::core::bridge::Command::RequestPresence`].
    RequestPresence(BareJid, DecloakReason, PresenceAnswersReply),
    /// See [`crate::core::bridge::Command::WithdrawPresence`].
    WithdrawPresence(BareJid),
    /// See [`crate::core::bridge::Command::SendRawStanzas`].
    SendRaw(Vec<xmpp_parsers::stanza::Stanza>),
    /// See [`crate::core::bridge::Command::ServerInfo`].
    ServerInfo(
        tokio::sync::oneshot::Sender<Result<crate::core::xmpp::modules::x0092_version::ServerInfo, String>>,
    ),
    /// Changes the password on the server; the answer says whether it took it.
    ChangePassword(Password, tokio::sync::oneshot::Sender<Result<(), String>>),
    /// See [`crate::core::bridge::Command::SendFile`].
    SendFile {
        /// The contact or room.
        to: BareJid,
        /// Chat or group chat.
        kind: crate::core::message::ChatKind,
        /// The file.
        path: std::path::PathBuf,
        /// The UI's number for it.
        transfer: u64,
    },
    /// See [`crate::core::bridge::Command::DownloadFile`].
    DownloadFile(i64),
    /// See [`crate::core::bridge::Command::CancelTransfer`].
    CancelTransfer(TransferId),
}

/// Debug output that can reach a log: message text is shown by size, form
/// submissions by outline, passwords (a [`Password`]) not at all.
impl fmt::Debug for SessionRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SetContact {
                contact,
                name,
                groups,
            } => f
                .debug_struct("SetContact")
                .field("contact", contact)
                .field("name", name)
                .field("groups", groups)
                .finish(),
            Self::RemoveContact(a0) => f.debug_tuple("RemoveContact").field(a0).finish(),
            Self::OmemoDeviceLists(a0) => f.debug_tuple("OmemoDeviceLists").field(a0).finish(),
            Self::OmemoVerifyLink(a0, a1) => f
                .debug_tuple("OmemoVerifyLink")
                .field(a0)
                .field(&a1.len())
                .finish(),
            Self::OmemoDevices(a0) => f.debug_tuple("OmemoDevices").field(a0).finish(),
            Self::OmemoTrust {
                peer,
                owner,
                device,
                trust,
            } => f
                .debug_struct("OmemoTrust")
                .field("peer", peer)
                .field("owner", owner)
                .field("device", device)
                .field("trust", trust)
                .finish(),
            Self::Subscription(a0, a1) => f.debug_tuple("Subscription").field(a0).field(a1).finish(),
            Self::SetBlocked(a0, a1) => f.debug_tuple("SetBlocked").field(a0).field(a1).finish(),
            Self::ChatState(a0, a1) => f.debug_tuple("ChatState").field(a0).field(a1).finish(),
            Self::MarkDisplayed(a0, a1) => f.debug_tuple("MarkDisplayed").field(a0).field(a1).finish(),
            Self::LoadOlder(a0) => f.debug_tuple("LoadOlder").field(a0).finish(),
            Self::SyncHistory => f.write_str("SyncHistory"),
            Self::JoinRoom { room, nick, password } => f
                .debug_struct("JoinRoom")
                .field("room", room)
                .field("nick", nick)
                .field("password", password)
                .finish(),
            Self::LeaveRoom(a0) => f.debug_tuple("LeaveRoom").field(a0).finish(),
            Self::RoomSubject(a0, a1) => f.debug_tuple("RoomSubject").field(a0).field(a1).finish(),
            Self::SetBookmark(a0) => f.debug_tuple("SetBookmark").field(a0).finish(),
            Self::RemoveBookmark(a0) => f.debug_tuple("RemoveBookmark").field(a0).finish(),
            Self::FetchRoomConfig(a0, _) => {
                f.debug_tuple("FetchRoomConfig").field(a0).finish_non_exhaustive()
            }
            Self::SaveRoomConfig(a0, a1, _) => f
                .debug_tuple("SaveRoomConfig")
                .field(a0)
                .field(&Outline(a1))
                .finish_non_exhaustive(),
            Self::ListCommands(a0, _) => f.debug_tuple("ListCommands").field(a0).finish_non_exhaustive(),
            Self::RunCommand(a0, a1, _) => f
                .debug_tuple("RunCommand")
                .field(a0)
                .field(a1)
                .finish_non_exhaustive(),
            Self::AnswerDecloak(a0, a1) => f.debug_tuple("AnswerDecloak").field(a0).field(a1).finish(),
            Self::RequestPresence(a0, a1, _) => f
                .debug_tuple("RequestPresence")
                .field(a0)
                .field(a1)
                .finish_non_exhaustive(),
            Self::WithdrawPresence(a0) => f.debug_tuple("WithdrawPresence").field(a0).finish(),
            Self::ServerInfo(_) => f.debug_tuple("ServerInfo").finish_non_exhaustive(),
            Self::SendRaw(stanzas) => f.debug_tuple("SendRaw").field(&stanzas.len()).finish(),
            Self::ChangePassword(a0, _) => f.debug_tuple("ChangePassword").field(a0).finish_non_exhaustive(),
            Self::SendFile {
                to, kind, transfer, ..
            } => f
                .debug_struct("SendFile")
                .field("to", to)
                .field("kind", kind)
                .field("transfer", transfer)
                .finish_non_exhaustive(),
            Self::DownloadFile(a0) => f.debug_tuple("DownloadFile").field(a0).finish(),
            Self::CancelTransfer(a0) => f.debug_tuple("CancelTransfer").field(a0).finish(),
        }
    }
}

/// Where a command is carried out.
pub enum Routed {
    /// By the account's running session, as this request.
    Session(BareJid, SessionRequest),
    /// By the worker itself.
    Worker(Command),
}

impl Command {
    /// The account and the session request for a command that a running
    /// session carries out as it is; any other command is the worker's.
    pub fn route(self) -> Routed {
        use SessionRequest as R;
        let (jid, request) = match self {
            Command::JoinRoom {
                jid,
                room,
                nick,
                password,
            } => {
                let nick = nick
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| jid.node().map(|n| n.to_string()).unwrap_or_else(|| "me".into()));
                (jid, R::JoinRoom { room, nick, password })
            }
            Command::LeaveRoom { jid, room } => (jid, R::LeaveRoom(room)),
            Command::SetRoomSubject { jid, room, subject } => (jid, R::RoomSubject(room, subject)),
            Command::SetBookmark { jid, bookmark } => (jid, R::SetBookmark(bookmark)),
            Command::RemoveBookmark { jid, room } => (jid, R::RemoveBookmark(room)),
            Command::FetchRoomConfig { jid, room, reply } => (jid, R::FetchRoomConfig(room, reply)),
            Command::SaveRoomConfig {
                jid,
                room,
                submission,
                reply,
            } => (jid, R::SaveRoomConfig(room, submission, reply)),
            Command::ListCommands { jid, entity, reply } => (jid, R::ListCommands(entity, reply)),
            Command::RunCommand {
                jid,
                entity,
                step,
                reply,
            } => (jid, R::RunCommand(entity, step, reply)),
            Command::SendChatState { jid, to, state } => (jid, R::ChatState(to, state)),
            Command::MarkDisplayed { jid, to, id } => (jid, R::MarkDisplayed(to, id)),
            Command::SetContact {
                jid,
                contact,
                name,
                groups,
            } => (
                jid,
                R::SetContact {
                    contact,
                    name,
                    groups,
                },
            ),
            Command::RemoveContact { jid, contact } => (jid, R::RemoveContact(contact)),
            Command::Subscription { jid, contact, action } => (jid, R::Subscription(contact, action)),
            Command::SetBlocked { jid, items, blocked } => (jid, R::SetBlocked(items, blocked)),
            Command::LoadOlderMessages { jid, peer } => (jid, R::LoadOlder(peer)),
            Command::LearnOmemoDevices { jid, peer } => (jid, R::OmemoDeviceLists(peer)),
            Command::VerifyOmemoFingerprints {
                jid,
                peer,
                fingerprints,
            } => (jid, R::OmemoVerifyLink(peer, fingerprints)),
            Command::ListOmemoDevices { jid, peer } => (jid, R::OmemoDevices(peer)),
            Command::SetOmemoTrust {
                jid,
                peer,
                owner,
                device,
                trust,
            } => (
                jid,
                R::OmemoTrust {
                    peer,
                    owner,
                    device,
                    trust,
                },
            ),
            Command::AnswerDecloak { jid, from, answer } => (jid, R::AnswerDecloak(from, answer)),
            Command::RequestPresence {
                jid,
                to,
                reason,
                reply,
            } => (jid, R::RequestPresence(to, reason, reply)),
            Command::WithdrawPresence { jid, peer } => (jid, R::WithdrawPresence(peer)),
            Command::ServerInfo { jid, reply } => (jid, R::ServerInfo(reply)),
            Command::SendRawStanzas { jid, stanzas } => (jid, R::SendRaw(stanzas)),
            Command::SendFile {
                jid,
                to,
                kind,
                path,
                transfer,
            } => (
                jid,
                R::SendFile {
                    to,
                    kind,
                    path,
                    transfer,
                },
            ),
            Command::DownloadFile { jid, message } => (jid, R::DownloadFile(message)),
            Command::CancelTransfer { jid, transfer } => (jid, R::CancelTransfer(transfer)),
            other => return Routed::Worker(other),
        };
        Routed::Session(jid, request)
    }
}

impl SessionRequest {
    /// The transfer this request starts, when it starts one: while offline
    /// it fails as a transfer, so the UI can offer to retry it.
    pub fn transfer(&self) -> Option<TransferId> {
        match self {
            Self::SendFile { transfer, .. } => Some(TransferId::Upload(*transfer)),
            Self::DownloadFile(message) => Some(TransferId::Download(*message)),
            _ => None,
        }
    }

    /// Tells the asker that there is no session to carry this out; false
    /// when the request has no one waiting for an answer.
    pub fn answer_offline(self) -> bool {
        match self {
            SessionRequest::ListCommands(_, reply) => reply.send(Err(CommandError::Offline)).is_ok(),
            SessionRequest::RunCommand(_, _, reply) => reply.send(Err(CommandError::Offline)).is_ok(),
            SessionRequest::FetchRoomConfig(_, reply) => reply.send(Err(RoomConfigError::Offline)).is_ok(),
            SessionRequest::SaveRoomConfig(_, _, reply) => reply.send(Err(RoomConfigError::Offline)).is_ok(),
            SessionRequest::RequestPresence(_, _, reply) => {
                reply.send(Err(PresenceRequestError::Offline)).is_ok()
            }
            SessionRequest::ServerInfo(reply) => reply.send(Err("offline".into())).is_ok(),
            SessionRequest::ChangePassword(_, reply) => reply.send(Err("offline".into())).is_ok(),
            _ => false,
        }
    }
}

fn report(ctx: &SessionContext, request: RequestKind, result: Result<(), IqError>) {
    if let Err(e) = result {
        tracing::warn!(?request, error = %e, "request failed");
        ctx.emit(Event::RequestFailed {
            jid: ctx.account.clone(),
            request,
            detail: e.to_string(),
        });
    }
}

/// Carries out `request`: stanzas without answers go out at once, in
/// order; requests that wait for an answer run on a task of their own.
pub fn spawn(ctx: &SessionContext, request: SessionRequest) {
    match request {
        SessionRequest::Subscription(contact, action) => {
            return ctx.out.send(roster::subscription_presence(action, contact));
        }
        SessionRequest::ChatState(to, state) => return ctx.out.send(chat::chat_state(to, state)),
        SessionRequest::MarkDisplayed(to, id) => {
            return ctx.out.send(x0333_markers::displayed_marker(Jid::from(to), id));
        }
        SessionRequest::LeaveRoom(room) => return x0045_muc::leave(ctx, &room),
        SessionRequest::RoomSubject(room, subject) => {
            return ctx.out.send(x0045_muc::subject_message(room, subject));
        }
        SessionRequest::SendFile {
            to,
            kind,
            path,
            transfer,
        } => return file_transfers::upload(ctx, transfer, kind, to, path),
        SessionRequest::DownloadFile(message) => return file_transfers::download(ctx, message),
        SessionRequest::CancelTransfer(transfer) => return file_transfers::cancel(ctx, transfer),
        SessionRequest::SendRaw(stanzas) => {
            for stanza in stanzas {
                ctx.out.send(stanza);
            }
            return;
        }
        _ => {}
    }
    let ctx = ctx.clone();
    tokio::spawn(async move {
        match request {
            SessionRequest::SetContact {
                contact,
                name,
                groups,
            } => {
                let r = roster::set_item(&ctx, contact, name, groups).await;
                report(&ctx, RequestKind::SetContact, r);
            }
            SessionRequest::RemoveContact(contact) => {
                let r = roster::remove_item(&ctx, contact).await;
                report(&ctx, RequestKind::RemoveContact, r);
            }
            SessionRequest::OmemoDeviceLists(peer) => x0384_omemo::learn_device_lists(&ctx, &peer).await,
            SessionRequest::OmemoVerifyLink(peer, fingerprints) => {
                x0384_omemo_trust::verify_link(&ctx, &peer, &fingerprints).await;
                x0384_omemo_trust::list(&ctx, &peer).await;
            }
            SessionRequest::OmemoDevices(peer) => x0384_omemo_trust::list(&ctx, &peer).await,
            SessionRequest::OmemoTrust {
                peer,
                owner,
                device,
                trust,
            } => {
                x0384_omemo_trust::set(&ctx, &owner, device, trust);
                x0384_omemo_trust::list(&ctx, &peer).await;
            }
            SessionRequest::SetBlocked(items, blocked) => {
                let r = x0191_blocking::change(&ctx, items, blocked).await;
                report(&ctx, RequestKind::Blocking, r);
            }
            SessionRequest::JoinRoom { room, nick, password } => {
                x0045_muc::join(&ctx, room, nick, password).await;
            }
            SessionRequest::SetBookmark(bookmark) => {
                let r = x0402_bookmarks::publish(&ctx, &bookmark).await;
                if r.is_ok() {
                    x0402_bookmarks::apply(&ctx, x0402_bookmarks::Change::Set(bookmark)).await;
                }
                report(&ctx, RequestKind::Bookmarks, r);
            }
            SessionRequest::RemoveBookmark(room) => {
                let r = x0402_bookmarks::retract(&ctx, &room).await;
                if r.is_ok() {
                    x0402_bookmarks::apply(&ctx, x0402_bookmarks::Change::Removed(room)).await;
                }
                report(&ctx, RequestKind::Bookmarks, r);
            }
            SessionRequest::FetchRoomConfig(room, reply) => {
                let _ = reply.send(x0045_muc_owner::fetch(&ctx, room).await);
            }
            SessionRequest::SaveRoomConfig(room, submission, reply) => {
                let _ = reply.send(x0045_muc_owner::submit(&ctx, room, submission).await);
            }
            SessionRequest::ListCommands(entity, reply) => {
                let _ = reply.send(x0050_command_client::list(&ctx, entity).await);
            }
            SessionRequest::RunCommand(entity, step, reply) => {
                let _ = reply.send(x0050_command_client::execute(&ctx, entity, step).await);
            }
            SessionRequest::AnswerDecloak(from, answer) => x0276_decloak::answer(&ctx, from, answer).await,
            SessionRequest::RequestPresence(to, reason, reply) => {
                let answers = x0276_decloak::request(&ctx, to, reason, x0276_decloak::ANSWER_WAIT).await;
                let _ = reply.send(Ok(answers));
            }
            SessionRequest::WithdrawPresence(peer) => x0276_decloak::withdraw(&ctx, &peer).await,
            SessionRequest::ServerInfo(reply) => {
                let _ = reply.send(Ok(
                    crate::core::xmpp::modules::x0092_version::server_info(&ctx).await
                ));
            }
            SessionRequest::ChangePassword(password, reply) => {
                let done =
                    crate::core::xmpp::modules::x0077_registration::change_password(&ctx, &password).await;
                let _ = reply.send(done.map_err(|e| e.to_string()));
            }
            SessionRequest::Subscription(..)
            | SessionRequest::SendFile { .. }
            | SessionRequest::DownloadFile(..)
            | SessionRequest::CancelTransfer(..)
            | SessionRequest::SendRaw(..)
            | SessionRequest::ChatState(..)
            | SessionRequest::MarkDisplayed(..)
            | SessionRequest::LeaveRoom(..)
            | SessionRequest::RoomSubject(..) => {}
            SessionRequest::SyncHistory => crate::core::xmpp::session::after_login::catch_up(&ctx).await,
            SessionRequest::LoadOlder(peer) => match x0313_mam::backfill(&ctx, peer.clone()).await {
                Ok((count, complete)) => ctx.emit(Event::HistoryLoaded {
                    jid: ctx.account.clone(),
                    peer,
                    count,
                    complete,
                }),
                Err(e) => report(&ctx, RequestKind::History, Err(e)),
            },
        }
    });
}
