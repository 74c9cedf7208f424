//! The window's answer to a message that was not sent because it could
//! not be encrypted: a dialog that says why (a verified contact's new
//! device above all, shown before anything reaches it) and opens the
//! encryption keys, where the user decides.

use adw::prelude::*;
use gtk::glib;

use super::Window;
use crate::{
    i18n::{gettext, gettext_f},
    model::{Account, Client},
};

/// The dialog's response that opens the keys.
pub const RESPONSE_KEYS: &str = "keys";

/// Shows the warning whenever the client reports a message it did not
/// send unencrypted.
pub fn watch(window: &Window, client: &Client) {
    client.connect_closure(
        "message-not-encrypted",
        false,
        glib::closure_local!(
            #[weak]
            window,
            move |_: Client, account: Account, peer: String, new_device: bool| {
                present(&window, &account, &peer, new_device);
            }
        ),
    );
}

/// Says that a message to `peer` was not sent, and why; "Review Keys"
/// opens the conversation's keys.
pub fn present(window: &Window, account: &Account, peer: &str, new_device: bool) -> adw::MessageDialog {
    let (heading, body) = if new_device {
        (
            gettext("New Device"),
            gettext_f(
                "{contact} has a new device that you have not verified. Your message was not sent, so that nothing reaches a device you do not know. Compare its fingerprint with {contact}, verify or distrust it, then send the message again.",
                &[("contact", peer)],
            ),
        )
    } else {
        (
            gettext("Message Not Sent"),
            gettext_f(
                "Your message to {contact} could not be encrypted for their devices, so it was not sent. Check the encryption keys, or turn encryption off for this conversation to send it unencrypted.",
                &[("contact", peer)],
            ),
        )
    };
    let dialog = adw::MessageDialog::builder()
        .transient_for(window)
        .modal(true)
        .heading(heading)
        .body(body)
        .build();
    dialog.set_widget_name("omemo-not-sent");
    dialog.add_response("close", &gettext("_Later"));
    dialog.add_response(RESPONSE_KEYS, &gettext("_Review Keys"));
    dialog.set_response_appearance(RESPONSE_KEYS, adw::ResponseAppearance::Suggested);
    dialog.set_default_response(Some(RESPONSE_KEYS));
    dialog.set_close_response("close");
    let peer = peer.to_owned();
    dialog.connect_response(
        Some(RESPONSE_KEYS),
        glib::clone!(
            #[weak]
            window,
            #[weak]
            account,
            move |_, _| {
                let view = window.main_view();
                view.set_account(&account);
                view.open_conversation(&peer);
                view.show_keys();
            }
        ),
    );
    dialog.present();
    dialog
}
