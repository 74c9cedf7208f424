//! MAM catch-up (XEP-0313) against Prosody's archive: missed messages are
//! fetched in pages, stored once even when offline delivery brings them
//! too, tracked as one contiguous range, and older history is fetched on
//! demand per conversation.

mod support;

use std::time::Duration;

use balcony::core::{
    bridge::{Command, Event},
    history_sync::{now_ms, HistoryChoice, HistoryPolicy},
    store::Store,
};
use support::{
    accounts::{online, online_at},
    peer::Peer,
    prosody::Prosody,
};
use xmpp_parsers::{
    jid::Jid,
    message::{Lang, Message},
};

async fn send_many(peer: &mut Peer, to: &Jid, from: usize, to_n: usize) {
    for i in from..to_n {
        let mut m = Message::chat(Some(to.clone()));
        m.id = Some(xmpp_parsers::message::Id(format!("m{i}")));
        m.bodies.insert(Lang::default(), format!("message {i}"));
        peer.send(m).await;
    }
}

/// A server without offline storage, so that only the archive can bring
/// what juliet missed (pages of 100), with juliet registered and romeo
/// logged in.
async fn archive_only_server() -> (Prosody, Peer) {
    let server = Prosody::start_with(
        &[],
        "max_archive_query_results = 100\nmodules_disabled = { \"s2s\", \"offline\" }",
    );
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let romeo = Peer::login(&server, "romeo", "pw-r").await;
    (server, romeo)
}

#[tokio::test(flavor = "multi_thread")]
async fn catch_up_fills_the_gap_once_and_backfill_reaches_the_start() {
    let (server, mut romeo) = archive_only_server().await;

    // History before juliet's first login, which chose to download none of
    // it: it comes on demand.
    let juliet_jid = Jid::new("juliet@balcony.test").expect("jid");
    send_many(&mut romeo, &juliet_jid, 0, 150).await;
    // Archived (and stamped) by the time juliet chooses.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let profile = support::profiles::fresh("archive-juliet");
    Store::open(&profile.database_path())
        .expect("store")
        .set_history_policy(
            &juliet_jid.to_bare(),
            &HistoryPolicy::chosen(HistoryChoice::Nothing, now_ms()),
        )
        .expect("policy");
    let juliet = online_at(&server, &server.c2s_addr(), profile, "juliet", "pw-j").await;
    let first = juliet
        .expect(|ev| match ev {
            Event::CatchUpFinished { pages, messages, .. } => Some((*pages, *messages)),
            _ => None,
        })
        .await;
    assert_eq!(first, (1, 0), "first login: nothing of the history before it");
    let romeo_bare = romeo.jid.to_bare();
    let profile = juliet.profile.clone();
    juliet.worker.shutdown();

    // While juliet is away, 250 more arrive.
    send_many(&mut romeo, &juliet_jid, 150, 400).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let juliet = online_at(&server, &server.c2s_addr(), profile, "juliet", "pw-j").await;
    let (pages, messages) = juliet
        .expect(|ev| match ev {
            Event::CatchUpFinished { pages, messages, .. } => Some((*pages, *messages)),
            _ => None,
        })
        .await;
    assert!(
        pages >= 3 && messages >= 250,
        "{pages} pages, {messages} messages"
    );
    let store = juliet.store();
    assert_eq!(
        store.count_messages(&juliet.jid, &romeo_bare).expect("count"),
        250
    );
    let ranges = store.mam_ranges(&juliet.jid, &juliet.jid).expect("ranges");
    assert_eq!(ranges.len(), 1, "the gap is closed: {ranges:?}");
    assert!(!ranges[0].reaches_start);

    // Backfill the conversation: the first 150, in pages of 100.
    let mut complete = false;
    let mut rounds = 0;
    while !complete {
        juliet.send(Command::LoadOlderMessages {
            jid: juliet.jid.clone(),
            peer: romeo_bare.clone(),
        });
        complete = juliet
            .expect(|ev| match ev {
                Event::HistoryLoaded { complete, .. } => Some(*complete),
                Event::RequestFailed { detail, .. } => panic!("backfill failed: {detail}"),
                _ => None,
            })
            .await;
        rounds += 1;
        assert!(rounds < 5, "backfill does not end");
    }
    assert_eq!(
        juliet
            .store()
            .count_messages(&juliet.jid, &romeo_bare)
            .expect("count"),
        400
    );
    let oldest = juliet
        .store()
        .recent_messages(&juliet.jid, &romeo_bare, 400)
        .expect("read");
    let bodies: Vec<String> = oldest.into_iter().map(|m| m.message.body).collect();
    let expected: Vec<String> = (0..400).map(|i| format!("message {i}")).collect();
    assert_eq!(
        bodies, expected,
        "archive order survives newest-first paging and backfill"
    );
    juliet.worker.shutdown();
}

