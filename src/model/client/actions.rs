//! What the user does through the client: open, search and send in
//! conversations, rooms and contacts, and create an account.

use glib::subclass::prelude::*;
use xmpp_parsers::jid::BareJid;

use crate::core::{
    account::AccountConfig,
    bridge::Command,
    contacts::SubscriptionAction,
    history_sync::HistoryChoice,
    message::{ChatState, StoredMessage},
};
use crate::model::{conversation_list, Account, MessageList};

use super::{Client, SEARCH_RESULTS};

impl Client {
    /// Opens `account`'s conversation with `peer`: it becomes the one on
    /// screen and counts as read. The caller loads the page to show
    /// ([`MessageList::load_latest`] or [`MessageList::load_around`]).
    pub fn open_conversation(&self, account: &Account, peer: &str) -> Option<MessageList> {
        let reader = self.reader()?;
        let jid: BareJid = account.jid().parse().ok()?;
        let peer: BareJid = peer.parse().ok()?;
        let list = MessageList::new(reader, jid.clone(), peer.clone());
        self.imp().open.replace(Some((account.clone(), list.clone())));
        if let Some((_, c)) = conversation_list::find(&account.conversations(), peer.as_str()) {
            c.set_unread(0);
        }
        if account.room(peer.as_str()).is_none() {
            // Whether it is encrypted by default: the lock follows.
            self.send(Command::LearnOmemoDevices {
                jid: jid.clone(),
                peer: peer.clone(),
            });
        }
        self.send(Command::MarkConversationRead { jid, peer });
        Some(list)
    }

    /// Whether messages to `peer` are encrypted: the user's choice, or
    /// on by default when the contact uses OMEMO.
    pub async fn conversation_encryption(&self, account: &Account, peer: &str) -> bool {
        let (Some(reader), Ok(jid), Ok(peer)) = (
            self.reader(),
            account.jid().parse::<BareJid>(),
            peer.parse::<BareJid>(),
        ) else {
            return false;
        };
        match reader.read(move |s| s.encrypts_to(&jid, &peer)).await {
            Ok(encrypted) => encrypted,
            Err(e) => {
                tracing::error!(error = %e, "encryption choice unreadable");
                false
            }
        }
    }

    /// Encrypts messages to `peer` from now on, or stops; remembered.
    pub fn set_conversation_encryption(&self, account: &Account, peer: &str, enabled: bool) {
        let (Ok(jid), Ok(peer)) = (account.jid().parse::<BareJid>(), peer.parse::<BareJid>()) else {
            return;
        };
        self.send(Command::SetConversationEncryption { jid, peer, enabled });
    }

    /// Whether messages in `room` can be encrypted (members-only and
    /// non-anonymous, as the room said when we joined).
    pub fn room_encryptable(&self, account: &Account, room: &str) -> bool {
        self.imp()
            .encryptable_rooms
            .borrow()
            .contains(&(account.jid(), room.to_owned()))
    }

    /// Verifies `peer`'s devices whose keys match the fingerprints of an
    /// `xmpp:` link; the outcome is told in a toast.
    pub fn verify_omemo_fingerprints(&self, account: &Account, peer: &str, fingerprints: Vec<(u32, String)>) {
        let (Ok(jid), Ok(peer)) = (account.jid().parse::<BareJid>(), peer.parse::<BareJid>()) else {
            return;
        };
        self.send(Command::VerifyOmemoFingerprints {
            jid,
            peer,
            fingerprints,
        });
    }

    /// Asks for the OMEMO devices of `peer` and our own; they come with
    /// the `omemo-devices` signal.
    pub fn list_omemo_devices(&self, account: &Account, peer: &str) {
        let (Ok(jid), Ok(peer)) = (account.jid().parse::<BareJid>(), peer.parse::<BareJid>()) else {
            return;
        };
        self.send(Command::ListOmemoDevices { jid, peer });
    }

    /// The OMEMO devices last listed for `peer`.
    pub fn omemo_devices(&self, account: &Account, peer: &str) -> Vec<crate::core::bridge::OmemoDeviceInfo> {
        self.imp()
            .omemo_devices
            .borrow()
            .get(&(account.jid(), peer.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    /// Records the user's trust in one device's key.
    pub fn set_omemo_trust(
        &self,
        account: &Account,
        peer: &str,
        device: &crate::core::bridge::OmemoDeviceInfo,
        trust: crate::core::bridge::Trust,
    ) {
        let (Ok(jid), Ok(peer)) = (account.jid().parse::<BareJid>(), peer.parse::<BareJid>()) else {
            return;
        };
        self.send(Command::SetOmemoTrust {
            jid,
            peer,
            owner: device.owner.clone(),
            device: device.device,
            trust,
        });
    }

    /// How much archived history `jid` downloads on its own (the default
    /// when it was never chosen).
    pub async fn history_choice(&self, jid: &BareJid) -> HistoryChoice {
        let Some(reader) = self.reader() else {
            return HistoryChoice::default();
        };
        let jid = jid.clone();
        match reader.read(move |s| s.history_policy(&jid)).await {
            Ok(policy) => policy.map(|p| p.choice).unwrap_or_default(),
            Err(e) => {
                tracing::error!(error = %e, "history choice unreadable");
                HistoryChoice::default()
            }
        }
    }

    /// Changes how much archived history `jid` downloads; online, what a
    /// wider choice adds is downloaded at once.
    pub fn set_history_choice(&self, jid: &BareJid, choice: HistoryChoice) {
        self.send(Command::SetHistorySync {
            jid: jid.clone(),
            choice,
        });
    }

    /// Where the last `unread` incoming messages of a conversation begin.
    pub async fn first_unread(&self, account: &Account, peer: &str, unread: u32) -> Option<i64> {
        let (reader, jid, peer) = (
            self.reader()?,
            account.jid().parse::<BareJid>().ok()?,
            peer.parse::<BareJid>().ok()?,
        );
        reader
            .read(move |s| s.nth_newest_incoming(&jid, &peer, unread))
            .await
            .ok()
            .flatten()
    }

    /// Messages of `account` matching `text` (in `peer`'s conversation
    /// only, when given), newest first.
    pub async fn search(&self, account: &Account, peer: Option<String>, text: String) -> Vec<StoredMessage> {
        let (Some(reader), Ok(jid)) = (self.reader(), account.jid().parse::<BareJid>()) else {
            return Vec::new();
        };
        let peer = peer.and_then(|p| p.parse::<BareJid>().ok());
        reader
            .read(move |s| s.search_messages(&jid, peer.as_ref(), &text, SEARCH_RESULTS))
            .await
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "search failed");
                Vec::new()
            })
    }

