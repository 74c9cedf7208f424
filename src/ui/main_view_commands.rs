//! Where ad-hoc commands start from the main view: one's own server, the
//! open contact's devices, and any address.

use adw::prelude::*;
use xmpp_parsers::jid::{BareJid, Jid};

use super::{
    command_dialog::CommandDialog,
    entry_dialog::{self, Line},
    MainView,
};
use crate::i18n::gettext;

/// The address in `text`, if it is one.
pub fn parse_target(text: &str) -> Option<Jid> {
    let text = text.trim();
    if text.is_empty() || text.contains(char::is_whitespace) {
        return None;
    }
    text.parse().ok()
}

impl MainView {
    fn open_commands(&self, candidates: Vec<Jid>, heading: &str) -> Option<CommandDialog> {
        let window = self.root().and_downcast::<gtk::Window>()?;
        let client = self.imp_client()?;
        let account: BareJid = self.account()?.jid().parse().ok()?;
        Some(CommandDialog::open(
            &window, &client, account, candidates, heading,
        ))
    }

    /// The commands of our own server.
    pub fn open_server_commands(&self) -> Option<CommandDialog> {
        let account: BareJid = self.account()?.jid().parse().ok()?;
        let server = Jid::from(account.domain().to_owned());
        self.open_commands(vec![server], &gettext("Server Commands"))
    }

    /// The commands of `peer`'s online devices (its address alone when
    /// none is known to be online).
    pub fn open_contact_commands(&self, peer: &str) -> Option<CommandDialog> {
        let bare: BareJid = peer.parse().ok()?;
        let resources = self
            .account()?
            .roster()
            .contact(peer)
            .map(|c| c.online_resources())
            .unwrap_or_default();
        let mut candidates: Vec<Jid> = resources
            .iter()
            .filter_map(|r| format!("{bare}/{r}").parse().ok())
            .collect();
        if candidates.is_empty() {
            candidates.push(Jid::from(bare));
        }
        self.open_commands(candidates, &gettext("Commands"))
    }

    /// Asks for an address, then lists its commands.
    pub fn ask_for_command_target(&self) -> Option<adw::MessageDialog> {
        let window = self.root().and_downcast::<gtk::Window>()?;
        let (dialog, rows) = entry_dialog::build(
            &window,
            &gettext("Run a Command"),
            &gettext("Enter the address of a server, service, bot or device."),
            &[Line {
                name: "command-target",
                title: gettext("Address"),
                text: "",
            }],
            ("run", &gettext("_Show Commands")),
            |text| parse_target(text).is_some(),
        );
        let (address, weak) = (rows[0].clone(), self.downgrade());
        dialog.connect_response(Some("run"), move |_, _| {
            if let (Some(view), Some(target)) = (weak.upgrade(), parse_target(&address.text())) {
                view.open_commands(vec![target], &gettext("Commands"));
            }
        });
        dialog.present();
        Some(dialog)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_address_can_be_a_command_target() {
        assert!(parse_target("capulet.lit").is_some());
        assert!(parse_target("juliet@capulet.lit/balcony").is_some());
        assert!(parse_target("").is_none());
        assert!(parse_target("two words").is_none());
        assert!(parse_target("@nothing").is_none());
    }
}
