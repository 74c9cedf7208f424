//! Adds a contact (Ctrl+Shift+N): their address, an optional name, and a
//! request to see their presence.

use adw::prelude::*;
use xmpp_parsers::jid::BareJid;

use super::{
    entry_dialog::{self, Line},
    start_conversation_dialog::parse_address,
};
use crate::i18n::gettext;

/// Response id of the add button.
pub const RESPONSE_ADD: &str = "add";

/// Builds the dialog; `add` gets the address and the name (if any).
pub fn build(
    parent: &impl IsA<gtk::Window>,
    add: impl Fn(BareJid, Option<String>) + 'static,
) -> adw::MessageDialog {
    let (dialog, rows) = entry_dialog::build(
        parent,
        &gettext("Add Contact"),
        &gettext("They will be asked whether you may see when they are online."),
        &[
            Line {
                name: "contact-address",
                title: gettext("Address"),
                text: "",
            },
            Line {
                name: "contact-name",
                title: gettext("Name (optional)"),
                text: "",
            },
        ],
        (RESPONSE_ADD, &gettext("_Add")),
        |text| parse_address(text).is_some(),
    );
    dialog.connect_response(Some(RESPONSE_ADD), move |_, _| {
        if let Some(jid) = parse_address(&rows[0].text()) {
            let name = rows[1].text().trim().to_owned();
            add(jid, (!name.is_empty()).then_some(name));
        }
    });
    dialog
}
