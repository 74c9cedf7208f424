//! The open conversation's presence menu: being visible to this contact
//! while invisible, and asking a contact who does not share presence with
//! us to show theirs (XEP-0276).

use adw::{prelude::*, subclass::prelude::*};
use gtk::glib;
use xmpp_parsers::jid::BareJid;

use super::{request_presence_dialog, MainView};
use crate::{core::contacts::Subscription, i18n::gettext};

impl MainView {
    /// Whether we see `peer`'s presence through a subscription.
    fn subscribed_to(&self, peer: &str) -> bool {
        self.account()
            .and_then(|a| a.roster().contact(peer))
            .is_some_and(|c| matches!(c.subscription(), Subscription::To | Subscription::Both))
    }

    /// Shows the presence menu for the open one-to-one conversation and
    /// enables what applies now.
    pub(super) fn update_presence_menu(&self) {
        let imp = self.imp();
        let peer = self.open_peer();
        imp.presence_button.set_visible(peer.is_some());
        let (Some(peer), Some(account)) = (peer, self.account()) else {
            self.action_set_enabled("main.show-presence", false);
            self.action_set_enabled("main.hide-presence", false);
            self.action_set_enabled("main.request-presence", false);
            return;
        };
        let invisible = account.invisible();
        let visible = account.is_visible_to(&peer);
        self.action_set_enabled("main.show-presence", invisible && !visible);
        self.action_set_enabled("main.hide-presence", invisible && visible);
        self.action_set_enabled("main.request-presence", !self.subscribed_to(&peer));
        let (icon, tip) = if !invisible {
            ("view-reveal-symbolic", gettext("Your contacts see your presence"))
        } else if visible {
            (
                "view-reveal-symbolic",
                gettext("You are invisible, but visible to this contact"),
            )
        } else {
            (
                "view-conceal-symbolic",
                gettext("You are invisible to this contact"),
            )
        };
        imp.presence_button.set_icon_name(icon);
        imp.presence_button.set_tooltip_text(Some(&tip));
    }

    /// Shows (or hides) our presence to the open conversation's contact.
    pub fn set_visible_to_open_peer(&self, visible: bool) {
        let (Some(client), Some(account), Some(peer)) = (self.imp_client(), self.account(), self.open_peer())
        else {
            return;
        };
        client.set_visible_to(&account, &peer, visible);
    }

    /// Asks the open conversation's contact to share their presence.
    pub fn request_open_peer_presence(&self) -> Option<adw::MessageDialog> {
        let window = self.root().and_downcast::<gtk::Window>()?;
        let (client, account, peer) = (self.imp_client()?, self.account()?, self.open_peer()?);
        let dialog = request_presence_dialog::ask(
            &window,
            &client,
            &account,
            &peer,
            glib::clone!(
                #[weak(rename_to = view)]
                self,
                move |next| match next {
                    request_presence_dialog::Next::Chat(peer) => view.open_conversation(&peer),
                    request_presence_dialog::Next::AddContact(peer) => {
                        if let (Some(client), Some(account), Ok(jid)) =
                            (view.imp_client(), view.account(), peer.parse::<BareJid>())
                        {
                            client.add_contact(&account, &jid, None);
                            view.show_contacts(true);
                        }
                    }
                }
            ),
        );
        Some(dialog)
    }

    /// Opens the Devices page of the account shown.
    pub fn open_devices(&self) -> Option<adw::Window> {
        let window = self.root().and_downcast::<gtk::Window>()?;
        Some(super::devices_window::open(
            &window,
            &self.imp_client()?,
            &self.account()?,
        ))
    }

    /// Ends presence shared with the contact whose conversation is
    /// leaving the screen (nothing happens when none was shared).
    pub(super) fn withdraw_from_open_peer(&self) {
        if let (Some(client), Some(account), Some(peer)) =
            (self.imp_client(), self.account(), self.open_peer())
        {
            client.withdraw_presence(&account, &peer);
        }
    }
}
