//! The outbox survives the worker: messages written while the server is
//! down are stored, and a new worker on the same profile sends each of
//! them exactly once, as the recipient counts them on the wire.

mod support;

use std::{collections::HashMap, time::Duration};

use balcony::core::{
    bridge::{Command, Event},
    message::DeliveryState,
};
use support::{
    accounts::{online, online_at},
    peer::Peer,
    profiles,
    prosody::Prosody,
    proxy::CuttableProxy,
};
use tokio_xmpp::Stanza;

#[tokio::test(flavor = "multi_thread")]
async fn a_new_worker_sends_the_dropped_workers_outbox_exactly_once() {
    let mut server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let juliet = online(&server, "outbox-juliet", "juliet", "pw-j").await;
    let romeo_jid: xmpp_parsers::jid::BareJid = "romeo@balcony.test".parse().expect("jid");

    server.stop();
    juliet
        .expect(|ev| match ev {
            Event::ConnectionChanged { state, .. }
                if !matches!(state, balcony::core::bridge::ConnectionState::Online { .. }) =>
            {
                Some(())
            }
            _ => None,
        })
        .await;
    for i in 0..100 {
        juliet.send(Command::SendMessage {
            jid: juliet.jid.clone(),
            to: romeo_jid.clone(),
            body: format!("note {i}"),
        });
    }
    let mut queued = 0;
    while queued < 100 {
        queued += juliet
            .expect(|ev| match ev {
                Event::MessagesAdded { messages, .. } => Some(messages.len()),
                _ => None,
            })
            .await;
    }
    let profile = juliet.profile.clone();
    let store = juliet.store();
    assert_eq!(store.outbox(&juliet.jid).expect("outbox").len(), 100);
    juliet.worker.shutdown();

    server.restart();
    let mut romeo = Peer::login(&server, "romeo", "pw-r").await;
    romeo.available().await;
    let juliet = online_at(&server, &server.c2s_addr(), profile, "juliet", "pw-j").await;

    // Count what romeo receives, by origin-id, until 2 s pass quietly.
    let mut seen: HashMap<String, usize> = HashMap::new();
    loop {
        match romeo.next_stanza(Duration::from_secs(2)).await {
            Some(Stanza::Message(m)) if !m.bodies.is_empty() => {
                let id = m.id.map(|i| i.0).expect("id");
                *seen.entry(id).or_default() += 1;
            }
            Some(_) => {}
            None => break,
        }
    }
    assert_eq!(seen.len(), 100, "every queued message arrived");
    assert!(seen.values().all(|n| *n == 1), "none twice: {seen:?}");
    // Acked by the server: the outbox is empty and the states moved on.
    let mut acked = 0;
    while acked < 100 {
        juliet
            .expect(|ev| match ev {
                Event::MessageStateChanged {
                    state: DeliveryState::Acked,
                    ..
                } => Some(()),
                _ => None,
            })
            .await;
        acked += 1;
    }
    assert!(juliet.store().outbox(&juliet.jid).expect("outbox").is_empty());
    let stored = juliet
        .store()
        .recent_messages(&juliet.jid, &romeo_jid, 200)
        .expect("read");
    assert_eq!(stored.len(), 100, "stored once each");
    assert!(stored.iter().all(|m| m.message.state >= DeliveryState::Acked));
    juliet.worker.shutdown();
}

/// A server that restarts may answer a resumption with a count of handled
/// stanzas that includes one it never handled (Prosody 0.12 does, see
/// `mod_balcony_overcount_on_stop`). An ack that comes that way, across a
/// reconnection and followed by a fresh stream, is not believed: the
/// message stays in the outbox and is sent on the fresh stream.
#[tokio::test(flavor = "multi_thread")]
async fn an_ack_from_a_server_that_forgot_the_stream_is_not_believed() {
    let mut server = Prosody::start_with(
        &["balcony_overcount_on_stop"],
        "balcony_overcount_on_stop = { \"juliet\" }\n",
    );
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let proxy = CuttableProxy::start(server.c2s_addr()).await;
    let juliet = online_at(
        &server,
        &proxy.addr,
        profiles::fresh("overcount-j"),
        "juliet",
        "pw-j",
    )
    .await;
    let romeo = online_at(
        &server,
        &server.c2s_addr(),
        profiles::fresh("overcount-r"),
        "romeo",
        "pw-r",
    )
    .await;
    // Everything juliet sent so far is acked; then her link goes dead and
    // the one message she writes is the only stanza the server lacks.
    tokio::time::sleep(Duration::from_millis(500)).await;
    proxy.black_hole(true);
    juliet.send(Command::SendMessage {
        jid: juliet.jid.clone(),
        to: romeo.jid.clone(),
        body: "written into a dead link".into(),
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.restart();
    proxy.black_hole(false);
    let overcounted = server
        .audit_lines()
        .iter()
        .any(|l| l.contains("balcony-audit: overcount user=juliet"));
    assert!(overcounted, "the server remembered an overcount for juliet");

    assert_eq!(romeo.next_body().await, "written into a dead link");
    assert_eq!(
        juliet.outbox_after_settling().await,
        0,
        "acked on the fresh stream"
    );
    juliet.worker.shutdown();
    romeo.worker.shutdown();
}
