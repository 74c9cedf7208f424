//! Applying the worker's events to the account models.

use gio::prelude::*;
use glib::subclass::prelude::*;
use xmpp_parsers::jid::BareJid;

use crate::core::{
    bridge::{Command, ConnectionState, Event},
    message::{ChatState, StoredMessage},
    xmpp::connection::error::ConnectError,
};
use crate::{
    i18n::{gettext, gettext_f},
    model::{conversation_list, MessageList},
};

use super::Client;

impl Client {
    fn on_messages_added(&self, jid: &BareJid, messages: &[StoredMessage], live: bool, read_before: i64) {
        let account = self.account_or_insert(jid, false);
        if live {
            for m in messages.iter().filter(|m| !m.message.outgoing) {
                self.emit_by_name::<()>(
                    "message-received",
                    &[
                        &account,
                        &m.message.peer.to_string(),
                        &m.message.sender,
                        &m.message.body,
                    ],
                );
            }
        }
        let open = self.imp().open.borrow().clone();
        let open_peer = open
            .as_ref()
            .filter(|(a, _)| a == &account)
            .and_then(|(_, list)| list.peer());
        conversation_list::record(
            &account.conversations(),
            messages,
            open_peer.as_ref(),
            read_before,
        );
        let mut peers: Vec<&str> = messages.iter().map(|m| m.message.peer.as_str()).collect();
        peers.dedup();
        for peer in peers {
            account.name_conversation(peer);
        }
        if let (Some((_, list)), Some(peer)) = (open, open_peer) {
            list.on_added(messages, live);
            if messages
                .iter()
                .any(|m| m.message.peer == peer && !m.message.outgoing)
            {
                self.send(Command::MarkConversationRead {
                    jid: jid.clone(),
                    peer,
                });
            }
        }
    }

    pub(super) fn open_list_of(&self, jid: &BareJid) -> Option<MessageList> {
        let open = self.imp().open.borrow();
        let (account, list) = open.as_ref()?;
        (account.jid() == jid.as_str()).then(|| list.clone())
    }

