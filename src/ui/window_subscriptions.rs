//! The window's contact requests: asking whether someone may see our
//! presence, and after allowing it, offering to ask to see theirs.

use adw::prelude::*;
use gtk::glib;

use super::{subscription_dialog, Window};
use crate::model::{Account, Client};

impl Window {
    /// Asks for `account`'s password (see [`super::password_prompt`]).
    pub fn ask_for_password(&self, client: &Client, account: &Account, refused: bool) -> adw::MessageDialog {
        use adw::subclass::prelude::ObjectSubclassIsExt;
        // One prompt at a time: a newer reason replaces the one shown.
        if let Some(old) = self.imp().password_prompt.upgrade() {
            old.close();
        }
        let dialog = super::password_prompt::ask(self, client, account, refused);
        self.imp().password_prompt.set(Some(&dialog));
        dialog
    }

    /// Asks whether `from` may see `account`'s presence; the dialog.
    pub fn ask_about_subscription(
        &self,
        client: &Client,
        account: &Account,
        from: &str,
        message: &str,
        key: subscription_dialog::KeyShown<'_>,
    ) -> adw::MessageDialog {
        let dialog = subscription_dialog::build(self, from, message, key);
        let from = from.to_owned();
        dialog.connect_response(
            None,
            glib::clone!(
                #[weak]
                client,
                #[weak]
                account,
                #[weak(rename_to = win)]
                self,
                move |_, response| match response {
                    subscription_dialog::RESPONSE_ALLOW => {
                        client.answer_subscription(&account, &from, true);
                        win.offer_to_ask_back(&client, &account, &from);
                    }
                    subscription_dialog::RESPONSE_DENY => client.answer_subscription(&account, &from, false),
                    _ => {}
                }
            ),
        );
        dialog.present();
        dialog
    }

    /// After allowing `from`, offers to ask to see their presence too,
    /// unless we already do.
    fn offer_to_ask_back(&self, client: &Client, account: &Account, from: &str) {
        use crate::core::contacts::Subscription;
        let sees_theirs = account
            .roster()
            .contact(from)
            .is_some_and(|c| matches!(c.subscription(), Subscription::To | Subscription::Both));
        let Ok(jid) = from.parse::<xmpp_parsers::jid::BareJid>() else {
            return;
        };
        if sees_theirs {
            return;
        }
        let dialog = subscription_dialog::build_ask_back(self, from);
        dialog.connect_response(
            Some(subscription_dialog::RESPONSE_ASK_BACK),
            glib::clone!(
                #[weak]
                client,
                #[weak]
                account,
                move |_, _| client.add_contact(&account, &jid, None)
            ),
        );
        dialog.present();
    }
}
