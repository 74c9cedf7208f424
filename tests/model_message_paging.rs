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
