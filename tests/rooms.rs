//! Group chats (XEP-0045) through the worker, as other occupants see them.

mod support;

use std::time::Duration;

use balcony::core::{
    bridge::{Command, Event},
    message::{ChatKind, DeliveryState},
    rooms::{RoomExit, RoomJoinError},
};
use support::{
    accounts::{online, Online},
    events::wait_for,
    peer::Peer,
    prosody::{Prosody, MUC_DOMAIN},
};
use xmpp_parsers::{
    jid::{BareJid, Jid},
    message::MessageType,
    presence::Type as PresenceType,
};

/// Waits until `watcher` is told that `who` left a room.
async fn sees_leave(watcher: &Online, who: &str) {
    watcher
        .expect(|ev| match ev {
            Event::OccupantLeft { nick, .. } if nick == who => Some(()),
            _ => None,
        })
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn join_with_a_taken_nickname_talk_and_leave() {
    let server = Prosody::start();
    for (user, pw) in [("juliet", "pw-j"), ("romeo", "pw-r"), ("nurse", "pw-n")] {
        server.register(user, pw);
    }
    let room_name = format!("tavern@{MUC_DOMAIN}");
    let room: BareJid = room_name.parse().expect("room");
    // The nurse creates the room and takes the nickname juliet wants.
    let mut nurse = Peer::login(&server, "nurse", "pw-n").await;
    nurse.join_room(&room_name, "juliet").await;
    let mut romeo = Peer::login(&server, "romeo", "pw-r").await;
    romeo.join_room(&room_name, "romeo").await;
    nurse
        .say_in_room(&room_name, None, Some("Tonight at the tavern"))
        .await;

    let juliet = online(&server, "rooms-juliet", "juliet", "pw-j").await;
    juliet.send(Command::JoinRoom {
        jid: juliet.jid.clone(),
        room: room.clone(),
        nick: Some("juliet".into()),
        password: None,
    });
    let (nick, occupants) = juliet
        .expect(|ev| match ev {
            Event::RoomJoined { nick, occupants, .. } => Some((nick.clone(), occupants.clone())),
            Event::RoomJoinFailed { error, .. } => panic!("join failed: {error:?}"),
            _ => None,
        })
        .await;
    assert_eq!(
        nick, "juliet_",
        "the taken nickname was retried with an underscore"
    );
    let mut nicks: Vec<&str> = occupants.iter().map(|o| o.nick.as_str()).collect();
    nicks.sort();
    assert_eq!(nicks, ["juliet", "juliet_", "romeo"]);
    // Romeo sees her arrive under the new nickname.
    let arrived: Jid = format!("{room_name}/juliet_").parse().expect("jid");
    romeo
        .presence_where(|p| p.from.as_ref() == Some(&arrived) && p.type_ == PresenceType::None)
        .await;
    let subject = juliet
        .expect(|ev| match ev {
            Event::RoomSubjectChanged { subject, by, .. } => Some((subject.clone(), by.clone())),
            _ => None,
        })
        .await;
    assert_eq!(subject, ("Tonight at the tavern".into(), Some("juliet".into())));

    // Her message reaches romeo; the room's echo marks it delivered and is
    // not stored twice.
    juliet.send(Command::SendGroupMessage {
        jid: juliet.jid.clone(),
        room: room.clone(),
        body: "Hello, tavern".into(),
    });
    let heard = romeo
        .message_where(|m| m.type_ == MessageType::Groupchat && !m.bodies.is_empty())
        .await;
    assert_eq!(heard.from, Some(arrived.clone()));
    assert_eq!(
        heard.bodies.values().next().map(String::as_str),
        Some("Hello, tavern")
    );
    juliet
        .expect(|ev| match ev {
            Event::MessageStateChanged {
                state: DeliveryState::Received,
                peer,
                ..
            } if *peer == room => Some(()),
            _ => None,
        })
        .await;

    romeo.say_in_room(&room_name, Some("Hi, juliet"), None).await;
    let received = juliet
        .expect(|ev| match ev {
            Event::MessagesAdded { messages, .. } if messages.iter().any(|m| !m.message.outgoing) => {
                Some(messages[0].message.clone())
            }
            _ => None,
        })
        .await;
    assert_eq!(received.kind, ChatKind::GroupChat);
    assert_eq!(received.peer, room);
    assert_eq!(received.sender, "romeo");
    assert_eq!(received.body, "Hi, juliet");
    let stored = juliet
        .store()
        .recent_messages(&juliet.jid, &room, 10)
        .expect("stored");
    let bodies: Vec<(&str, bool)> = stored
        .iter()
        .map(|m| (m.message.body.as_str(), m.message.outgoing))
        .collect();
    assert_eq!(bodies, [("Hello, tavern", true), ("Hi, juliet", false)]);

    // Romeo leaves; then juliet does, and the nurse sees her go.
    romeo.leave_room(&room_name, "romeo").await;
    sees_leave(&juliet, "romeo").await;
    juliet.send(Command::LeaveRoom {
        jid: juliet.jid.clone(),
        room: room.clone(),
    });
    let exit = juliet
        .expect(|ev| match ev {
            Event::RoomLeft { exit, .. } => Some(exit.clone()),
            _ => None,
        })
        .await;
    assert_eq!(exit, RoomExit::Left);
    nurse
        .presence_where(|p| p.from.as_ref() == Some(&arrived) && p.type_ == PresenceType::Unavailable)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_members_only_room_refuses_with_a_clear_reason() {
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("capulet", "pw-c");
    let room_name = format!("family@{MUC_DOMAIN}");
    let mut capulet = Peer::login(&server, "capulet", "pw-c").await;
    capulet.join_room(&room_name, "lord").await;
    // Make it members-only through the owner's room configuration.
    let form = xmpp_parsers::data_forms::DataForm::new(
        xmpp_parsers::data_forms::DataFormType::Submit,
        "http://jabber.org/protocol/muc#roomconfig",
        vec![xmpp_parsers::data_forms::Field::new(
            "muc#roomconfig_membersonly",
            xmpp_parsers::data_forms::FieldType::Boolean,
        )
        .with_value("1")],
    );
    let query = xmpp_parsers::minidom::Element::builder("query", "http://jabber.org/protocol/muc#owner")
        .append(xmpp_parsers::minidom::Element::from(form))
        .build();
    capulet
        .set(Some(room_name.parse().expect("room")), query)
        .await
        .expect("configured");

    let juliet = online(&server, "rooms-members-only", "juliet", "pw-j").await;
    juliet.send(Command::JoinRoom {
        jid: juliet.jid.clone(),
        room: room_name.parse().expect("room"),
        nick: None,
        password: None,
    });
    let error = juliet
        .expect(|ev| match ev {
            Event::RoomJoinFailed { error, .. } => Some(error.clone()),
            Event::RoomJoined { .. } => panic!("joined a members-only room"),
            _ => None,
        })
        .await;
    assert_eq!(error, RoomJoinError::MembersOnly);
}

#[tokio::test(flavor = "multi_thread")]
async fn rooms_are_joined_again_after_the_server_lost_the_stream() {
    let mut server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let room_name = format!("orchard@{MUC_DOMAIN}");
    let room: BareJid = room_name.parse().expect("room");
    let juliet = online(&server, "rooms-rejoin", "juliet", "pw-j").await;
    juliet.send(Command::JoinRoom {
        jid: juliet.jid.clone(),
        room: room.clone(),
        nick: Some("juliet".into()),
        password: None,
    });
    juliet
        .expect(|ev| matches!(ev, Event::RoomJoined { .. }).then_some(()))
        .await;
    // The restarted server has no rooms and no sessions any more.
    server.crash_and_restart();
    let nick = juliet
        .expect(|ev| match ev {
            Event::RoomJoined { room: r, nick, .. } if *r == room => Some(nick.clone()),
            _ => None,
        })
        .await;
    assert_eq!(nick, "juliet");
    // Someone entering now finds her there.
    let mut romeo = Peer::login(&server, "romeo", "pw-r").await;
    let her: Jid = format!("{room_name}/juliet").parse().expect("jid");
    romeo
        .send(
            xmpp_parsers::presence::Presence::available()
                .with_to(format!("{room_name}/romeo").parse::<Jid>().expect("jid"))
                .with_payloads(vec![xmpp_parsers::minidom::Element::builder(
                    "x",
                    xmpp_parsers::ns::MUC,
                )
                .build()]),
        )
        .await;
    romeo
        .presence_where(|p| p.from.as_ref() == Some(&her) && p.type_ == PresenceType::None)
        .await;
}

/// A room joined while the login steps still run (the server holds the
/// blocklist answer, with `mod_balcony_slow_blocklist`) is not joined a
/// second time when those steps reach the rooms: only rooms of a forgotten
/// stream are. Joined twice, it was announced twice, and someone leaving in
/// between was missed.
#[tokio::test(flavor = "multi_thread")]
async fn a_room_joined_during_the_login_steps_is_not_joined_again() {
    let server = Prosody::start_with(
        &["balcony_slow_blocklist"],
        "balcony_slow_blocklist = { \"juliet\" }\nbalcony_slow_blocklist_delay = 2\n",
    );
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let room_name = format!("balcony@{MUC_DOMAIN}");
    let room: BareJid = room_name.parse().expect("room");
    let mut romeo = Peer::login(&server, "romeo", "pw-r").await;
    romeo.join_room(&room_name, "romeo").await;

    let juliet = online(&server, "rooms-during-login", "juliet", "pw-j").await;
    juliet.send(Command::JoinRoom {
        jid: juliet.jid.clone(),
        room: room.clone(),
        nick: Some("juliet".into()),
        password: None,
    });
    let (occupants, before) = wait_for(&juliet.events, Duration::from_secs(20), |ev| match ev {
        Event::RoomJoined { occupants, .. } => Some(occupants.len()),
        _ => None,
    })
    .await;
    assert_eq!(occupants, 2, "romeo and juliet");
    assert!(
        !before
            .iter()
            .any(|e| matches!(e, Event::BlocklistReplaced { .. })),
        "joined while the login steps wait for the blocklist: {before:?}"
    );
    romeo.leave_room(&room_name, "romeo").await;
    sees_leave(&juliet, "romeo").await;
    // The login steps go on once the blocklist comes, and end.
    let ((), rest) = wait_for(&juliet.events, Duration::from_secs(20), |ev| match ev {
        Event::CatchUpFinished { .. } => Some(()),
        _ => None,
    })
    .await;
    assert!(
        rest.iter().any(|e| matches!(e, Event::BlocklistReplaced { .. })),
        "the blocklist came after the join: {rest:?}"
    );
    assert!(
        !rest.iter().any(|e| matches!(e, Event::RoomJoined { .. })),
        "the room was joined again: {rest:?}"
    );
}
