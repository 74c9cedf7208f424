//! How a [`Command`] shows in logs: message text by size, form
//! submissions by outline, passwords not at all.

use std::fmt;

use super::Command;
use crate::core::redact::{Outline, Redacted};

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
            Self::LoginWithPassword {
                jid,
                password,
                storage,
            } => f
                .debug_struct("LoginWithPassword")
                .field("jid", jid)
                .field("password", password)
                .field("storage", storage)
                .finish(),
            Self::ChangePassword { jid, password, .. } => f
                .debug_struct("ChangePassword")
                .field("jid", jid)
                .field("password", password)
                .finish_non_exhaustive(),
            Self::WatchStream { jid, sink } => f
                .debug_struct("WatchStream")
                .field("jid", jid)
                .field("watching", &sink.is_some())
                .finish(),
            // What the user typed can hold anything: its size only.
            Self::SendRawStanzas { jid, stanzas } => f
                .debug_struct("SendRawStanzas")
                .field("jid", jid)
                .field("stanzas", &stanzas.len())
                .finish(),
            Self::ServerInfo { jid, .. } => f
                .debug_struct("ServerInfo")
                .field("jid", jid)
                .finish_non_exhaustive(),
            Self::SendFile {
                jid,
                to,
                kind,
                transfer,
                ..
            } => f
                .debug_struct("SendFile")
                .field("jid", jid)
                .field("to", to)
                .field("kind", kind)
                .field("transfer", transfer)
                .finish_non_exhaustive(),
            Self::DownloadFile { jid, message } => f
                .debug_struct("DownloadFile")
                .field("jid", jid)
                .field("message", message)
                .finish(),
            Self::CancelTransfer { jid, transfer } => f
                .debug_struct("CancelTransfer")
                .field("jid", jid)
                .field("transfer", transfer)
                .finish(),
            Self::SetDownloadDirectory { .. } => {
                f.debug_struct("SetDownloadDirectory").finish_non_exhaustive()
            }
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
            Self::SetConversationEncryption { jid, peer, enabled } => f
                .debug_struct("SetConversationEncryption")
                .field("jid", jid)
                .field("peer", peer)
                .field("enabled", enabled)
                .finish(),
            Self::VerifyOmemoFingerprints {
                jid,
                peer,
                fingerprints,
            } => f
                .debug_struct("VerifyOmemoFingerprints")
                .field("jid", jid)
                .field("peer", peer)
                .field("fingerprints", &fingerprints.len())
                .finish(),
            Self::LearnOmemoDevices { jid, peer } => f
                .debug_struct("LearnOmemoDevices")
                .field("jid", jid)
                .field("peer", peer)
                .finish(),
            Self::ListOmemoDevices { jid, peer } => f
                .debug_struct("ListOmemoDevices")
                .field("jid", jid)
                .field("peer", peer)
                .finish(),
            Self::SetOmemoTrust {
                jid,
                peer,
                owner,
                device,
                trust,
            } => f
                .debug_struct("SetOmemoTrust")
                .field("jid", jid)
                .field("peer", peer)
                .field("owner", owner)
                .field("device", device)
                .field("trust", trust)
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
            Self::SetRemoteControl { enabled, options } => f
                .debug_struct("SetRemoteControl")
                .field("enabled", enabled)
                .field("options", options)
                .finish(),
            Self::SetDecloakPolicy { policy } => f
                .debug_struct("SetDecloakPolicy")
                .field("policy", policy)
                .finish(),
            Self::SetHistorySync { jid, choice } => f
                .debug_struct("SetHistorySync")
                .field("jid", jid)
                .field("choice", choice)
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
