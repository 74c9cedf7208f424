//! UI tests (Xvfb): the account page driven to the connected main window,
//! the certificate prompt, errors on the page, the status menu, and
//! screenshots in light, dark and narrow layouts.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::{
    core::xmpp::connection::tls::{fingerprint_hex, sha256},
    model::{Client, ConnectionStatus},
    ui::{connection_text::describe_error, Window},
};
use support::{
    profiles,
    prosody::{Prosody, DOMAIN},
    ui::{all, dialog_of, find, init, pump_until, screenshot},
};

/// Opens `row`'s list by a real click and clicks `label` in it.
fn choose_in_combo(row: &adw::ComboRow, label: &str) {
    support::xinput::click(row);
    let item = || {
        all::<gtk::Label>(row)
            .into_iter()
            .find(|l| l.label() == label && l.is_mapped())
    };
    pump_until(label, Duration::from_secs(10), || item().is_some());
    support::xinput::click(&item().expect("the item"));
    pump_until("the choice", Duration::from_secs(10), || {
        row.selected_item()
            .and_downcast::<gtk::StringObject>()
            .is_some_and(|s| s.string() == label)
    });
}

fn fill_setup(window: &Window, jid: &str, password: &str, server: &str) {
    find::<adw::EntryRow>(window, "jid").set_text(jid);
    find::<adw::PasswordEntryRow>(window, "password").set_text(password);
    find::<adw::EntryRow>(window, "server").set_text(server);
    find::<gtk::Switch>(window, "password-file").set_active(true);
}

#[gtk::test]
fn account_setup_reaches_the_connected_main_window() {
    init();
    let server = Prosody::start();
    server.register("juliet", "balcony-secret");
    let client = Client::new(profiles::fresh("ui-setup")).expect("client");
    let window = Window::new(None, &client, None);
    window.set_default_size(900, 640);
    window.present();
    pump_until("the setup page", Duration::from_secs(10), || {
        window.visible_page() == "setup"
    });
    assert!(
        find::<gtk::Switch>(&window, "password-file").is_mapped() || !client.secret_service_available(),
        "without a Secret Service the password-file choice is offered"
    );
    // How much history to download: the last month unless chosen; the
    // last week, picked by real clicks.
    let history = find::<adw::ComboRow>(&window, "history-choice");
    assert_eq!(history.selected(), 1, "the last month by default");
    choose_in_combo(&history, "Last Week");
    screenshot(&window, "account-setup");

    // A bad address is refused on the page, before any network traffic.
    find::<adw::EntryRow>(&window, "jid").set_text("not-an-address");
    find::<gtk::Button>(&window, "login").emit_clicked();
    let error = find::<gtk::Label>(&window, "error");
    assert!(error.is_visible());
    assert!(error.label().contains("juliet@example.org"), "{}", error.label());

    // The test CA is not trusted, so logging in asks about the certificate.
    fill_setup(
        &window,
        &format!("juliet@{DOMAIN}"),
        "balcony-secret",
        &server.c2s_addr(),
    );
    find::<gtk::Button>(&window, "login").emit_clicked();
    pump_until("the certificate prompt", Duration::from_secs(15), || {
        dialog_of::<adw::MessageDialog>(&window).is_some()
    });
    let dialog = dialog_of::<adw::MessageDialog>(&window).expect("dialog");
    let shown = find::<gtk::Label>(&dialog, "fingerprint").label();
    assert_eq!(shown.as_str(), fingerprint_hex(&sha256(&server.leaf_der)));
    // It says why: the test CA is no authority this computer trusts.
    assert!(
        dialog
            .body()
            .contains("not issued by an authority this computer trusts"),
        "{}",
        dialog.body()
    );
    screenshot(&dialog, "certificate-prompt");
    MessageDialogExt::response(&dialog, "trust");

    pump_until("the main view", Duration::from_secs(15), || {
        window.visible_page() == "main"
    });
    let account = client.primary_account().expect("saved account");
    pump_until("online", Duration::from_secs(15), || {
        account.status() == ConnectionStatus::Online
    });
    assert_eq!(account.jid(), format!("juliet@{DOMAIN}"));
    let policy = balcony::core::store::Store::open(&client.database_path().expect("database"))
        .expect("store")
        .history_policy(&format!("juliet@{DOMAIN}").parse().expect("jid"))
        .expect("read")
        .map(|p| p.choice);
    assert_eq!(
        policy,
        Some(balcony::core::history_sync::HistoryChoice::Week),
        "the choice is kept with the account"
    );
    assert_eq!(
        find::<adw::ActionRow>(&window, "account").subtitle().as_deref(),
        Some("Online")
    );
    assert!(
        !find::<gtk::Label>(&window, "connection").is_visible(),
        "no detail line when online"
    );
    screenshot(&window, "main-window");

    // The status menu changes our presence through the worker.
    find::<gtk::Entry>(&window, "status-message").set_text("On the balcony");
    window_status_menu(&window).choose("away");
    pump_until("away", Duration::from_secs(10), || {
        account.availability() == "away"
    });
    assert_eq!(account.status_message(), "On the balcony");
    let button = find::<gtk::MenuButton>(&window, "status-menu");
    button.popup();
    let popover = button.popover().expect("status popover");
    pump_until("the popover", Duration::from_secs(5), || popover.is_mapped());
    let invisible = find::<adw::ActionRow>(&popover, "invisible");
    assert!(
        !invisible.is_sensitive(),
        "Invisible stays disabled until supported"
    );
    assert!(
        invisible.subtitle().is_some_and(|s| !s.is_empty()),
        "and says why"
    );
    screenshot(&popover, "status-menu");
    button.popdown();

    adw::StyleManager::default().set_color_scheme(adw::ColorScheme::ForceDark);
    screenshot(&window, "main-window-dark");
    adw::StyleManager::default().set_color_scheme(adw::ColorScheme::Default);

    // Narrow, the address stays on one line: shortened, whole in the
    // tooltip.
    let account_row = find::<adw::ActionRow>(&window, "account");
    let title = all::<gtk::Label>(&account_row)
        .into_iter()
        .find(|l| l.has_css_class("title"))
        .expect("the row's title");
    let one_line = title.height();
    window.set_default_size(360, 640);
    screenshot(&window, "main-window-narrow");
    assert_eq!(title.height(), one_line, "the address wraps at 360 px");
    assert_eq!(
        account_row.tooltip_text().as_deref(),
        Some(account.jid().as_str())
    );

    // Going offline is visible at once.
    window_status_menu(&window).choose("offline");
    pump_until("offline", Duration::from_secs(10), || {
        account.status() == ConnectionStatus::Offline
    });
    assert_eq!(
        find::<adw::ActionRow>(&window, "account").subtitle().as_deref(),
        Some("Offline")
    );
    window.close();
    client.shutdown();
}

