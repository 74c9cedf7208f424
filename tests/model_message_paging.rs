//! The conversation model pages through a 100,000-message conversation in
//! a real SQLite file without ever holding more than a bounded window.

mod support;

use std::time::Instant;

use balcony::{
    core::{
        message::{ChatKind, DeliveryState, NewMessage},
        store::{Placement, Store},
    },
    model::{MessageList, MessageObject, StoreReader, MAX_LOADED, PAGE},
};
use gio::prelude::*;
use xmpp_parsers::jid::BareJid;

const MESSAGES: usize = 100_000;

fn body_index(list: &MessageList, position: u32) -> usize {
    let m = list
        .item(position)
        .and_downcast::<MessageObject>()
        .expect("a message");
    m.body().trim_start_matches('m').parse().expect("numbered body")
}

#[test]
fn a_hundred_thousand_messages_page_through_a_bounded_window() {
    let profile = support::profiles::fresh("paging");
    let me: BareJid = "juliet@balcony.test".parse().expect("jid");
    let peer: BareJid = "romeo@balcony.test".parse().expect("jid");
    {
        let mut store = Store::open(&profile.database_path()).expect("store");
        for chunk in (0..MESSAGES).collect::<Vec<_>>().chunks(10_000) {
            let batch: Vec<NewMessage> = chunk
                .iter()
                .map(|&i| NewMessage {
                    peer: peer.clone(),
                    kind: ChatKind::Chat,
                    outgoing: i % 3 == 0,
                    sender: "romeo@balcony.test".into(),
                    body: format!("m{i}"),
                    origin_id: Some(format!("o{i}")),
                    stanza_id: None,
                    timestamp_ms: 1_700_000_000_000 + (i as i64) * 500,
                    state: DeliveryState::Received,
                    encryption: Default::default(),
                })
                .collect();
            store
                .batch(|s| s.insert_messages(&me, &batch, Placement::Newest))
                .expect("insert");
        }
    }
    let context = glib::MainContext::default();
    let reader = StoreReader::open(&profile.database_path()).expect("reader");
    let list = MessageList::new(reader, me, peer);
    let opened = Instant::now();
    context.block_on(list.load_latest()).expect("latest");
    eprintln!("first page of {MESSAGES} in {:?}", opened.elapsed());
    assert_eq!(list.n_items() as usize, PAGE);
    assert_eq!(body_index(&list, list.n_items() - 1), MESSAGES - 1);

    // Up to the very first message, a page at a time.
    let mut most = list.n_items();
    let mut pages = 0;
    loop {
        let before = body_index(&list, 0);
        let came = context.block_on(list.load_older()).expect("older");
        if came == 0 {
            break;
        }
        pages += 1;
        most = most.max(list.n_items());
        assert_eq!(body_index(&list, 0), before - came, "no gap and no overlap");
        assert!(list.n_items() as usize <= MAX_LOADED);
    }
    assert_eq!(body_index(&list, 0), 0);
    assert!(!list.has_older() && list.has_newer());
    assert_eq!(pages, MESSAGES / PAGE - 1);

    // And back down to the newest.
    loop {
        let last = body_index(&list, list.n_items() - 1);
        let came = context.block_on(list.load_newer()).expect("newer");
        if came == 0 {
            break;
        }
        most = most.max(list.n_items());
        assert_eq!(body_index(&list, list.n_items() - 1), last + came);
    }
    assert_eq!(body_index(&list, list.n_items() - 1), MESSAGES - 1);
    assert!(!list.has_newer() && list.has_older());
    eprintln!("paged {MESSAGES} messages both ways holding at most {most}");
    assert_eq!(most as usize, MAX_LOADED, "the window filled up but never beyond");
}

/// Three days of messages, 08:00 to 17:40 UTC every 20 minutes: a window
/// opened around a search result shows the date above its first message
/// and above each new day in it; once older messages are loaded above,
/// the date moves up to where that day really starts.
#[test]
fn dates_head_the_window_around_a_result_and_move_as_older_pages_come() {
    const DAY_MS: i64 = 86_400_000;
    const FIRST_DAY: i64 = 1_763_596_800_000; // 2025-11-20 00:00 UTC
    let profile = support::profiles::fresh("paging-days");
    let me: BareJid = "juliet@balcony.test".parse().expect("jid");
    let peer: BareJid = "romeo@balcony.test".parse().expect("jid");
    // Three days of `per_day` messages, the needle in the middle of the
    // second: half a page either side of it reaches into both other days.
    let per_day = (PAGE * 2 / 5) as i64;
    let needle = (1, per_day / 2);
    let messages: Vec<NewMessage> = (0..3)
        .flat_map(|day| (0..per_day).map(move |n| (day, n)))
        .map(|(day, n)| NewMessage {
            peer: peer.clone(),
            kind: ChatKind::Chat,
            outgoing: n % 2 == 0,
            sender: "romeo@balcony.test".into(),
            body: if (day, n) == needle {
                "the needle".into()
            } else {
                format!("day {day} message {n}")
            },
            origin_id: None,
            stanza_id: None,
            timestamp_ms: FIRST_DAY + day * DAY_MS + 8 * 3_600_000 + n * 20 * 60_000,
            state: DeliveryState::Received,
            encryption: Default::default(),
        })
        .collect();
    let found = {
        let mut store = Store::open(&profile.database_path()).expect("store");
        store
            .batch(|s| s.insert_messages(&me, &messages, Placement::Newest))
            .expect("insert");
        while store.index_for_search(1_000).expect("index") > 0 {}
        store
            .search_messages(&me, Some(&peer), "needle", 5)
            .expect("search")
            .remove(0)
    };
    let context = glib::MainContext::default();
    let reader = StoreReader::open(&profile.database_path()).expect("reader");
    let list = MessageList::new(reader, me, peer);
    context.block_on(list.load_around(found.id)).expect("around");
    let shown = |list: &MessageList| -> Vec<(String, bool)> {
        (0..list.n_items())
            .filter_map(|i| list.item(i).and_downcast::<MessageObject>())
            .map(|m| (m.body(), m.day_start()))
            .collect()
    };
    let window = shown(&list);
    // Half a page before the needle (day 0 from message `top` on, then day
    // 1) and half a page after it (into day 2).
    let top = format!("day 0 message {}", per_day + needle.1 - (PAGE / 2) as i64);
    assert_eq!(window[0], (top.clone(), true), "the window's top is dated");
    let dated: Vec<&str> = window
        .iter()
        .filter(|(_, d)| *d)
        .map(|(b, _)| b.as_str())
        .collect();
    assert_eq!(dated, [top.as_str(), "day 1 message 0", "day 2 message 0"]);

    // Older messages of day 0 come above: the date moves to its start.
    context.block_on(list.load_older()).expect("older");
    let window = shown(&list);
    let dated: Vec<&str> = window
        .iter()
        .filter(|(_, d)| *d)
        .map(|(b, _)| b.as_str())
        .collect();
    assert_eq!(dated, ["day 0 message 0", "day 1 message 0", "day 2 message 0"]);
    assert!(window.iter().any(|(b, d)| *b == top && !*d));
}
