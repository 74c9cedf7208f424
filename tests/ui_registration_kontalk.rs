//! Kontalk's registration in the app (Xvfb), by real clicks and typing:
//! the server's first form (username, password, phone number, force) is
//! shown by the forms renderer; a malformed number is explained in the
//! server's words; then the server sends a verification code and asks for
//! it in a second form (`http://kontalk.org/protocol/register#code`), which
//! the dialog shows in place; a wrong code is explained, the right one
//! creates the account, and the app logs in with it. (Its own binary: the
//! test CA is trusted as a system CA, read once per process.)

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
    ui::{dialog_of, find, init, pump_until, screenshot_styles},
    xinput::{click, type_text},
};

const WAIT: Duration = Duration::from_secs(20);

/// Replaces the text of `row` by clicking into it and typing.
fn retype(window: &impl IsA<gtk::Window>, row: &adw::EntryRow, text: &str) {
    row.set_text("");
    click(row);
    type_text(window, text);
}

#[gtk::test]
fn a_kontalk_registration_asks_for_the_code_it_sent() {
    init();
    let server = Prosody::start_with(&["balcony_kontalk_register"], "");
    std::env::set_var("SSL_CERT_FILE", server.ca_path());
    let client = Client::new(profiles::fresh("ui-registration-kontalk")).expect("client");
    let window = Window::new(None, &client, None);
    window.set_default_size(900, 700);
    window.present();
    pump_until("the setup page", WAIT, || window.visible_page() == "setup");
    find::<adw::EntryRow>(&window, "jid").set_text(&format!("benvolio@{DOMAIN}"));
    find::<adw::PasswordEntryRow>(&window, "password").set_text("sycamore-grove");
    find::<adw::EntryRow>(&window, "server").set_text(&server.c2s_addr());
    click(&find::<gtk::Button>(&window, "create-account"));
    let mut found = None;
    pump_until("the dialog", WAIT, || {
        found = dialog_of::<RegistrationDialog>(&window);
        found.is_some()
    });
    let dialog = found.expect("dialog");
    pump_until("the server's form", WAIT, || dialog.page() == "form");
    let view = dialog.form_view();
    assert_eq!(find::<adw::EntryRow>(&view, "field:username").text(), "benvolio");
    let phone = find::<adw::EntryRow>(&view, "field:phone");
    assert_eq!(phone.title(), "Phone number *", "required");
    retype(&dialog, &phone, "12345");
    screenshot_styles(&dialog, "registration-kontalk-phone");
    click(&find::<gtk::Button>(&dialog, "registration-confirm"));
    pump_until("the number refused", WAIT, || dialog.problem_shown().is_some());
    let problem = dialog.problem_shown().unwrap_or_default();
    assert!(problem.contains("Not a valid phone number"), "{problem}");

    let phone = find::<adw::EntryRow>(&dialog.form_view(), "field:phone");
    retype(&dialog, &phone, "+390451234567");
    click(&find::<gtk::Button>(&dialog, "registration-confirm"));
    pump_until("the code form", WAIT, || {
        dialog.page() == "form"
            && support::ui::all::<adw::EntryRow>(&dialog.form_view())
                .iter()
                .any(|r| r.widget_name() == "field:code")
    });
    let code = server.kontalk_code("+390451234567");
    let code_row = find::<adw::EntryRow>(&dialog.form_view(), "field:code");
    assert_eq!(code_row.title(), "Verification code *", "required");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    retype(&dialog, &code_row, wrong);
    click(&find::<gtk::Button>(&dialog, "registration-confirm"));
    pump_until("the wrong code explained", WAIT, || {
        dialog
            .problem_shown()
            .is_some_and(|p| p.contains("The verification code is wrong"))
    });
    screenshot_styles(&dialog, "registration-kontalk-code");
    let code_row = find::<adw::EntryRow>(&dialog.form_view(), "field:code");
    retype(&dialog, &code_row, &code);
    click(&find::<gtk::Button>(&dialog, "registration-confirm"));
    pump_until("created and logged in", Duration::from_secs(30), || {
        !dialog.is_visible()
            && client
                .account(&format!("benvolio@{DOMAIN}"))
                .is_some_and(|a| a.status() == ConnectionStatus::Online)
    });
}
