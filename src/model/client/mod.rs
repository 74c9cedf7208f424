//! The app's handle on the worker, and the list of accounts. What it does
//! is split by domain: [`cached_lists`] (start-up and connection timing),
//! [`actions`] (what the user does), [`events`] (the worker's events).

mod actions;
mod cached_lists;
mod events;
mod files;
mod privacy;
mod remote_control;
mod xml_console;

use gio::prelude::*;
use glib::subclass::prelude::*;
use xmpp_parsers::jid::BareJid;

use super::{
    cache_prefetch::{self},
    dispatcher, Account, MessageList, StoreReader,
};
use crate::core::{
    account::AccountConfig,
    bridge::{Command, ConnectionState, OwnPresence},
    credentials::{Password, PasswordStorage},
    history_sync::HistoryChoice,
    profile::Profile,
    worker::{self, WorkerHandle, WorkerOptions},
};

/// The most search results listed.
const SEARCH_RESULTS: usize = 200;

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
        /// The conversation on screen: its account and messages.
        pub open: RefCell<Option<(Account, MessageList)>>,
        /// The account being created, if any.
        pub registration: RefCell<Option<super::super::Registration>>,
        /// Decloak requests waiting for the user, the one asked first.
        pub decloak_queue: RefCell<std::collections::VecDeque<super::super::DecloakRequestObject>>,
        /// Uploads running or failed, in every conversation.
        pub uploads: gio::ListStore,
        /// The number of the last upload started.
        pub last_transfer: Cell<u64>,
        /// Rooms whose messages can be encrypted: (account, room).
        pub encryptable_rooms: RefCell<std::collections::HashSet<(String, String)>>,
        /// The OMEMO devices last listed, by account and contact.
        pub omemo_devices:
            RefCell<std::collections::HashMap<(String, String), Vec<crate::core::bridge::OmemoDeviceInfo>>>,
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
                open: RefCell::default(),
                registration: RefCell::default(),
                decloak_queue: RefCell::default(),
                uploads: gio::ListStore::new::<super::super::UploadObject>(),
                last_transfer: Cell::new(0),
                omemo_devices: RefCell::default(),
                encryptable_rooms: RefCell::default(),
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
                    // Someone asks to see an account's presence: (account, their JID,
                    // their message, their Kontalk key's fingerprint grouped for
                    // reading aloud, why their key is not trusted); empty when none.
                    Signal::builder("subscription-request")
                        .param_types([
                            Account::static_type(),
                            String::static_type(),
                            String::static_type(),
                            String::static_type(),
                            String::static_type(),
                        ])
                        .build(),
                    // Someone asks to see an account's presence; the first
                    // waiting request (more wait until it is answered).
                    Signal::builder("decloak-requested")
                        .param_types([super::super::DecloakRequestObject::static_type()])
                        .build(),
                    // Our presence was shared: (account, with whom, by a remembered decision).
                    Signal::builder("decloak-shared")
                        .param_types([Account::static_type(), String::static_type(), bool::static_type()])
                        .build(),
                    // Another device of ours controlled this client: (account, device, what, in words).
                    Signal::builder("remote-controlled")
                        .param_types([
                            Account::static_type(),
                            String::static_type(),
                            String::static_type(),
                        ])
                        .build(),
                    // A device changed the options (XEP-0146 set-options):
                    // sounds, auto-offline, auto-msg, auto-auth, auto-files.
                    Signal::builder("remote-options-changed")
                        .param_types([
                            bool::static_type(),
                            bool::static_type(),
                            bool::static_type(),
                            bool::static_type(),
                            bool::static_type(),
                        ])
                        .build(),
                    // A contact request was approved by the auto-auth option: (account, who).
                    Signal::builder("subscription-approved-automatically")
                        .param_types([Account::static_type(), String::static_type()])
                        .build(),
                    // Invisibility could not be changed: (account, the server's words).
                    Signal::builder("invisibility-failed")
                        .param_types([Account::static_type(), String::static_type()])
                        .build(),
                    // Something to tell the user (a failure they caused, an answer): (account, text).
                    Signal::builder("notice")
                        .param_types([Account::static_type(), String::static_type()])
                        .build(),
                    // A stored account needs its password typed: (account, the server refused the last one).
                    Signal::builder("password-needed")
                        .param_types([Account::static_type(), bool::static_type()])
                        .build(),
                    // A message was not sent because it could not be encrypted:
                    // (account, contact, because of a verified contact's new device).
                    Signal::builder("message-not-encrypted")
                        .param_types([Account::static_type(), String::static_type(), bool::static_type()])
                        .build(),
                    // A contact's OMEMO device lists were read, which may encrypt their
                    // conversation by default: (account, contact).
                    Signal::builder("omemo-device-lists")
                        .param_types([Account::static_type(), String::static_type()])
                        .build(),
                    // A contact's OMEMO devices (and ours) were listed: (account, contact).
                    Signal::builder("omemo-devices")
                        .param_types([Account::static_type(), String::static_type()])
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
        // Stored accounts connect at once, while the window is built (the
        // worker's threads have the other core); the first frame does not
        // wait for them.
        let options = WorkerOptions {
            autoconnect: true,
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
    /// `history` is how much archived history it downloads.
    pub fn add_account(
        &self,
        config: AccountConfig,
        password: Password,
        storage: PasswordStorage,
        history: HistoryChoice,
    ) {
        let account = self.account_or_insert(&config.jid, false);
        account.apply_state(ConnectionState::Connecting { attempt: 1 });
        // Kept first: the first catch-up follows the login.
        self.send(Command::SetHistorySync {
            jid: config.jid.clone(),
            choice: history,
        });
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
}
