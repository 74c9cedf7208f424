//! An account's contacts and the rows of the roster view: grouped (a
//! contact in two groups shows in both, one without groups under "no
//! group"), sorted by name, and filtered by what the user types.

use gio::{prelude::*, subclass::prelude::*};

use super::ContactObject;
use crate::core::contacts::{ResourcePresence, RosterItem};

mod imp {
    use std::cell::RefCell;

    use super::*;

    #[derive(Debug)]
    pub struct Roster {
        /// Every contact, by JID.
        pub contacts: RefCell<std::collections::BTreeMap<String, ContactObject>>,
        /// What the roster view shows.
        pub rows: gio::ListStore,
        /// The filter text, lowercased.
        pub filter: RefCell<String>,
        /// Every row in order, with each contact's search text; rebuilt
        /// when contacts change, so that filtering only picks rows.
        pub index: RefCell<Vec<super::GroupRows>>,
        /// Avatar images by JID, contacts or not, kept across roster
        /// changes.
        pub avatars: RefCell<std::collections::HashMap<String, glib::Bytes>>,
    }

    impl Default for Roster {
        fn default() -> Self {
            Self {
                contacts: RefCell::default(),
                rows: gio::ListStore::new::<super::super::RosterRow>(),
                filter: RefCell::default(),
                index: RefCell::default(),
                avatars: RefCell::default(),
            }
        }
    }

    #[glib::object_subclass]
    impl ObjectSubclass for Roster {
        const NAME: &'static str = "BalconyRoster";
        type Type = super::Roster;
    }

    impl ObjectImpl for Roster {}
}

/// A group's sort key: contacts without a group last, then the name.
type GroupKey = (bool, String);
/// A contact in a group: its lowercased name (for sorting), its search
/// text, and the contact.
type Member = (String, String, ContactObject);

/// One group of the roster view: its header and its contacts in order,
/// each with the lowercased text a filter is matched against.
#[derive(Debug)]
pub struct GroupRows {
    header: super::RosterRow,
    members: Vec<(String, super::RosterRow)>,
}

glib::wrapper! {
    /// An account's contacts.
    pub struct Roster(ObjectSubclass<imp::Roster>);
}

impl Default for Roster {
    fn default() -> Self {
        glib::Object::new()
    }
}

impl Roster {
    /// The rows of the roster view: group headers and contacts.
    pub fn rows(&self) -> gio::ListStore {
        self.imp().rows.clone()
    }

    /// The contact `jid`, if on the roster.
    pub fn contact(&self, jid: &str) -> Option<ContactObject> {
        self.imp().contacts.borrow().get(jid).cloned()
    }

    /// How many contacts there are.
    pub fn len(&self) -> usize {
        self.imp().contacts.borrow().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Replaces every contact (a roster fetched at login).
    pub fn replace(&self, items: &[RosterItem]) {
        {
            let mut contacts = self.imp().contacts.borrow_mut();
            let mut kept = std::collections::BTreeMap::new();
            for item in items {
                let jid = item.jid.to_string();
                let contact = match contacts.remove(&jid) {
                    Some(c) => {
                        c.update(item);
                        c
                    }
                    None => self.with_avatar(ContactObject::new(item)),
                };
                kept.insert(jid, contact);
            }
            *contacts = kept;
        }
        self.reindex();
    }

    /// Adds or changes one contact.
    pub fn upsert(&self, item: &RosterItem) {
        let jid = item.jid.to_string();
        let existing = self.contact(&jid);
        match existing {
            Some(c) => c.update(item),
            None => {
                self.imp()
                    .contacts
                    .borrow_mut()
                    .insert(jid, self.with_avatar(ContactObject::new(item)));
            }
        }
        self.reindex();
    }

    fn with_avatar(&self, contact: ContactObject) -> ContactObject {
        if let Some(image) = self.avatar(&contact.jid()) {
            contact.set_avatar(Some(image));
        }
        contact
    }

    /// The avatar image of `jid` (a contact or not), if known.
    pub fn avatar(&self, jid: &str) -> Option<glib::Bytes> {
        self.imp().avatars.borrow().get(jid).cloned()
    }

    /// Sets (or clears) the avatar image of `jid`.
    pub fn set_avatar(&self, jid: &str, image: Option<glib::Bytes>) {
        match &image {
            Some(i) => self.imp().avatars.borrow_mut().insert(jid.to_owned(), i.clone()),
            None => self.imp().avatars.borrow_mut().remove(jid),
        };
        if let Some(c) = self.contact(jid) {
            c.set_avatar(image);
        }
    }

    /// Removes one contact.
    pub fn remove(&self, jid: &str) {
        if self.imp().contacts.borrow_mut().remove(jid).is_some() {
            self.reindex();
        }
    }

    /// A contact's resource changed presence.
    pub fn apply_presence(&self, jid: &str, presence: &ResourcePresence) {
        if let Some(c) = self.contact(jid) {
            c.set_resource_show(&presence.resource, presence.show);
        }
    }

    /// Shows only contacts whose name or address contains `text`.
    pub fn set_filter(&self, text: &str) {
        let text = text.trim().to_lowercase();
        if *self.imp().filter.borrow() == text {
            return;
        }
        self.imp().filter.replace(text);
        self.rebuild();
    }

    /// Recomputes the groups and their order after contacts changed.
    fn reindex(&self) {
        let imp = self.imp();
        let mut grouped: std::collections::BTreeMap<GroupKey, Vec<Member>> =
            std::collections::BTreeMap::new();
        for contact in imp.contacts.borrow().values() {
            let name = contact.name().to_lowercase();
            let search = format!("{name}\n{}", contact.jid().to_lowercase());
            let groups = contact.groups();
            // Contacts without a group come last, under their own header.
            let keys: Vec<(bool, String)> = if groups.is_empty() {
                vec![(true, String::new())]
            } else {
                groups.into_iter().map(|g| (false, g)).collect()
            };
            for key in keys {
                grouped
                    .entry(key)
                    .or_default()
                    .push((name.clone(), search.clone(), contact.clone()));
            }
        }
        let index = grouped
            .into_iter()
            .map(|((_, group), mut members)| {
                members.sort_by(|a, b| a.0.cmp(&b.0));
                GroupRows {
                    header: super::RosterRow::for_group(&group),
                    members: members
                        .into_iter()
                        .map(|(_, search, c)| (search, super::RosterRow::for_contact(&c)))
                        .collect(),
                }
            })
            .collect();
        imp.index.replace(index);
        self.rebuild();
    }

    /// Recomputes the rows shown from the index and the filter.
    fn rebuild(&self) {
        let imp = self.imp();
        let filter = imp.filter.borrow().clone();
        let mut rows = Vec::new();
        for group in imp.index.borrow().iter() {
            let start = rows.len();
            rows.extend(
                group
                    .members
                    .iter()
                    .filter(|(search, _)| filter.is_empty() || search.contains(&filter))
                    .map(|(_, row)| row.clone()),
            );
            if rows.len() > start {
                rows.insert(start, group.header.clone());
            }
        }
        imp.rows.splice(0, imp.rows.n_items(), &rows);
    }
}
