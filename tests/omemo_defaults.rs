//! OMEMO's defaults between Balcony workers on Prosody: a conversation
//! with a contact whose device lists name devices is encrypted without
//! the user choosing (as Conversations does), one with a contact without
//! OMEMO stays plain, and the user's choice wins over both; a signed
//! pre-key a week old is replaced as the session starts, published, and
//! sessions old and new keep working.

mod support;

use std::time::Duration;

use balcony::core::{
    bridge::{Command, Event},
    credentials::{OmemoKeySource, PasswordStorage},
    message::MessageEncryption,
    omemo::{device::Device, signed_pre_key::ROTATE_AFTER},
};
use support::{
    accounts::{online, online_at, Online},
    peer::Peer,
    prosody::Prosody,
};
use xmpp_parsers::{jid::Jid, minidom::Element, pubsub::pubsub::Items};

fn added(ev: &Event) -> Option<(String, bool, MessageEncryption)> {
    match ev {
        Event::MessagesAdded { messages, .. } => messages
            .first()
            .map(|m| (m.message.body.clone(), m.message.outgoing, m.message.encryption)),
        _ => None,
    }
}

/// Asks `who`'s worker to read `peer`'s device lists, as opening their
/// conversation does; whether they name a device.
async fn learn(who: &Online, peer: &str) -> bool {
    let peer: xmpp_parsers::jid::BareJid = peer.parse().expect("jid");
    who.send(Command::LearnOmemoDevices {
        jid: who.jid.clone(),
        peer: peer.clone(),
    });
    who.expect(|ev| match ev {
        Event::OmemoDeviceLists {
            peer: p, uses_omemo, ..
        } if *p == peer => Some(*uses_omemo),
        _ => None,
    })
    .await
}

/// The signed pre-key id in `who`'s OMEMO 2 bundle, as a third client
/// reads it.
async fn signed_pre_key_id(reader: &mut Peer, who: &str) -> Option<u32> {
    let to: Jid = who.parse().expect("jid");
    let request = xmpp_parsers::pubsub::PubSub::Items(Items::new("urn:xmpp:omemo:2:bundles"));
    let Ok(Some(result)) = reader.get(&to, request.into()).await else {
        return None;
    };
    fn find(e: &Element) -> Option<u32> {
        if e.name() == "spk" {
            return e.attr("id").and_then(|id| id.parse().ok());
        }
        e.children().find_map(find)
    }
    find(&result)
}

