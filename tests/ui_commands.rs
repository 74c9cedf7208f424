//! The command dialog under Xvfb against Prosody's admin commands: the
//! server's commands are listed, a user is added through a form (required
//! field checked first), a result form and an announcement follow, errors
//! are explained, and closing mid-way cancels.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::{core::xmpp::modules::x0050_commands::Status, ui::command_dialog::CommandDialog};
use support::{
    accounts::online,
    peer::Peer,
    prosody::{Prosody, DOMAIN},
    ui::{dialog_of, find, init, online_window, pump_until, screenshot},
};
use xmpp_parsers::message::MessageType;

const ADD_USER: &str = "command:http://jabber.org/protocol/admin#add-user";
const ONLINE_USERS: &str = "command:http://jabber.org/protocol/admin#get-online-users-list";
const ANNOUNCE: &str = "command:http://jabber.org/protocol/admin#announce";

fn wait_page(dialog: &CommandDialog, page: &str) {
    pump_until(&format!("the {page} page"), Duration::from_secs(20), || {
        dialog.page() == page && dialog.session().is_some()
    });
}

fn wait_status(dialog: &CommandDialog, status: Status) {
    pump_until(&format!("{status:?}"), Duration::from_secs(20), || {
        dialog.reply().is_some_and(|r| r.status == Some(status)) && dialog.page() == "form"
    });
}

fn run(dialog: &CommandDialog, row: &str) {
    wait_page(dialog, "list");
    find::<adw::ActionRow>(dialog, row).emit_activate();
    wait_status(dialog, Status::Executing);
}

#[gtk::test]
fn server_commands_run_from_the_dialog() {
    init();
    let server = Prosody::start_with(&["announce"], &format!("admins = {{ \"admin@{DOMAIN}\" }}"));
    server.register("admin", "pw-admin");
    server.register("romeo", "pw-r");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut romeo = runtime.block_on(async {
        let mut romeo = Peer::login(&server, "romeo", "pw-r").await;
        romeo.available().await;
        romeo
    });

    let (_client, window) = online_window(&server, "ui-commands-admin", "admin", "pw-admin", &runtime);
    let main_view = window.main_view();

    // The server's commands.
    main_view
        .activate_action("main.server-commands", None)
        .expect("action");
    let dialog: CommandDialog = {
        let mut found = None;
        pump_until("the dialog", Duration::from_secs(5), || {
            found = dialog_of::<CommandDialog>(&window);
            found.is_some()
        });
        found.expect("dialog")
    };
    wait_page(&dialog, "list");
    screenshot(&dialog, "commands-server-list");

    // Add a user: the required address is checked before anything is sent.
    run(&dialog, ADD_USER);
    let view = dialog.form_view();
    let stage = dialog.reply();
    find::<gtk::Button>(&dialog, "command-complete").emit_clicked();
    let problem: gtk::Label = find(&view, "problem:accountjid");
    assert_eq!(problem.label(), "This field is required");
    assert_eq!(dialog.reply(), stage, "nothing was sent");
    screenshot(&dialog, "commands-add-user-required");
    find::<adw::EntryRow>(&view, "field:accountjid").set_text(&format!("mercutio@{DOMAIN}"));
    find::<adw::PasswordEntryRow>(&view, "field:password").set_text("pw-m");
    find::<adw::PasswordEntryRow>(&view, "field:password-verify").set_text("pw-m");
    find::<gtk::Button>(&dialog, "command-complete").emit_clicked();
    wait_status(&dialog, Status::Completed);
    assert_eq!(dialog.note_texts(), ["Account successfully created"]);
    screenshot(&dialog, "commands-add-user-done");
    // The effect: mercutio can log in.
    let mercutio = runtime.block_on(online(&server, "ui-commands-mercutio", "mercutio", "pw-m"));
    assert_eq!(mercutio.full.node().map(|n| n.as_str()), Some("mercutio"));

    // The same again: the server's error note is a banner.
    find::<gtk::Button>(&dialog, "command-again").emit_clicked();
    run(&dialog, ADD_USER);
    let view = dialog.form_view();
    find::<adw::EntryRow>(&view, "field:accountjid").set_text(&format!("mercutio@{DOMAIN}"));
    find::<adw::PasswordEntryRow>(&view, "field:password").set_text("x");
    find::<adw::PasswordEntryRow>(&view, "field:password-verify").set_text("x");
    find::<gtk::Button>(&dialog, "command-complete").emit_clicked();
    wait_status(&dialog, Status::Completed);
    assert_eq!(dialog.note_texts(), ["Account already exists"]);
    assert!(find::<gtk::Box>(&dialog, "note-error").is_visible());
    screenshot(&dialog, "commands-error-note");

    // A result form.
    find::<gtk::Button>(&dialog, "command-again").emit_clicked();
    run(&dialog, ONLINE_USERS);
    find::<gtk::Button>(&dialog, "command-complete").emit_clicked();
    wait_status(&dialog, Status::Completed);
    let users: gtk::Label = find(&dialog.form_view(), "field:onlineuserjids");
    assert!(
        users.label().contains(&format!("romeo@{DOMAIN}")),
        "{}",
        users.label()
    );
    screenshot(&dialog, "commands-online-users");

    // An announcement romeo receives.
    find::<gtk::Button>(&dialog, "command-again").emit_clicked();
    run(&dialog, ANNOUNCE);
    let view = dialog.form_view();
    find::<adw::EntryRow>(&view, "field:subject").set_text("Tonight");
    find::<gtk::TextView>(&view, "field:announcement")
        .buffer()
        .set_text("The masque starts at nine.");
    adw::StyleManager::default().set_color_scheme(adw::ColorScheme::ForceDark);
    screenshot(&dialog, "commands-announce-dark");
    adw::StyleManager::default().set_color_scheme(adw::ColorScheme::Default);
    find::<gtk::Button>(&dialog, "command-complete").emit_clicked();
    wait_status(&dialog, Status::Completed);
    let message = runtime.block_on(romeo.message_where(|m| m.type_ == MessageType::Headline));
    assert_eq!(
        message.bodies.values().next().map(String::as_str),
        Some("The masque starts at nine.")
    );

    // Closing between stages cancels the session.
    find::<gtk::Button>(&dialog, "command-again").emit_clicked();
    run(&dialog, ADD_USER);
    let session = dialog.session().expect("session");
    assert!(session.is_open());
    dialog.close();
    assert!(!session.is_open());

    // Any address: one that is not online gets a clear explanation.
    let ask = main_view.ask_for_command_target().expect("ask");
    find::<adw::EntryRow>(&ask, "command-target").set_text(&format!("nobody@{DOMAIN}/phone"));
    ask.response("run");
    let dialog: CommandDialog = {
        let mut found = None;
        pump_until("the second dialog", Duration::from_secs(5), || {
            found = dialog_of::<CommandDialog>(&window);
            found.is_some()
        });
        found.expect("dialog")
    };
    pump_until("the error page", Duration::from_secs(20), || {
        dialog.error_shown().is_some()
    });
    assert_eq!(
        dialog.error_shown().as_deref(),
        Some("This address is not online, or does not offer this command.")
    );
    screenshot(&dialog, "commands-error");
    dialog.close();
}

