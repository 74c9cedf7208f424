//! A group chat we are in (or joining), with its occupants and subject.

use std::collections::BTreeMap;

use glib::{prelude::*, subclass::prelude::*};

use crate::core::rooms::Occupant;

mod imp {
    use std::{
        cell::{Cell, RefCell},
        sync::OnceLock,
    };

    use glib::subclass::Signal;

    use super::*;

    #[derive(Debug, Default, glib::Properties)]
    #[properties(wrapper_type = super::RoomObject)]
    pub struct RoomObject {
        /// The room's bare JID.
        #[property(get, construct_only)]
        pub jid: RefCell<String>,
        /// Our nickname there.
        #[property(get, set)]
        pub nick: RefCell<String>,
        /// The subject.
        #[property(get, set)]
        pub subject: RefCell<String>,
        /// True while we are in the room.
        #[property(get, set)]
        pub joined: Cell<bool>,
        /// Who is there, by nickname.
        pub occupants: RefCell<BTreeMap<String, Occupant>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for RoomObject {
        const NAME: &'static str = "BalconyRoom";
        type Type = super::RoomObject;
    }

    #[glib::derived_properties]
    impl ObjectImpl for RoomObject {
        fn signals() -> &'static [Signal] {
            static SIGNALS: OnceLock<Vec<Signal>> = OnceLock::new();
            // The occupants changed.
            SIGNALS.get_or_init(|| vec![Signal::builder("occupants-changed").build()])
        }
    }
}

glib::wrapper! {
    /// A room.
    pub struct RoomObject(ObjectSubclass<imp::RoomObject>);
}

impl RoomObject {
    /// A room we are joining.
    pub fn new(jid: &str) -> Self {
        glib::Object::builder().property("jid", jid).build()
    }

    /// The occupants' nicknames, sorted.
    pub fn occupant_nicks(&self) -> Vec<String> {
        self.imp().occupants.borrow().keys().cloned().collect()
    }

    /// Replaces everyone (on joining).
    pub fn set_occupants(&self, occupants: &[Occupant]) {
        self.imp()
            .occupants
            .replace(occupants.iter().map(|o| (o.nick.clone(), o.clone())).collect());
        self.emit_by_name::<()>("occupants-changed", &[]);
    }

    /// Someone entered or changed.
    pub fn upsert_occupant(&self, occupant: &Occupant) {
        self.imp()
            .occupants
            .borrow_mut()
            .insert(occupant.nick.clone(), occupant.clone());
        self.emit_by_name::<()>("occupants-changed", &[]);
    }

    /// Someone left.
    pub fn remove_occupant(&self, nick: &str) {
        if self.imp().occupants.borrow_mut().remove(nick).is_some() {
            self.emit_by_name::<()>("occupants-changed", &[]);
        }
    }
}
