//! Live messages in an open conversation: a message the worker reports
//! after the page that already holds it was shown appears once.

mod support;

use balcony::{
    core::{
        message::NewMessage,
        store::{Placement, Store},
    },
    model::{MessageList, StoreReader},
};
use support::message_lists::{bodies, message};
use xmpp_parsers::jid::BareJid;

#[test]
fn a_message_reported_after_its_page_was_shown_appears_once() {
    let profile = support::profiles::fresh("message-live");
    let me: BareJid = "romeo@balcony.test".parse().expect("jid");
    let peer: BareJid = "juliet@balcony.test".parse().expect("jid");
    let mut store = Store::open(&profile.database_path()).expect("store");
    let first: Vec<NewMessage> = (0..3).map(|i| message(&peer, i)).collect();
    store
        .batch(|s| s.insert_messages(&me, &first, Placement::Newest))
        .expect("insert");
    let context = glib::MainContext::default();
    let reader = StoreReader::open(&profile.database_path()).expect("reader");
    let list = MessageList::new(reader, me.clone(), peer.clone());
    context.block_on(list.load_latest()).expect("latest");
    assert_eq!(bodies(&list), ["m0", "m1", "m2"]);

    // The worker stored m2 before the page was read; its report comes now.
    let reported = |store: &Store, body: &str| -> Vec<_> {
        let stored = store.recent_messages(&me, &peer, 10).expect("read");
        stored.into_iter().filter(|m| m.message.body == body).collect()
    };
    list.on_added(&reported(&store, "m2"), true);
    assert_eq!(bodies(&list), ["m0", "m1", "m2"], "m2 is shown once");

    // A new one is still appended at once, and only once.
    store
        .batch(|s| s.insert_messages(&me, &[message(&peer, 3)], Placement::Newest))
        .expect("insert");
    let m3 = reported(&store, "m3");
    list.on_added(&m3, true);
    list.on_added(&m3, true);
    assert_eq!(bodies(&list), ["m0", "m1", "m2", "m3"]);
}
