//! The app's handle on the worker, and the list of accounts.

use gio::prelude::*;
use glib::subclass::prelude::*;
use xmpp_parsers::jid::BareJid;

use super::{
    cache_prefetch::{self, Prefetched},
    conversation_list, dispatcher, Account, MessageList, StoreReader,
};
use crate::core::{
    account::AccountConfig,
    bridge::{Command, ConnectionState, Event, OwnPresence},
    contacts::RosterItem,
    contacts::SubscriptionAction,
    credentials::{Password, PasswordStorage},
    message::{ChatState, StoredMessage},
    profile::Profile,
    store::ConversationSummary,
    worker::{self, WorkerHandle, WorkerOptions},
    xmpp::connection::error::ConnectError,
};

/// The most search results listed.
const SEARCH_RESULTS: usize = 200;

/// Stored accounts connect once a window has drawn their cached lists
/// (see [`Client::connect_now`]), so that TLS and SCRAM do not compete
/// with the first frame for the CPU; or after this long without one.
const CONNECT_AFTER_LISTS: std::time::Duration = std::time::Duration::from_secs(1);

/// Where the stored accounts' cached lists are.
#[derive(Debug, Default)]
pub enum CachedListsState {
    /// Not read ahead: they load once the worker has started.
    #[default]
    NotRead,
    /// Being read ahead.
    Reading(cache_prefetch::Pending),
    /// On screen already, for these accounts.
    Shown(Vec<BareJid>),
}

mod imp {
    use std::{
        cell::{Cell, RefCell},
        sync::OnceLock,
    };

    use glib::subclass::Signal;

    use super::*;

    #[derive(Debug, glib::Properties)]
    #[properties(wrapper_type = super::Client)]
    pub struct Client {
        /// Accounts, stored ones first, then one being set up.
        #[property(get)]
        pub accounts: gio::ListStore,
        /// True once the worker has opened the profile.
        #[property(get)]
        pub started: Cell<bool>,
        /// Whether a Secret Service is on the session bus.
        #[property(get)]
        pub secret_service_available: Cell<bool>,
        /// Why the worker could not start, if it could not.
        #[property(get)]
        pub start_error: RefCell<Option<String>>,
        /// The worker.
        pub worker: RefCell<Option<WorkerHandle>>,
        /// The event dispatcher task.
        pub dispatcher: RefCell<Option<glib::JoinHandle<()>>>,
        /// Where the profile's database is.
        pub database: RefCell<Option<std::path::PathBuf>>,
        /// A read connection to it, once the worker has opened it.
        pub reader: RefCell<Option<StoreReader>>,
        /// The cached lists, read while the window is built.
        pub prefetch: RefCell<super::CachedListsState>,
        /// True once the stored accounts' cached lists are filled.
        pub lists_loaded: Cell<bool>,
        /// Stored accounts waiting to connect, and the fallback timer.
        pub pending_connect: RefCell<Option<(Vec<BareJid>, glib::SourceId)>>,
        /// The conversation on screen: its account and messages.
        pub open: RefCell<Option<(Account, MessageList)>>,
        /// The account being created, if any.
        pub registration: RefCell<Option<super::super::Registration>>,
    }

    impl Default for Client {
        fn default() -> Self {
            Self {
                accounts: gio::ListStore::new::<Account>(),
                started: Cell::new(false),
                secret_service_available: Cell::new(false),
                start_error: RefCell::default(),
                worker: RefCell::default(),
                dispatcher: RefCell::default(),
                database: RefCell::default(),
                reader: RefCell::default(),
                prefetch: RefCell::default(),
                lists_loaded: Cell::new(false),
                pending_connect: RefCell::default(),
                open: RefCell::default(),
                registration: RefCell::default(),
            }
        }
    }

    #[glib::object_subclass]
    impl ObjectSubclass for Client {
        const NAME: &'static str = "BalconyClient";
        type Type = super::Client;
    }

