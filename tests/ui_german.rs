//! The app runs translated: the setup page and the main window in German.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::{model::Client, ui::Window};
use support::{
    profiles,
    ui::{find, pump_until, screenshot},
};

#[gtk::test]
fn setup_page_and_main_window_are_german_with_language_de() {
    // Only test in this binary, so the process-wide locale is ours to set.
    std::env::set_var("LANGUAGE", "de");
    std::env::set_var("LC_ALL", "de_DE.UTF-8");
    support::ui::init();
    let german = balcony::i18n::gettext("Add Account");
    assert_ne!(
        german, "Add Account",
        "the German catalogue is not loaded (is de_DE.UTF-8 generated?)"
    );

    let client = Client::new(profiles::fresh("ui-german")).expect("client");
    let window = Window::new(None, &client, None);
    window.set_default_size(900, 700);
    window.present();
    pump_until("the setup page", Duration::from_secs(10), || {
        window.visible_page() == "setup"
    });
    let login: gtk::Button = find(&window, "login");
    let label = login
        .first_child()
        .and_then(|b| b.last_child())
        .and_then(|l| l.downcast::<gtk::Label>().ok())
        .expect("login label");
    assert_eq!(
        label.label().replace('_', ""),
        balcony::i18n::gettext("_Log In").replace('_', "")
    );
    assert_ne!(label.label().as_str(), "_Log In");
    screenshot(&window, "account-setup-de");

    // The error text on the page is German too.
    find::<adw::EntryRow>(&window, "jid").set_text("kein-gueltiger-name");
    find::<gtk::Button>(&window, "login").emit_clicked();
    let error: gtk::Label = find(&window, "error");
    assert_eq!(
        error.label().as_str(),
        balcony::i18n::gettext("Enter your full address, like juliet@example.org.")
    );
    assert!(!error.label().contains("Enter your"), "{}", error.label());
    screenshot(&window, "account-setup-error-de");
    client.shutdown();
}
