//! `make bench`: MAM catch-up of 10,000 archived messages from a local
//! Prosody with SQL storage, fetched and stored by the worker, against a
//! bare pager that pages the same archive and stores nothing. Runs
//! alternate; the medians are compared.

#[path = "../support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use balcony::core::{bridge::Event, profile::Profile};
use support::{
    accounts::{online, online_at},
    archive_pager::bare_pager,
    events::wait_for,
    peer::Peer,
    prosody::{Prosody, ARCHIVE_CONFIG},
};
use xmpp_parsers::{
    jid::Jid,
    message::{Lang, Message},
};

const MESSAGES: usize = 10_000;
const RUNS: usize = 3;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let server = Prosody::start_with(&[], ARCHIVE_CONFIG);
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    // juliet logs in once while the archive is empty, then goes away.
    let first = online(&server, "bench-mam-base", "juliet", "pw-j").await;
    wait_for(&first.events, Duration::from_secs(30), |ev| {
        matches!(ev, Event::CatchUpFinished { .. }).then_some(())
    })
    .await;
    let base: Profile = first.profile.clone();
    first.worker.shutdown();

    let mut romeo = Peer::login(&server, "romeo", "pw-r").await;
    let juliet = Jid::new("juliet@balcony.test").expect("jid");
    for i in 0..MESSAGES {
        let mut m = Message::chat(Some(juliet.clone()));
        m.bodies.insert(Lang::default(), format!("archived message {i}"));
        romeo.send(m).await;
    }
    // The bare pager runs over a stream with stream management, as the
    // worker does (Prosody then queues every stanza it sends until acked);
    // a second one without it shows what that costs the server.
    let mut pager = Peer::login(&server, "juliet", "pw-j").await;
    pager.enable_stream_management().await;
    let mut raw_pager = Peer::login(&server, "juliet", "pw-j").await;
    // Wait until the archive holds everything.
    loop {
        let (seen, _) = bare_pager(&mut pager).await;
        if seen >= MESSAGES {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let (mut ours, mut bare, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..RUNS {
        let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-mam-run-{run}"));
        support::profiles::copy_profile(base.dir(), &dir);
        let profile = Profile::open(dir).expect("profile");
        let worker = online_at(&server, &server.c2s_addr(), profile, "juliet", "pw-j").await;
        let start = Instant::now();
        let messages = wait_for(&worker.events, Duration::from_secs(300), |ev| match ev {
            Event::CatchUpFinished { messages, .. } => Some(*messages),
            _ => None,
        })
        .await
        .0;
        let elapsed = start.elapsed().as_secs_f64();
        assert!(messages >= MESSAGES, "caught up {messages}");
        let stored = worker
            .store()
            .count_messages(&worker.jid, &"romeo@balcony.test".parse().expect("jid"))
            .expect("count");
        assert_eq!(stored as usize, MESSAGES, "every archived message stored once");
        ours.push(messages as f64 / elapsed);
        worker.worker.shutdown();

        let (seen, took) = bare_pager(&mut pager).await;
        assert_eq!(seen, MESSAGES);
        bare.push(seen as f64 / took.as_secs_f64());
        let (seen, took) = bare_pager(&mut raw_pager).await;
        assert_eq!(seen, MESSAGES);
        raw.push(seen as f64 / took.as_secs_f64());
    }
    let (ours, bare, raw) = (median(ours), median(bare), median(raw));
    let ratio = ours / bare;
    let verdict = if ratio >= 0.8 { "ok" } else { "over" };
    println!(
        "bench: mam_catchup {ours:.0} msg/s budget >= {:.0} {verdict} (bare pager {bare:.0} msg/s; ratio {ratio:.2}, budget 0.80; {MESSAGES} messages, median of {RUNS}; without stream management the bare pager reaches {raw:.0} msg/s)",
        0.8 * bare
    );
}
