//! One element in the XML console, as the console's list shows it.

use glib::subclass::prelude::*;

use crate::core::xml_console::{ConsoleEntry, Direction, EntryKind};

mod imp {
    use std::cell::{Cell, RefCell};

    use glib::prelude::*;

    use super::*;

    #[derive(Debug, Default, glib::Properties)]
    #[properties(wrapper_type = super::ConsoleEntryObject)]
    pub struct ConsoleEntryObject {
        /// From the server (else to it).
        #[property(get, construct_only)]
        pub incoming: Cell<bool>,
        /// `message`, `presence`, `iq` or `stream`.
        #[property(get, construct_only)]
        pub kind: RefCell<String>,
        /// The XML, secrets masked.
        #[property(get, construct_only)]
        pub xml: RefCell<String>,
        /// When, in milliseconds since 1970.
        #[property(get, construct_only)]
        pub unix_ms: Cell<i64>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConsoleEntryObject {
        const NAME: &'static str = "BalconyConsoleEntry";
        type Type = super::ConsoleEntryObject;
    }

    #[glib::derived_properties]
    impl ObjectImpl for ConsoleEntryObject {}
}

glib::wrapper! {
    /// An element that passed on the account's connection.
    pub struct ConsoleEntryObject(ObjectSubclass<imp::ConsoleEntryObject>);
}

impl ConsoleEntryObject {
    /// The object for `entry`.
    pub fn new(entry: &ConsoleEntry) -> Self {
        let kind = match entry.kind {
            EntryKind::Message => "message",
            EntryKind::Presence => "presence",
            EntryKind::Iq => "iq",
            EntryKind::Stream => "stream",
        };
        glib::Object::builder()
            .property("incoming", entry.direction == Direction::Incoming)
            .property("kind", kind)
            .property("xml", entry.xml.as_str())
            .property("unix-ms", entry.unix_ms)
            .build()
    }

    /// The local time it passed, `HH:MM:SS`.
    pub fn time(&self) -> String {
        glib::DateTime::from_unix_local(self.unix_ms() / 1000)
            .ok()
            .and_then(|d| d.format("%H:%M:%S").ok())
            .map(|s| s.to_string())
            .unwrap_or_default()
    }
}