    #[glib::derived_properties]
    impl ObjectImpl for Client {
        fn signals() -> &'static [Signal] {
            static SIGNALS: OnceLock<Vec<Signal>> = OnceLock::new();
            SIGNALS.get_or_init(|| {
                vec![
                    // An account's server presented a certificate that did not verify.
                    Signal::builder("certificate-untrusted")
                        .param_types([Account::static_type()])
                        .build(),
                    // A new account logged in and was saved.
                    Signal::builder("account-added")
                        .param_types([Account::static_type()])
                        .build(),
                    // We are in a room now: (account, room).
                    Signal::builder("room-joined")
                        .param_types([Account::static_type(), String::static_type()])
                        .build(),
                    // Joining a room failed: (account, room, why for people).
                    Signal::builder("room-join-failed")
                        .param_types([
                            Account::static_type(),
                            String::static_type(),
                            String::static_type(),
                        ])
                        .build(),
                    // A message arrived live: (account, conversation, sender, text).
                    Signal::builder("message-received")
                        .param_types([
                            Account::static_type(),
                            String::static_type(),
                            String::static_type(),
                            String::static_type(),
                        ])
                        .build(),
                    // Someone asks to see an account's presence: (account, their JID, their message).
                    Signal::builder("subscription-request")
                        .param_types([
                            Account::static_type(),
                            String::static_type(),
                            String::static_type(),
                        ])
                        .build(),
                    // A new account logged in but could not be saved.
                    Signal::builder("account-save-failed")
                        .param_types([Account::static_type(), String::static_type()])
                        .build(),
                ]
            })
        }

        fn dispose(&self) {
            self.obj().shutdown();
        }
    }
}

glib::wrapper! {
    /// Owns the worker and the account models.
    pub struct Client(ObjectSubclass<imp::Client>);
}

impl Client {
    /// Starts a worker on `profile` and the dispatcher for its events.
    pub fn new(profile: Profile) -> std::io::Result<Self> {
        let client: Self = glib::Object::new();
        // Stored accounts connect once their cached lists are on screen.
        let options = WorkerOptions {
            autoconnect: false,
            ..Default::default()
        };
        client.imp().database.replace(Some(profile.database_path()));
        client
            .imp()
            .prefetch
            .replace(CachedListsState::Reading(cache_prefetch::start(
                profile.database_path(),
            )));
        let worker = worker::spawn(profile, options)?;
        let task = dispatcher::spawn(&client, worker.events());
        client.imp().worker.replace(Some(worker));
        client.imp().dispatcher.replace(Some(task));
        Ok(client)
    }

    /// Stops the dispatcher, then the worker (closing its connections).
    pub fn shutdown(&self) {
        let imp = self.imp();
        if let Some(task) = imp.dispatcher.take() {
            task.abort();
        }
        if let Some(worker) = imp.worker.take() {
            worker.shutdown();
        }
    }

    pub(crate) fn send(&self, command: Command) {
        match self.imp().worker.borrow().as_ref() {
            Some(w) => w.send(command),
            None => tracing::warn!(?command, "no worker"),
        }
    }

    /// The account object for `jid`, if known.
    pub fn account(&self, jid: &str) -> Option<Account> {
        self.imp()
            .accounts
            .iter::<Account>()
            .flatten()
            .find(|a| a.jid() == jid)
    }

    /// The first stored account.
    pub fn primary_account(&self) -> Option<Account> {
        self.imp()
            .accounts
            .iter::<Account>()
            .flatten()
            .find(|a| a.saved())
    }

    fn account_or_insert(&self, jid: &BareJid, saved: bool) -> Account {
        if let Some(a) = self.account(jid.as_str()) {
            return a;
        }
        let account = Account::new(jid.as_str(), saved);
        self.imp().accounts.append(&account);
        account
    }

