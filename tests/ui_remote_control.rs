//! Remote control in the app, driven by real clicks and keys through the X
//! server. As the controller: Ctrl+Shift+D opens the Devices page with two
//! other devices of ours (Balcony cores), a device's commands are listed
//! remote-control first, and each one's dialog opens; Set Status is
//! completed and the device reports it. As the controlled client: a device
//! of ours (a bare client written to the spec) changes our status, and the
//! app shows a toast and a notification; it turns "open new messages" and
//! "sounds" off and on, and the app obeys. Screenshots: light, dark, 360 px.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::{
    core::{
        bridge::{Command, ConnectionState, Event},
        remote_control::{RcCommand, RemoteAction, NS},
        xmpp::modules::x0050_commands::{Action, CommandPayload},
    },
    model::ConnectionStatus,
    ui::command_dialog::CommandDialog,
};
use support::{
    accounts::online,
    notifications::NotificationServer,
    peer::Peer,
    prosody::{Prosody, DOMAIN},
    ui::{all, app_window, dialog_of, find, init, pump_until, screenshot},
    xinput::{click, key},
};
use xmpp_parsers::{jid::Jid, minidom::Element};

const WAIT: Duration = Duration::from_secs(20);

fn devices_window(parent: &gtk::Window) -> Option<adw::Window> {
    dialog_of::<adw::Window>(parent).filter(|w| w.widget_name() == "devices-window")
}

/// A submission with the rc FORM_TYPE and these fields.
fn submission(fields: &[(&str, &str, &str)]) -> Element {
    let mut xml = format!(
        "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>{NS}</value></field>"
    );
    for (var, kind, value) in fields {
        xml.push_str(&format!(
            "<field var='{var}' type='{kind}'><value>{value}</value></field>"
        ));
    }
    xml.push_str("</x>");
    xml.parse().expect("xml")
}

/// Runs `command` on `to` from `phone` in two steps, submitting `fields`.
async fn control(phone: &mut Peer, to: &Jid, command: RcCommand, fields: &[(&str, &str, &str)]) {
    let node = command.node();
    let first = phone
        .set(
            Some(to.clone()),
            CommandPayload::request(&node, None, Action::Execute, None).to_element(),
        )
        .await
        .expect("form")
        .expect("payload");
    let first = CommandPayload::parse(&first).expect("parses");
    let done = CommandPayload::request(
        &node,
        first.sessionid.clone(),
        Action::Complete,
        Some(submission(fields)),
    );
    phone
        .set(Some(to.clone()), done.to_element())
        .await
        .expect("completed");
}

