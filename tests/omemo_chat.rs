//! OMEMO between two Balcony workers on Prosody: each publishes its
//! device (list and bundle, open access) in both wire versions as it logs
//! in; with encryption on for the conversation, a chat message goes out
//! encrypted
//! (checked in the server's archive: no plaintext there), is decrypted and
//! stored marked as encrypted, both ways; to a contact without OMEMO
//! nothing is sent and the user is told; a third client sees our devices
//! on our lists; a restart keeps the same device and its sessions.

mod support;

use std::time::Duration;

use balcony::core::{
    bridge::{Command, Event},
    message::MessageEncryption,
};
use support::{accounts::online_at, peer::Peer, prosody::Prosody};
use xmpp_parsers::{jid::Jid, minidom::Element, pubsub::pubsub::Items};

const NODES: [&str; 2] = [
    "urn:xmpp:omemo:2:devices",
    "eu.siacs.conversations.axolotl.devicelist",
];

/// The device ids on `who`'s list `node`, as a third client reads them.
async fn devices(reader: &mut Peer, who: &str, node: &str) -> Vec<String> {
    let to: Jid = who.parse().expect("jid");
    let Ok(Some(result)) = reader
        .get(&to, xmpp_parsers::pubsub::PubSub::Items(Items::new(node)).into())
        .await
    else {
        return Vec::new();
    };
    fn ids(e: &Element, out: &mut Vec<String>) {
        if e.name() == "device" {
            if let Some(id) = e.attr("id") {
                out.push(id.to_owned());
            }
        }
        e.children().for_each(|c| ids(c, out));
    }
    let mut out = Vec::new();
    ids(&result, &mut out);
    out
}

