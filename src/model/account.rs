//! One XMPP account as the UI sees it.

use std::time::Instant;

use gio::prelude::*;
use glib::subclass::prelude::*;

use super::ConnectionStatus;

/// Availability name shown while invisible.
pub const INVISIBLE: &str = "invisible";
/// [`Account::invisibility`] before the server was asked.
pub const INVISIBILITY_UNKNOWN: &str = "unknown";
/// [`Account::invisibility`] when the server offers none.
pub const INVISIBILITY_NONE: &str = "none";
/// [`Account::invisibility`] when the server offers it.
pub const INVISIBILITY_SUPPORTED: &str = "supported";
use crate::core::{
    bridge::{Availability, ConnectionState, OwnPresence},
    xmpp::connection::tls::UntrustedCertificate,
};

mod imp {
    use std::{
        cell::{Cell, RefCell},
        sync::OnceLock,
    };

    use glib::subclass::Signal;

    use super::*;

    #[derive(Debug, glib::Properties)]
    #[properties(wrapper_type = super::Account)]
    pub struct Account {
        /// The bare JID.
        #[property(get, construct_only)]
        pub jid: RefCell<String>,
        /// Coarse connection status, for bindings.
        #[property(get, builder(ConnectionStatus::default()))]
        pub status: Cell<ConnectionStatus>,
        /// Whether the account is stored in the profile (false while setting up).
        #[property(get, set)]
        pub saved: Cell<bool>,
        /// Our availability name (`available`, `away`, …).
        #[property(get)]
        pub availability: RefCell<String>,
        /// Our status message.
        #[property(get)]
        pub status_message: RefCell<String>,
        /// The detailed connection state.
        pub state: RefCell<ConnectionState>,
        /// When the next reconnection attempt is due.
        pub retry_at: Cell<Option<Instant>>,
        /// A certificate waiting for the user's decision.
        pub pending_certificate: RefCell<Option<UntrustedCertificate>>,
        /// Conversations, the most recently active first.
        #[property(get)]
        pub conversations: gio::ListStore,
        /// Contacts.
        #[property(get)]
        pub roster: super::super::Roster,
        /// Rooms we are in or joining.
        pub rooms: RefCell<std::collections::BTreeMap<String, super::super::RoomObject>>,
        /// Whether we are invisible now.
        #[property(get)]
        pub invisible: Cell<bool>,
        /// Invisibility on this server: `unknown` (not connected yet),
        /// `none`, or `supported`.
        #[property(get)]
        pub invisibility: RefCell<String>,
        /// Whom we are visible to while invisible (bare or full JIDs).
        pub visible_to: RefCell<Vec<String>>,
        /// Our presence priority.
        pub priority: Cell<i8>,
        /// Our account's other online resources.
        #[property(get)]
        pub devices: gio::ListStore,
        /// A long archive catch-up (a first history download) is running.
        #[property(get)]
        pub history_syncing: Cell<bool>,
        /// Archived messages it has read so far.
        #[property(get)]
        pub history_messages: Cell<u64>,
    }

    impl Default for Account {
        fn default() -> Self {
            Self {
                jid: RefCell::default(),
                status: Cell::default(),
                saved: Cell::new(false),
                availability: RefCell::new(Availability::Available.as_str().to_owned()),
                status_message: RefCell::default(),
                state: RefCell::new(ConnectionState::Offline { error: None }),
                retry_at: Cell::new(None),
                pending_certificate: RefCell::default(),
                conversations: gio::ListStore::new::<super::super::ConversationObject>(),
                roster: super::super::Roster::default(),
                rooms: RefCell::default(),
                invisible: Cell::new(false),
                invisibility: RefCell::new(INVISIBILITY_UNKNOWN.to_owned()),
                visible_to: RefCell::default(),
                priority: Cell::new(0),
                devices: gio::ListStore::new::<super::super::DeviceObject>(),
                history_syncing: Cell::new(false),
                history_messages: Cell::new(0),
            }
        }
    }

    #[glib::object_subclass]
    impl ObjectSubclass for Account {
        const NAME: &'static str = "BalconyAccount";
        type Type = super::Account;
    }

