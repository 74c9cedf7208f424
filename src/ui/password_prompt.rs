//! Asks for an account's password when Balcony has none (not remembered,
//! or the keyring is locked or gone) or the server refused the one it had,
//! instead of leaving the account offline with a notice.

use adw::prelude::*;
use gtk::glib;

use crate::{
    core::credentials::PasswordStorage,
    i18n::{gettext, gettext_f},
    model::{Account, Client},
};

/// Response id of the log-in button.
pub const RESPONSE_LOG_IN: &str = "log-in";

/// Asks for `account`'s password; `refused` says the server refused the
/// last one. Logging in with "Remember" on keeps it in the keyring, or
/// (without one) in a file in the profile only the user can read.
pub fn ask(
    parent: &impl IsA<gtk::Window>,
    client: &Client,
    account: &Account,
    refused: bool,
) -> adw::MessageDialog {
    let jid = account.jid();
    let body = if refused {
        gettext("The server did not accept the password. Check it and try again.")
    } else {
        gettext("Balcony has no password for this account: it was not remembered, or the keyring is locked or gone.")
    };
    let dialog = adw::MessageDialog::builder()
        .transient_for(parent)
        .modal(true)
        .heading(gettext_f("Password for {account}", &[("account", &jid)]))
        .body(body)
        .build();
    dialog.set_widget_name(if refused {
        "password-refused"
    } else {
        "password-needed"
    });
    let entry = adw::PasswordEntryRow::builder()
        .title(gettext("Password"))
        .name("prompt-password")
        .build();
    let keyring = client.secret_service_available();
    let remember = gtk::Switch::builder()
        .valign(gtk::Align::Center)
        .name("prompt-remember")
        .active(true)
        .build();
    let remember_row = adw::ActionRow::builder()
        .title(gettext("Remember"))
        .subtitle(if keyring {
            gettext("In your keyring")
        } else {
            gettext("In a file in your profile that only you can read")
        })
        .activatable_widget(&remember)
        .build();
    remember_row.add_suffix(&remember);
    let list = gtk::ListBox::builder()
        .selection_mode(gtk::SelectionMode::None)
        .css_classes(["boxed-list"])
        .build();
    list.append(&entry);
    list.append(&remember_row);
    dialog.set_extra_child(Some(&list));
    dialog.add_responses(&[
        ("cancel", &gettext("_Cancel")),
        (RESPONSE_LOG_IN, &gettext("_Log In")),
    ]);
    dialog.set_response_appearance(RESPONSE_LOG_IN, adw::ResponseAppearance::Suggested);
    dialog.set_default_response(Some(RESPONSE_LOG_IN));
    dialog.set_close_response("cancel");
    dialog.set_response_enabled(RESPONSE_LOG_IN, false);
    entry.connect_changed(glib::clone!(
        #[weak]
        dialog,
        move |e| dialog.set_response_enabled(RESPONSE_LOG_IN, !e.text().is_empty())
    ));
    // Enter in the field logs in: answered from an idle callback, since
    // answering closes the dialog, which must not happen while the field
    // is still handling its own key press.
    entry.connect_entry_activated(glib::clone!(
        #[weak]
        dialog,
        move |e| {
            if !e.text().is_empty() {
                glib::idle_add_local_once(glib::clone!(
                    #[weak]
                    dialog,
                    move || {
                        // As a click on the button does: answer, then close.
                        dialog.response(RESPONSE_LOG_IN);
                        dialog.close();
                    }
                ));
            }
        }
    ));
    dialog.connect_response(
        Some(RESPONSE_LOG_IN),
        glib::clone!(
            #[weak]
            client,
            #[weak]
            account,
            #[weak]
            entry,
            #[weak]
            remember,
            move |_, _| {
                let storage = match (remember.is_active(), keyring) {
                    (false, _) => PasswordStorage::None,
                    (true, true) => PasswordStorage::SecretService,
                    (true, false) => PasswordStorage::ProfileFile,
                };
                client.login_with_password(&account, entry.text().to_string(), storage);
            }
        ),
    );
    dialog.present();
    entry.grab_focus();
    dialog
}