    /// Logs in with new settings; the account is saved when that works.
    pub fn add_account(&self, config: AccountConfig, password: Password, storage: PasswordStorage) {
        let account = self.account_or_insert(&config.jid, false);
        account.apply_state(ConnectionState::Connecting { attempt: 1 });
        self.send(Command::AddAccount {
            config,
            password,
            storage,
        });
    }

    /// Pins the certificate the user accepted for `account` and reconnects.
    pub fn trust_certificate(&self, account: &Account) {
        let Some(cert) = account.take_pending_certificate() else {
            return;
        };
        let Ok(jid) = account.jid().parse::<BareJid>() else {
            return;
        };
        self.send(Command::TrustCertificate { jid, der: cert.der });
    }

    /// Sets our presence (connecting if needed).
    pub fn set_presence(&self, account: &Account, presence: OwnPresence) {
        let Ok(jid) = account.jid().parse::<BareJid>() else {
            return;
        };
        self.send(Command::SetPresence { jid, presence });
    }

    /// Goes offline.
    pub fn disconnect(&self, account: &Account) {
        let Ok(jid) = account.jid().parse::<BareJid>() else {
            return;
        };
        self.send(Command::Disconnect { jid });
    }

    /// Tells the servers whether a window of ours has focus (XEP-0352).
    pub fn set_interactive(&self, active: bool) {
        self.send(Command::SetInteractive { active });
    }

    /// Where the profile's database is.
    pub fn database_path(&self) -> Option<std::path::PathBuf> {
        self.imp().database.borrow().clone()
    }

    /// The read connection to the profile's database, once it is open.
    pub fn reader(&self) -> Option<StoreReader> {
        self.imp().reader.borrow().clone()
    }

    fn open_reader(&self) {
        let Some(path) = self.imp().database.borrow().clone() else {
            return;
        };
        match StoreReader::open(&path) {
            Ok(reader) => {
                self.imp().reader.replace(Some(reader));
            }
            Err(e) => tracing::error!(error = %e, "cannot read the message cache"),
        }
    }

    /// Fills `account`'s roster and conversation list from the store.
    fn load_conversations(&self, account: &Account) {
        let (Some(reader), Ok(jid)) = (self.reader(), account.jid().parse::<BareJid>()) else {
            return;
        };
        let account = account.clone();
        glib::spawn_future_local(async move {
            let read = reader
                .read(move |s| Ok((s.roster(&jid)?.1, s.conversation_summaries(&jid)?)))
                .await;
            match read {
                Ok((roster, conversations)) => {
                    fill_from_cache(&account, &roster, &conversations);
                    load_avatars(reader, &account);
                }
                Err(e) => tracing::error!(error = %e, "cannot read the cached roster and conversations"),
            }
        });
    }

    /// Shows the stored accounts' cached lists now, if the read that
    /// [`Client::new`] started ends within `timeout` (this thread waits for
    /// it). A window calls this before its first frame, so that the frame
    /// has them; otherwise they come once the worker has started. True if
    /// they are shown.
    pub fn show_cached_lists(&self, timeout: std::time::Duration) -> bool {
        let imp = self.imp();
        let read = match &*imp.prefetch.borrow() {
            CachedListsState::Reading(pending) => pending.wait(timeout),
            _ => return false,
        };
        match read {
            None => false,
            Some(Ok(prefetched)) => {
                let shown = self.fill_prefetched(prefetched);
                imp.prefetch.replace(CachedListsState::Shown(shown));
                true
            }
            Some(Err(e)) => {
                tracing::debug!(error = %e, "nothing prefetched");
                imp.prefetch.replace(CachedListsState::NotRead);
                false
            }
        }
    }

    /// Adopts the prefetch's read connection and fills the accounts it
    /// read (creating them); returns those accounts.
    fn fill_prefetched(&self, prefetched: Prefetched) -> Vec<BareJid> {
        let reader = StoreReader::from_store(prefetched.store);
        self.imp().reader.replace(Some(reader.clone()));
        let mut filled = Vec::new();
        for lists in prefetched.lists {
            let account = self.account_or_insert(&lists.account, true);
            fill_from_cache(&account, &lists.roster, &lists.conversations);
            load_avatars(reader.clone(), &account);
            filled.push(lists.account);
        }
        filled
    }

