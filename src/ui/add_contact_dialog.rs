//! Adds a contact (Ctrl+Shift+N): their address, an optional name, and a
//! request to see their presence.

use adw::prelude::*;
use gtk::glib;
use xmpp_parsers::jid::BareJid;

use super::start_conversation_dialog::parse_address;
use crate::i18n::gettext;

/// Response id of the add button.
pub const RESPONSE_ADD: &str = "add";

/// Builds the dialog; `add` gets the address and the name (if any).
pub fn build(
    parent: &impl IsA<gtk::Window>,
    add: impl Fn(BareJid, Option<String>) + 'static,
) -> adw::MessageDialog {
    let dialog = adw::MessageDialog::builder()
        .transient_for(parent)
        .modal(true)
        .heading(gettext("Add Contact"))
        .body(gettext(
            "They will be asked whether you may see when they are online.",
        ))
        .build();
    let address = adw::EntryRow::builder()
        .title(gettext("Address"))
        .name("contact-address")
        .activates_default(true)
        .build();
    let name = adw::EntryRow::builder()
        .title(gettext("Name (optional)"))
        .name("contact-name")
        .activates_default(true)
        .build();
    let list = gtk::ListBox::builder()
        .selection_mode(gtk::SelectionMode::None)
        .css_classes(["boxed-list"])
        .build();
    list.append(&address);
    list.append(&name);
    dialog.set_extra_child(Some(&list));
    dialog.add_responses(&[("cancel", &gettext("_Cancel")), (RESPONSE_ADD, &gettext("_Add"))]);
    dialog.set_response_appearance(RESPONSE_ADD, adw::ResponseAppearance::Suggested);
    dialog.set_response_enabled(RESPONSE_ADD, false);
    dialog.set_default_response(Some(RESPONSE_ADD));
    dialog.set_close_response("cancel");
    address.connect_changed(glib::clone!(
        #[weak]
        dialog,
        move |entry| {
            let valid = parse_address(&entry.text()).is_some();
            dialog.set_response_enabled(RESPONSE_ADD, valid);
            if valid || entry.text().is_empty() {
                entry.remove_css_class("error");
            } else {
                entry.add_css_class("error");
            }
        }
    ));
    dialog.connect_response(Some(RESPONSE_ADD), move |_, _| {
        if let Some(jid) = parse_address(&address.text()) {
            let name = name.text().trim().to_owned();
            add(jid, (!name.is_empty()).then_some(name));
        }
    });
    dialog
}
