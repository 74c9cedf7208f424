//! A page shown a few messages at a time (as the conversation view does, so
//! that no frame lays out a whole page of new rows): the list's signals
//! always describe its contents, older pages wait until the page is all
//! there, and live messages still come at the newest end.

mod support;

use support::message_lists::{bodies, message};

use std::{cell::RefCell, rc::Rc};

use balcony::{
    core::{
        message::NewMessage,
        store::{Placement, Store},
    },
    model::{MessageList, MessageObject, StoreReader, MAX_LOADED, PAGE},
};
use gio::prelude::*;
use xmpp_parsers::jid::BareJid;

const STEP: usize = 3;

/// Every value `held` is notified with; each notification checks that the
/// rows it concerns were announced already (the view reveals from it).
fn held_notifications(list: &MessageList, shadow: &Rc<RefCell<Vec<String>>>) -> Rc<RefCell<Vec<u32>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let (s, shadow) = (seen.clone(), shadow.clone());
    list.connect_held_notify(move |list| {
        assert_eq!(*shadow.borrow(), bodies(list), "items-changed came first");
        s.borrow_mut().push(list.held());
    });
    seen
}

/// What a view of the list holds after applying every `items-changed`.
fn mirror(list: &MessageList) -> Rc<RefCell<Vec<String>>> {
    let shadow = Rc::new(RefCell::new(bodies(list)));
    let s = shadow.clone();
    list.connect_items_changed(move |list, position, removed, added| {
        let mut s = s.borrow_mut();
        let (p, r) = (position as usize, removed as usize);
        assert!(p + r <= s.len(), "removes {r} at {p} of {}", s.len());
        let new: Vec<String> = (position..position + added)
            .map(|i| {
                list.item(i)
                    .and_downcast::<MessageObject>()
                    .expect("an added item exists")
                    .body()
            })
            .collect();
        s.splice(p..p + r, new);
    });
    shadow
}

#[test]
fn a_page_revealed_a_few_at_a_time_stays_consistent() {
    let profile = support::profiles::fresh("reveal");
    let me: BareJid = "juliet@balcony.test".parse().expect("jid");
    let peer: BareJid = "romeo@balcony.test".parse().expect("jid");
    let total = 3 * PAGE;
    let mut store = Store::open(&profile.database_path()).expect("store");
    let batch: Vec<NewMessage> = (0..total).map(|i| message(&peer, i)).collect();
    store
        .batch(|s| s.insert_messages(&me, &batch, Placement::Newest))
        .expect("insert");
    let context = glib::MainContext::default();
    let reader = StoreReader::open(&profile.database_path()).expect("reader");
    let list = MessageList::new(reader, me.clone(), peer.clone());
    list.set_reveal_step(STEP);
    let shadow = mirror(&list);
    let notified = held_notifications(&list, &shadow);

    context.block_on(list.load_latest()).expect("latest");
    assert_eq!(*notified.borrow(), [(PAGE - STEP) as u32]);
    let newest: Vec<String> = (total - STEP..total).map(|i| format!("m{i}")).collect();
    assert_eq!(bodies(&list), newest, "the newest few are shown first");
    assert_eq!(list.held() as usize, PAGE - STEP);
    assert_eq!(*shadow.borrow(), bodies(&list));
    assert_eq!(
        context.block_on(list.load_older()).expect("older"),
        0,
        "older pages wait until the page is all there"
    );
    assert!(list.contains(list.item(0).and_downcast::<MessageObject>().expect("shown").id() - 1));

    // A live message while most of the page waits: at the newest end.
    store
        .batch(|s| s.insert_messages(&me, &[message(&peer, total)], Placement::Newest))
        .expect("insert");
    let live = store.recent_messages(&me, &peer, 1).expect("read");
    list.on_added(&live, true);
    assert_eq!(
        bodies(&list).last().map(String::as_str),
        Some(format!("m{total}").as_str())
    );
    assert_eq!(*shadow.borrow(), bodies(&list));

    while list.held() > 0 {
        list.reveal(4);
        assert_eq!(*shadow.borrow(), bodies(&list));
    }
    let page: Vec<String> = (total - PAGE..=total).map(|i| format!("m{i}")).collect();
    assert_eq!(bodies(&list), page, "the whole page, in order");
    assert_eq!(
        notified.borrow().last(),
        Some(&0),
        "the end of the waiting is notified"
    );
    let revealed = (PAGE - STEP).div_ceil(4);
    assert_eq!(notified.borrow().len(), 1 + revealed, "once a change");
    // An older page waits above, then comes in a few at a time.
    assert_eq!(context.block_on(list.load_older()).expect("older"), PAGE);
    assert_eq!(list.held() as usize, PAGE);
    assert_eq!(
        notified.borrow().last(),
        Some(&(PAGE as u32)),
        "an older page waiting is notified"
    );
    assert_eq!(*shadow.borrow(), bodies(&list));
    while list.held() > 0 {
        list.reveal(STEP);
        assert_eq!(*shadow.borrow(), bodies(&list));
    }
    let two: Vec<String> = (total - 2 * PAGE..=total).map(|i| format!("m{i}")).collect();
    assert_eq!(bodies(&list), two);

    // Live messages beyond the window drop the waiting ones first.
    context.block_on(list.load_latest()).expect("latest");
    assert_eq!(list.held() as usize, PAGE - STEP);
    let more: Vec<NewMessage> = (total + 1..total + 1 + MAX_LOADED)
        .map(|i| message(&peer, i))
        .collect();
    store
        .batch(|s| s.insert_messages(&me, &more, Placement::Newest))
        .expect("insert");
    let live = store.recent_messages(&me, &peer, MAX_LOADED).expect("read");
    list.on_added(&live, true);
    assert_eq!(list.held(), 0);
    assert_eq!(
        notified.borrow().last(),
        Some(&0),
        "dropped waiting rows are notified"
    );
    assert_eq!(list.n_items() as usize, MAX_LOADED);
    assert_eq!(*shadow.borrow(), bodies(&list));
    let last = total + MAX_LOADED;
    assert_eq!(
        bodies(&list).last().map(String::as_str),
        Some(format!("m{last}").as_str())
    );
}
