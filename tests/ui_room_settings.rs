//! Room settings under Xvfb: the owner opens the room's settings from its
//! header, Prosody's configuration form is rendered by the forms renderer,
//! the name is changed and saved, and another user sees the new name.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::ui::room_settings_dialog::RoomSettingsDialog;
use support::{
    peer::Peer,
    prosody::{Prosody, MUC_DOMAIN},
    ui::{dialog_of, find, init, online_window, pump_until, screenshot},
};
use xmpp_parsers::{
    disco::{DiscoInfoQuery, DiscoInfoResult},
    jid::{BareJid, Jid},
};

#[gtk::test]
fn the_owner_renames_the_room_in_its_settings() {
    init();
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (client, window) = online_window(&server, "ui-room-settings", "juliet", "pw-j", &runtime);
    let account = client.primary_account().expect("account");
    let room: BareJid = format!("orchard@{MUC_DOMAIN}").parse().expect("room");
    client.join_room(&account, &room, "juliet");
    pump_until("joined", Duration::from_secs(20), || {
        account.room(room.as_str()).is_some_and(|r| r.joined())
    });
    let main_view = window.main_view();
    main_view.open_conversation(room.as_str());
    let button: gtk::Button = find(&window, "room-settings");
    pump_until("the settings button", Duration::from_secs(5), || {
        button.is_visible()
    });
    button.emit_clicked();
    let dialog: RoomSettingsDialog = {
        let mut found = None;
        pump_until("the dialog", Duration::from_secs(5), || {
            found = dialog_of::<RoomSettingsDialog>(&window);
            found.is_some()
        });
        found.expect("dialog")
    };
    pump_until("the form", Duration::from_secs(20), || dialog.page() == "form");
    let view = dialog.form_view();
    let name: adw::EntryRow = find(&view, "field:muc#roomconfig_roomname");
    name.set_text("The Orchard");
    screenshot(&dialog, "room-settings");
    find::<gtk::Button>(&dialog, "room-settings-confirm").emit_clicked();
    pump_until("saved and closed", Duration::from_secs(20), || {
        !dialog.is_visible()
    });

    let name = runtime.block_on(async {
        let mut romeo = Peer::login(&server, "romeo", "pw-r").await;
        let info = romeo
            .get(&Jid::from(room.clone()), DiscoInfoQuery { node: None }.into())
            .await
            .expect("disco")
            .expect("payload");
        DiscoInfoResult::try_from(info).expect("info").identities[0]
            .name
            .clone()
    });
    assert_eq!(name.as_deref(), Some("The Orchard"));
}
