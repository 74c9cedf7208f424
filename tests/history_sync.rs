//! The first history download (XEP-0313 with the `start` filter), chosen by
//! the user: each choice stores the archived messages of its period and
//! nothing older, "nothing" stores none yet still catches up with what
//! arrives later, a wider choice made later downloads what it adds, and an
//! interrupted download resumes without gaps or duplicates. The archive is
//! filled by `tests/prosody-modules/mod_balcony_archive_fill.lua` with
//! messages six hours apart over 400 days.

mod support;

use std::time::Duration;

use balcony::core::{
    bridge::{Command, Event},
    history_sync::HistoryChoice,
    profile::Profile,
};
use support::{
    accounts::{online_after, Online},
    events::wait_for,
    peer::Peer,
    prosody::Prosody,
};
use xmpp_parsers::{
    jid::{BareJid, Jid},
    message::{Lang, Message},
};

/// Archived messages, one every six hours, the newest a minute old.
const ARCHIVED: u64 = 1_600;

fn server(extra: &str) -> Prosody {
    let server = Prosody::start_with(
        &["balcony_archive_fill"],
        &format!(
            "max_archive_query_results = 100\nmodules_disabled = {{ \"s2s\", \"offline\" }}\n\
             balcony_archive_fill = {{ user = \"juliet\", with = \"romeo@balcony.test\", count = {ARCHIVED}, step = 21600, newest = 60 }}\n{extra}"
        ),
    );
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    server
}

/// Adds juliet on `profile` with `choice` made first, as the account
/// setup does.
async fn juliet_with(server: &Prosody, profile: Profile, choice: Option<HistoryChoice>) -> Online {
    let first = choice
        .map(|choice| Command::SetHistorySync {
            jid: "juliet@balcony.test".parse().expect("jid"),
            choice,
        })
        .into_iter()
        .collect();
    online_after(server, &server.c2s_addr(), profile, "juliet", "pw-j", first).await
}

/// Waits for the catch-up's end; how many pages and messages it read, and
/// the largest progress reported on the way.
async fn caught_up(juliet: &Online) -> (usize, usize, Option<usize>) {
    let mut progress = None;
    wait_for(&juliet.events, Duration::from_secs(60), |ev| match ev {
        Event::HistoryProgress {
            messages, finished, ..
        } => {
            assert!(
                progress.is_none_or(|p| *messages >= p),
                "progress went back to {messages}"
            );
            progress = Some(*messages);
            let _ = finished;
            None
        }
        Event::CatchUpFinished { pages, messages, .. } => Some((*pages, *messages, progress)),
        Event::RequestFailed { detail, .. } => panic!("catch-up failed: {detail}"),
        _ => None,
    })
    .await
    .0
}

fn romeo() -> BareJid {
    "romeo@balcony.test".parse().expect("jid")
}

/// The stored bodies of romeo's conversation, oldest first.
fn bodies(juliet: &Online) -> Vec<String> {
    juliet
        .store()
        .recent_messages(&juliet.jid, &romeo(), 10_000)
        .expect("read")
        .into_iter()
        .map(|m| m.message.body)
        .collect()
}

/// Unread messages in romeo's conversation.
fn unread(juliet: &Online) -> u32 {
    juliet
        .store()
        .conversation_summaries(&juliet.jid)
        .expect("conversations")
        .iter()
        .find(|c| c.peer == romeo())
        .map(|c| c.unread)
        .unwrap_or(0)
}

