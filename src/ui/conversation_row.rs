//! A row of the sidebar's conversation list: avatar, name, the newest
//! message and the unread count.

use adw::{prelude::*, subclass::prelude::*};
use gtk::glib;

use super::{avatar_image, presence_dot};

use crate::{i18n::gettext_f, model::ConversationObject};

mod imp {
    use std::cell::RefCell;

    use super::*;

    #[derive(Debug, Default)]
    pub struct ConversationRow {
        pub avatar: adw::Avatar,
        pub title: gtk::Label,
        pub preview: gtk::Label,
        pub unread: gtk::Label,
        pub dot: gtk::Box,
        pub bindings: RefCell<Vec<glib::Binding>>,
        pub show_handler: RefCell<Option<(ConversationObject, glib::SignalHandlerId)>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConversationRow {
        const NAME: &'static str = "BalconyConversationRow";
        type Type = super::ConversationRow;
        type ParentType = gtk::Box;
    }

    impl ObjectImpl for ConversationRow {
        fn constructed(&self) {
            self.parent_constructed();
            let obj = self.obj();
            obj.set_spacing(12);
            obj.set_margin_top(6);
            obj.set_margin_bottom(6);
            obj.set_margin_start(6);
            obj.set_margin_end(6);
            self.avatar.set_size(36);
            self.avatar.set_show_initials(true);
            self.title.set_xalign(0.0);
            self.title.set_ellipsize(gtk::pango::EllipsizeMode::End);
            self.title.add_css_class("heading");
            self.preview.set_xalign(0.0);
            self.preview.set_ellipsize(gtk::pango::EllipsizeMode::End);
            self.preview.set_single_line_mode(true);
            self.preview.add_css_class("dim-label");
            self.preview.add_css_class("caption");
            self.unread.set_valign(gtk::Align::Center);
            self.unread.add_css_class("unread-badge");
            let text = gtk::Box::builder()
                .orientation(gtk::Orientation::Vertical)
                .valign(gtk::Align::Center)
                .hexpand(true)
                .spacing(2)
                .build();
            text.append(&self.title);
            text.append(&self.preview);
            let overlay = presence_dot::overlay(&self.avatar, &self.dot);
            obj.append(&overlay);
            obj.append(&text);
            obj.append(&self.unread);
        }
    }

    impl WidgetImpl for ConversationRow {}
    impl BoxImpl for ConversationRow {}
}

glib::wrapper! {
    /// Shows one [`ConversationObject`].
    pub struct ConversationRow(ObjectSubclass<imp::ConversationRow>)
        @extends gtk::Widget, gtk::Box,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Orientable;
}

impl Default for ConversationRow {
    fn default() -> Self {
        glib::Object::new()
    }
}

impl ConversationRow {
    /// Shows `conversation`, following its changes.
    pub fn bind(&self, conversation: &ConversationObject) {
        self.unbind();
        let imp = self.imp();
        let bindings = vec![
            conversation
                .bind_property("title", &imp.avatar, "text")
                .sync_create()
                .build(),
            avatar_image::bind(conversation, &imp.avatar),
            conversation
                .bind_property("title", &imp.title, "label")
                .sync_create()
                .build(),
            conversation
                .bind_property("last-body", &imp.preview, "label")
                .transform_to(|b, body: String| {
                    let c = b.source().and_downcast::<ConversationObject>()?;
                    // One line: line breaks become spaces.
                    let body = body.split_whitespace().collect::<Vec<_>>().join(" ");
                    Some(if c.last_outgoing() {
                        // Translators: the newest message in the conversation list, when we wrote it.
                        gettext_f("You: {message}", &[("message", &body)])
                    } else {
                        body
                    })
                })
                .sync_create()
                .build(),
            conversation
                .bind_property("unread", &imp.unread, "label")
                .transform_to(|_, n: u32| Some(n.to_string()))
                .sync_create()
                .build(),
            conversation
                .bind_property("unread", &imp.unread, "visible")
                .transform_to(|_, n: u32| Some(n > 0))
                .sync_create()
                .build(),
        ];
        imp.bindings.replace(bindings);
        self.show_presence(conversation);
        let handler = conversation.connect_show_notify(glib::clone!(
            #[weak(rename_to = row)]
            self,
            move |c| row.show_presence(c)
        ));
        imp.show_handler.replace(Some((conversation.clone(), handler)));
    }

    fn show_presence(&self, conversation: &ConversationObject) {
        presence_dot::show(&self.imp().dot, &conversation.show());
    }

    /// The presence shown on the avatar (`available`, …), if any.
    pub fn presence_shown(&self) -> Option<String> {
        presence_dot::shown(&self.imp().dot)
    }

    /// Stops following the conversation.
    pub fn unbind(&self) {
        for b in self.imp().bindings.take() {
            b.unbind();
        }
        if let Some((c, h)) = self.imp().show_handler.take() {
            c.disconnect(h);
        }
    }

    /// Whether an avatar image (not initials) is shown.
    pub fn avatar_image_shown(&self) -> bool {
        self.imp().avatar.custom_image().is_some()
    }

    /// The unread count shown, `None` when hidden.
    pub fn unread_shown(&self) -> Option<String> {
        let unread = &self.imp().unread;
        unread.is_visible().then(|| unread.label().to_string())
    }

    /// The preview shown.
    pub fn preview_shown(&self) -> String {
        self.imp().preview.label().to_string()
    }

    /// The title shown (the contact's name or address).
    pub fn title_shown(&self) -> String {
        self.imp().title.label().to_string()
    }
}

/// The factory for a `GtkListView` over [`ConversationObject`]s.
pub fn factory() -> gtk::SignalListItemFactory {
    let factory = gtk::SignalListItemFactory::new();
    factory.connect_setup(|_, item| {
        if let Some(item) = item.downcast_ref::<gtk::ListItem>() {
            item.set_child(Some(&ConversationRow::default()));
        }
    });
    factory.connect_bind(|_, item| {
        let Some(item) = item.downcast_ref::<gtk::ListItem>() else {
            return;
        };
        if let (Some(row), Some(c)) = (
            item.child().and_downcast::<ConversationRow>(),
            item.item().and_downcast::<ConversationObject>(),
        ) {
            row.bind(&c);
        }
    });
    factory.connect_unbind(|_, item| {
        if let Some(row) = item
            .downcast_ref::<gtk::ListItem>()
            .and_then(|i| i.child())
            .and_downcast::<ConversationRow>()
        {
            row.unbind();
        }
    });
    factory
}
