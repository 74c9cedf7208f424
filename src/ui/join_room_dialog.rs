//! Joins a group chat (Ctrl+J): the room's address and our nickname.

use adw::prelude::*;
use xmpp_parsers::jid::BareJid;

use super::{
    entry_dialog::{self, Line},
    start_conversation_dialog::parse_address,
};
use crate::i18n::gettext;

/// Response id of the join button.
pub const RESPONSE_JOIN: &str = "join";

/// Builds the dialog; `join` gets the room and the nickname.
pub fn build(
    parent: &impl IsA<gtk::Window>,
    nick: &str,
    join: impl Fn(BareJid, String) + 'static,
) -> adw::MessageDialog {
    let (dialog, rows) = entry_dialog::build(
        parent,
        &gettext("Join Room"),
        &gettext("Enter the room’s address, like room@conference.example.org."),
        &[
            Line {
                name: "room-address",
                title: gettext("Room address"),
                text: "",
            },
            Line {
                name: "room-nick",
                title: gettext("Nickname"),
                text: nick,
            },
        ],
        (RESPONSE_JOIN, &gettext("_Join")),
        |text| parse_address(text).is_some(),
    );
    dialog.connect_response(Some(RESPONSE_JOIN), move |_, _| {
        if let Some(room) = parse_address(&rows[0].text()) {
            join(room, rows[1].text().to_string());
        }
    });
    dialog
}
