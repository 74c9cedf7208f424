//! The main view's lock: whether messages in the open one-to-one
//! conversation are encrypted with OMEMO. It shows the conversation's
//! remembered choice and changes it; rooms have none.

use adw::subclass::prelude::*;
use gettextrs::gettext;
use gtk::{glib, prelude::*};

use super::MainView;
use crate::model::{Account, Client};

impl MainView {
    /// Sends the lock's changes (made by the user) to the model, and opens
    /// the keys from their button.
    pub(super) fn watch_encryption_button(&self) {
        self.imp().keys_button.connect_clicked(glib::clone!(
            #[weak(rename_to = view)]
            self,
            move |_| {
                view.show_keys();
            }
        ));
        self.imp().encryption_button.connect_toggled(glib::clone!(
            #[weak(rename_to = view)]
            self,
            move |button| {
                view.show_lock(button.is_active());
                if !button.is_sensitive() {
                    return; // set from the stored choice, not by the user
                }
                let imp = view.imp();
                let (Some(client), Some(account), Some(peer)) =
                    (imp.client.borrow().clone(), view.account(), view.open_peer())
                else {
                    return;
                };
                client.set_conversation_encryption(&account, &peer, button.is_active());
            }
        ));
    }

    /// Opens the encryption keys of the open conversation.
    pub fn show_keys(&self) -> Option<adw::Window> {
        let imp = self.imp();
        let window = self.root().and_downcast::<gtk::Window>()?;
        let (client, account, peer) = (imp.client.borrow().clone()?, self.account()?, self.open_peer()?);
        Some(super::omemo_keys_dialog::present(
            &window, &client, &account, &peer,
        ))
    }

    fn show_lock(&self, encrypted: bool) {
        let imp = self.imp();
        // A room's keys are its occupants': not one list to show.
        let in_room = self
            .account()
            .zip(self.open_peer())
            .is_some_and(|(account, peer)| account.room(&peer).is_some());
        imp.keys_button
            .set_visible(encrypted && imp.encryption_button.is_visible() && !in_room);
        let button = &imp.encryption_button;
        if encrypted {
            button.set_icon_name("channel-secure-symbolic");
            // Translators: the lock's tooltip while messages are encrypted.
            button.set_tooltip_text(Some(&gettext("Messages Are Encrypted (OMEMO)")));
        } else {
            button.set_icon_name("channel-insecure-symbolic");
            button.set_tooltip_text(Some(&gettext("Encrypt Messages")));
        }
    }

    /// Shows the lock again when the open conversation's contact turns
    /// out to use OMEMO (on by default) or not.
    pub(super) fn follow_encryption_defaults(&self, client: &Client) {
        client.connect_local(
            "omemo-device-lists",
            false,
            glib::clone!(
                #[weak(rename_to = view)]
                self,
                #[upgrade_or]
                None,
                move |args| {
                    let account = args.get(1).and_then(|v| v.get::<Account>().ok());
                    let peer = args.get(2).and_then(|v| v.get::<String>().ok());
                    let client = view.imp().client.borrow().clone();
                    if let (Some(client), Some(account), Some(peer)) = (client, account, peer) {
                        if view.account().as_ref() == Some(&account)
                            && view.open_peer().as_deref() == Some(peer.as_str())
                        {
                            view.show_encryption(&client, &account, &peer);
                        }
                    }
                    None
                }
            ),
        );
    }

    /// Shows the lock for `peer`'s conversation (hidden for rooms), with
    /// its remembered choice, or on by default when the contact uses
    /// OMEMO.
    pub(super) fn show_encryption(&self, client: &Client, account: &Account, peer: &str) {
        let imp = self.imp();
        let serial = imp.encryption_serial.get() + 1;
        imp.encryption_serial.set(serial);
        let button = imp.encryption_button.get();
        button.set_visible(account.room(peer).is_none() || client.room_encryptable(account, peer));
        imp.keys_button.set_visible(false);
        // Until the choice is read, the lock cannot be changed.
        button.set_sensitive(false);
        button.set_active(false);
        let (client, account, peer, view) = (client.clone(), account.clone(), peer.to_owned(), self.clone());
        glib::spawn_future_local(async move {
            let encrypted = client.conversation_encryption(&account, &peer).await;
            if view.imp().encryption_serial.get() != serial {
                return;
            }
            button.set_active(encrypted);
            view.show_lock(encrypted);
            button.set_sensitive(true);
        });
    }
}