    /// The conversation on screen, if any.
    pub fn open_list(&self) -> Option<MessageList> {
        self.imp().open.borrow().as_ref().map(|(_, l)| l.clone())
    }

    /// Sends a message to a contact or, when `peer` is a room we are in,
    /// to the room (it is stored first, so nothing is lost offline).
    pub fn send_message(&self, account: &Account, peer: &str, body: &str) {
        let (Ok(jid), Ok(to)) = (account.jid().parse::<BareJid>(), peer.parse::<BareJid>()) else {
            return;
        };
        let body = body.trim_end().to_owned();
        if body.trim().is_empty() {
            return;
        }
        if account.room(peer).is_some() {
            self.send(Command::SendGroupMessage { jid, room: to, body });
        } else {
            self.send(Command::SendMessage { jid, to, body });
        }
    }

    /// Joins a room as `nick` (the account's name when empty).
    pub fn join_room(&self, account: &Account, room: &BareJid, nick: &str) {
        self.join_room_with_password(account, room, nick, None);
    }

    /// Joins a room, with its password when one is needed.
    pub fn join_room_with_password(
        &self,
        account: &Account,
        room: &BareJid,
        nick: &str,
        password: Option<String>,
    ) {
        let Ok(jid) = account.jid().parse::<BareJid>() else {
            return;
        };
        account.room_or_insert(room.as_str());
        self.send(Command::JoinRoom {
            jid,
            room: room.clone(),
            nick: Some(nick.trim().to_owned()).filter(|n| !n.is_empty()),
            password: password.map(|p| crate::core::credentials::Password::new(&p)),
        });
    }

    /// Leaves a room.
    pub fn leave_room(&self, account: &Account, room: &str) {
        let (Ok(jid), Ok(room)) = (account.jid().parse::<BareJid>(), room.parse::<BareJid>()) else {
            return;
        };
        self.send(Command::LeaveRoom { jid, room });
    }

    /// Corrects our message `replaces` (its origin-id) in a conversation.
    pub fn correct_message(&self, account: &Account, peer: &str, replaces: &str, body: &str) {
        let (Ok(jid), Ok(to)) = (account.jid().parse::<BareJid>(), peer.parse::<BareJid>()) else {
            return;
        };
        let body = body.trim_end().to_owned();
        if body.trim().is_empty() {
            return;
        }
        self.send(Command::CorrectMessage {
            jid,
            to,
            replaces: replaces.to_owned(),
            body,
        });
    }

    /// Adds a contact and asks to see their presence.
    pub fn add_contact(&self, account: &Account, contact: &BareJid, name: Option<String>) {
        let Ok(jid) = account.jid().parse::<BareJid>() else {
            return;
        };
        self.send(Command::SetContact {
            jid: jid.clone(),
            contact: contact.clone(),
            name,
            groups: Vec::new(),
        });
        self.send(Command::Subscription {
            jid,
            contact: contact.clone(),
            action: SubscriptionAction::Request,
        });
    }

    /// Answers a request to see our presence.
    pub fn answer_subscription(&self, account: &Account, from: &str, allow: bool) {
        let (Ok(jid), Ok(contact)) = (account.jid().parse::<BareJid>(), from.parse::<BareJid>()) else {
            return;
        };
        let action = if allow {
            SubscriptionAction::Approve
        } else {
            SubscriptionAction::Deny
        };
        self.send(Command::Subscription { jid, contact, action });
    }

    /// Tells the contact whether we are typing (XEP-0085).
    pub fn send_chat_state(&self, account: &Account, peer: &str, state: ChatState) {
        let (Ok(jid), Ok(to)) = (account.jid().parse::<BareJid>(), peer.parse::<BareJid>()) else {
            return;
        };
        if account.status() == crate::model::ConnectionStatus::Online {
            self.send(Command::SendChatState { jid, to, state });
        }
    }

    /// Starts creating the account `config.jid` on its server.
    pub fn register(&self, config: AccountConfig) -> crate::model::Registration {
        if let Some(old) = self.imp().registration.take() {
            old.cancel();
        }
        let registration = crate::model::Registration::new(self, config.jid.clone());
        self.imp().registration.replace(Some(registration.clone()));
        self.send(Command::StartRegistration { config });
        registration
    }

    pub(super) fn registration_step(
        &self,
        jid: &BareJid,
        state: impl FnOnce() -> crate::model::RegistrationState,
    ) {
        let current = self.imp().registration.borrow().clone();
        match current {
            Some(r) if r.jid().as_ref() == Some(jid) => r.set_state(state()),
            _ => tracing::debug!(%jid, "registration event without a registration"),
        }
    }
}
