//! Asks for an address to start a conversation with (Ctrl+N).

use adw::prelude::*;
use xmpp_parsers::jid::BareJid;

use super::entry_dialog::{self, Line};
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
    let (dialog, rows) = entry_dialog::build(
        parent,
        &gettext("Start Conversation"),
        &gettext("Enter the address of the person to write to."),
        &[Line {
            name: "address",
            title: gettext("Address"),
            text: "",
        }],
        (RESPONSE_START, &gettext("_Start")),
        |text| parse_address(text).is_some(),
    );
    let address = rows[0].clone();
    dialog.connect_response(Some(RESPONSE_START), move |_, _| {
        if let Some(jid) = parse_address(&address.text()) {
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
