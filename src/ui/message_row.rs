//! A message in the conversation view: a bubble with selectable text, its
//! time and, for ours, how far it got.

use adw::{prelude::*, subclass::prelude::*};
use gettextrs::gettext;
use gtk::glib;

use super::links::linkify;
use crate::{core::message::DeliveryState, model::MessageObject};

/// What a delivery state is called on screen.
pub fn state_text(state: DeliveryState) -> String {
    match state {
        // Translators: an outgoing message not yet written to the connection.
        DeliveryState::Pending => gettext("Sending"),
        // Translators: an outgoing message written to the connection.
        DeliveryState::Sent => gettext("Sent"),
        // Translators: the server confirmed it has our message.
        DeliveryState::Acked => gettext("On the server"),
        // Translators: the recipient's device confirmed our message.
        DeliveryState::Received => gettext("Delivered"),
        // Translators: the recipient has seen our message.
        DeliveryState::Displayed => gettext("Seen"),
        // Translators: an outgoing message held back because it could not be encrypted.
        DeliveryState::NotSent => gettext("Not sent"),
    }
}

/// The date shown above the first message of a day.
pub fn day_text(timestamp_ms: i64) -> String {
    let (Ok(day), Ok(now)) = (
        glib::DateTime::from_unix_local(timestamp_ms / 1000),
        glib::DateTime::now_local(),
    ) else {
        return String::new();
    };
    let same =
        |a: &glib::DateTime, b: &glib::DateTime| a.year() == b.year() && a.day_of_year() == b.day_of_year();
    if same(&day, &now) {
        return gettext("Today");
    }
    if now.add_days(-1).is_ok_and(|y| same(&day, &y)) {
        return gettext("Yesterday");
    }
    // Translators: a date above messages, in strftime format (see g_date_time_format).
    day.format(&gettext("%A, %e %B %Y"))
        .map(|s| s.trim().replace("  ", " "))
        .unwrap_or_default()
}

fn meta_text(m: &MessageObject) -> String {
    let time = glib::DateTime::from_unix_local(m.timestamp() / 1000)
        .and_then(|t| t.format("%H:%M"))
        .map(|t| t.to_string())
        .unwrap_or_default();
    let mut parts = vec![time];
    if m.end_to_end() == crate::core::message::MessageEncryption::Omemo {
        // Translators: beside a message that was end-to-end encrypted (OMEMO).
        parts.push(gettext("encrypted"));
    }
    if m.corrected() {
        // Translators: shown beside a message whose text was corrected.
        parts.push(gettext("edited"));
    }
    let device = m.forwarded_by();
    if !device.is_empty() {
        // Translators: beside a message another device of ours forwarded (remote control); {device} is its name.
        parts.push(crate::i18n::gettext_f(
            "forwarded from your device “{device}”",
            &[("device", &device)],
        ));
    }
    if m.outgoing() {
        parts.push(state_text(m.delivery_state()));
    }
    parts.join(" · ")
}

mod imp {
    use std::cell::RefCell;

    use super::*;

    #[derive(Debug, Default)]
    pub struct MessageRow {
        pub day: gtk::Label,
        pub sender: gtk::Label,
        pub body: gtk::Label,
        pub meta: gtk::Label,
        pub file: std::cell::OnceCell<super::super::file_card::FileCard>,
        pub message: RefCell<Option<(MessageObject, Vec<glib::SignalHandlerId>)>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for MessageRow {
        const NAME: &'static str = "BalconyMessageRow";
        type Type = super::MessageRow;
        type ParentType = gtk::Box;
    }

    impl ObjectImpl for MessageRow {
        fn constructed(&self) {
            self.parent_constructed();
            let obj = self.obj();
            obj.set_orientation(gtk::Orientation::Vertical);
            obj.set_spacing(2);
            obj.set_margin_start(12);
            obj.set_margin_end(12);
            obj.set_margin_top(3);
            obj.set_margin_bottom(3);
            self.body.set_wrap(true);
            self.body.set_wrap_mode(gtk::pango::WrapMode::WordChar);
            self.body.set_selectable(true);
            self.body.set_xalign(0.0);
            self.body.set_max_width_chars(60);
            self.body.add_css_class("message-bubble");
            self.meta.add_css_class("dim-label");
            self.meta.add_css_class("caption");
            self.day.add_css_class("day-separator");
            self.day.set_halign(gtk::Align::Center);
            self.day.set_margin_top(12);
            self.day.set_margin_bottom(6);
            self.sender.set_halign(gtk::Align::Start);
            self.sender.add_css_class("caption-heading");
            obj.append(&self.day);
            obj.append(&self.sender);
            obj.append(&self.body);
            obj.append(&self.meta);
        }
    }