#[gtk::test]
fn a_multi_stage_command_steps_forward_back_and_completes() {
    init();
    let server = Prosody::start_with(&["balcony_wizard"], "");
    server.register("romeo", "pw-r");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (_client, window) = online_window(&server, "ui-commands-wizard", "romeo", "pw-r", &runtime);
    let main_view = window.main_view();
    main_view
        .activate_action("main.server-commands", None)
        .expect("action");
    let mut found = None;
    pump_until("the dialog", Duration::from_secs(5), || {
        found = dialog_of::<CommandDialog>(&window);
        found.is_some()
    });
    let dialog = found.expect("dialog");
    run(&dialog, "command:urn:balcony:test:visit");
    let visible = |name: &str| find::<gtk::Button>(&dialog, name).is_visible();
    assert!(visible("command-next") && !visible("command-prev") && !visible("command-complete"));
    assert!(visible("command-cancel"));
    find::<adw::EntryRow>(&dialog.form_view(), "field:guest").set_text(&format!("juliet@{DOMAIN}"));
    find::<gtk::Button>(&dialog, "command-next").emit_clicked();
    pump_until("stage 2", Duration::from_secs(10), || visible("command-prev"));
    assert!(visible("command-complete") && !visible("command-next"));
    let complete: gtk::Button = find(&dialog, "command-complete");
    assert!(complete.has_css_class("suggested-action"), "the stage's default");
    screenshot(&dialog, "commands-wizard-stage-2");

    find::<gtk::Button>(&dialog, "command-prev").emit_clicked();
    pump_until("stage 1 again", Duration::from_secs(10), || {
        !visible("command-prev")
    });
    assert_eq!(
        find::<adw::EntryRow>(&dialog.form_view(), "field:guest").text(),
        format!("juliet@{DOMAIN}"),
        "the server remembered the guest"
    );
    find::<gtk::Button>(&dialog, "command-next").emit_clicked();
    pump_until("stage 2 again", Duration::from_secs(10), || {
        visible("command-prev")
    });
    find::<gtk::CheckButton>(&dialog.form_view(), "option:21").set_active(true);
    complete.emit_clicked();
    wait_status(&dialog, Status::Completed);
    assert_eq!(
        dialog.note_texts(),
        [format!("Visit planned: juliet@{DOMAIN} at 21")]
    );

    // A command that completes with nothing to show says it is done.
    find::<gtk::Button>(&dialog, "command-again").emit_clicked();
    wait_page(&dialog, "list");
    find::<adw::ActionRow>(&dialog, "command:urn:balcony:test:bell").emit_activate();
    wait_page(&dialog, "done");
    assert!(find::<adw::StatusPage>(&dialog, "command-done").is_visible());
    screenshot(&dialog, "commands-done");

    // Cancel mid-way goes back to the list.
    find::<gtk::Button>(&dialog, "command-again").emit_clicked();
    run(&dialog, "command:urn:balcony:test:visit");
    let session = dialog.session().expect("session");
    find::<gtk::Button>(&dialog, "command-cancel").emit_clicked();
    assert!(!session.is_open());
    wait_page(&dialog, "list");
    dialog.close();
}
