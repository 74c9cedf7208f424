//! `xmpp:` links given to a second `balcony` while one runs (Xvfb, a real
//! D-Bus session): the second process hands the link to the running app
//! and ends. With two accounts the running app asks which one acts; the
//! one clicked opens the conversation with the message ready, and Cancel
//! (Escape) leaves everything as it was.

mod support;

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use adw::prelude::*;
use balcony::{core::profile::Profile, model::ConnectionStatus};
use support::{
    command_line::add_account,
    prosody::Prosody,
    ui::{dialog_of, init, pump_for, pump_until, response_button, screenshot, screenshot_styles},
    xinput::{click, key},
};

const WAIT: Duration = Duration::from_secs(20);

/// `balcony URI` as the desktop starts it: no `--profile`, so it is the
/// unique app; its own data directories are private to the test.
fn second_instance(home: &std::path::Path, uri: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_balcony"))
        .arg(uri)
        .env("LC_ALL", "C.UTF-8")
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run balcony")
}

/// Runs the main loop until `child` ends; it must end well.
fn wait_for_exit(mut child: Child) {
    let mut status = None;
    pump_until("the second instance to end", WAIT, || {
        status = child.try_wait().expect("status");
        status.is_some()
    });
    let status = status.expect("status");
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut err);
    }
    assert!(status.success(), "the second instance failed: {status} {err}");
}

#[gtk::test]
fn a_second_instance_hands_its_link_over_and_the_user_picks_the_account() {
    init();
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let home = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("ui-handover-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    // The profile the second process opens by default, as on a desktop.
    let dir = home.join("data").join("balcony");
    std::fs::create_dir_all(&home).expect("home");
    let dir_str = dir.to_str().expect("utf-8");
    for (user, pw) in [("juliet", "pw-j"), ("romeo", "pw-r")] {
        let file = home.join(format!("{user}.pw"));
        std::fs::write(&file, pw).expect("password file");
        let out = add_account(
            dir_str,
            &format!("{user}@balcony.test"),
            &file,
            &server,
            &["--store-password-in-profile"],
            false,
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    // The running app: unique, as started from the desktop.
    let profile = Profile::open(&dir).expect("profile");
    let app = balcony::ui::Application::new(profile, false);
    // As `balcony` itself starts: the worker before GTK's start-up, with
    // the profile's instance lock.
    app.start_client_early();
    assert!(
        Profile::open(&dir).expect("profile").lock_instance().is_none(),
        "the running app holds the profile: a second process starts no worker on it"
    );
    app.register(None::<&gtk::gio::Cancellable>).expect("register");
    assert!(!app.is_remote(), "this process is the primary instance");
    app.activate();
    pump_until("the window", WAIT, || app.active_window().is_some());
    let window = app
        .active_window()
        .and_downcast::<balcony::ui::Window>()
        .expect("window");
    window.set_default_size(900, 640);
    let view = window.main_view();
    let client = window.client().expect("client");
    pump_until("both accounts online", WAIT, || {
        let accounts: Vec<_> = client
            .accounts()
            .iter::<balcony::model::Account>()
            .flatten()
            .collect();
        accounts.len() == 2 && accounts.iter().all(|a| a.status() == ConnectionStatus::Online)
    });

    // A second `balcony xmpp:…`: handed over, it ends; the app asks.
    let child = second_instance(
        &home,
        "xmpp:nurse@balcony.test?message;body=Good%20morrow%2C%20Nurse",
    );
    wait_for_exit(child);

    pump_until("the account chooser", WAIT, || {
        dialog_of::<adw::MessageDialog>(&window).is_some_and(|d| d.widget_name() == "link-account-dialog")
    });
    let chooser = dialog_of::<adw::MessageDialog>(&window).expect("chooser");
    gtk::test_widget_wait_for_draw(&chooser);
    screenshot_styles(&chooser, "link-account-chooser");
    click(&response_button(&chooser, "romeo@balcony.test"));
    pump_until("romeo's conversation with the nurse", WAIT, || {
        view.account().is_some_and(|a| a.jid() == "romeo@balcony.test")
            && view.open_peer().as_deref() == Some("nurse@balcony.test")
    });
    let buffer = view.conversation_view().composer().buffer();
    assert_eq!(
        buffer.text(&buffer.start_iter(), &buffer.end_iter(), false),
        "Good morrow, Nurse"
    );
    screenshot(&window, "link-handed-over");
    buffer.set_text("");

    // Cancelled, nothing changes.
    let child = second_instance(&home, "xmpp:tybalt@balcony.test");
    wait_for_exit(child);
    pump_until("the chooser again", WAIT, || {
        dialog_of::<adw::MessageDialog>(&window).is_some_and(|d| d.is_mapped())
    });
    let chooser = dialog_of::<adw::MessageDialog>(&window).expect("chooser");
    key(&chooser, "Escape");
    pump_until("closed", WAIT, || !chooser.is_visible());
    pump_for(Duration::from_millis(300));
    assert_eq!(view.open_peer().as_deref(), Some("nurse@balcony.test"));
    assert_eq!(
        view.account().map(|a| a.jid().to_string()).as_deref(),
        Some("romeo@balcony.test")
    );
    window.close();
}
