//! `xmpp:` links (XEP-0147) opened as the desktop opens them
//! (`GApplication::open`, which a second `balcony xmpp:…` also reaches):
//! each action, and malformed links explained.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::{model::ConnectionStatus, ui::command_dialog::CommandDialog};
use gtk::gio;
use support::{
    prosody::{Prosody, MUC_DOMAIN},
    ui::{all, app_window, dialog_of, find, init, pump_until, screenshot},
    xinput::key,
};

const WAIT: Duration = Duration::from_secs(20);

#[gtk::test]
fn each_link_action_and_malformed_links() {
    init();
    let server = Prosody::start_with(&["balcony_wizard"], "");
    server.register("juliet", "pw");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let profile = support::ui::saved_profile(&server, "ui-links", "juliet", "pw", &runtime);
    let (app, window) = app_window(profile);
    window.set_default_size(900, 640);
    let win: gtk::Window = window.clone().upcast();
    let view = window.main_view();
    pump_until("online", WAIT, || {
        view.account()
            .is_some_and(|a| a.status() == ConnectionStatus::Online)
    });
    let open = |uri: &str| app.open(&[gio::File::for_uri(uri)], "");

    // A bare address opens the conversation.
    open("xmpp:romeo@balcony.test");
    pump_until("romeo's conversation", WAIT, || {
        view.open_peer().as_deref() == Some("romeo@balcony.test")
    });
    // ?message fills the composer.
    open("xmpp:nurse@balcony.test?message;body=Madam%2C%20your%20mother%20calls.");
    pump_until("the nurse's conversation", WAIT, || {
        view.open_peer().as_deref() == Some("nurse@balcony.test")
    });
    let buffer = view.conversation_view().composer().buffer();
    assert_eq!(
        buffer.text(&buffer.start_iter(), &buffer.end_iter(), false),
        "Madam, your mother calls."
    );
    screenshot(&window, "link-message");
    buffer.set_text("");

    // ?join opens the join dialog filled in; Return joins.
    let room = format!("balcony@{MUC_DOMAIN}");
    open(&format!("xmpp:{room}?join"));
    pump_until("the join dialog", WAIT, || {
        dialog_of::<adw::MessageDialog>(&win).is_some()
    });
    let dialog = dialog_of::<adw::MessageDialog>(&win).expect("join dialog");
    assert_eq!(find::<adw::EntryRow>(&dialog, "room-address").text(), room);
    screenshot(&dialog, "link-join");
    key(&dialog, "Return");
    let account = view.account().expect("account");
    pump_until("in the room", WAIT, || {
        account.room(&room).is_some_and(|r| r.joined())
    });

    // ?roster opens add-contact filled in.
    open("xmpp:benvolio@balcony.test?roster;name=Benvolio");
    pump_until("the add-contact dialog", WAIT, || {
        dialog_of::<adw::MessageDialog>(&win).is_some()
    });
    let dialog = dialog_of::<adw::MessageDialog>(&win).expect("add dialog");
    assert_eq!(
        find::<adw::EntryRow>(&dialog, "contact-address").text(),
        "benvolio@balcony.test"
    );
    assert_eq!(find::<adw::EntryRow>(&dialog, "contact-name").text(), "Benvolio");
    key(&dialog, "Escape");
    pump_until("closed", WAIT, || !dialog.is_visible());

    // ?command;node=… runs that command.
    open("xmpp:balcony.test?command;node=urn:balcony:test:bell");
    pump_until("the command done", WAIT, || {
        dialog_of::<CommandDialog>(&win).is_some_and(|d| d.page() == "done")
    });
    let dialog = dialog_of::<CommandDialog>(&win).expect("command dialog");
    key(&dialog, "Escape");
    pump_until("closed", WAIT, || !dialog.is_visible());

    // ?register starts creating an account on that server.
    open("xmpp:balcony.test?register");
    pump_until("the setup page", WAIT, || window.visible_page() == "setup");
    let address = all::<adw::EntryRow>(&window.setup_page())
        .into_iter()
        .find(|r| r.text() == "@balcony.test");
    assert!(address.is_some(), "the address field holds the server");
    screenshot(&window, "link-register");

    // Malformed links are explained.
    for (uri, said) in [
        ("xmpp:@@@", "This link does not contain a valid XMPP address."),
        (
            "xmpp:romeo@balcony.test?dance",
            "Balcony does not know what “dance” links do.",
        ),
        (
            "xmpp:romeo@balcony.test?message;body=%FF",
            "This link is damaged: it is not valid text.",
        ),
    ] {
        open(uri);
        pump_until(said, WAIT, || window.toasts_shown().iter().any(|t| t == said));
    }
    window.close();
}
