//! Reliability: 1,000 messages between two accounts while Prosody restarts
//! 10 times and the TCP links are cut 10 times. Afterwards each store holds
//! exactly the 1,000 messages: none lost, none twice.

mod support;

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use balcony::core::bridge::Command;
use support::{
    accounts::{online_at, online_jid},
    events::wait_for,
    profiles,
    prosody::Prosody,
    proxy::CuttableProxy,
};

const MESSAGES: usize = 1_000;
const DISRUPTIONS: usize = 20;

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_messages_survive_ten_restarts_and_ten_cuts() {
    if let Ok(filter) = std::env::var("BALCONY_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init();
    }
    let mut server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let proxy = CuttableProxy::start(server.c2s_addr()).await;
    let juliet = online_at(
        &server,
        &proxy.addr,
        profiles::fresh("rel-juliet"),
        "juliet",
        "pw-j",
    )
    .await;
    let romeo = online_at(
        &server,
        &proxy.addr,
        profiles::fresh("rel-romeo"),
        "romeo",
        "pw-r",
    )
    .await;

    let per_batch = MESSAGES / DISRUPTIONS;
    let mut cuts = 0;
    for batch in 0..DISRUPTIONS {
        for i in batch * per_batch..(batch + 1) * per_batch {
            let (from, to) = if i % 2 == 0 {
                (&juliet, &romeo)
            } else {
                (&romeo, &juliet)
            };
            from.send(Command::SendMessage {
                jid: from.jid.clone(),
                to: to.jid.clone(),
                body: format!("m{i}"),
            });
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
        if batch % 2 == 0 {
            server.restart();
        } else {
            cuts += proxy.cut();
        }
        // Both come back (resumed after a cut, reset after a restart)
        // before the next batch, so that every disruption hits live links.
        for who in [&juliet, &romeo] {
            wait_for(&who.events, Duration::from_secs(40), online_jid).await;
        }
    }
    assert!(cuts >= 10, "the cuts hit live links ({cuts})");

    // Wait until both stores settle at the full count.
    let deadline = Instant::now() + Duration::from_secs(60);
    let count =
        |who: &support::accounts::Online, peer| who.store().count_messages(&who.jid, peer).expect("count");
    loop {
        let (j, r) = (count(&juliet, &romeo.jid), count(&romeo, &juliet.jid));
        let outboxes = juliet.store().outbox(&juliet.jid).expect("outbox").len()
            + romeo.store().outbox(&romeo.jid).expect("outbox").len();
        if j as usize >= MESSAGES && r as usize >= MESSAGES && outboxes == 0 {
            break;
        }
        if Instant::now() >= deadline {
            let jo: Vec<_> = juliet
                .store()
                .outbox(&juliet.jid)
                .expect("outbox")
                .into_iter()
                .map(|e| e.origin_id)
                .collect();
            let ro: Vec<_> = romeo
                .store()
                .outbox(&romeo.jid)
                .expect("outbox")
                .into_iter()
                .map(|e| e.origin_id)
                .collect();
            panic!("stuck at juliet {j}, romeo {r}, juliet's outbox {jo:?}, romeo's outbox {ro:?}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await; // late duplicates would land now
    for (who, peer) in [(&juliet, &romeo.jid), (&romeo, &juliet.jid)] {
        let stored = who
            .store()
            .recent_messages(&who.jid, peer, 5 * MESSAGES)
            .expect("read");
        let mut bodies: HashMap<String, usize> = HashMap::new();
        for m in &stored {
            *bodies.entry(m.message.body.clone()).or_default() += 1;
        }
        assert_eq!(
            stored.len(),
            MESSAGES,
            "{} holds {} messages",
            who.jid,
            stored.len()
        );
        assert_eq!(bodies.len(), MESSAGES, "{}: every message once", who.jid);
        assert!((0..MESSAGES).all(|i| bodies.get(&format!("m{i}")) == Some(&1)));
    }
    juliet.worker.shutdown();
    romeo.worker.shutdown();
}