    /// Fills the started `accounts` that are not on screen yet: from the
    /// prefetch when it could read them, and from the store otherwise.
    fn load_cached_lists(&self, accounts: Vec<Account>, enabled: Vec<BareJid>) {
        match self.imp().prefetch.take() {
            CachedListsState::Shown(shown) => {
                self.load_others(&accounts, &shown);
                self.connect_soon(enabled);
            }
            CachedListsState::NotRead => {
                self.open_reader();
                self.load_others(&accounts, &[]);
                self.connect_soon(enabled);
            }
            CachedListsState::Reading(pending) => {
                glib::spawn_future_local(glib::clone!(
                    #[weak(rename_to = client)]
                    self,
                    async move {
                        let shown = match pending.finish().await {
                            Ok(prefetched) => client.fill_prefetched(prefetched),
                            Err(e) => {
                                tracing::debug!(error = %e, "nothing prefetched");
                                client.open_reader();
                                Vec::new()
                            }
                        };
                        client.load_others(&accounts, &shown);
                        client.connect_soon(enabled);
                    }
                ));
            }
        }
    }

    /// Loads the lists of those `accounts` that are not `shown` already.
    fn load_others(&self, accounts: &[Account], shown: &[BareJid]) {
        accounts
            .iter()
            .filter(|a| !shown.iter().any(|j| j.as_str() == a.jid()))
            .for_each(|a| self.load_conversations(a));
    }

    /// The cached lists are filled: the `enabled` stored accounts connect
    /// when a window has drawn them, or after [`CONNECT_AFTER_LISTS`].
    fn connect_soon(&self, enabled: Vec<BareJid>) {
        let imp = self.imp();
        imp.lists_loaded.set(true);
        if enabled.is_empty() {
            return;
        }
        let weak = self.downgrade();
        let timer = glib::timeout_add_local_once(CONNECT_AFTER_LISTS, move || {
            let Some(client) = weak.upgrade() else { return };
            if let Some((jids, _)) = client.imp().pending_connect.take() {
                client.connect_all(jids);
            }
        });
        imp.pending_connect.replace(Some((enabled, timer)));
    }

    fn connect_all(&self, jids: Vec<BareJid>) {
        for jid in jids {
            self.send(Command::Connect { jid });
        }
    }

    /// Whether the stored accounts' cached lists are filled.
    pub fn lists_loaded(&self) -> bool {
        self.imp().lists_loaded.get()
    }

    /// Whether stored accounts are waiting to connect.
    pub fn connect_pending(&self) -> bool {
        self.imp().pending_connect.borrow().is_some()
    }

