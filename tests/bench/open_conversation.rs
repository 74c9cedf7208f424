//! `make bench`: opening a 100,000-message conversation to its first page,
//! through the conversation model (a new read connection, the newest page
//! read off the main thread, the list model filled). The conversation view
//! that will show it comes with the chat UI.

#[path = "../support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use balcony::{
    core::{
        message::{ChatKind, DeliveryState, NewMessage},
        store::{Placement, Store},
    },
    model::{MessageList, StoreReader, PAGE},
};
use gio::prelude::*;
use xmpp_parsers::jid::BareJid;

const MESSAGES: usize = 100_000;
const RUNS: usize = 21;

fn main() {
    let profile = support::profiles::fresh("bench-open-conversation");
    let me: BareJid = "juliet@balcony.test".parse().expect("jid");
    let peer: BareJid = "romeo@balcony.test".parse().expect("jid");
    {
        let mut store = Store::open(&profile.database_path()).expect("store");
        let batch: Vec<NewMessage> = (0..MESSAGES)
            .map(|i| NewMessage {
                peer: peer.clone(),
                kind: ChatKind::Chat,
                outgoing: i % 3 == 0,
                sender: "romeo@balcony.test".into(),
                body: format!("message number {i} with a little text in it"),
                origin_id: Some(format!("o{i}")),
                stanza_id: Some(format!("s{i}")),
                timestamp_ms: 1_700_000_000_000 + (i as i64) * 500,
                state: DeliveryState::Received,
                encryption: Default::default(),
            })
            .collect();
        store
            .batch(|s| s.insert_messages(&me, &batch, Placement::Newest))
            .expect("insert");
    }
    let context = glib::MainContext::default();
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        let reader = StoreReader::open(&profile.database_path()).expect("reader");
        let list = MessageList::new(reader, me.clone(), peer.clone());
        context.block_on(list.load_latest()).expect("first page");
        times.push(start.elapsed());
        assert_eq!(list.n_items() as usize, PAGE);
    }
    times.sort();
    let median = times[RUNS / 2].as_secs_f64() * 1000.0;
    let worst = times[RUNS - 1].as_secs_f64() * 1000.0;
    let verdict = if median <= 30.0 { "ok" } else { "over" };
    println!(
        "bench: open_conversation {median:.2} ms budget <= 30 {verdict} (first page of {PAGE} from {MESSAGES} messages via the model, new read connection each time; median of {RUNS}, worst {worst:.2} ms; model only, the drawn window is in start)"
    );
}