/// A first catch-up that never finished (the link kept dropping) leaves
/// messages that came live but no archive range. The next catch-up reaches
/// back as far as the history choice says (the default month), past the
/// oldest of those messages, so nothing sent in between is lost.
#[tokio::test(flavor = "multi_thread")]
async fn a_catch_up_after_an_unfinished_first_one_reaches_back_to_the_live_messages() {
    let (server, mut romeo) = archive_only_server().await;
    let juliet_jid = Jid::new("juliet@balcony.test").expect("jid");
    let romeo_bare = romeo.jid.to_bare();

    let juliet = online(&server, "archive-unfinished", "juliet", "pw-j").await;
    juliet
        .expect(|ev| matches!(ev, Event::CatchUpFinished { .. }).then_some(()))
        .await;
    send_many(&mut romeo, &juliet_jid, 0, 20).await;
    for _ in 0..100 {
        if juliet
            .store()
            .count_messages(&juliet.jid, &romeo_bare)
            .expect("count")
            == 20
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        juliet
            .store()
            .count_messages(&juliet.jid, &romeo_bare)
            .expect("count"),
        20,
        "the first 20 came live"
    );
    let profile = juliet.profile.clone();
    juliet.worker.shutdown();
    // As if that first catch-up had been cut off before it stored a page.
    rusqlite::Connection::open(profile.database_path())
        .expect("open")
        .execute("DELETE FROM mam_ranges", [])
        .expect("forget the ranges");

    // While juliet is away, 250 more arrive: three pages of the archive.
    // (A second later: the archive stamps whole seconds.)
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    send_many(&mut romeo, &juliet_jid, 20, 270).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let juliet = online_at(&server, &server.c2s_addr(), profile, "juliet", "pw-j").await;
    let (pages, messages) = juliet
        .expect(|ev| match ev {
            Event::CatchUpFinished { pages, messages, .. } => Some((*pages, *messages)),
            _ => None,
        })
        .await;
    assert_eq!((pages, messages), (3, 270), "back to the month's start");
    let store = juliet.store();
    let stored = store
        .recent_messages(&juliet.jid, &romeo_bare, 1_000)
        .expect("read");
    let bodies: Vec<String> = stored.into_iter().map(|m| m.message.body).collect();
    let expected: Vec<String> = (0..270).map(|i| format!("message {i}")).collect();
    assert_eq!(bodies, expected, "every message once, in order");
    let ranges = store.mam_ranges(&juliet.jid, &juliet.jid).expect("ranges");
    assert_eq!(ranges.len(), 1, "{ranges:?}");
    let since = store
        .history_policy(&juliet.jid)
        .expect("policy")
        .and_then(|p| p.since)
        .expect("the default month");
    assert!(
        !ranges[0].reaches_start && ranges[0].oldest.ts == since,
        "the range reaches back to the month's start: {ranges:?}"
    );
    juliet.worker.shutdown();
}
