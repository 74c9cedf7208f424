//! One row of the roster view: a group header or a contact.

use glib::subclass::prelude::*;

use super::ContactObject;

mod imp {
    use std::cell::RefCell;

    use glib::prelude::*;

    use super::*;

    #[derive(Debug, Default, glib::Properties)]
    #[properties(wrapper_type = super::RosterRow)]
    pub struct RosterRow {
        /// The group, for a header row (empty for "no group").
        #[property(get, construct_only)]
        pub group: RefCell<Option<String>>,
        /// The contact, for a contact row.
        #[property(get, construct_only)]
        pub contact: RefCell<Option<ContactObject>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for RosterRow {
        const NAME: &'static str = "BalconyRosterRow";
        type Type = super::RosterRow;
    }

    #[glib::derived_properties]
    impl ObjectImpl for RosterRow {}
}

glib::wrapper! {
    /// A header or a contact.
    pub struct RosterRow(ObjectSubclass<imp::RosterRow>);
}

impl RosterRow {
    /// A group header (`""` for contacts without a group).
    pub fn for_group(group: &str) -> Self {
        glib::Object::builder().property("group", group).build()
    }

    /// A contact.
    pub fn for_contact(contact: &ContactObject) -> Self {
        glib::Object::builder().property("contact", contact).build()
    }
}
