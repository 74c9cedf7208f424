//! `make bench`: store ingest, batched as during a catch-up: archive pages
//! of 100 messages, several pages per transaction (`x0313_mam::STORE_BATCH`).

use std::{str::FromStr, time::Instant};

use balcony::core::{
    message::{ChatKind, DeliveryState, NewMessage},
    store::{Placement, Store},
    xmpp::modules::x0313_mam::STORE_BATCH,
};
use xmpp_parsers::jid::BareJid;

const TOTAL: usize = 200_000;
const PAGE: usize = 100;
const BUDGET: f64 = 100_000.0;

fn main() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-ingest");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let mut store = Store::open(&dir.join("balcony.sqlite")).expect("store");
    let account = BareJid::from_str("juliet@balcony.test").expect("jid");
    let peers: Vec<BareJid> = (0..50)
        .map(|i| BareJid::from_str(&format!("contact{i}@balcony.test")).expect("jid"))
        .collect();
    let messages: Vec<NewMessage> = (0..TOTAL)
        .map(|i| NewMessage {
            peer: peers[i % peers.len()].clone(),
            kind: ChatKind::Chat,
            outgoing: i % 3 == 0,
            sender: format!("{}/phone", peers[i % peers.len()]),
            body: format!("message number {i}, of a typical length for a chat line"),
            origin_id: Some(format!("{i:032x}")),
            stanza_id: Some(format!("archive-{i}")),
            timestamp_ms: 1_700_000_000_000 + i as i64 * 1_000,
            state: DeliveryState::Received,
            encryption: Default::default(),
        })
        .collect();
    let base = store.reserve_catch_up().expect("reserve");
    let start = Instant::now();
    for (batch, pages) in messages.chunks(STORE_BATCH).enumerate() {
        store
            .batch(|s| {
                for (i, page) in pages.chunks(PAGE).enumerate() {
                    let page_no = (batch * STORE_BATCH / PAGE + i) as i64;
                    s.insert_messages(
                        &account,
                        page,
                        Placement::CatchUpPage {
                            base,
                            page: page_no,
                            read_before: 0,
                        },
                    )?;
                }
                Ok(())
            })
            .expect("insert");
    }
    let elapsed = start.elapsed().as_secs_f64();
    let rate = TOTAL as f64 / elapsed;
    let verdict = if rate >= BUDGET { "ok" } else { "over" };
    println!(
        "bench: ingest {rate:.0} msg/s budget >= {BUDGET:.0} {verdict} ({TOTAL} messages, pages of {PAGE}, {STORE_BATCH} per transaction, {elapsed:.2} s)"
    );
}