    impl WidgetImpl for MessageRow {}
    impl BoxImpl for MessageRow {}
}

glib::wrapper! {
    /// Shows one [`MessageObject`].
    pub struct MessageRow(ObjectSubclass<imp::MessageRow>)
        @extends gtk::Widget, gtk::Box,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Orientable;
}

impl Default for MessageRow {
    fn default() -> Self {
        glib::Object::new()
    }
}

impl MessageRow {
    /// Shows `message`, following its state and corrections.
    pub fn bind(&self, message: &MessageObject) {
        self.unbind();
        let imp = self.imp();
        let ours = message.outgoing();
        let align = if ours { gtk::Align::End } else { gtk::Align::Start };
        imp.body.set_halign(align);
        imp.meta.set_halign(align);
        // A file's card stands for its URL; built for the first message
        // with a file this row shows (most rows never need one).
        imp.body.set_visible(!message.has_file());
        if message.has_file() {
            let card = self.card();
            card.set_halign(align);
            card.set_visible(true);
            card.bind(message);
        } else if let Some(card) = imp.file.get() {
            card.set_visible(false);
        }
        if ours {
            imp.body.add_css_class("outgoing");
        } else {
            imp.body.remove_css_class("outgoing");
        }
        let refresh = glib::clone!(
            #[weak(rename_to = row)]
            self,
            move |m: &MessageObject, _: &glib::ParamSpec| row.show(m)
        );
        let handlers = vec![
            message.connect_notify_local(Some("state"), refresh.clone()),
            message.connect_notify_local(Some("body"), refresh.clone()),
            message.connect_notify_local(Some("corrected"), refresh.clone()),
            message.connect_notify_local(Some("day-start"), refresh.clone()),
            message.connect_notify_local(Some("grouped"), refresh),
        ];
        self.show(message);
        imp.message.replace(Some((message.clone(), handlers)));
    }

    fn show(&self, m: &MessageObject) {
        let imp = self.imp();
        match m.end_to_end() {
            crate::core::message::MessageEncryption::Undecryptable(reason) => {
                let why = crate::model::encryption_text::undecryptable(reason);
                imp.body
                    .set_markup(&format!("<i>{}</i>", glib::markup_escape_text(&why)));
                imp.body.add_css_class("undecryptable");
            }
            _ => {
                imp.body.set_markup(&linkify(&m.body()));
                imp.body.remove_css_class("undecryptable");
            }
        }
        imp.meta.set_label(&meta_text(m));
        // Adwaita's error colour for a message that never left.
        if m.outgoing() && m.delivery_state() == DeliveryState::NotSent {
            imp.meta.add_css_class("error");
        } else {
            imp.meta.remove_css_class("error");
        }
        if m.highlighted() {
            imp.body.add_css_class("found");
        } else {
            imp.body.remove_css_class("found");
        }
        // In rooms, who wrote it, above the first of their messages.
        imp.sender
            .set_visible(m.group() && !m.outgoing() && !m.grouped() && !m.sender().is_empty());
        imp.sender.set_label(&m.sender());
        imp.day.set_visible(m.day_start());
        if m.day_start() {
            imp.day.set_label(&day_text(m.timestamp()));
        }
        // A group reads as one block: less space above its later messages.
        self.set_margin_top(if m.grouped() { 0 } else { 6 });
    }

    /// Stops following the message.
    pub fn unbind(&self) {
        if let Some((m, handlers)) = self.imp().message.take() {
            handlers.into_iter().for_each(|h| m.disconnect(h));
        }
        if let Some(card) = self.imp().file.get() {
            card.unbind();
        }
    }

    /// The row's file card, made (before the meta line) when first needed.
    fn card(&self) -> &super::file_card::FileCard {
        let imp = self.imp();
        imp.file.get_or_init(|| {
            let card = super::file_card::FileCard::default();
            self.insert_child_after(&card, Some(&imp.body));
            card
        })
    }

    /// The file card, when the message shares a file.
    pub fn file_card(&self) -> Option<super::file_card::FileCard> {
        self.imp().file.get().filter(|f| f.is_visible()).cloned()
    }

    /// The text shown.
    pub fn body_shown(&self) -> String {
        self.imp().body.text().to_string()
    }

    /// The date shown above the message, if any.
    pub fn day_shown(&self) -> Option<String> {
        let day = &self.imp().day;
        day.is_visible().then(|| day.label().to_string())
    }

    /// The sender's nickname shown above the message, in rooms.
    pub fn sender_shown(&self) -> Option<String> {
        let sender = &self.imp().sender;
        sender.is_visible().then(|| sender.label().to_string())
    }

    /// The links in the text shown.
    pub fn links_shown(&self) -> Vec<String> {
        let markup = self.imp().body.label();
        markup
            .split("<a href=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .map(str::to_owned)
            .collect()
    }

    /// The time and state line shown.
    pub fn meta_shown(&self) -> String {
        self.imp().meta.label().to_string()
    }

    /// Whether the meta line is shown as an error (a message not sent).
    pub fn meta_is_error(&self) -> bool {
        self.imp().meta.has_css_class("error")
    }
}

/// The factory for a `GtkListView` over [`MessageObject`]s (and the
/// [`crate::model::UploadObject`]s after them).
pub fn factory() -> gtk::SignalListItemFactory {
    let factory = gtk::SignalListItemFactory::new();
    factory.connect_setup(|_, item| {
        if let Some(item) = item.downcast_ref::<gtk::ListItem>() {
            item.set_activatable(false);
            item.set_child(Some(&MessageRow::default()));
        }
    });
    factory.connect_bind(|_, item| {
        let Some(item) = item.downcast_ref::<gtk::ListItem>() else {
            return;
        };
        // A file being sent is a row of its own at the end of the list.
        if let Some(upload) = item.item().and_downcast::<crate::model::UploadObject>() {
            item.set_child(Some(&super::conversation_files::upload_row(&upload)));
            return;
        }
        if item.child().and_downcast::<MessageRow>().is_none() {
            item.set_child(Some(&MessageRow::default()));
        }
        if let (Some(row), Some(m)) = (
            item.child().and_downcast::<MessageRow>(),
            item.item().and_downcast::<MessageObject>(),
        ) {
            row.bind(&m);
        }
    });
    factory.connect_unbind(|_, item| {
        if let Some(row) = item
            .downcast_ref::<gtk::ListItem>()
            .and_then(|i| i.child())
            .and_downcast::<MessageRow>()
        {
            row.unbind();
        }
    });
    factory
}