fn archived(from: u64) -> Vec<String> {
    (from..=ARCHIVED).map(|i| format!("archived {i}")).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_choice_stores_its_period_and_nothing_older() {
    let server = server("");
    // Six-hourly messages, the newest a minute old: 28 in the last week,
    // 120 in the last 30 days, 1,460 in the last 365 days.
    for (choice, expected) in [
        (HistoryChoice::Week, 28),
        (HistoryChoice::Month, 120),
        (HistoryChoice::Everything, ARCHIVED),
        (HistoryChoice::Year, 1_460),
    ] {
        let name = format!("history-{}", choice.as_str());
        let juliet = juliet_with(&server, support::profiles::fresh(&name), Some(choice)).await;
        let (pages, messages, progress) = caught_up(&juliet).await;
        assert_eq!(messages as u64, expected, "{choice:?}: {pages} pages");
        assert_eq!(bodies(&juliet), archived(ARCHIVED - expected + 1), "{choice:?}");
        assert_eq!(
            progress.is_some(),
            pages > 1,
            "{choice:?}: progress is reported when more than one page comes"
        );
        let ranges = juliet
            .store()
            .mam_ranges(&juliet.jid, &juliet.jid)
            .expect("ranges");
        assert_eq!(ranges.len(), 1, "{choice:?}: {ranges:?}");
        assert_eq!(ranges[0].reaches_start, choice == HistoryChoice::Everything);
        assert_eq!(
            unread(&juliet),
            0,
            "{choice:?}: history from before the choice is not unread"
        );
        // Searchable as it arrived.
        let found = juliet
            .store()
            .search_messages(&juliet.jid, None, &format!("archived {ARCHIVED}"), 5)
            .expect("search");
        assert!(!found.is_empty(), "{choice:?}: the newest is searchable");
        juliet.worker.shutdown();
    }
    // Without a choice, the default (the last month).
    let juliet = juliet_with(&server, support::profiles::fresh("history-default"), None).await;
    let (_, messages, _) = caught_up(&juliet).await;
    assert_eq!(messages, 120);
    assert_eq!(
        juliet
            .store()
            .history_policy(&juliet.jid)
            .expect("policy")
            .map(|p| p.choice),
        Some(HistoryChoice::Month)
    );
    juliet.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_stores_none_and_a_wider_choice_later_downloads_what_it_adds() {
    let server = server("");
    let profile = support::profiles::fresh("history-nothing");
    let juliet = juliet_with(&server, profile.clone(), Some(HistoryChoice::Nothing)).await;
    let (_, messages, _) = caught_up(&juliet).await;
    assert_eq!(messages, 0);
    assert!(bodies(&juliet).is_empty());
    juliet.worker.shutdown();

    // What arrives while juliet is away is still caught up with, and
    // nothing older.
    let mut romeo_peer = Peer::login(&server, "romeo", "pw-r").await;
    let to = Jid::new("juliet@balcony.test").expect("jid");
    for i in 0..3 {
        let mut m = Message::chat(Some(to.clone()));
        m.bodies.insert(Lang::default(), format!("while away {i}"));
        romeo_peer.send(m).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let juliet = support::accounts::online_at(&server, &server.c2s_addr(), profile, "juliet", "pw-j").await;
    let (_, messages, _) = caught_up(&juliet).await;
    assert_eq!(messages, 3);
    assert_eq!(
        bodies(&juliet),
        vec!["while away 0", "while away 1", "while away 2"]
    );
    assert_eq!(unread(&juliet), 3, "what came after the choice is unread");

    // Widened to a week in the account's details: the week's archive comes
    // at once, below what is stored.
    juliet.send(Command::SetHistorySync {
        jid: juliet.jid.clone(),
        choice: HistoryChoice::Week,
    });
    let (_, messages, _) = caught_up(&juliet).await;
    let mut expected = archived(ARCHIVED - 27);
    expected.extend((0..3).map(|i| format!("while away {i}")));
    assert_eq!(bodies(&juliet), expected, "{messages} messages read");
    let ranges = juliet
        .store()
        .mam_ranges(&juliet.jid, &juliet.jid)
        .expect("ranges");
    assert_eq!(ranges.len(), 1, "{ranges:?}");
    assert_eq!(unread(&juliet), 3, "the older history came read");

    // Narrowed again: nothing is fetched or removed.
    juliet.send(Command::SetHistorySync {
        jid: juliet.jid.clone(),
        choice: HistoryChoice::Nothing,
    });
    let (pages, _, _) = caught_up(&juliet).await;
    assert_eq!(pages, 1);
    assert_eq!(bodies(&juliet), expected);
    juliet.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_download_resumes_without_gaps_or_duplicates() {
    let server = server("balcony_archive_delay = 0.05");
    let profile = support::profiles::fresh("history-resume");
    let juliet = juliet_with(&server, profile.clone(), Some(HistoryChoice::Everything)).await;
    // Stopped once more than a thousand are stored (the newest page at
    // once, then a batch of a thousand).
    let got = wait_for(&juliet.events, Duration::from_secs(60), |ev| match ev {
        Event::HistoryProgress { messages, .. } if *messages >= 1_200 => Some(*messages),
        Event::CatchUpFinished { .. } => panic!("the download ended before it could be cut"),
        _ => None,
    })
    .await
    .0;
    juliet.worker.shutdown();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stored = balcony::core::store::Store::open(&profile.database_path())
        .expect("store")
        .recent_messages(&juliet.jid, &romeo(), 10_000)
        .expect("read");
    assert!(
        (1_000..ARCHIVED as usize).contains(&stored.len()),
        "{} stored when cut at {got}",
        stored.len()
    );

    // Started again: the rest comes, once.
    let juliet = support::accounts::online_at(&server, &server.c2s_addr(), profile, "juliet", "pw-j").await;
    caught_up(&juliet).await;
    assert_eq!(bodies(&juliet), archived(1), "every message once, in order");
    let ranges = juliet
        .store()
        .mam_ranges(&juliet.jid, &juliet.jid)
        .expect("ranges");
    assert_eq!(ranges.len(), 1, "{ranges:?}");
    assert!(ranges[0].reaches_start);
    juliet.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_download_cut_by_the_network_goes_on_without_gaps_or_duplicates() {
    let server = server("balcony_archive_delay = 0.05");
    let proxy = support::proxy::CuttableProxy::start(server.c2s_addr()).await;
    let profile = support::profiles::fresh("history-cut");
    let juliet = online_after(
        &server,
        &proxy.addr,
        profile,
        "juliet",
        "pw-j",
        vec![Command::SetHistorySync {
            jid: "juliet@balcony.test".parse().expect("jid"),
            choice: HistoryChoice::Everything,
        }],
    )
    .await;
    // Cut twice while pages are on their way.
    for at in [300, 900] {
        wait_for(&juliet.events, Duration::from_secs(60), |ev| match ev {
            Event::HistoryProgress { messages, .. } if *messages >= at => Some(()),
            _ => None,
        })
        .await;
        assert!(proxy.cut() > 0, "a link to cut");
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while bodies(&juliet).len() < ARCHIVED as usize {
        assert!(
            std::time::Instant::now() < deadline,
            "{} stored",
            bodies(&juliet).len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(bodies(&juliet), archived(1), "every message once, in order");
    juliet.worker.shutdown();
}
