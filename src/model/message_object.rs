//! One message as a conversation view shows it.

use glib::subclass::prelude::*;

use crate::core::{
    files::{FileAttachment, FileState},
    message::{DeliveryState, StoredMessage},
};

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
        /// End-to-end encryption, as stored
        /// ([`crate::core::message::MessageEncryption::to_stored`]).
        #[property(get, construct_only)]
        pub encryption: Cell<i64>,
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
        /// The shared file's name; empty when the message shares none.
        #[property(get, set)]
        pub file_name: RefCell<String>,
        /// The file's MIME type (the sender's hint, else guessed from its name).
        #[property(get, set)]
        pub file_mime: RefCell<String>,
        /// The file's size in bytes, -1 when unknown.
        #[property(get, set, default = -1)]
        pub file_size: Cell<i64>,
        /// Where the file stands ([`FileState`] as a number), -1 for none.
        #[property(get, set, default = -1)]
        pub file_state: Cell<i32>,
        /// The local file, once downloaded (or the file we sent).
        #[property(get, set)]
        pub file_path: RefCell<String>,
        /// A running download's progress, 0 to 1; -1 when none runs.
        #[property(get, set, default = -1.0)]
        pub file_progress: Cell<f64>,
        /// Why the last download failed, for people; empty when it did not.
        #[property(get, set)]
        pub file_error: RefCell<String>,
        /// The sender says the file is encrypted.
        #[property(get, set)]
        pub file_encrypted: Cell<bool>,
        /// The device of ours that forwarded it (XEP-0146); empty when none.
        #[property(get, construct_only)]
        pub forwarded_by: RefCell<String>,
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
    /// Its end-to-end encryption.
    pub fn end_to_end(&self) -> crate::core::message::MessageEncryption {
        crate::core::message::MessageEncryption::from_stored(self.encryption()).unwrap_or_default()
    }

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
            .property("encryption", m.encryption.to_stored())
            .property("forwarded-by", stored.forwarded_by.clone().unwrap_or_default())
            // No file (and no download running) until one is set.
            .property("file-state", -1i32)
            .property("file-size", -1i64)
            .property("file-progress", -1.0f64)
            .build();
        obj.imp().origin_id.replace(m.origin_id.clone());
        if let Some(file) = &stored.file {
            obj.set_file(file);
        }
        obj
    }

    /// Shows `file` as the message's file.
    pub fn set_file(&self, file: &FileAttachment) {
        let mime = file
            .mime
            .clone()
            .unwrap_or_else(|| crate::core::files::mime_from_name(&file.name).to_owned());
        self.set_file_name(file.name.as_str());
        self.set_file_mime(mime);
        self.set_file_size(file.size.and_then(|s| i64::try_from(s).ok()).unwrap_or(-1));
        self.set_file_encrypted(file.encrypted);
        self.set_file_path(
            file.path
                .as_ref()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        self.set_file_state(file.state as i32);
    }

    /// True when the message shares a file.
    pub fn has_file(&self) -> bool {
        self.file_state() >= 0
    }

    /// Where its file stands, when it shares one.
    pub fn file(&self) -> Option<FileState> {
        FileState::from_stored(self.file_state().into())
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
