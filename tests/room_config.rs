//! Room configuration (XEP-0045 §10.2) through the worker: the owner reads
//! Prosody's muc#roomconfig form, changes the room's name, and others see
//! it; someone who is not an owner is refused.

mod support;

use balcony::core::{
    bridge::{Command, Event},
    forms::{FieldKind, Form},
    xmpp::modules::x0045_muc_owner::RoomConfigError,
};
use support::{
    accounts::{online, Online},
    peer::Peer,
    prosody::{Prosody, MUC_DOMAIN},
};
use tokio::sync::oneshot;
use xmpp_parsers::{
    disco::{DiscoInfoQuery, DiscoInfoResult},
    jid::{BareJid, Jid},
};

async fn join(who: &Online, room: &BareJid, nick: &str) {
    who.send(Command::JoinRoom {
        jid: who.jid.clone(),
        room: room.clone(),
        nick: Some(nick.into()),
        password: None,
    });
    who.expect(|ev| match ev {
        Event::RoomJoined { .. } => Some(()),
        Event::RoomJoinFailed { error, .. } => panic!("join failed: {error:?}"),
        _ => None,
    })
    .await;
}

async fn fetch(who: &Online, room: &BareJid) -> Result<Form, RoomConfigError> {
    let (reply, rx) = oneshot::channel();
    who.send(Command::FetchRoomConfig {
        jid: who.jid.clone(),
        room: room.clone(),
        reply,
    });
    rx.await.expect("answer")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_owner_renames_the_room_through_its_form() {
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let room: BareJid = format!("garden@{MUC_DOMAIN}").parse().expect("room");
    let juliet = online(&server, "room-config-juliet", "juliet", "pw-j").await;
    join(&juliet, &room, "juliet").await;

    let mut form = fetch(&juliet, &room).await.expect("the owner reads the form");
    assert_eq!(
        form.form_type(),
        Some("http://jabber.org/protocol/muc#roomconfig")
    );
    let name = form.field("muc#roomconfig_roomname").expect("room name field");
    assert_eq!(name.kind, FieldKind::TextSingle);
    assert!(form.fields.iter().any(|f| f.kind == FieldKind::Boolean));
    assert!(form.fields.iter().any(|f| f.kind == FieldKind::ListSingle));
    form.set_values("muc#roomconfig_roomname", vec!["Capulet Garden".into()]);
    assert!(form.validate().is_empty(), "{:?}", form.validate());

    let (reply, rx) = oneshot::channel();
    juliet.send(Command::SaveRoomConfig {
        jid: juliet.jid.clone(),
        room: room.clone(),
        submission: form.submission(),
        reply,
    });
    rx.await.expect("answer").expect("saved");

    // Others see the new name.
    let mut romeo = Peer::login(&server, "romeo", "pw-r").await;
    let info = romeo
        .get(&Jid::from(room.clone()), DiscoInfoQuery { node: None }.into())
        .await
        .expect("disco")
        .expect("payload");
    let info = DiscoInfoResult::try_from(info).expect("disco#info");
    assert_eq!(info.identities[0].name.as_deref(), Some("Capulet Garden"));

    // Romeo is no owner: refused.
    let romeo_core = online(&server, "room-config-romeo", "romeo", "pw-r").await;
    join(&romeo_core, &room, "romeo").await;
    assert_eq!(fetch(&romeo_core, &room).await, Err(RoomConfigError::Forbidden));
}
