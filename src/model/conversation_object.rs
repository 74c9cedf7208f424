//! One row of the conversation list.

use glib::subclass::prelude::*;

use crate::core::{
    message::{ChatKind, Correction, MessageEncryption},
    store::ConversationSummary,
};

mod imp {
    use std::cell::{Cell, RefCell};

    use glib::prelude::*;

    use super::*;

    #[derive(Debug, Default, glib::Properties)]
    #[properties(wrapper_type = super::ConversationObject)]
    pub struct ConversationObject {
        /// The contact's or room's bare JID.
        #[property(get, construct_only)]
        pub peer: RefCell<String>,
        /// What to call it.
        #[property(get, set)]
        pub title: RefCell<String>,
        /// True for a group chat.
        #[property(get, construct_only)]
        pub group: Cell<bool>,
        /// The newest message's text.
        #[property(get, set)]
        pub last_body: RefCell<String>,
        /// Whether we wrote the newest message.
        #[property(get, set)]
        pub last_outgoing: Cell<bool>,
        /// The newest message's time (ms).
        #[property(get, set)]
        pub last_timestamp: Cell<i64>,
        /// Incoming messages not read yet.
        #[property(get, set)]
        pub unread: Cell<u32>,
        /// The contact's best availability (`available`, …, `offline`);
        /// empty for rooms and strangers.
        #[property(get, set)]
        pub show: RefCell<String>,
        /// The contact's avatar image (encoded), if any.
        #[property(get, set, nullable)]
        pub avatar: RefCell<Option<glib::Bytes>>,
        /// The contact is typing (XEP-0085 composing).
        #[property(get, set)]
        pub typing: Cell<bool>,
        /// The newest message's origin-id (or id), to follow its
        /// corrections; unknown for rows read from the store.
        pub last_origin_id: RefCell<Option<String>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConversationObject {
        const NAME: &'static str = "BalconyConversation";
        type Type = super::ConversationObject;
    }

    #[glib::derived_properties]
    impl ObjectImpl for ConversationObject {}
}

glib::wrapper! {
    /// A conversation in the list.
    pub struct ConversationObject(ObjectSubclass<imp::ConversationObject>);
}

impl ConversationObject {
    /// Remembers which message the row previews.
    pub fn set_last_origin_id(&self, origin_id: Option<String>) {
        self.imp().last_origin_id.replace(origin_id);
    }

    /// Shows `correction` if it corrects the previewed message.
    pub fn apply_correction(&self, correction: &Correction) {
        let previewed = self.imp().last_origin_id.borrow().as_deref() == Some(correction.replaces.as_str());
        if previewed && self.last_outgoing() == correction.outgoing {
            self.set_last_body(correction.body.clone());
        }
    }

    /// A conversation with `peer` and nothing in it yet.
    pub fn new(peer: &str, group: bool) -> Self {
        glib::Object::builder()
            .property("peer", peer)
            .property("title", peer)
            .property("group", group)
            .build()
    }

    /// The row for a stored conversation.
    pub fn from_summary(summary: &ConversationSummary) -> Self {
        let obj = Self::new(summary.peer.as_str(), summary.kind == ChatKind::GroupChat);
        obj.set_last_outgoing(summary.last_outgoing);
        obj.set_last_body(match summary.last_encryption {
            MessageEncryption::Undecryptable(reason) => crate::model::encryption_text::undecryptable(reason),
            // An encrypted file's address holds its key: its name instead.
            _ => match summary.last_body.as_deref() {
                Some(body) if crate::core::files::aesgcm::is_encrypted_url(body) => {
                    crate::core::files::name_from_url(body)
                }
                body => body.unwrap_or_default().to_owned(),
            },
        });
        obj.set_last_timestamp(summary.last_timestamp_ms);
        obj.set_last_origin_id(summary.last_origin_id.clone());
        obj.set_unread(summary.unread);
        obj
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_conversation_follows_corrections_of_its_previewed_message() {
        let summary = ConversationSummary {
            peer: "romeo@example.org".parse().expect("jid"),
            kind: ChatKind::Chat,
            last_body: Some("I love thee nt".into()),
            last_outgoing: true,
            last_timestamp_ms: 1_000,
            last_origin_id: Some("o1".into()),
            unread: 0,
            last_encryption: MessageEncryption::None,
        };
        let conversation = ConversationObject::from_summary(&summary);
        let correction = |replaces: &str, outgoing: bool, body: &str| Correction {
            peer: summary.peer.clone(),
            outgoing,
            replaces: replaces.into(),
            body: body.into(),
        };
        // Another message's correction, or romeo's with the same id: not ours.
        conversation.apply_correction(&correction("o0", true, "older"));
        conversation.apply_correction(&correction("o1", false, "his"));
        assert_eq!(conversation.last_body(), "I love thee nt");
        conversation.apply_correction(&correction("o1", true, "I love thee not"));
        assert_eq!(conversation.last_body(), "I love thee not");
    }
}
