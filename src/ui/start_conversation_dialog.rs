//! Asks for an address to start a conversation with (Ctrl+N).

use adw::prelude::*;
use xmpp_parsers::jid::BareJid;

use gtk::glib;

use crate::i18n::gettext;

/// Response id of the start button.
pub const RESPONSE_START: &str = "start";

/// The address in `text`, if it is a full one (`name@server`).
pub fn parse_address(text: &str) -> Option<BareJid> {
    let jid: BareJid = text.trim().parse().ok()?;
    jid.node().is_some().then_some(jid)
}

/// Builds the dialog; `start` gets the address when the user confirms.
pub fn build(parent: &impl IsA<gtk::Window>, start: impl Fn(BareJid) + 'static) -> adw::MessageDialog {
    let dialog = adw::MessageDialog::builder()
        .transient_for(parent)
        .modal(true)
        .heading(gettext("Start Conversation"))
        .body(gettext("Enter the address of the person to write to."))
        .build();
    let entry = adw::EntryRow::builder()
        .title(gettext("Address"))
        .name("address")
        .activates_default(true)
        .build();
    let list = gtk::ListBox::builder()
        .selection_mode(gtk::SelectionMode::None)
        .css_classes(["boxed-list"])
        .build();
    list.append(&entry);
    dialog.set_extra_child(Some(&list));
    dialog.add_responses(&[
        ("cancel", &gettext("_Cancel")),
        (RESPONSE_START, &gettext("_Start")),
    ]);
    dialog.set_response_appearance(RESPONSE_START, adw::ResponseAppearance::Suggested);
    dialog.set_response_enabled(RESPONSE_START, false);
    dialog.set_default_response(Some(RESPONSE_START));
    dialog.set_close_response("cancel");
    entry.connect_changed(glib::clone!(
        #[weak]
        dialog,
        move |entry| {
            let valid = parse_address(&entry.text()).is_some();
            dialog.set_response_enabled(RESPONSE_START, valid);
            if valid || entry.text().is_empty() {
                entry.remove_css_class("error");
            } else {
                entry.add_css_class("error");
            }
        }
    ));
    dialog.connect_response(Some(RESPONSE_START), move |_, _| {
        if let Some(jid) = parse_address(&entry.text()) {
            start(jid);
        }
    });
    dialog
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_full_addresses_start_a_conversation() {
        assert_eq!(
            parse_address(" romeo@montague.example ").map(|j| j.to_string()),
            Some("romeo@montague.example".into())
        );
        assert!(parse_address("montague.example").is_none());
        assert!(parse_address("romeo@").is_none());
        assert!(parse_address("").is_none());
    }
}