fn window_status_menu(window: &Window) -> balcony::ui::StatusMenu {
    let button = find::<gtk::MenuButton>(window, "status-menu");
    button
        .ancestor(balcony::ui::StatusMenu::static_type())
        .and_then(|w| w.downcast().ok())
        .expect("status menu")
}

#[gtk::test]
fn wrong_password_is_explained_on_the_setup_page() {
    init();
    let server = Prosody::start();
    server.register("romeo", "right");
    let client = Client::new(profiles::fresh("ui-wrong-password")).expect("client");
    let window = Window::new(None, &client, None);
    window.present();
    pump_until("the setup page", Duration::from_secs(10), || {
        window.visible_page() == "setup"
    });
    // Trust the test CA through a pin-free path: the server cert is pinned
    // by answering the prompt, then the wrong password is reported.
    fill_setup(&window, &format!("romeo@{DOMAIN}"), "wrong", &server.c2s_addr());
    find::<gtk::Button>(&window, "login").emit_clicked();
    pump_until("the certificate prompt", Duration::from_secs(15), || {
        dialog_of::<adw::MessageDialog>(&window).is_some()
    });
    MessageDialogExt::response(
        &dialog_of::<adw::MessageDialog>(&window).expect("dialog"),
        "trust",
    );
    let error = find::<gtk::Label>(&window, "error");
    pump_until("the error", Duration::from_secs(10), || error.is_visible());
    let expected = describe_error(
        &balcony::core::xmpp::connection::error::ConnectError::AuthenticationFailed {
            condition: String::new(),
        },
    );
    assert_eq!(error.label().as_str(), expected);
    assert!(
        find::<gtk::Button>(&window, "login").is_sensitive(),
        "the form is usable again"
    );
    assert_eq!(window.visible_page(), "setup");
    screenshot(&window, "account-setup-wrong-password");
    window.close();
    client.shutdown();
}
