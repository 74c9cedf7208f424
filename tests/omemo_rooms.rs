//! OMEMO in group chats against python-omemo (`tests/omemo_peer/peer.py`)
//! through Prosody's MUC: in a members-only, non-anonymous room Balcony
//! offers encryption, encrypts to every occupant's devices (in the newest
//! version all of them speak: OMEMO 2, then OMEMO 0.3 once a legacy-only
//! member is in), and reads what they encrypt; in an open room nothing is
//! sent when the user asked for encryption.

mod support;

use std::time::Duration;

use balcony::core::{
    bridge::{Command, Event},
    message::MessageEncryption,
};
use serde_json::json;
use support::{
    accounts::{online, Online},
    omemo_peer::{OmemoPeer, PeerOptions},
    prosody::Prosody,
};
use xmpp_parsers::jid::BareJid;

const WAIT: Duration = Duration::from_secs(30);

fn bare(s: &str) -> BareJid {
    s.parse().expect("jid")
}

async fn join(juliet: &Online, room: &str) -> bool {
    juliet.send(Command::JoinRoom {
        jid: juliet.jid.clone(),
        room: bare(room),
        nick: Some("juliet".into()),
        password: None,
    });
    juliet
        .expect(|ev| match ev {
            Event::RoomEncryption {
                room: r, possible, ..
            } if r.as_str() == room => Some(*possible),
            _ => None,
        })
        .await
}

fn encrypt_room(juliet: &Online, room: &str) {
    juliet.send(Command::SetConversationEncryption {
        jid: juliet.jid.clone(),
        peer: bare(room),
        enabled: true,
    });
}

fn say(juliet: &Online, room: &str, body: &str) {
    juliet.send(Command::SendGroupMessage {
        jid: juliet.jid.clone(),
        room: bare(room),
        body: body.into(),
    });
}

/// Waits for a room message from someone else with `body`; its
/// encryption.
async fn heard(juliet: &Online, body: &str) -> MessageEncryption {
    juliet
        .expect(|ev| match ev {
            Event::MessagesAdded { messages, .. } => messages
                .iter()
                .find(|m| !m.message.outgoing && m.message.body == body)
                .map(|m| m.message.encryption),
            _ => None,
        })
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_private_room_is_encrypted_to_every_occupant_and_an_open_one_sends_nothing() {
    let server = Prosody::start();
    for user in ["juliet", "alice", "bob"] {
        server.register(user, "pw");
    }
    let room = "capulets@conference.balcony.test";
    let mut alice = OmemoPeer::start(&server, "alice", "pw", "rooms-alice", PeerOptions::default());
    alice.command(json!({"cmd": "join_room", "room": room, "nick": "alice", "create": true}));
    alice.expect("joined", |_| true, WAIT);
    alice.command(json!({"cmd": "set_member", "room": room, "jid": "juliet@balcony.test"}));
    alice.expect("member_set", |_| true, WAIT);
    let juliet = online(&server, "rooms-juliet", "juliet", "pw").await;
    assert!(
        join(&juliet, room).await,
        "members-only and non-anonymous: encryption offered"
    );
    alice.expect(
        "occupant",
        |v| v["nick"] == "juliet" && v["jid"] == "juliet@balcony.test",
        WAIT,
    );
    encrypt_room(&juliet, room);

    // Balcony -> the room, OMEMO 2 (all speak it): alice reads it.
    say(&juliet, room, "Encrypted for the whole room");
    let got = alice.expect(
        "room_message",
        |v| v["body"] == "Encrypted for the whole room",
        WAIT,
    );
    assert_eq!(got["encrypted"], true, "{got}");
    assert_eq!(got["version"], "omemo2", "{got}");
    assert_eq!(got["jid"], "juliet@balcony.test");
    // The room -> Balcony: alice's encrypted message, read with her real
    // address.
    alice.command(json!({"cmd": "send_room", "room": room, "body": "Alice answers", "version": "omemo2"}));
    alice.expect("sent_room", |_| true, WAIT);
    assert_eq!(heard(&juliet, "Alice answers").await, MessageEncryption::Omemo);

    // bob, who speaks OMEMO 0.3 only, joins: the room goes legacy, and
    // both read it.
    let mut bob = OmemoPeer::start(
        &server,
        "bob",
        "pw",
        "rooms-bob",
        PeerOptions {
            versions: &["legacy"],
            ..Default::default()
        },
    );
    alice.command(json!({"cmd": "set_member", "room": room, "jid": "bob@balcony.test"}));
    alice.expect("member_set", |_| true, WAIT);
    bob.command(json!({"cmd": "join_room", "room": room, "nick": "bob"}));
    bob.expect("joined", |_| true, WAIT);
    tokio::time::sleep(Duration::from_millis(500)).await;
    say(&juliet, room, "Now for bob too");
    let got = bob.expect("room_message", |v| v["body"] == "Now for bob too", WAIT);
    assert_eq!(got["version"], "legacy", "{got}");
    let got = alice.expect("room_message", |v| v["body"] == "Now for bob too", WAIT);
    assert_eq!(got["version"], "legacy", "{got}");
    bob.command(json!({"cmd": "send_room", "room": room, "body": "Bob in legacy", "version": "legacy"}));
    bob.expect("sent_room", |_| true, WAIT);
    assert_eq!(heard(&juliet, "Bob in legacy").await, MessageEncryption::Omemo);

    // Our own message came back from the room once, stored once.
    let store = juliet.store();
    let ours: Vec<_> = store
        .recent_messages(&juliet.jid, &bare(room), 50)
        .expect("messages")
        .into_iter()
        .filter(|m| m.message.outgoing)
        .collect();
    assert_eq!(ours.len(), 2, "{ours:?}");
    assert!(ours
        .iter()
        .all(|m| m.message.encryption == MessageEncryption::Omemo));

    // An open room: no encryption offered; asked for anyway, nothing
    // goes out and the user is told.
    let open = "market@conference.balcony.test";
    assert!(!join(&juliet, open).await, "an open room cannot be encrypted");
    encrypt_room(&juliet, open);
    say(&juliet, open, "A secret in the market");
    let detail = juliet
        .expect(|ev| match ev {
            Event::MessageNotEncrypted { detail, .. } => Some(detail.clone()),
            _ => None,
        })
        .await;
    assert!(detail.contains("members-only"), "{detail}");
    assert_eq!(
        juliet.outbox_after_settling().await,
        0,
        "not left to go out later"
    );
}
