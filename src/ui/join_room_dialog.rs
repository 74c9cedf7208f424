//! Joins a group chat (Ctrl+J): the room's address and our nickname.

use adw::prelude::*;
use gtk::glib;
use xmpp_parsers::jid::BareJid;

use super::start_conversation_dialog::parse_address;
use crate::i18n::gettext;

/// Response id of the join button.
pub const RESPONSE_JOIN: &str = "join";

/// Builds the dialog; `join` gets the room and the nickname.
pub fn build(
    parent: &impl IsA<gtk::Window>,
    nick: &str,
    join: impl Fn(BareJid, String) + 'static,
) -> adw::MessageDialog {
    let dialog = adw::MessageDialog::builder()
        .transient_for(parent)
        .modal(true)
        .heading(gettext("Join Room"))
        .body(gettext(
            "Enter the room’s address, like room@conference.example.org.",
        ))
        .build();
    let address = adw::EntryRow::builder()
        .title(gettext("Room address"))
        .name("room-address")
        .activates_default(true)
        .build();
    let nickname = adw::EntryRow::builder()
        .title(gettext("Nickname"))
        .name("room-nick")
        .text(nick)
        .activates_default(true)
        .build();
    let list = gtk::ListBox::builder()
        .selection_mode(gtk::SelectionMode::None)
        .css_classes(["boxed-list"])
        .build();
    list.append(&address);
    list.append(&nickname);
    dialog.set_extra_child(Some(&list));
    dialog.add_responses(&[
        ("cancel", &gettext("_Cancel")),
        (RESPONSE_JOIN, &gettext("_Join")),
    ]);
    dialog.set_response_appearance(RESPONSE_JOIN, adw::ResponseAppearance::Suggested);
    dialog.set_response_enabled(RESPONSE_JOIN, false);
    dialog.set_default_response(Some(RESPONSE_JOIN));
    dialog.set_close_response("cancel");
    address.connect_changed(glib::clone!(
        #[weak]
        dialog,
        move |entry| dialog.set_response_enabled(RESPONSE_JOIN, parse_address(&entry.text()).is_some())
    ));
    dialog.connect_response(Some(RESPONSE_JOIN), move |_, _| {
        if let Some(room) = parse_address(&address.text()) {
            join(room, nickname.text().to_string());
        }
    });
    dialog
}
