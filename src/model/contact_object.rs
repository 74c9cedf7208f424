//! A roster contact with the presence of each of its resources.

use std::collections::BTreeMap;

use glib::subclass::prelude::*;

use crate::core::contacts::{ContactShow, RosterItem, Subscription};

mod imp {
    use std::cell::RefCell;

    use glib::prelude::*;

    use super::*;

    #[derive(Debug, Default, glib::Properties)]
    #[properties(wrapper_type = super::ContactObject)]
    pub struct ContactObject {
        /// The bare JID.
        #[property(get, construct_only)]
        pub jid: RefCell<String>,
        /// What to call them: the roster name, else the JID.
        #[property(get, set)]
        pub name: RefCell<String>,
        /// The best availability of their resources (`available`, `away`,
        /// …, or `offline`).
        #[property(get, set)]
        pub show: RefCell<String>,
        /// Their avatar image (encoded), if any.
        #[property(get, set, nullable)]
        pub avatar: RefCell<Option<glib::Bytes>>,
        /// Roster groups, sorted.
        pub groups: RefCell<Vec<String>>,
        /// Each online resource's availability.
        pub resources: RefCell<BTreeMap<String, ContactShow>>,
        /// The presence subscription between us.
        pub subscription: std::cell::Cell<Subscription>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ContactObject {
        const NAME: &'static str = "BalconyContact";
        type Type = super::ContactObject;
    }

    #[glib::derived_properties]
    impl ObjectImpl for ContactObject {}
}

glib::wrapper! {
    /// A contact.
    pub struct ContactObject(ObjectSubclass<imp::ContactObject>);
}

/// Every name [`show_name`] gives.
pub const SHOW_NAMES: &[&str] = &["available", "chat", "away", "xa", "dnd", "offline"];

/// The name a show has in the UI's CSS and icons.
pub fn show_name(show: ContactShow) -> &'static str {
    show.as_str()
}

/// What to call a roster item's contact: the name the user gave, else
/// the JID.
pub fn display_name(item: &RosterItem) -> String {
    item.name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| item.jid.to_string())
}

/// How present a show is, for picking a contact's best resource.
fn rank(show: ContactShow) -> u8 {
    match show {
        ContactShow::Chat => 5,
        ContactShow::Available => 4,
        ContactShow::Away => 3,
        ContactShow::DoNotDisturb => 2,
        ContactShow::ExtendedAway => 1,
        ContactShow::Unavailable => 0,
    }
}

impl ContactObject {
    /// The contact for a roster item.
    pub fn new(item: &RosterItem) -> Self {
        let obj: Self = glib::Object::builder()
            .property("jid", item.jid.as_str())
            .property("show", "offline")
            .build();
        obj.update(item);
        obj
    }

    /// Applies a changed roster item.
    pub fn update(&self, item: &RosterItem) {
        let name = display_name(item);
        if self.name() != name {
            self.set_name(name);
        }
        self.imp().groups.replace(item.groups.clone());
        self.imp().subscription.set(item.subscription);
    }

    /// The presence subscription between us.
    pub fn subscription(&self) -> Subscription {
        self.imp().subscription.get()
    }

    /// Roster groups, sorted.
    pub fn groups(&self) -> Vec<String> {
        self.imp().groups.borrow().clone()
    }

    /// The resources online now, best availability first.
    pub fn online_resources(&self) -> Vec<String> {
        let mut resources: Vec<(String, ContactShow)> = self
            .imp()
            .resources
            .borrow()
            .iter()
            .map(|(r, s)| (r.clone(), *s))
            .collect();
        resources.sort_by_key(|(_, s)| std::cmp::Reverse(rank(*s)));
        resources.into_iter().map(|(r, _)| r).collect()
    }

    /// A resource's presence changed.
    pub fn set_resource_show(&self, resource: &str, show: ContactShow) {
        let best = {
            let mut resources = self.imp().resources.borrow_mut();
            if show == ContactShow::Unavailable {
                resources.remove(resource);
            } else {
                resources.insert(resource.to_owned(), show);
            }
            resources
                .values()
                .copied()
                .max_by_key(|s| rank(*s))
                .unwrap_or(ContactShow::Unavailable)
        };
        let name = show_name(best);
        if self.show() != name {
            self.set_show(name);
        }
    }
}
