//! A file being uploaded into a conversation, before its message exists.

use glib::subclass::prelude::*;

mod imp {
    use std::cell::{Cell, RefCell};

    use glib::prelude::*;

    use super::*;

    #[derive(Debug, Default, glib::Properties)]
    #[properties(wrapper_type = super::UploadObject)]
    pub struct UploadObject {
        /// The number the worker knows the upload by.
        #[property(get, set)]
        pub transfer: Cell<u64>,
        /// The account's JID.
        #[property(get, construct_only)]
        pub account: RefCell<String>,
        /// The contact or room.
        #[property(get, construct_only)]
        pub peer: RefCell<String>,
        /// Into a group chat.
        #[property(get, construct_only)]
        pub group: Cell<bool>,
        /// The local file.
        #[property(get, construct_only)]
        pub path: RefCell<String>,
        /// Its name.
        #[property(get, construct_only)]
        pub name: RefCell<String>,
        /// Its size in bytes.
        #[property(get, construct_only)]
        pub size: Cell<u64>,
        /// How far it has come, 0 to 1.
        #[property(get, set)]
        pub progress: Cell<f64>,
        /// Why it failed, for people; empty while it runs.
        #[property(get, set)]
        pub error: RefCell<String>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for UploadObject {
        const NAME: &'static str = "BalconyUpload";
        type Type = super::UploadObject;
    }

    #[glib::derived_properties]
    impl ObjectImpl for UploadObject {}
}

glib::wrapper! {
    /// An upload in progress (or failed, waiting to be retried).
    pub struct UploadObject(ObjectSubclass<imp::UploadObject>);
}

impl UploadObject {
    /// An upload of the file at `path` to `peer`.
    pub fn new(
        transfer: u64,
        account: &str,
        peer: &str,
        group: bool,
        path: &std::path::Path,
        size: u64,
    ) -> Self {
        let name = crate::core::files::safe_name(
            &path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        glib::Object::builder()
            .property("transfer", transfer)
            .property("account", account)
            .property("peer", peer)
            .property("group", group)
            .property("path", path.to_string_lossy().as_ref())
            .property("name", name)
            .property("size", size)
            .build()
    }

    /// True once it failed.
    pub fn failed(&self) -> bool {
        !self.imp().error.borrow().is_empty()
    }
}
