//! The group chat view in German, light and dark (Xvfb, real Prosody):
//! juliet joins romeo's room from the join dialog and sees its subject,
//! its people and his message; the room's header speaks German.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::{
    core::bridge::{Command, Event},
    ui::MessageRow,
};
use support::{
    accounts::online,
    events::wait_for,
    prosody::{Prosody, MUC_DOMAIN},
    ui::{all, find, init, online_window, pump_until, screenshot},
};

#[gtk::test]
fn a_room_in_german_light_and_dark() {
    // Only test in this binary, so the process-wide locale is ours to set.
    std::env::set_var("LANGUAGE", "de");
    std::env::set_var("LC_ALL", "de_DE.UTF-8");
    init();
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (client, window) = online_window(&server, "ui-room-de-juliet", "juliet", "pw-j", &runtime);
    let romeo = runtime.block_on(online(&server, "ui-room-de-romeo", "romeo", "pw-r"));
    let room: xmpp_parsers::jid::BareJid = format!("marktplatz@{MUC_DOMAIN}").parse().expect("room");
    runtime.block_on(romeo.open_room(&room, "romeo", "Ein Fluch auf eure beiden Häuser"));

    let main_view = window.main_view();
    let join = main_view.ask_for_room().expect("dialog");
    assert_eq!(join.heading().as_deref(), Some("Raum betreten"));
    find::<adw::EntryRow>(&join, "room-address").set_text(room.as_str());
    screenshot(&join, "join-room-de");
    join.response("join");
    let view = main_view.conversation_view();
    pump_until("the room open", Duration::from_secs(15), || {
        view.messages().and_then(|m| m.peer()).is_some_and(|p| p == room)
    });
    pump_until("the subject and the people", Duration::from_secs(10), || {
        main_view.conversation_subtitle() == "Ein Fluch auf eure beiden Häuser"
            && main_view.occupants_shown() == "juliet\nromeo"
    });
    romeo.send(Command::SendGroupMessage {
        jid: romeo.jid.clone(),
        room: room.clone(),
        body: "Guter Capulet, dessen Namen ich so wert halte wie meinen eigenen".into(),
    });
    pump_until("his message with his name", Duration::from_secs(10), || {
        all::<MessageRow>(&view.list_view())
            .iter()
            .any(|r| r.sender_shown().as_deref() == Some("romeo"))
    });
    let leave = find::<gtk::Button>(&window, "leave-room");
    assert_eq!(leave.tooltip_text().as_deref(), Some("Raum verlassen"));
    screenshot(&window, "room-de");
    adw::StyleManager::default().set_color_scheme(adw::ColorScheme::ForceDark);
    screenshot(&window, "room-de-dark");
    adw::StyleManager::default().set_color_scheme(adw::ColorScheme::Default);

    leave.emit_clicked();
    runtime.block_on(async {
        wait_for(&romeo.events, Duration::from_secs(15), |ev| match ev {
            Event::OccupantLeft { nick, .. } if nick == "juliet" => Some(()),
            _ => None,
        })
        .await
    });
    window.close();
    client.shutdown();
    romeo.worker.shutdown();
}
