//! A row of the roster view: a group header, or a contact with their
//! presence.

use adw::{prelude::*, subclass::prelude::*};
use gtk::glib;

use super::{avatar_image, presence_dot};

use crate::{
    i18n::gettext,
    model::{ContactObject, RosterRow},
};

mod imp {
    use std::cell::RefCell;

    use super::*;

    #[derive(Debug, Default)]
    pub struct ContactRow {
        pub header: gtk::Label,
        pub contact_box: gtk::Box,
        pub avatar: adw::Avatar,
        pub dot: gtk::Box,
        pub name: gtk::Label,
        pub address: gtk::Label,
        pub bindings: RefCell<Vec<glib::Binding>>,
        pub show_handler: RefCell<Option<(ContactObject, glib::SignalHandlerId)>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ContactRow {
        const NAME: &'static str = "BalconyContactRow";
        type Type = super::ContactRow;
        type ParentType = gtk::Box;
    }

    impl ObjectImpl for ContactRow {
        fn constructed(&self) {
            self.parent_constructed();
            let obj = self.obj();
            self.header.set_xalign(0.0);
            self.header.set_margin_top(12);
            self.header.set_margin_start(6);
            self.header.add_css_class("heading");
            self.header.add_css_class("dim-label");
            self.avatar.set_size(32);
            self.avatar.set_show_initials(true);
            let overlay = presence_dot::overlay(&self.avatar, &self.dot);
            self.name.set_xalign(0.0);
            self.name.set_ellipsize(gtk::pango::EllipsizeMode::End);
            self.address.set_xalign(0.0);
            self.address.set_ellipsize(gtk::pango::EllipsizeMode::End);
            self.address.add_css_class("dim-label");
            self.address.add_css_class("caption");
            let text = gtk::Box::new(gtk::Orientation::Vertical, 2);
            text.set_valign(gtk::Align::Center);
            text.append(&self.name);
            text.append(&self.address);
            self.contact_box.set_spacing(12);
            self.contact_box.set_margin_top(4);
            self.contact_box.set_margin_bottom(4);
            self.contact_box.append(&overlay);
            self.contact_box.append(&text);
            obj.set_orientation(gtk::Orientation::Vertical);
            obj.append(&self.header);
            obj.append(&self.contact_box);
        }
    }

    impl WidgetImpl for ContactRow {}
    impl BoxImpl for ContactRow {}
}

glib::wrapper! {
    /// Shows one [`RosterRow`].
    pub struct ContactRow(ObjectSubclass<imp::ContactRow>)
        @extends gtk::Widget, gtk::Box,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Orientable;
}

impl Default for ContactRow {
    fn default() -> Self {
        glib::Object::new()
    }
}

impl ContactRow {
    /// Shows `row`.
    pub fn bind(&self, row: &RosterRow) {
        self.unbind();
        let imp = self.imp();
        imp.header.set_visible(row.group().is_some());
        imp.contact_box.set_visible(row.contact().is_some());
        if let Some(group) = row.group() {
            let title = if group.is_empty() {
                gettext("Other Contacts")
            } else {
                group
            };
            imp.header.set_label(&title);
        }
        if let Some(contact) = row.contact() {
            imp.address.set_label(&contact.jid());
            imp.bindings.replace(vec![
                contact
                    .bind_property("name", &imp.name, "label")
                    .sync_create()
                    .build(),
                contact
                    .bind_property("name", &imp.avatar, "text")
                    .sync_create()
                    .build(),
                avatar_image::bind(&contact, &imp.avatar),
            ]);
            self.show_presence(&contact);
            let handler = contact.connect_show_notify(glib::clone!(
                #[weak(rename_to = row)]
                self,
                move |c| row.show_presence(c)
            ));
            imp.show_handler.replace(Some((contact, handler)));
        }
    }

    fn show_presence(&self, contact: &ContactObject) {
        presence_dot::show(&self.imp().dot, &contact.show());
    }

    /// Stops following the row's contact.
    pub fn unbind(&self) {
        let imp = self.imp();
        for b in imp.bindings.take() {
            b.unbind();
        }
        if let Some((c, h)) = imp.show_handler.take() {
            c.disconnect(h);
        }
    }

    /// The header shown, or the contact's name.
    pub fn text_shown(&self) -> String {
        let imp = self.imp();
        if imp.header.is_visible() {
            imp.header.label().to_string()
        } else {
            imp.name.label().to_string()
        }
    }
}

/// The factory for a `GtkListView` over [`RosterRow`]s.
pub fn factory() -> gtk::SignalListItemFactory {
    let factory = gtk::SignalListItemFactory::new();
    factory.connect_setup(|_, item| {
        if let Some(item) = item.downcast_ref::<gtk::ListItem>() {
            item.set_child(Some(&ContactRow::default()));
        }
    });
    factory.connect_bind(|_, item| {
        let Some(item) = item.downcast_ref::<gtk::ListItem>() else {
            return;
        };
        if let (Some(widget), Some(row)) = (
            item.child().and_downcast::<ContactRow>(),
            item.item().and_downcast::<RosterRow>(),
        ) {
            // Headers are not something to activate.
            item.set_activatable(row.contact().is_some());
            widget.bind(&row);
        }
    });
    factory.connect_unbind(|_, item| {
        if let Some(row) = item
            .downcast_ref::<gtk::ListItem>()
            .and_then(|i| i.child())
            .and_downcast::<ContactRow>()
        {
            row.unbind();
        }
    });
    factory
}
