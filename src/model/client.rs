//! The app's handle on the worker, and the list of accounts.

use gio::prelude::*;
use glib::subclass::prelude::*;
use xmpp_parsers::jid::BareJid;

use super::{dispatcher, Account};
use crate::core::{
    account::AccountConfig,
    bridge::{Command, ConnectionState, Event, OwnPresence},
    credentials::{Password, PasswordStorage},
    profile::Profile,
    worker::{self, WorkerHandle, WorkerOptions},
    xmpp::error::ConnectError,
};

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
        let options = WorkerOptions {
            autoconnect: true,
            ..Default::default()
        };
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

    fn send(&self, command: Command) {
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

    /// Applies one worker event (called by the dispatcher).
    pub fn apply_event(&self, event: Event) {
        let imp = self.imp();
        match event {
            Event::Started {
                accounts,
                secret_service,
            } => {
                for a in accounts {
                    self.account_or_insert(&a.jid, true);
                }
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
            // Contacts, conversations and the blocklist get their models
            // with the chat UI; until then they live in the store only.
            other => tracing::trace!(?other, "event without a model yet"),
        }
    }
}
