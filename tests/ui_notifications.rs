//! Notifications (Xvfb, D-Bus session): a message that arrives while no
//! window has focus is shown by the desktop's notification server, and
//! clicking it opens the conversation.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::{
    core::bridge::Command,
    model::ConnectionStatus,
    ui::{Application, Window},
};
use gtk::{gio, glib};
use support::{
    accounts::online,
    notifications::NotificationServer,
    prosody::Prosody,
    ui::{init, pump_until, screenshot},
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

    let app = Application::new(profile, true);
    app.register(None::<&gio::Cancellable>).expect("register");
    app.activate();
    pump_until("the window", Duration::from_secs(10), || {
        app.active_window().is_some()
    });
    let window = app.active_window().and_downcast::<Window>().expect("window");
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
    WidgetExt::activate_action(&window, "win.show-help-overlay", None).expect("help overlay");
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
    window.close();
    app.quit();
    romeo.worker.shutdown();
}
