//! Notes of a command stage (info, warning, error) as banners.

use gtk::prelude::*;

use crate::core::xmpp::modules::x0050_commands::{Note, NoteKind};

/// Replaces what `area` shows with one banner per note.
pub fn show(area: &gtk::Box, notes: &[Note]) {
    while let Some(child) = area.first_child() {
        area.remove(&child);
    }
    for note in notes {
        let (icon, class) = match note.kind {
            NoteKind::Info => ("dialog-information-symbolic", "note-info"),
            NoteKind::Warn => ("dialog-warning-symbolic", "note-warn"),
            NoteKind::Error => ("dialog-error-symbolic", "note-error"),
        };
        let banner = gtk::Box::builder()
            .spacing(12)
            .css_classes(["note", class])
            .name(class)
            .build();
        banner.append(&gtk::Image::from_icon_name(icon));
        let label = gtk::Label::builder()
            .label(note.text.trim())
            .wrap(true)
            .xalign(0.0)
            .hexpand(true)
            .selectable(true)
            .build();
        banner.append(&label);
        area.append(&banner);
    }
    area.set_visible(!notes.is_empty());
}

/// The text of the banners shown, for tests.
pub fn texts(area: &gtk::Box) -> Vec<String> {
    let mut out = Vec::new();
    let mut child = area.first_child();
    while let Some(banner) = child {
        if let Some(label) = banner.last_child().and_downcast::<gtk::Label>() {
            out.push(label.label().to_string());
        }
        child = banner.next_sibling();
    }
    out
}
