//! The password prompt, by real keys through the X server: an account
//! whose password was not remembered asks for it at start; a wrong one is
//! explained and asked again; the right one logs in and, with Remember
//! on, is kept (in a file in the profile only the user can read, as there
//! is no keyring here) so that the next login needs no prompt.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::{
    core::{
        account::TlsMode,
        credentials::{load_password, PasswordStorage},
        store::{Store, StoredAccount},
    },
    model::ConnectionStatus,
};
use support::{
    accounts::config,
    prosody::Prosody,
    ui::{app_window, dialog_of, init, pump_until, screenshot},
    xinput::{key, type_text},
};
use xmpp_parsers::jid::BareJid;

const WAIT: Duration = Duration::from_secs(20);

#[gtk::test]
fn a_missing_password_is_asked_for_a_wrong_one_explained_and_the_right_one_kept() {
    init();
    let server = Prosody::start();
    server.register("juliet", "right-one");
    let profile = support::profiles::fresh("ui-password-prompt");
    let jid: BareJid = "juliet@balcony.test".parse().expect("jid");
    Store::open(&profile.database_path())
        .expect("store")
        .save_account(&StoredAccount {
            config: config(
                "juliet",
                &server.c2s_addr(),
                TlsMode::StartTls,
                Some(&server.ca_pem),
            ),
            enabled: true,
            password_storage: PasswordStorage::None,
        })
        .expect("account");

    let (_app, window) = app_window(profile.clone());
    window.set_default_size(900, 640);
    let win: gtk::Window = window.clone().upcast();
    let prompt = |name: &str| dialog_of::<adw::MessageDialog>(&win).filter(|d| d.widget_name() == name);
    pump_until("the password prompt", WAIT, || {
        prompt("password-needed").is_some()
    });
    let dialog = prompt("password-needed").expect("prompt");
    assert_eq!(
        dialog.heading().as_deref(),
        Some("Password for juliet@balcony.test")
    );
    screenshot(&dialog, "password-needed");
    type_text(&dialog, "wrong-one");
    key(&dialog, "Return");
    // libadwaita 1.2 crashes finalizing a message dialog with an entry row
    // after the dialog was destroyed; the app holds no reference past the
    // answer, and neither may the test.
    std::mem::forget(dialog);
    let deadline = std::time::Instant::now() + WAIT;
    while prompt("password-refused").is_none() && std::time::Instant::now() < deadline {
        support::ui::pump_for(Duration::from_millis(500));
    }
    assert!(
        prompt("password-refused").is_some(),
        "state {:?}, dialogs {:?}",
        window.main_view().account().map(|a| a.connection_state()),
        dialog_of::<adw::MessageDialog>(&win).map(|d| d.widget_name())
    );
    let dialog = prompt("password-refused").expect("prompt");
    assert!(dialog.body().contains("did not accept"), "{}", dialog.body());
    screenshot(&dialog, "password-refused");
    type_text(&dialog, "right-one");
    key(&dialog, "Return");
    std::mem::forget(dialog);
    pump_until("online", WAIT, || {
        window
            .main_view()
            .account()
            .is_some_and(|a| a.status() == ConnectionStatus::Online)
    });
    // Remembered: in the profile's private file, and the account says so.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    pump_until("the account saved", WAIT, || {
        Store::open(&profile.database_path())
            .ok()
            .and_then(|s| s.account(&jid).ok().flatten())
            .is_some_and(|a| a.password_storage == PasswordStorage::ProfileFile)
    });
    let kept = runtime
        .block_on(load_password(&profile, PasswordStorage::ProfileFile, &jid))
        .expect("kept");
    assert_eq!(kept.expose(), "right-one");
    window.close();
}
