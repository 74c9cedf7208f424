//! Failures the user caused are explained, driven by real clicks and keys
//! through the X server: adding a contact while offline, and joining a
//! room the server cannot reach. Each shows a toast in words (with the
//! server's own text where it gave one), and a screenshot.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::model::ConnectionStatus;
use support::{
    prosody::Prosody,
    ui::{app_window, dialog_of, find, init, pump_until, screenshot},
    xinput::{click, key, type_text},
};

const WAIT: Duration = Duration::from_secs(20);

#[gtk::test]
fn adding_a_contact_offline_and_a_refused_room_join_are_explained() {
    init();
    let server = Prosody::start();
    server.register("juliet", "pw");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let profile = support::ui::saved_profile(&server, "ui-failures", "juliet", "pw", &runtime);
    let (_app, window) = app_window(profile);
    window.set_default_size(900, 640);
    let win: gtk::Window = window.clone().upcast();
    let online = || {
        window
            .main_view()
            .account()
            .is_some_and(|a| a.status() == ConnectionStatus::Online)
    };
    pump_until("online", WAIT, online);

    // Offline (chosen in the status menu), then Ctrl+Shift+N to add a contact.
    let status = find::<gtk::MenuButton>(&window, "status-menu");
    click(&status);
    let popover = status.popover().expect("popover");
    pump_until("the status menu", WAIT, || popover.is_mapped());
    click(&find::<adw::ActionRow>(&popover, "offline"));
    pump_until("offline", WAIT, || {
        window
            .main_view()
            .account()
            .is_some_and(|a| a.status() == ConnectionStatus::Offline)
    });
    key(&win, "ctrl+shift+n");
    pump_until("the add-contact dialog", WAIT, || {
        dialog_of::<adw::MessageDialog>(&win).is_some()
    });
    let dialog = dialog_of::<adw::MessageDialog>(&win).expect("dialog");
    type_text(&dialog, "romeo@balcony.test");
    key(&dialog, "Return");
    let expected = "You are offline. Connect first, then try again.";
    pump_until("the toast", WAIT, || {
        window.toasts_shown().iter().any(|t| t == expected)
    });
    screenshot(&window, "failure-add-contact-offline");

    // Back online, Ctrl+J: a room the server cannot reach is refused, in
    // words. (A nickname someone has is not a failure: Balcony joins as
    // "juliet_" then.)
    click(&status);
    pump_until("the status menu", WAIT, || popover.is_mapped());
    click(&find::<adw::ActionRow>(&popover, "available"));
    pump_until("online again", WAIT, online);
    key(&win, "ctrl+j");
    pump_until("the join dialog", WAIT, || {
        dialog_of::<adw::MessageDialog>(&win).is_some()
    });
    let dialog = dialog_of::<adw::MessageDialog>(&win).expect("dialog");
    type_text(&dialog, "balcony@nowhere.balcony.test");
    key(&dialog, "Return");
    let seen = || {
        window
            .toasts_shown()
            .iter()
            .any(|t| t.starts_with("The room refused: "))
    };
    let deadline = std::time::Instant::now() + WAIT;
    while !seen() && std::time::Instant::now() < deadline {
        support::ui::pump_for(Duration::from_millis(100));
    }
    assert!(
        seen(),
        "toasts {:?}; join dialog still open: {}",
        window.toasts_shown(),
        dialog_of::<adw::MessageDialog>(&win).is_some()
    );
    screenshot(&window, "failure-room-refused");
    window.close();
}
