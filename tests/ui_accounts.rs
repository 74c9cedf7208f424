//! Several accounts in one window (Xvfb, real Prosody): juliet adds romeo's
//! account from the account switcher (cancelling once), both stay online,
//! the switcher lists them with their unread counts, and switching shows
//! each account's own conversations. A notification for the other
//! account's message opens it in that account.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::{
    core::bridge::Command,
    model::{Account, ConnectionStatus},
    ui::{ConversationRow, Window},
};
use support::{
    accounts::online,
    prosody::{Prosody, DOMAIN},
    ui::{all, find, init, online_window, pump_until, screenshot},
};

fn rows(window: &Window) -> Vec<String> {
    all::<ConversationRow>(&window.main_view().conversation_list())
        .iter()
        .map(|r| r.preview_shown())
        .collect()
}

fn switcher_popover(window: &Window) -> gtk::Popover {
    let button = find::<gtk::MenuButton>(window, "account-switcher");
    button.popup();
    pump_until("the switcher open", Duration::from_secs(5), || {
        button.popover().is_some_and(|p| p.is_visible())
    });
    button.popover().expect("popover")
}

#[gtk::test]
fn a_second_account_is_added_listed_and_switched_to() {
    init();
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    server.register("nurse", "pw-n");
    // The test CA is trusted the way a system CA would be.
    std::env::set_var("SSL_CERT_FILE", server.ca_path());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (client, window) = online_window(&server, "ui-accounts", "juliet", "pw-j", &runtime);
    let juliet = client.primary_account().expect("juliet");

    // Add Account…, then Cancel: back to juliet's view.
    WidgetExt::activate_action(&window, "win.add-account", None).expect("action");
    assert_eq!(window.visible_page(), "setup");
    let cancel = find::<gtk::Button>(&window, "cancel-add-account");
    assert!(cancel.is_visible(), "adding another account can be cancelled");
    assert!(
        find::<adw::EntryRow>(&window, "jid").text().is_empty(),
        "an empty form"
    );
    cancel.emit_clicked();
    assert_eq!(window.visible_page(), "main");
    assert_eq!(window.main_view().account().as_ref(), Some(&juliet));

    // From the switcher: Add Account…, romeo's address, Log In.
    let popover = switcher_popover(&window);
    screenshot(&popover, "account-switcher-one");
    find::<gtk::Button>(&popover, "add-account").emit_clicked();
    assert_eq!(window.visible_page(), "setup");
    find::<adw::EntryRow>(&window, "jid").set_text(&format!("romeo@{DOMAIN}"));
    find::<adw::PasswordEntryRow>(&window, "password").set_text("pw-r");
    find::<adw::EntryRow>(&window, "server").set_text(&server.c2s_addr());
    find::<gtk::Switch>(&window, "password-file").set_active(true);
    screenshot(&window, "account-add-another");
    find::<gtk::Button>(&window, "login").emit_clicked();
    pump_until("romeo's account shown", Duration::from_secs(20), || {
        window.visible_page() == "main"
            && window
                .main_view()
                .account()
                .is_some_and(|a| a.jid() == format!("romeo@{DOMAIN}"))
    });
    let romeo = window.main_view().account().expect("romeo");
    pump_until("both online", Duration::from_secs(20), || {
        romeo.status() == ConnectionStatus::Online && juliet.status() == ConnectionStatus::Online
    });
    let saved: Vec<String> = client
        .accounts()
        .iter::<Account>()
        .flatten()
        .filter(|a| a.saved())
        .map(|a| a.jid())
        .collect();
    assert_eq!(saved, vec![format!("juliet@{DOMAIN}"), format!("romeo@{DOMAIN}")]);

    // The nurse writes to each; each account lists only its own.
    let nurse = runtime.block_on(online(&server, "ui-accounts-nurse", "nurse", "pw-n"));
    for (to, body) in [
        ("juliet", "Madam, your mother craves a word"),
        ("romeo", "Where is my lady?"),
    ] {
        nurse.send(Command::SendMessage {
            jid: nurse.jid.clone(),
            to: format!("{to}@{DOMAIN}").parse().expect("jid"),
            body: body.into(),
        });
    }
    pump_until("romeo's conversation", Duration::from_secs(20), || {
        rows(&window) == vec!["Where is my lady?".to_owned()]
    });
    pump_until("juliet's message counted", Duration::from_secs(20), || {
        juliet.conversations().n_items() == 1
    });

    // The switcher lists both, romeo's ticked, juliet's with 1 unread.
    let popover = switcher_popover(&window);
    let juliet_row = find::<adw::ActionRow>(&popover, &format!("account-juliet@{DOMAIN}"));
    let romeo_row = find::<adw::ActionRow>(&popover, &format!("account-romeo@{DOMAIN}"));
    assert_eq!(juliet_row.subtitle().as_deref(), Some("Online"));
    let labels = |row: &adw::ActionRow| -> Vec<String> {
        all::<gtk::Label>(row)
            .iter()
            .map(|l| l.label().to_string())
            .collect()
    };
    assert!(
        labels(&juliet_row).contains(&"1".to_owned()),
        "{:?}",
        labels(&juliet_row)
    );
    assert!(all::<gtk::Image>(&romeo_row)
        .iter()
        .any(|i| i.icon_name().as_deref() == Some("object-select-symbolic")));
    screenshot(&popover, "account-switcher-two");

    // Switching shows juliet's own conversation.
    WidgetExt::activate(&juliet_row);
    pump_until("juliet's conversation", Duration::from_secs(10), || {
        window.main_view().account().as_ref() == Some(&juliet)
            && rows(&window) == vec!["Madam, your mother craves a word".to_owned()]
    });
    screenshot(&window, "account-juliet-again");

    // A notification for romeo's conversation opens it in romeo's account.
    window.open_conversation(&romeo.jid(), &format!("nurse@{DOMAIN}"));
    assert_eq!(window.main_view().account().as_ref(), Some(&romeo));
    pump_until("romeo's conversation again", Duration::from_secs(10), || {
        rows(&window) == vec!["Where is my lady?".to_owned()]
    });
    window.close();
    client.shutdown();
}