/// Waits until `who` has one device on both lists; its ids.
async fn published(reader: &mut Peer, who: &str) -> Vec<Vec<String>> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let mut lists = Vec::new();
        for node in NODES {
            lists.push(devices(reader, who, node).await);
        }
        if lists.iter().all(|l| !l.is_empty()) {
            return lists;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{who} published no OMEMO device"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How many pre-keys romeo's OMEMO 2 bundle offers, as a third client
/// reads it.
async fn romeo_bundle_keys(reader: &mut Peer) -> usize {
    let romeo: Jid = "romeo@balcony.test".parse().expect("jid");
    let request = xmpp_parsers::pubsub::PubSub::Items(Items::new("urn:xmpp:omemo:2:bundles"));
    let Ok(Some(result)) = reader.get(&romeo, request.into()).await else {
        return 0;
    };
    String::from(&result).matches("<pk ").count()
}

fn added(ev: &Event) -> Option<(String, bool, MessageEncryption)> {
    match ev {
        Event::MessagesAdded { messages, .. } => messages
            .first()
            .map(|m| (m.message.body.clone(), m.message.outgoing, m.message.encryption)),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_balcony_workers_chat_encrypted_and_the_server_never_sees_the_text() {
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    server.register("nurse", "pw-n");
    let juliet_profile = support::profiles::fresh("omemo-juliet");
    let juliet = online_at(
        &server,
        &server.c2s_addr(),
        juliet_profile.clone(),
        "juliet",
        "pw-j",
    )
    .await;
    let romeo = online_at(
        &server,
        &server.c2s_addr(),
        support::profiles::fresh("omemo-romeo"),
        "romeo",
        "pw-r",
    )
    .await;
    let mut nurse = Peer::online(&server, "nurse", "pw-n").await;
    let juliet_ids = published(&mut nurse, "juliet@balcony.test").await;
    let romeo_ids = published(&mut nurse, "romeo@balcony.test").await;
    // One device, the same in both versions.
    assert_eq!(juliet_ids[0], juliet_ids[1]);
    assert_ne!(juliet_ids[0], romeo_ids[0]);

    // Both turn encryption on for the conversation (the lock).
    juliet.send(Command::SetConversationEncryption {
        jid: juliet.jid.clone(),
        peer: romeo.jid.clone(),
        enabled: true,
    });
    romeo.send(Command::SetConversationEncryption {
        jid: romeo.jid.clone(),
        peer: juliet.jid.clone(),
        enabled: true,
    });
    // juliet -> romeo, encrypted: romeo reads it, marked as encrypted.
    juliet.send(Command::SendMessage {
        jid: juliet.jid.clone(),
        to: romeo.jid.clone(),
        body: "Meet me at the balcony".into(),
    });
    let got = romeo.expect(added).await;
    assert_eq!(
        got,
        (
            "Meet me at the balcony".to_owned(),
            false,
            MessageEncryption::Omemo
        )
    );
    // romeo -> juliet, over the session romeo now has.
    romeo.send(Command::SendMessage {
        jid: romeo.jid.clone(),
        to: juliet.jid.clone(),
        body: "By moonlight".into(),
    });
    let got = juliet
        .expect(|ev| added(ev).filter(|(_, outgoing, _)| !outgoing))
        .await;
    assert_eq!(got, ("By moonlight".to_owned(), false, MessageEncryption::Omemo));
    // juliet's key exchange used one of romeo's pre-keys: his bundle
    // offers 100 again, without the one used.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while romeo_bundle_keys(&mut nurse).await != 100 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "romeo's pre-keys were not replenished"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Encryption on for a contact without OMEMO: nothing is sent, and
    // juliet is told.
    juliet.send(Command::SetConversationEncryption {
        jid: juliet.jid.clone(),
        peer: "nurse@balcony.test".parse().expect("jid"),
        enabled: true,
    });
    juliet.send(Command::SendMessage {
        jid: juliet.jid.clone(),
        to: "nurse@balcony.test".parse().expect("jid"),
        body: "A secret for the nurse".into(),
    });
    let detail = juliet
        .expect(|ev| match ev {
            Event::MessageNotEncrypted { detail, .. } => Some(detail.clone()),
            _ => None,
        })
        .await;
    assert!(detail.contains("no device"), "{detail}");
    let mut heard = Vec::new();
    while let Some(stanza) = nurse.next_stanza(Duration::from_millis(500)).await {
        heard.push(String::from(&Element::from(stanza)));
    }
    assert!(!heard.join("").contains("A secret for the nurse"), "{heard:?}");
    // Kept in the conversation, marked as not sent.
    let kept = juliet
        .store()
        .recent_messages(&juliet.jid, &"nurse@balcony.test".parse().expect("jid"), 5)
        .expect("messages");
    assert_eq!(
        kept.iter()
            .find(|m| m.message.body == "A secret for the nurse")
            .map(|m| m.message.state),
        Some(balcony::core::message::DeliveryState::NotSent)
    );
    assert_eq!(
        juliet.outbox_after_settling().await,
        0,
        "not left to go out later"
    );

    // The server's archive holds ciphertext only.
    let mut archive_reader = Peer::online(&server, "romeo", "pw-r").await;
    let query = xmpp_parsers::mam::Query {
        queryid: Some(xmpp_parsers::mam::QueryId("omemo".into())),
        node: None,
        form: None,
        set: None,
        flip_page: false,
    };
    let id = archive_reader
        .send_iq(None, tokio_xmpp::IqRequest::Set(query.into()))
        .await;
    let mut archived = Vec::new();
    while let Some(stanza) = archive_reader.next_stanza(Duration::from_secs(5)).await {
        let xml = String::from(&Element::from(stanza));
        if xml.contains(&id) && xml.contains("<fin") {
            break;
        }
        archived.push(xml);
    }
    let all = archived.join("\n");
    assert!(
        all.contains("urn:xmpp:omemo:2"),
        "encrypted messages archived: {all}"
    );
    assert!(
        !all.contains("Meet me at the balcony") && !all.contains("By moonlight"),
        "{all}"
    );
    assert!(
        all.contains("encrypted with OMEMO"),
        "a fallback body for other clients"
    );

    // A restart keeps the device: the same id, and the session still reads.
    drop(juliet);
    let juliet = online_at(&server, &server.c2s_addr(), juliet_profile, "juliet", "pw-j").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(published(&mut nurse, "juliet@balcony.test").await, juliet_ids);
    romeo.send(Command::SendMessage {
        jid: romeo.jid.clone(),
        to: juliet.jid.clone(),
        body: "Still here".into(),
    });
    let got = juliet
        .expect(|ev| added(ev).filter(|(body, _, _)| body == "Still here"))
        .await;
    assert_eq!(got.2, MessageEncryption::Omemo);
}
