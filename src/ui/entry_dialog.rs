//! A message dialog asking for a few lines of text, whose confirming
//! response is enabled only while the first line is valid.

use std::rc::Rc;

use adw::prelude::*;

use crate::i18n::gettext;

/// One line to ask for.
pub struct Line<'a> {
    /// Widget name (for tests).
    pub name: &'a str,
    /// Its title.
    pub title: String,
    /// Text already in it.
    pub text: &'a str,
}

/// Builds the dialog with Cancel and `accept` (`(id, label)`); `valid`
/// judges the first line's text. Returns the dialog and its lines.
pub fn build(
    parent: &impl IsA<gtk::Window>,
    heading: &str,
    body: &str,
    lines: &[Line<'_>],
    accept: (&'static str, &str),
    valid: impl Fn(&str) -> bool + 'static,
) -> (adw::MessageDialog, Vec<adw::EntryRow>) {
    let dialog = adw::MessageDialog::builder()
        .transient_for(parent)
        .modal(true)
        .heading(heading)
        .body(body)
        .build();
    let list = gtk::ListBox::builder()
        .selection_mode(gtk::SelectionMode::None)
        .css_classes(["boxed-list"])
        .build();
    let rows: Vec<adw::EntryRow> = lines
        .iter()
        .map(|line| {
            let row = adw::EntryRow::builder()
                .title(line.title.as_str())
                .name(line.name)
                .text(line.text)
                .activates_default(true)
                .build();
            list.append(&row);
            row
        })
        .collect();
    dialog.set_extra_child(Some(&list));
    let (id, label) = accept;
    dialog.add_responses(&[("cancel", &gettext("_Cancel")), (id, label)]);
    dialog.set_response_appearance(id, adw::ResponseAppearance::Suggested);
    dialog.set_response_enabled(id, false);
    dialog.set_default_response(Some(id));
    dialog.set_close_response("cancel");
    if let Some(first) = rows.first() {
        let valid = Rc::new(valid);
        let weak = dialog.downgrade();
        first.connect_changed(move |entry| {
            let Some(dialog) = weak.upgrade() else { return };
            let ok = valid(&entry.text());
            dialog.set_response_enabled(id, ok);
            if ok || entry.text().is_empty() {
                entry.remove_css_class("error");
            } else {
                entry.add_css_class("error");
            }
        });
    }
    (dialog, rows)
}