    #[glib::derived_properties]
    impl ObjectImpl for Account {
        fn signals() -> &'static [Signal] {
            static SIGNALS: OnceLock<Vec<Signal>> = OnceLock::new();
            SIGNALS.get_or_init(|| {
                vec![
                    Signal::builder("connection-changed").build(),
                    // Whom we are visible to changed.
                    Signal::builder("visible-to-changed").build(),
                ]
            })
        }
    }
}

glib::wrapper! {
    /// An account and its live connection state.
    pub struct Account(ObjectSubclass<imp::Account>);
}

impl Account {
    /// A new account object for `jid`.
    pub fn new(jid: &str, saved: bool) -> Self {
        glib::Object::builder()
            .property("jid", jid)
            .property("saved", saved)
            .build()
    }

    /// The detailed connection state.
    pub fn connection_state(&self) -> ConnectionState {
        self.imp().state.borrow().clone()
    }

    /// When the next reconnection attempt is due, while reconnecting.
    pub fn retry_at(&self) -> Option<Instant> {
        self.imp().retry_at.get()
    }

    /// Applies a state from the worker.
    pub fn apply_state(&self, state: ConnectionState) {
        let imp = self.imp();
        let status = ConnectionStatus::from(&state);
        imp.retry_at.set(match &state {
            ConnectionState::Reconnecting { retry_in, .. } => Some(Instant::now() + *retry_in),
            _ => None,
        });
        if !matches!(state, ConnectionState::Online { .. }) {
            // A catch-up cut off by the connection; the next one resumes it.
            self.set_history_progress(0, true);
        }
        imp.state.replace(state);
        if imp.status.replace(status) != status {
            self.notify_status();
        }
        self.emit_by_name::<()>("connection-changed", &[]);
    }

    /// Records how far a long archive catch-up got.
    pub fn set_history_progress(&self, messages: u64, finished: bool) {
        let imp = self.imp();
        if imp.history_messages.replace(messages) != messages {
            self.notify_history_messages();
        }
        if imp.history_syncing.replace(!finished) == finished {
            self.notify_history_syncing();
        }
    }

    /// Records the presence the worker sent.
    pub fn apply_presence(&self, presence: &OwnPresence) {
        let imp = self.imp();
        if imp.invisible.replace(presence.invisible) != presence.invisible {
            self.notify_invisible();
        }
        let shown = if presence.invisible {
            INVISIBLE
        } else {
            presence.availability.as_str()
        };
        imp.availability.replace(shown.to_owned());
        imp.priority.set(presence.priority);
        imp.status_message.replace(presence.status.clone());
        self.notify_availability();
        self.notify_status_message();
    }

    /// Our presence priority (0 unless a device of ours set another).
    pub fn priority(&self) -> i8 {
        self.imp().priority.get()
    }

    /// Adds or updates one of our other devices.
    pub fn upsert_device(&self, device: &crate::core::remote_control::Device) {
        let devices = self.devices();
        let found = devices
            .iter::<super::DeviceObject>()
            .flatten()
            .find(|d| d.jid() == device.jid.as_str());
        match found {
            Some(d) => d.update(device),
            None => devices.append(&super::DeviceObject::new(device)),
        }
    }

    /// Forgets a device that went offline.
    pub fn remove_device(&self, jid: &str) {
        let devices = self.devices();
        if let Some(i) = (0..devices.n_items()).find(|i| {
            devices
                .item(*i)
                .and_downcast::<super::DeviceObject>()
                .is_some_and(|d| d.jid() == jid)
        }) {
            devices.remove(i);
        }
    }

    /// Records which invisibility the server offers (`None`: none).
    pub fn set_invisibility(&self, supported: bool) {
        let value = if supported {
            INVISIBILITY_SUPPORTED
        } else {
            INVISIBILITY_NONE
        };
        if self.imp().invisibility.replace(value.to_owned()) != value {
            self.notify_invisibility();
        }
    }

    /// Records whom we are visible to while invisible.
    pub fn set_visible_to(&self, to: Vec<String>) {
        self.imp().visible_to.replace(to);
        self.emit_by_name::<()>("visible-to-changed", &[]);
    }