    /// Applies one worker event (called by the dispatcher).
    pub fn apply_event(&self, event: Event) {
        let imp = self.imp();
        let Some(event) = self.apply_privacy_event(event) else {
            return;
        };
        let Some(event) = self.apply_remote_event(event) else {
            return;
        };
        let Some(event) = self.apply_file_event(event) else {
            return;
        };
        match event {
            Event::Started { accounts } => {
                let accounts = accounts
                    .iter()
                    .map(|a| self.account_or_insert(&a.jid, true))
                    .collect();
                self.load_cached_lists(accounts);
                imp.started.set(true);
                self.notify_started();
            }
            Event::SecretServiceChecked { available } => {
                imp.secret_service_available.set(available);
                self.notify_secret_service_available();
            }
            Event::StartFailed { detail } => {
                imp.start_error.replace(Some(detail));
                self.notify_start_error();
            }
            Event::AccountAdded { jid, .. } => {
                let account = self.account_or_insert(&jid, true);
                account.set_saved(true);
                self.load_conversations(&account);
                self.emit_by_name::<()>("account-added", &[&account]);
            }
            Event::AccountSaveFailed { jid, detail } => {
                let account = self.account_or_insert(&jid, false);
                self.emit_by_name::<()>("account-save-failed", &[&account, &detail]);
            }
            Event::ConnectionChanged { jid, state } => {
                let account = self.account_or_insert(&jid, false);
                let untrusted = match &state {
                    ConnectionState::Offline {
                        error: Some(ConnectError::UntrustedCertificate(cert)),
                    } => Some((**cert).clone()),
                    _ => None,
                };
                let password_needed = match &state {
                    ConnectionState::Offline {
                        error: Some(ConnectError::PasswordUnavailable { .. }),
                    } => Some(false),
                    ConnectionState::Offline {
                        error: Some(ConnectError::AuthenticationFailed { .. }),
                    } => Some(true),
                    _ => None,
                };
                account.apply_state(state);
                if let (Some(refused), true) = (password_needed, account.saved()) {
                    self.emit_by_name::<()>("password-needed", &[&account, &refused]);
                }
                if let Some(cert) = untrusted {
                    account.set_pending_certificate(Some(cert));
                    self.emit_by_name::<()>("certificate-untrusted", &[&account]);
                }
            }
            Event::PresenceChanged { jid, presence } => {
                self.account_or_insert(&jid, false).apply_presence(&presence);
            }
            Event::MessagesAdded {
                jid,
                messages,
                live,
                read_before,
            } => self.on_messages_added(&jid, &messages, live, read_before),
            Event::MessageStateChanged {
                jid,
                origin_id,
                state,
                ..
            } => {
                if let Some(list) = self.open_list_of(&jid) {
                    list.on_state(&origin_id, state);
                }
            }
            Event::RosterReplaced {
                jid,
                items,
                unchanged,
            } => {
                let account = self.account_or_insert(&jid, false);
                // Unchanged since the cache the lists were filled from:
                // nothing to redo (1,000 contacts took the main loop a
                // while at every login).
                if unchanged && !account.roster().is_empty() {
                    return;
                }
                account.roster().replace(&items);
                account.name_conversations();
            }
            Event::RosterItemChanged { jid, item } => {
                let account = self.account_or_insert(&jid, false);
                account.roster().upsert(&item);
                account.name_conversation(item.jid.as_str());
            }
            Event::RosterItemRemoved { jid, contact } => {
                let account = self.account_or_insert(&jid, false);
                account.roster().remove(contact.as_str());
                account.name_conversation(contact.as_str());
            }
            Event::ContactAvatar { jid, contact, image } => {
                let account = self.account_or_insert(&jid, false);
                account.set_avatar(contact.as_str(), image.map(|i| glib::Bytes::from_owned(i.data)));
            }
            Event::ContactPresence {
                jid,
                contact,
                presence,
            } => {
                let account = self.account_or_insert(&jid, false);
                account.roster().apply_presence(contact.as_str(), &presence);
                account.name_conversation(contact.as_str());
            }
            Event::RoomJoined {
                jid,
                room,
                nick,
                occupants,
                subject,
            } => {
                let account = self.account_or_insert(&jid, false);
                let r = account.room_or_insert(room.as_str());
                r.set_nick(nick);
                r.set_occupants(&occupants);
                if let Some(subject) = subject {
                    r.set_subject(subject);
                }
                r.set_joined(true);
                self.emit_by_name::<()>("room-joined", &[&account, &room.to_string()]);
            }
            Event::RoomJoinFailed { jid, room, error } => {
                let account = self.account_or_insert(&jid, false);
                account.forget_room(room.as_str());
                self.emit_by_name::<()>(
                    "room-join-failed",
                    &[
                        &account,
                        &room.to_string(),
                        &crate::model::room_text::join_error(&error),
                    ],
                );
            }
            Event::RoomLeft { jid, room, .. } => {
                let account = self.account_or_insert(&jid, false);
                if let Some(r) = account.room(room.as_str()) {
                    r.set_joined(false);
                }
                account.forget_room(room.as_str());
            }
            Event::OccupantChanged { jid, room, occupant } => {
                if let Some(r) = self.account_or_insert(&jid, false).room(room.as_str()) {
                    r.upsert_occupant(&occupant);
                }
            }
            Event::OccupantLeft { jid, room, nick } => {
                if let Some(r) = self.account_or_insert(&jid, false).room(room.as_str()) {
                    r.remove_occupant(&nick);
                }
            }
            Event::RoomSubjectChanged {
                jid, room, subject, ..
            } => {
                if let Some(r) = self.account_or_insert(&jid, false).room(room.as_str()) {
                    r.set_subject(subject);
                }
            }
            Event::RegistrationForm { jid, form } => {
                self.registration_step(&jid, || crate::model::RegistrationState::Form(form.to_form()))
            }
            Event::Registered { jid } => {
                self.registration_step(&jid, || crate::model::RegistrationState::Registered)
            }
            Event::RegistrationFailed { jid, error } => {
                self.registration_step(&jid, || crate::model::RegistrationState::Failed(error))
            }
            Event::SubscriptionRequest {
                jid,
                from,
                status,
                key,
            } => {
                use crate::core::xmpp::modules::kontalk_pubkey::{grouped, KeyCheck};
                let account = self.account_or_insert(&jid, false);
                let (fingerprint, problem) = match key {
                    None => (String::new(), String::new()),
                    Some(KeyCheck::Verified(f)) => (grouped(&f), String::new()),
                    Some(KeyCheck::Malformed(why)) => (
                        String::new(),
                        crate::i18n::gettext_f(
                            "Their public key is malformed and is not trusted: {detail}",
                            &[("detail", &why)],
                        ),
                    ),
                    Some(KeyCheck::Mismatch { .. }) => (
                        String::new(),
                        crate::i18n::gettext(
                            "Their public key does not match its fingerprint and is not trusted",
                        ),
                    ),
                };
                self.emit_by_name::<()>(
                    "subscription-request",
                    &[&account, &from.to_string(), &status, &fingerprint, &problem],
                );
            }
            Event::ChatStateChanged { jid, peer, state } => {
                let account = self.account_or_insert(&jid, false);
                if let Some((_, c)) = account.conversation(peer.as_str()) {
                    c.set_typing(state == ChatState::Composing);
                }
            }
            Event::MessageCorrected { jid, correction } => {
                if let Some(account) = self.account(jid.as_str()) {
                    conversation_list::correct(&account.conversations(), &correction);
                }
                if let Some(list) = self.open_list_of(&jid) {
                    list.on_corrected(&correction);
                }
            }
            Event::SubscriptionAnswer {
                jid,
                contact,
                approved,
            } => {
                let contact = contact.to_string();
                let text = if approved {
                    gettext_f(
                        "{contact} accepted your contact request",
                        &[("contact", &contact)],
                    )
                } else {
                    gettext_f(
                        "{contact} declined your contact request",
                        &[("contact", &contact)],
                    )
                };
                self.notice(&jid, &text);
            }
            Event::BlocklistChanged { jid, items, blocked } => {
                let who: Vec<String> = items.iter().map(ToString::to_string).collect();
                let text = match (blocked, who.is_empty()) {
                    (true, _) => gettext_f("Blocked {contacts}", &[("contacts", &who.join(", "))]),
                    (false, true) => gettext("Everyone was unblocked"),
                    (false, false) => gettext_f("Unblocked {contacts}", &[("contacts", &who.join(", "))]),
                };
                self.notice(&jid, &text);
            }
            Event::OmemoLinkChecked {
                jid,
                peer,
                verified,
                mismatched,
            } => {
                let contact = peer.to_string();
                let text = if mismatched.is_empty() {
                    crate::i18n::ngettext_f(
                        "Verified {contact}’s device: its key matches the link",
                        "Verified {count} of {contact}’s devices: their keys match the link",
                        verified.len() as u32,
                        &[("contact", &contact), ("count", &verified.len().to_string())],
                    )
                } else if verified.is_empty() {
                    crate::i18n::gettext_f(
                        "The link does not match {contact}’s keys. Nothing was verified from it; the link may be old, or not from {contact}.",
                        &[("contact", &contact)],
                    )
                } else {
                    crate::i18n::gettext_f(
                        "Some of {contact}’s keys match the link and were verified; others do not match and were not.",
                        &[("contact", &contact)],
                    )
                };
                self.notice(&jid, &text);
            }
            Event::RoomEncryption { jid, room, possible } => {
                let key = (jid.to_string(), room.to_string());
                if possible {
                    imp.encryptable_rooms.borrow_mut().insert(key);
                } else {
                    imp.encryptable_rooms.borrow_mut().remove(&key);
                }
                // The lock follows, as for a contact's devices.
                let account = self.account_or_insert(&jid, false);
                self.emit_by_name::<()>("omemo-device-lists", &[&account, &room.to_string()]);
            }
            Event::OmemoDeviceLists { jid, peer, .. } => {
                let account = self.account_or_insert(&jid, false);
                self.emit_by_name::<()>("omemo-device-lists", &[&account, &peer.to_string()]);
            }
            Event::OmemoDevices { jid, peer, devices } => {
                imp.omemo_devices
                    .borrow_mut()
                    .insert((jid.to_string(), peer.to_string()), devices);
                let account = self.account_or_insert(&jid, false);
                self.emit_by_name::<()>("omemo-devices", &[&account, &peer.to_string()]);
            }
            Event::MessageNotEncrypted {
                jid,
                peer,
                new_device,
                ..
            } => {
                // The window says why, and opens the keys.
                let peer = peer.map(|p| p.to_string()).unwrap_or_default();
                let account = self.account_or_insert(&jid, false);
                self.emit_by_name::<()>("message-not-encrypted", &[&account, &peer, &new_device]);
            }
            Event::RequestFailed { jid, request, detail } => {
                self.notice(&jid, &crate::model::request_text::failed(request, &detail));
            }
            Event::HistoryProgress {
                jid,
                messages,
                finished,
            } => {
                if let Some(account) = self.account(jid.as_str()) {
                    account.set_history_progress(messages as u64, finished);
                }
            }
            Event::CatchUpFinished { jid, pages, messages } => {
                tracing::debug!(%jid, pages, messages, "archive catch-up finished");
            }
            // The worker keeps these in the store, where the views read
            // them; nothing on screen shows them yet.
            Event::ContactCapabilities { .. }
            | Event::BlocklistReplaced { .. }
            | Event::HistoryLoaded { .. }
            | Event::BookmarksReplaced { .. }
            | Event::BookmarkChanged { .. }
            | Event::BookmarkRemoved { .. } => {}
            // Applied before this match (`privacy.rs`, `remote_control.rs`).
            Event::InvisibilitySupport { .. }
            | Event::VisibleTo { .. }
            | Event::DecloakRequested { .. }
            | Event::DecloakShared { .. }
            | Event::RemoteControlled { .. }
            | Event::DeviceChanged { .. }
            | Event::DeviceGone { .. }
            | Event::SubscriptionApprovedAutomatically { .. }
            | Event::TransferProgress { .. }
            | Event::TransferFailed { .. }
            | Event::UploadDone { .. }
            | Event::FileChanged { .. } => {}
        }
    }

    /// Shows `text` to the user about `jid`'s account (a toast).
    fn notice(&self, jid: &BareJid, text: &str) {
        let account = self.account_or_insert(jid, false);
        self.emit_by_name::<()>("notice", &[&account, &text]);
    }
}
