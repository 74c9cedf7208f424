//! Notifications (Xvfb, D-Bus session): a message that arrives while no
//! window has focus is shown by the desktop's notification server, and
//! clicking it opens the conversation.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::{core::bridge::Command, model::ConnectionStatus};
use gtk::glib;
use support::{
    accounts::online,
    notifications::NotificationServer,
    prosody::Prosody,
    ui::{dialog_of, find, init, pump_until, screenshot},
};

#[gtk::test]
fn a_message_in_the_background_is_notified_and_the_click_opens_it() {
    init();
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let notifications = NotificationServer::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let profile = runtime.block_on(async {
        let setup = online(&server, "ui-notify-juliet", "juliet", "pw-j").await;
        let profile = setup.profile.clone();
        setup.worker.shutdown();
        profile
    });
    let romeo = runtime.block_on(online(&server, "ui-notify-romeo", "romeo", "pw-r"));

    let (app, window) = support::ui::app_window(profile);
    pump_until("juliet online", Duration::from_secs(20), || {
        window
            .main_view()
            .account()
            .is_some_and(|a| a.status() == ConnectionStatus::Online)
    });
    // Ctrl+? shows the shortcuts window, listing the app's own shortcuts.
    assert_eq!(
        app.accels_for_action("win.show-help-overlay").to_vec(),
        ["<Control>question"]
    );
    assert_eq!(
        app.accels_for_action("main.start-conversation").to_vec(),
        ["<Control>n"]
    );
    // A real Ctrl+? (the shortcuts window is built on this first use).
    support::xinput::key(&window, "ctrl+question");
    let shortcuts_shown = || {
        gtk::Window::toplevels()
            .iter::<glib::Object>()
            .flatten()
            .filter_map(|o| o.downcast::<gtk::ShortcutsWindow>().ok())
            .find(|w| w.is_visible())
    };
    pump_until("the shortcuts window", Duration::from_secs(5), || {
        shortcuts_shown().is_some()
    });
    let shortcuts = shortcuts_shown().expect("shortcuts");
    // Built late, it still lists each shortcut's keys.
    let keys: Vec<String> = support::ui::all::<gtk::ShortcutLabel>(&shortcuts)
        .iter()
        .filter_map(|l| l.accelerator().map(|a| a.to_string()))
        .collect();
    for accel in ["<Control>question", "<Control>n", "<Control>k"] {
        assert!(keys.iter().any(|k| k == accel), "{accel} in {keys:?}");
    }
    screenshot(&shortcuts, "shortcuts");
    shortcuts.close();

    // The window is put away (the app keeps running in the background).
    window.set_visible(false);

    romeo.send(Command::SendMessage {
        jid: romeo.jid.clone(),
        to: "juliet@balcony.test".parse().expect("jid"),
        body: "With love's light wings did I o'er-perch these walls".into(),
    });
    pump_until("a notification", Duration::from_secs(15), || {
        !notifications.shown.borrow().is_empty()
    });
    let shown = notifications.shown.borrow()[0].clone();
    assert_eq!(shown.summary, "romeo@balcony.test");
    assert_eq!(shown.body, "With love's light wings did I o'er-perch these walls");
    assert!(
        shown.actions.iter().any(|a| a == "default"),
        "{:?}",
        shown.actions
    );

    notifications.click(shown.id);
    pump_until("the conversation opened", Duration::from_secs(10), || {
        window.is_visible()
            && window
                .main_view()
                .conversation_view()
                .messages()
                .and_then(|m| m.peer())
                .is_some_and(|p| p.as_str() == "romeo@balcony.test")
    });
    // Sounds follow the preferences; so do notifications.
    assert_eq!(
        window.sounds_played(),
        1,
        "the first notification played the alert"
    );
    assert_eq!(
        app.accels_for_action("app.preferences").to_vec(),
        ["<Control>comma"]
    );
    app.activate_action("preferences", None);
    let mut found = None;
    pump_until("the preferences", Duration::from_secs(5), || {
        found = dialog_of::<adw::PreferencesWindow>(&window);
        found.is_some()
    });
    let preferences = found.expect("preferences");
    screenshot(&preferences, "preferences");
    let sounds: gtk::Switch = find(&preferences, "pref-sounds");
    assert!(sounds.is_active());
    sounds.set_active(false);
    preferences.close();

    let send = |body: &str| {
        romeo.send(Command::SendMessage {
            jid: romeo.jid.clone(),
            to: "juliet@balcony.test".parse().expect("jid"),
            body: body.into(),
        })
    };
    window.set_visible(false);
    send("It is the east, and Juliet is the sun.");
    pump_until("a second notification", Duration::from_secs(15), || {
        notifications.shown.borrow().len() == 2
    });
    assert_eq!(window.sounds_played(), 1, "no sound with sounds off");

    app.activate_action("preferences", None);
    let mut found = None;
    pump_until("the preferences again", Duration::from_secs(5), || {
        found = dialog_of::<adw::PreferencesWindow>(&window);
        found.is_some()
    });
    let preferences = found.expect("preferences");
    assert!(
        !find::<gtk::Switch>(&preferences, "pref-sounds").is_active(),
        "kept"
    );
    find::<gtk::Switch>(&preferences, "pref-notifications").set_active(false);
    preferences.close();
    window.set_visible(false);
    send("Arise, fair sun.");
    let account = window.main_view().account().expect("account");
    pump_until("the message stored and listed", Duration::from_secs(15), || {
        account
            .conversation("romeo@balcony.test")
            .is_some_and(|(_, c)| c.last_body() == "Arise, fair sun.")
    });
    support::ui::pump_for(Duration::from_secs(1));
    assert_eq!(
        notifications.shown.borrow().len(),
        2,
        "no notification with notifications off"
    );
    window.close();
    app.quit();
    romeo.worker.shutdown();
}
