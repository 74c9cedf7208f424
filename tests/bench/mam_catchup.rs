//! `make bench`: MAM catch-up of 10,000 archived messages from a local
//! Prosody with SQL storage, fetched and stored by the worker, against a
//! bare pager that pages the same archive and stores nothing. Runs
//! alternate; the medians are compared.

#[path = "../support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use balcony::core::{bridge::Event, profile::Profile, xmpp::modules::x0313_mam};
use support::{
    accounts::{online, online_at},
    events::wait_for,
    peer::Peer,
    prosody::{Prosody, ARCHIVE_CONFIG},
};
use tokio_xmpp::{IqRequest, Stanza};
use xmpp_parsers::{
    iq::Iq,
    jid::Jid,
    mam::{Fin, QueryId},
    message::{Lang, Message},
};

const MESSAGES: usize = 10_000;
const RUNS: usize = 3;

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("read") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
        }
    }
}

/// Pages the whole archive backwards like the worker does, storing nothing.
async fn bare_pager(pager: &mut Peer) -> (usize, Duration) {
    let start = Instant::now();
    let (mut before, mut seen) = (String::new(), 0usize);
    for page in 0.. {
        let mut query = x0313_mam::page_query(&before, None);
        query.queryid = Some(QueryId(format!("bare{page}")));
        let id = pager.send_iq(None, IqRequest::Set(query.into())).await;
        // Results arrive before the answer; anything else is not counted.
        let fin = loop {
            match pager.next_stanza(Duration::from_secs(10)).await {
                Some(Stanza::Message(m))
                    if m.payloads.iter().any(|p| p.is("result", xmpp_parsers::ns::MAM)) =>
                {
                    seen += 1
                }
                Some(Stanza::Iq(Iq::Result { id: got, payload, .. })) if got == id => {
                    break Fin::try_from(payload.expect("fin")).expect("fin")
                }
                Some(Stanza::Iq(Iq::Error { id: got, error, .. })) if got == id => {
                    panic!("MAM query failed: {error:?}")
                }
                Some(_) => {}
                None => panic!("no MAM answer within 10 s"),
            }
        };
        match (fin.complete, fin.set.first) {
            (false, Some(first)) => before = first.item,
            _ => break,
        }
    }
    (seen, start.elapsed())
}

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
        copy_dir(base.dir(), &dir);
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
