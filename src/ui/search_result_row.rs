//! Rows of the message search results: where and when, and the text.

use adw::prelude::*;

use super::message_row::day_text;
use crate::model::MessageObject;

fn build() -> gtk::Box {
    let title = gtk::Label::builder()
        .xalign(0.0)
        .ellipsize(gtk::pango::EllipsizeMode::End)
        .css_classes(["heading"])
        .build();
    let body = gtk::Label::builder()
        .xalign(0.0)
        .wrap(true)
        .lines(2)
        .ellipsize(gtk::pango::EllipsizeMode::End)
        .css_classes(["dim-label"])
        .build();
    let row = gtk::Box::builder()
        .orientation(gtk::Orientation::Vertical)
        .spacing(2)
        .margin_top(6)
        .margin_bottom(6)
        .margin_start(6)
        .margin_end(6)
        .build();
    row.append(&title);
    row.append(&body);
    row
}

/// What a result row says: the conversation and day, then the text.
pub fn texts(m: &MessageObject) -> (String, String) {
    (format!("{} · {}", m.peer(), day_text(m.timestamp())), m.body())
}

/// The factory for a `GtkListView` over found [`MessageObject`]s.
pub fn factory() -> gtk::SignalListItemFactory {
    let factory = gtk::SignalListItemFactory::new();
    factory.connect_setup(|_, item| {
        if let Some(item) = item.downcast_ref::<gtk::ListItem>() {
            item.set_child(Some(&build()));
        }
    });
    factory.connect_bind(|_, item| {
        let Some(item) = item.downcast_ref::<gtk::ListItem>() else {
            return;
        };
        let (Some(row), Some(m)) = (
            item.child().and_downcast::<gtk::Box>(),
            item.item().and_downcast::<MessageObject>(),
        ) else {
            return;
        };
        let (title, body) = texts(&m);
        // Results are not edited while shown, so nothing to follow.
        if let Some(label) = row.first_child().and_downcast::<gtk::Label>() {
            label.set_label(&title);
        }
        if let Some(label) = row.last_child().and_downcast::<gtk::Label>() {
            label.set_label(&body);
        }
    });
    factory
}
