//! `make bench`: a versioned roster login (XEP-0237) with 1,000 contacts,
//! against a login that fetches the roster whole. Bytes are counted on the
//! wire (TLS included) by a relay in front of Prosody.

#[path = "../support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use balcony::core::bridge::Event;
use support::{accounts::online_at, events::wait_for, profiles, prosody::Prosody, proxy::CuttableProxy};

const CONTACTS: usize = 1_000;
const RUNS: usize = 3;

async fn login(
    server: &Prosody,
    proxy: &CuttableProxy,
    profile: balcony::core::profile::Profile,
) -> (u64, Duration, bool) {
    let before = proxy.bytes_to_clients();
    let start = Instant::now();
    let who = online_at(server, &proxy.addr, profile, "juliet", "pw-j").await;
    let (count, unchanged) = wait_for(&who.events, Duration::from_secs(60), |ev| match ev {
        Event::RosterReplaced { items, unchanged, .. } => Some((items.len(), *unchanged)),
        _ => None,
    })
    .await
    .0;
    let elapsed = start.elapsed();
    assert_eq!(count, CONTACTS);
    wait_for(&who.events, Duration::from_secs(60), |ev| {
        matches!(ev, Event::CatchUpFinished { .. }).then_some(())
    })
    .await;
    let bytes = proxy.bytes_to_clients() - before;
    who.worker.shutdown();
    (bytes, elapsed, unchanged)
}

fn median<T: Copy + Ord>(mut v: Vec<T>) -> T {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    support::accounts::fill_server_roster(&server, "juliet", "pw-j", CONTACTS, "example.org").await;
    let proxy = CuttableProxy::start(server.c2s_addr()).await;
    let cached = profiles::fresh("bench-roster-cached");
    let (mut full_bytes, mut full_times, mut versioned_bytes, mut versioned_times) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for run in 0..RUNS {
        let (bytes, time, unchanged) = login(
            &server,
            &proxy,
            profiles::fresh(&format!("bench-roster-full-{run}")),
        )
        .await;
        assert!(!unchanged);
        full_bytes.push(bytes);
        full_times.push(time);
        if run == 0 {
            login(&server, &proxy, cached.clone()).await; // fills the cache
        }
        let (bytes, time, unchanged) = login(&server, &proxy, cached.clone()).await;
        assert!(unchanged, "the cached version was confirmed");
        versioned_bytes.push(bytes);
        versioned_times.push(time);
    }
    let (vb, fb) = (median(versioned_bytes), median(full_bytes));
    let (vt, ft) = (median(versioned_times), median(full_times));
    let verdict = if vb < fb { "ok" } else { "over" };
    println!(
        "bench: roster_login_versioned {vb} bytes budget < {fb} {verdict} (login to roster: versioned {} ms, whole {} ms; {CONTACTS} contacts, median of {RUNS})",
        vt.as_millis(),
        ft.as_millis()
    );
}
