//! The controller's side of remote control (XEP-0146) on Prosody: a
//! Balcony core learns its account's other devices (what each runs, its
//! presence) as they come and go, and stores messages a device forwards
//! in their original conversations, with their original time and sender,
//! once.

mod support;

use balcony::core::{
    bridge::Event,
    xmpp::modules::{x0033_addresses, x0359_stanza_ids},
};
use support::{accounts::online, peer::Peer, prosody::Prosody};
use xmpp_parsers::{
    delay::Delay,
    jid::{BareJid, Jid},
    message::{Lang, Message},
};

#[tokio::test(flavor = "multi_thread")]
async fn other_devices_are_listed_with_what_they_run_and_leave_when_they_go() {
    let server = Prosody::start();
    server.register("juliet", "pw");
    let desk = online(&server, "devices-desk", "juliet", "pw").await;
    let laptop = online(&server, "devices-laptop", "juliet", "pw").await;
    let described = desk
        .expect(|ev| match ev {
            Event::DeviceChanged { device, .. } if device.jid == laptop.full && device.client.is_some() => {
                Some(device.clone())
            }
            _ => None,
        })
        .await;
    assert_eq!(described.client.as_deref(), Some("Balcony"));
    assert_eq!(described.version.as_deref(), Some(env!("CARGO_PKG_VERSION")));
    assert_eq!(described.kind.as_deref(), Some("pc"));
    assert_eq!(described.show, "available");
    assert!(described.last_active_ms > 0);
    // Our own resource is not a device of ours.
    assert_ne!(described.jid, desk.full);
    laptop.worker.shutdown();
    let gone = desk
        .expect(|ev| match ev {
            Event::DeviceGone { device, .. } => Some(device.clone()),
            _ => None,
        })
        .await;
    assert_eq!(gone, laptop.full);
    desk.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn forwarded_messages_land_in_their_conversation_once_with_their_time() {
    let server = Prosody::start();
    server.register("juliet", "pw");
    let desk = online(&server, "forwarded-desk", "juliet", "pw").await;
    // Another device of ours, written to the spec, forwards a message.
    let mut phone = Peer::login(&server, "juliet", "pw").await;
    phone.available().await;
    let romeo: Jid = "romeo@montague.lit/orchard".parse().expect("jid");
    let stamp = chrono::DateTime::parse_from_rfc3339("2002-09-10T23:41:07Z").expect("stamp");
    let phone_jid = Jid::from(phone.jid.clone());
    let forward = || {
        let mut m = Message::chat(Some(Jid::from(desk.full.clone())));
        m.bodies.insert(Lang::default(), "Hello Juliet!".into());
        m.payloads
            .push(x0033_addresses::to_element(&[x0033_addresses::Address::ofrom(
                romeo.clone(),
            )]));
        m.payloads.push(
            Delay {
                from: Some(phone_jid.clone()),
                stamp: xmpp_parsers::date::DateTime(stamp),
                data: None,
            }
            .into(),
        );
        m.payloads
            .push(x0359_stanza_ids::origin_id_element("original-1".into()).into());
        m
    };
    phone.send(forward()).await;
    let stored = desk
        .expect(|ev| match ev {
            Event::MessagesAdded { messages, .. } => Some(messages[0].clone()),
            _ => None,
        })
        .await;
    let romeo_bare: BareJid = romeo.to_bare();
    assert_eq!(stored.message.peer, romeo_bare, "in the original conversation");
    assert_eq!(
        stored.message.sender,
        romeo.to_string(),
        "from the original sender"
    );
    assert_eq!(
        stored.message.timestamp_ms,
        stamp.timestamp_millis(),
        "at the original time"
    );
    assert!(!stored.message.outgoing);
    let phone_device = phone.jid.resource().to_string();
    assert_eq!(
        stored.forwarded_by.as_deref(),
        Some(phone_device.as_str()),
        "marked as forwarded from that device"
    );
    let kept = desk
        .store()
        .recent_messages(&desk.jid, &romeo_bare, 10)
        .expect("read");
    assert_eq!(
        kept[0].forwarded_by.as_deref(),
        Some(phone_device.as_str()),
        "and stored so"
    );
    // Forwarded again (a second device, a second forward): stored once.
    phone.send(forward()).await;
    let mut marker = Message::chat(Some(Jid::from(desk.full.clone())));
    marker.bodies.insert(Lang::default(), "after".into());
    marker
        .payloads
        .push(x0033_addresses::to_element(&[x0033_addresses::Address::ofrom(
            romeo.clone(),
        )]));
    phone.send(marker).await;
    assert_eq!(desk.next_body().await, "after");
    assert_eq!(
        desk.store()
            .count_messages(&desk.jid, &romeo_bare)
            .expect("count"),
        2
    );
    desk.worker.shutdown();
}