    /// Connects the stored accounts now (a window has drawn their lists).
    pub fn connect_now(&self) {
        if let Some((jids, timer)) = self.imp().pending_connect.take() {
            timer.remove();
            self.connect_all(jids);
        }
    }

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
        self.send(Command::MarkConversationRead { jid, peer });
        Some(list)
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
        let Ok(jid) = account.jid().parse::<BareJid>() else {
            return;
        };
        account.room_or_insert(room.as_str());
        self.send(Command::JoinRoom {
            jid,
            room: room.clone(),
            nick: Some(nick.trim().to_owned()).filter(|n| !n.is_empty()),
            password: None,
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
        if account.status() == super::ConnectionStatus::Online {
            self.send(Command::SendChatState { jid, to, state });
        }
    }

    fn on_messages_added(&self, jid: &BareJid, messages: &[StoredMessage], live: bool) {
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
        conversation_list::record(&account.conversations(), messages, open_peer.as_ref());
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

    fn open_list_of(&self, jid: &BareJid) -> Option<MessageList> {
        let open = self.imp().open.borrow();
        let (account, list) = open.as_ref()?;
        (account.jid() == jid.as_str()).then(|| list.clone())
    }

    /// Starts creating the account `config.jid` on its server.
    pub fn register(&self, config: AccountConfig) -> super::Registration {
        if let Some(old) = self.imp().registration.take() {
            old.cancel();
        }
        let registration = super::Registration::new(self, config.jid.clone());
        self.imp().registration.replace(Some(registration.clone()));
        self.send(Command::StartRegistration { config });
        registration
    }

    fn registration_step(&self, jid: &BareJid, state: impl FnOnce() -> super::RegistrationState) {
        let current = self.imp().registration.borrow().clone();
        match current {
            Some(r) if r.jid().as_ref() == Some(jid) => r.set_state(state()),
            _ => tracing::debug!(%jid, "registration event without a registration"),
        }
    }

    /// Applies one worker event (called by the dispatcher).
    pub fn apply_event(&self, event: Event) {
        let imp = self.imp();
        match event {
            Event::Started {
                accounts,
                secret_service,
            } => {
                let enabled = accounts
                    .iter()
                    .filter(|a| a.enabled)
                    .map(|a| a.jid.clone())
                    .collect();
                let accounts = accounts
                    .iter()
                    .map(|a| self.account_or_insert(&a.jid, true))
                    .collect();
                self.load_cached_lists(accounts, enabled);
                imp.secret_service_available.set(secret_service);
                imp.started.set(true);
                self.notify_secret_service_available();
                self.notify_started();
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
                account.apply_state(state);
                if let Some(cert) = untrusted {
                    account.set_pending_certificate(Some(cert));
                    self.emit_by_name::<()>("certificate-untrusted", &[&account]);
                }
            }
            Event::PresenceChanged { jid, presence } => {
                self.account_or_insert(&jid, false).apply_presence(&presence);
            }
            Event::MessagesAdded { jid, messages, live } => self.on_messages_added(&jid, &messages, live),
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
            Event::RosterReplaced { jid, items, .. } => {
                let account = self.account_or_insert(&jid, false);
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
                    &[&account, &room.to_string(), &super::room_text::join_error(&error)],
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
                self.registration_step(&jid, || super::RegistrationState::Form(form.to_form()))
            }
            Event::Registered { jid } => {
                self.registration_step(&jid, || super::RegistrationState::Registered)
            }
            Event::RegistrationFailed { jid, error } => {
                self.registration_step(&jid, || super::RegistrationState::Failed(error))
            }
            Event::SubscriptionRequest { jid, from, status } => {
                let account = self.account_or_insert(&jid, false);
                self.emit_by_name::<()>("subscription-request", &[&account, &from.to_string(), &status]);
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
            // Contacts, rooms and the blocklist get their models with the
            // rest of the chat UI; until then they live in the store only.
            other => tracing::trace!(?other, "event without a model yet"),
        }
    }
}

/// Reads `account`'s stored avatars once its lists are on screen.
fn load_avatars(reader: StoreReader, account: &Account) {
    let (Ok(jid), account) = (account.jid().parse::<BareJid>(), account.clone()) else {
        return;
    };
    glib::spawn_future_local(async move {
        match reader.read(move |s| s.contact_avatars(&jid)).await {
            Ok(avatars) => {
                for a in avatars {
                    if account.roster().avatar(a.jid.as_str()).is_none() {
                        account.set_avatar(a.jid.as_str(), Some(glib::Bytes::from_owned(a.image.data)));
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read the stored avatars"),
        }
    });
}

/// Shows cached lists in an account whose lists are still empty (a login
/// or live message may have filled them meanwhile; those win).
fn fill_from_cache(account: &Account, roster: &[RosterItem], conversations: &[ConversationSummary]) {
    if account.roster().is_empty() {
        account.roster().replace(roster);
    }
    if account.conversations().n_items() == 0 {
        conversation_list::replace(&account.conversations(), conversations);
        account.name_conversations();
    }
}