#[gtk::test]
fn the_devices_page_and_being_controlled_by_real_clicks_and_keys() {
    init();
    let server = Prosody::start();
    server.register("juliet", "pw");
    server.register("romeo", "pw");
    let notifications = NotificationServer::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let profile = support::ui::saved_profile(&server, "ui-rc-desk", "juliet", "pw", &runtime);
    let (_app, window) = app_window(profile);
    window.set_default_size(900, 700);
    let win: gtk::Window = window.clone().upcast();
    let main_view = window.main_view();
    pump_until("online", WAIT, || {
        main_view
            .account()
            .is_some_and(|a| a.status() == ConnectionStatus::Online)
    });
    let account = main_view.account().expect("account");

    // Ctrl+Shift+D: the Devices page says no other device is online…
    key(&win, "ctrl+shift+d");
    pump_until("the devices page", WAIT, || devices_window(&win).is_some());
    let page = devices_window(&win).expect("devices");
    pump_until("the empty page", WAIT, || {
        find::<adw::StatusPage>(&page, "no-devices").is_mapped()
    });
    support::ui::screenshot_styles(&page, "devices-page-empty");
    // …then lists two as they come online, described.
    let laptop = runtime.block_on(online(&server, "ui-rc-laptop", "juliet", "pw"));
    let tablet = runtime.block_on(online(&server, "ui-rc-tablet", "juliet", "pw"));
    let row_of = |device: &support::accounts::Online| format!("device-{}", device.full.resource());
    pump_until("two devices, described", WAIT, || {
        [&laptop, &tablet].iter().all(|d| {
            all::<adw::ExpanderRow>(&page)
                .iter()
                .any(|r| r.widget_name() == row_of(d) && r.title().starts_with("Balcony"))
        })
    });
    support::ui::screenshot_styles(&page, "devices-page");
    page.set_default_size(360, 560);
    screenshot(&page, "devices-page-360");
    page.set_default_size(520, 560);

    // A device's commands: remote control first, with friendly names.
    let laptop_row = find::<adw::ExpanderRow>(&page, &row_of(&laptop));
    click(&laptop_row);
    pump_until("the laptop's commands", WAIT, || {
        all::<adw::ActionRow>(&laptop_row)
            .iter()
            .any(|r| r.widget_name() == "rc-set-status")
    });
    let names: Vec<String> = all::<adw::ActionRow>(&laptop_row)
        .iter()
        .map(|r| r.widget_name().to_string())
        .filter(|n| n.starts_with("rc-"))
        .collect();
    assert_eq!(
        names,
        [
            "rc-set-status",
            "rc-forward",
            "rc-set-options",
            "rc-accept-files",
            "rc-leave-groupchats"
        ]
    );
    assert_eq!(
        find::<adw::ActionRow>(&laptop_row, "rc-set-options").title(),
        "Settings"
    );
    support::ui::screenshot_styles(&page, "devices-page-commands");

    // Each command's dialog; Set Status completed from its form.
    for (command, shot) in [
        ("rc-set-options", "devices-dialog-set-options"),
        ("rc-leave-groupchats", "devices-dialog-leave-groupchats"),
        ("rc-set-status", "devices-dialog-set-status"),
    ] {
        click(&find::<adw::ActionRow>(&laptop_row, command));
        pump_until("the command dialog", WAIT, || {
            dialog_of::<CommandDialog>(&page).is_some_and(|d| !d.page().is_empty())
        });
        let dialog = dialog_of::<CommandDialog>(&page).expect("dialog");
        pump_until("its first stage", WAIT, || dialog.reply().is_some());
        support::ui::screenshot_styles(&dialog, shot);
        if command != "rc-set-status" {
            key(&dialog, "Escape");
            pump_until("the dialog closed", WAIT, || !dialog.is_visible());
        } else {
            let mapped_complete = || {
                all::<gtk::Button>(&dialog)
                    .into_iter()
                    .find(|b| b.is_mapped() && b.widget_name() == "command-complete")
            };
            pump_until("a Complete button", WAIT, || mapped_complete().is_some());
            let complete = mapped_complete().expect("a Complete button");
            click(&complete);
            let (device, action) = runtime.block_on(laptop.expect(|ev| match ev {
                Event::RemoteControlled { device, action, .. } => Some((device.clone(), action.clone())),
                _ => None,
            }));
            let desk = match account.connection_state() {
                ConnectionState::Online { bound_jid, .. } => bound_jid,
                other => panic!("{other:?}"),
            };
            assert_eq!(device, desk.resource().as_str(), "the laptop names the desk");
            assert!(matches!(action, RemoteAction::StatusChanged(Some(_))));
            key(&dialog, "Escape");
            pump_until("the dialog closed", WAIT, || !dialog.is_visible());
        }
    }
    // The page follows presence: the tablet leaves.
    let tablet_row = row_of(&tablet);
    tablet.worker.shutdown();
    pump_until("the tablet gone", WAIT, || {
        !all::<adw::ExpanderRow>(&page)
            .iter()
            .any(|r| r.widget_name() == tablet_row)
    });
    key(page.upcast_ref::<gtk::Window>(), "Escape");
    pump_until("the page closed", WAIT, || !page.is_visible());

    // Controlled by a device of ours: a toast and a notification.
    let desk = match account.connection_state() {
        ConnectionState::Online { bound_jid, .. } => Jid::from(bound_jid),
        other => panic!("{other:?}"),
    };
    let mut phone = runtime.block_on(Peer::login(&server, "juliet", "pw"));
    runtime.block_on(control(
        &mut phone,
        &desk,
        RcCommand::SetStatus,
        &[("status", "list-single", "away")],
    ));
    let device = phone.jid.resource().to_string();
    let expected = format!("Status changed to Away from your device “{device}”");
    pump_until("the toast", WAIT, || window.toasts_shown().contains(&expected));
    pump_until("away", WAIT, || account.availability() == "away");
    pump_until("the notification", WAIT, || {
        notifications.shown.borrow().iter().any(|n| n.body == expected)
    });
    screenshot(&window, "controlled-toast");

    // "Open new messages" from the phone: a message opens its conversation.
    let settings = window.settings().expect("settings");
    assert!(!settings.boolean("auto-open-messages"));
    runtime.block_on(control(
        &mut phone,
        &desk,
        RcCommand::SetOptions,
        &[("auto-msg", "boolean", "1")],
    ));
    pump_until("auto-open on", WAIT, || settings.boolean("auto-open-messages"));
    let romeo = runtime.block_on(online(&server, "ui-rc-romeo", "romeo", "pw"));
    romeo.send(Command::SendMessage {
        jid: romeo.jid.clone(),
        to: format!("juliet@{DOMAIN}").parse().expect("jid"),
        body: "Wherefore art thou?".into(),
    });
    pump_until("romeo's conversation opened", WAIT, || {
        main_view.open_peer().as_deref() == Some(&*format!("romeo@{DOMAIN}"))
    });
    // "Go offline when idle" from the phone: idle, offline; a key, back.
    settings.set_int("auto-offline-seconds", 2).expect("seconds");
    runtime.block_on(control(
        &mut phone,
        &desk,
        RcCommand::SetOptions,
        &[("auto-offline", "boolean", "1")],
    ));
    pump_until("auto-offline on", WAIT, || settings.boolean("auto-offline"));
    pump_until("offline when idle", WAIT, || {
        account.status() == ConnectionStatus::Offline
    });
    key(&win, "shift");
    pump_until("back online", WAIT, || {
        account.status() == ConnectionStatus::Online
    });
    settings.set_boolean("auto-offline", false).expect("off");
    let desk = match account.connection_state() {
        ConnectionState::Online { bound_jid, .. } => Jid::from(bound_jid),
        other => panic!("{other:?}"),
    };
    // "Sounds" off from the phone: the next notification is silent.
    runtime.block_on(control(
        &mut phone,
        &desk,
        RcCommand::SetOptions,
        &[("sounds", "boolean", "0")],
    ));
    pump_until("sounds off", WAIT, || !settings.boolean("sounds-enabled"));
    let before = window.sounds_played();
    let shown = notifications.shown.borrow().len();
    window.set_visible(false);
    romeo.send(Command::SendMessage {
        jid: romeo.jid.clone(),
        to: format!("juliet@{DOMAIN}").parse().expect("jid"),
        body: "Hush".into(),
    });
    pump_until("a silent notification", WAIT, || {
        notifications.shown.borrow().len() > shown
    });
    assert_eq!(window.sounds_played(), before, "no sound");
    window.set_visible(true);
    laptop.worker.shutdown();
    romeo.worker.shutdown();
    window.close();
}