#[tokio::test(flavor = "multi_thread")]
async fn contacts_with_omemo_are_encrypted_to_by_default_and_the_user_choice_wins() {
    let server = Prosody::start();
    for (user, pw) in [("juliet", "pw-j"), ("romeo", "pw-r"), ("nurse", "pw-n")] {
        server.register(user, pw);
    }
    let juliet = online(&server, "defaults-juliet", "juliet", "pw-j").await;
    let romeo = online(&server, "defaults-romeo", "romeo", "pw-r").await;
    let mut nurse = Peer::online(&server, "nurse", "pw-n").await;
    // romeo's device is published as he logs in.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !learn(&juliet, "romeo@balcony.test").await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "romeo's devices never listed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        !learn(&juliet, "nurse@balcony.test").await,
        "the nurse has no OMEMO"
    );

    // No choice made: encrypted to romeo, who reads it marked so.
    juliet.send(Command::SendMessage {
        jid: juliet.jid.clone(),
        to: romeo.jid.clone(),
        body: "Encrypted without asking".into(),
    });
    let got = romeo.expect(added).await;
    assert_eq!(
        got,
        (
            "Encrypted without asking".to_owned(),
            false,
            MessageEncryption::Omemo
        )
    );
    // Plain to the nurse, who has no devices.
    juliet.send(Command::SendMessage {
        jid: juliet.jid.clone(),
        to: "nurse@balcony.test".parse().expect("jid"),
        body: "Plain for the nurse".into(),
    });
    let mut heard = String::new();
    while let Some(stanza) = nurse.next_stanza(Duration::from_secs(5)).await {
        heard.push_str(&String::from(&Element::from(stanza)));
        if heard.contains("Plain for the nurse") {
            break;
        }
    }
    assert!(heard.contains("Plain for the nurse"), "{heard}");

    // juliet turns the lock off for romeo: plain from now on.
    juliet.send(Command::SetConversationEncryption {
        jid: juliet.jid.clone(),
        peer: romeo.jid.clone(),
        enabled: false,
    });
    juliet.send(Command::SendMessage {
        jid: juliet.jid.clone(),
        to: romeo.jid.clone(),
        body: "Now in the clear".into(),
    });
    let got = romeo
        .expect(|ev| added(ev).filter(|(body, _, _)| body == "Now in the clear"))
        .await;
    assert_eq!(got.2, MessageEncryption::None);
    let nurse_jid = "nurse@balcony.test".parse().expect("jid");
    assert!(!juliet.store().encrypts_to(&juliet.jid, &nurse_jid).expect("read"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_week_old_signed_pre_key_is_replaced_at_login_and_sessions_keep_working() {
    let server = Prosody::start();
    for (user, pw) in [("juliet", "pw-j"), ("romeo", "pw-r"), ("nurse", "pw-n")] {
        server.register(user, pw);
    }
    let juliet_profile = support::profiles::fresh("rotation-juliet");
    let juliet = online_at(
        &server,
        &server.c2s_addr(),
        juliet_profile.clone(),
        "juliet",
        "pw-j",
    )
    .await;
    let romeo = online(&server, "rotation-romeo", "romeo", "pw-r").await;
    let mut nurse = Peer::online(&server, "nurse", "pw-n").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while signed_pre_key_id(&mut nurse, "juliet@balcony.test")
        .await
        .is_none()
    {
        assert!(tokio::time::Instant::now() < deadline, "no bundle published");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        signed_pre_key_id(&mut nurse, "juliet@balcony.test").await,
        Some(1)
    );
    for who in [&juliet, &romeo] {
        who.send(Command::SetConversationEncryption {
            jid: who.jid.clone(),
            peer: if who.jid == juliet.jid {
                romeo.jid.clone()
            } else {
                juliet.jid.clone()
            },
            enabled: true,
        });
    }
    romeo.send(Command::SendMessage {
        jid: romeo.jid.clone(),
        to: juliet.jid.clone(),
        body: "Before the new key".into(),
    });
    let got = juliet
        .expect(|ev| added(ev).filter(|(_, outgoing, _)| !outgoing))
        .await;
    assert_eq!(
        got,
        ("Before the new key".to_owned(), false, MessageEncryption::Omemo)
    );

    // juliet's signed pre-key is made to look a week and a day old, as if
    // Balcony had not run for that long.
    let jid = juliet.jid.clone();
    drop(juliet);
    tokio::time::sleep(Duration::from_millis(500)).await;
    {
        let store = balcony::core::store::Store::open(&juliet_profile.database_path()).expect("store");
        let key = OmemoKeySource::new(juliet_profile.clone(), PasswordStorage::ProfileFile, jid.clone())
            .load_or_create()
            .await
            .expect("key");
        let device = Device::load(&store, &jid, &key).expect("open").expect("saved");
        let (id, _) = device.signed_pre_key().expect("current");
        let old = chrono::Utc::now().timestamp_millis()
            - i64::try_from(ROTATE_AFTER.as_millis()).expect("ms")
            - 24 * 3600 * 1000;
        device.rotate_signed_pre_key_at(id + 1, old).expect("date");
        device.save(&store, &jid, &key).expect("save");
    }
    let juliet = online_at(&server, &server.c2s_addr(), juliet_profile, "juliet", "pw-j").await;
    // At login: a new key (id 3), published.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while signed_pre_key_id(&mut nurse, "juliet@balcony.test").await != Some(3) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the new signed pre-key was not published"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The old session goes on, both ways.
    romeo.send(Command::SendMessage {
        jid: romeo.jid.clone(),
        to: juliet.jid.clone(),
        body: "After the new key".into(),
    });
    let got = juliet
        .expect(|ev| added(ev).filter(|(body, _, _)| body == "After the new key"))
        .await;
    assert_eq!(got.2, MessageEncryption::Omemo);
    juliet.send(Command::SendMessage {
        jid: juliet.jid.clone(),
        to: romeo.jid.clone(),
        body: "And back".into(),
    });
    let got = romeo
        .expect(|ev| added(ev).filter(|(body, _, _)| body == "And back"))
        .await;
    assert_eq!(got.2, MessageEncryption::Omemo);
    // A new device of romeo's starts its session from the new key.
    let romeo_laptop = online(&server, "rotation-romeo-laptop", "romeo", "pw-r").await;
    romeo_laptop.send(Command::SetConversationEncryption {
        jid: romeo_laptop.jid.clone(),
        peer: jid.clone(),
        enabled: true,
    });
    romeo_laptop.send(Command::SendMessage {
        jid: romeo_laptop.jid.clone(),
        to: jid.clone(),
        body: "From a new device".into(),
    });
    let got = juliet
        .expect(|ev| added(ev).filter(|(body, _, _)| body == "From a new device"))
        .await;
    assert_eq!(got.2, MessageEncryption::Omemo);
}