    /// Whom we are visible to while invisible.
    pub fn visible_to(&self) -> Vec<String> {
        self.imp().visible_to.borrow().clone()
    }

    /// Whether `peer` (a bare JID) sees us while we are invisible.
    pub fn is_visible_to(&self, peer: &str) -> bool {
        self.imp()
            .visible_to
            .borrow()
            .iter()
            .any(|j| j == peer || j.split('/').next() == Some(peer))
    }

    /// The room `jid`, if we are in it or joining it.
    pub fn room(&self, jid: &str) -> Option<super::RoomObject> {
        self.imp().rooms.borrow().get(jid).cloned()
    }

    /// The room `jid`, added if new.
    pub fn room_or_insert(&self, jid: &str) -> super::RoomObject {
        self.imp()
            .rooms
            .borrow_mut()
            .entry(jid.to_owned())
            .or_insert_with(|| super::RoomObject::new(jid))
            .clone()
    }

    /// Forgets a room we left.
    pub fn forget_room(&self, jid: &str) {
        self.imp().rooms.borrow_mut().remove(jid);
    }

    /// Names every conversation after its contact's roster name (after
    /// the whole roster or conversation list changed).
    pub fn name_conversations(&self) {
        for c in self.conversations().iter::<super::ConversationObject>().flatten() {
            self.name(&c);
        }
    }

    /// Names every conversation from the stored roster `items` before the
    /// contacts themselves are built, as [`Account::name_conversations`]
    /// will once they are: a contact's name and, offline, its dot.
    pub fn name_conversations_from(&self, items: &[crate::core::contacts::RosterItem]) {
        let by_jid: std::collections::HashMap<String, &crate::core::contacts::RosterItem> =
            items.iter().map(|i| (i.jid.to_string(), i)).collect();
        for c in self.conversations().iter::<super::ConversationObject>().flatten() {
            let Some(item) = by_jid.get(&c.peer()) else {
                continue;
            };
            let offline = super::contact_object::show_name(crate::core::contacts::ContactShow::Unavailable);
            label(&c, super::contact_object::display_name(item), offline.to_owned());
        }
    }

    /// Names the conversation with `peer` (after that contact changed).
    pub fn name_conversation(&self, peer: &str) {
        if let Some((_, c)) = self.conversation(peer) {
            self.name(&c);
        }
    }

    fn name(&self, c: &super::ConversationObject) {
        let contact = self.roster().contact(&c.peer());
        let title = contact
            .as_ref()
            .map(|contact| contact.name())
            .unwrap_or_else(|| c.peer());
        // The presence dot: a contact's best availability, none for strangers and rooms.
        let show = contact.map(|contact| contact.show()).unwrap_or_default();
        label(c, title, show);
        let avatar = self.roster().avatar(&c.peer());
        if c.avatar() != avatar {
            c.set_avatar(avatar);
        }
    }

    /// Shows `image` (or none) for `jid`, in the roster and its conversation.
    pub fn set_avatar(&self, jid: &str, image: Option<glib::Bytes>) {
        self.roster().set_avatar(jid, image);
        self.name_conversation(jid);
    }

    /// The conversation with `peer` and its position in the list.
    pub fn conversation(&self, peer: &str) -> Option<(u32, super::ConversationObject)> {
        super::conversation_list::find(&self.conversations(), peer)
    }

    /// Keeps a certificate the user must decide on.
    pub fn set_pending_certificate(&self, cert: Option<UntrustedCertificate>) {
        self.imp().pending_certificate.replace(cert);
    }

    /// The certificate the user must decide on, if any.
    pub fn pending_certificate(&self) -> Option<UntrustedCertificate> {
        self.imp().pending_certificate.borrow().clone()
    }

    /// Takes the certificate the user must decide on.
    pub fn take_pending_certificate(&self) -> Option<UntrustedCertificate> {
        self.imp().pending_certificate.take()
    }
}

/// Gives conversation `c` its title and presence dot, where they changed.
fn label(c: &super::ConversationObject, title: String, show: String) {
    if c.title() != title {
        c.set_title(title);
    }
    if c.show() != show {
        c.set_show(show);
    }
}
