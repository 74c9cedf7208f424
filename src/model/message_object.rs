//! One message as a conversation view shows it.

use glib::subclass::prelude::*;

use crate::core::message::{DeliveryState, StoredMessage};

mod imp {
    use std::cell::{Cell, RefCell};

    use glib::prelude::*;

    use super::*;

    #[derive(Debug, Default, glib::Properties)]
    #[properties(wrapper_type = super::MessageObject)]
    pub struct MessageObject {
        /// The store's row id.
        #[property(get, construct_only)]
        pub id: Cell<i64>,
        /// The text (the corrected text after a correction).
        #[property(get, set)]
        pub body: RefCell<String>,
        /// Who wrote it: a JID in chats, a nickname in rooms.
        #[property(get, construct_only)]
        pub sender: RefCell<String>,
        /// True when we sent it.
        #[property(get, construct_only)]
        pub outgoing: Cell<bool>,
        /// Milliseconds since the epoch.
        #[property(get, construct_only)]
        pub timestamp: Cell<i64>,
        /// Delivery state, 0 (pending) to 4 (displayed); see [`DeliveryState`].
        #[property(get, set)]
        pub state: Cell<i32>,
        /// True when a correction replaced the text.
        #[property(get, set)]
        pub corrected: Cell<bool>,
        /// The first message of its day in the view (a date goes above it).
        #[property(get, set)]
        pub day_start: Cell<bool>,
        /// Follows a message from the same sender within a few minutes.
        #[property(get, set)]
        pub grouped: Cell<bool>,
        /// The conversation (contact or room).
        #[property(get, construct_only)]
        pub peer: RefCell<String>,
        /// A group chat message (its sender is a nickname).
        #[property(get, construct_only)]
        pub group: Cell<bool>,
        /// Shown as the message a search led to.
        #[property(get, set)]
        pub highlighted: Cell<bool>,
        /// origin-id (or the stanza's id), to match receipts and corrections.
        pub origin_id: RefCell<Option<String>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for MessageObject {
        const NAME: &'static str = "BalconyMessage";
        type Type = super::MessageObject;
    }

    #[glib::derived_properties]
    impl ObjectImpl for MessageObject {}
}

glib::wrapper! {
    /// A stored message.
    pub struct MessageObject(ObjectSubclass<imp::MessageObject>);
}

impl MessageObject {
    /// The object for a stored message.
    pub fn new(stored: &StoredMessage) -> Self {
        let m = &stored.message;
        let obj: Self = glib::Object::builder()
            .property("id", stored.id)
            .property("peer", m.peer.as_str())
            .property("group", m.kind == crate::core::message::ChatKind::GroupChat)
            .property("body", &m.body)
            .property("sender", &m.sender)
            .property("outgoing", m.outgoing)
            .property("timestamp", m.timestamp_ms)
            .property("state", m.state as i32)
            .property("corrected", stored.corrected)
            .build();
        obj.imp().origin_id.replace(m.origin_id.clone());
        obj
    }

    /// The local calendar day of the message.
    pub fn local_day(&self) -> Option<(i32, i32)> {
        let t = glib::DateTime::from_unix_local(self.timestamp() / 1000).ok()?;
        Some((t.year(), t.day_of_year()))
    }

    /// origin-id (or the stanza's id).
    pub fn origin_id(&self) -> Option<String> {
        self.imp().origin_id.borrow().clone()
    }

    /// The delivery state.
    pub fn delivery_state(&self) -> DeliveryState {
        DeliveryState::from_stored(self.state().into()).unwrap_or(DeliveryState::Pending)
    }

    /// Raises the delivery state (it never goes back).
    pub fn raise_state(&self, state: DeliveryState) {
        if state > self.delivery_state() {
            self.set_state(state as i32);
        }
    }
}
