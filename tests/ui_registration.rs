//! Creating an account from the setup page under Xvfb: the server's
//! registration form (XEP-0077, with a required e-mail) is shown by the
//! forms renderer, prefilled; a taken name is explained in place; once
//! created, the app logs in with the new account.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::{
    model::{Client, ConnectionStatus},
    ui::{RegistrationDialog, Window},
};
use support::{
    profiles,
    prosody::{Prosody, DOMAIN},
    ui::{dialog_of, find, init, pump_until, screenshot},
};

#[gtk::test]
fn a_new_account_is_created_with_the_servers_form_and_logged_in() {
    init();
    let server = Prosody::start_with(
        &["register"],
        "allow_registration = true\nadditional_registration_fields = { \"email+\" }\n",
    );
    server.register("juliet", "pw-j");
    // The test CA is trusted the way a system CA would be.
    std::env::set_var("SSL_CERT_FILE", server.ca_path());

    let client = Client::new(profiles::fresh("ui-registration")).expect("client");
    let window = Window::new(None, &client, None);
    window.set_default_size(900, 700);
    window.present();
    pump_until("the setup page", Duration::from_secs(10), || {
        window.visible_page() == "setup"
    });
    find::<adw::EntryRow>(&window, "jid").set_text(&format!("juliet@{DOMAIN}"));
    find::<adw::PasswordEntryRow>(&window, "password").set_text("queen-mab");
    find::<adw::EntryRow>(&window, "server").set_text(&server.c2s_addr());
    find::<gtk::Button>(&window, "create-account").emit_clicked();

    let dialog: RegistrationDialog = {
        let mut found = None;
        pump_until("the dialog", Duration::from_secs(5), || {
            found = dialog_of::<RegistrationDialog>(&window);
            found.is_some()
        });
        found.expect("dialog")
    };
    pump_until("the server's form", Duration::from_secs(20), || {
        dialog.page() == "form"
    });
    let view = dialog.form_view();
    assert_eq!(find::<adw::EntryRow>(&view, "field:username").text(), "juliet");
    assert_eq!(
        find::<adw::PasswordEntryRow>(&view, "field:password").text(),
        "queen-mab"
    );

    // The required e-mail is asked for before anything is sent.
    find::<gtk::Button>(&dialog, "registration-confirm").emit_clicked();
    assert_eq!(
        find::<gtk::Label>(&view, "problem:email").label(),
        "This field is required"
    );
    find::<adw::EntryRow>(&view, "field:email").set_text("juliet@verona.example");
    screenshot(&dialog, "registration-form");

    // "juliet" is taken: said in place, the answers kept.
    find::<gtk::Button>(&dialog, "registration-confirm").emit_clicked();
    pump_until("the conflict", Duration::from_secs(20), || {
        dialog.problem_shown().is_some()
    });
    assert_eq!(
        dialog.problem_shown().as_deref(),
        Some("This username is taken. Choose another one.")
    );
    assert_eq!(
        find::<adw::EntryRow>(&view, "field:email").text(),
        "juliet@verona.example"
    );
    screenshot(&dialog, "registration-conflict");

    find::<adw::EntryRow>(&view, "field:username").set_text("mercutio");
    find::<gtk::Button>(&dialog, "registration-confirm").emit_clicked();
    pump_until("created and logged in", Duration::from_secs(30), || {
        !dialog.is_visible()
            && client
                .account(&format!("mercutio@{DOMAIN}"))
                .is_some_and(|a| a.status() == ConnectionStatus::Online)
    });
    pump_until("the main page", Duration::from_secs(10), || {
        window.visible_page() == "main"
    });
}
