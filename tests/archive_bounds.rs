//! Archive catch-up is bounded against a hostile server (a Prosody module
//! of ours, `mod_balcony_hostile_archive`, that never says `complete`):
//! it stops at its page limit when every page is new, and at once when a
//! page makes no progress because the server ignores `before`.

mod support;

use std::time::{Duration, Instant};

use balcony::core::{bridge::Event, xmpp::modules::x0313_mam::MAX_CATCH_UP_PAGES};
use support::{
    accounts::{online, Online},
    prosody::Prosody,
};

fn hostile(mode: &str) -> Prosody {
    let server = Prosody::start_with(
        &["balcony_hostile_archive"],
        &format!("balcony_hostile_archive = {mode:?}"),
    );
    server.register("juliet", "pw-j");
    server
}

async fn pages_fetched(juliet: &Online) -> (usize, usize) {
    juliet
        .expect(|ev| match ev {
            Event::CatchUpFinished { pages, messages, .. } => Some((*pages, *messages)),
            _ => None,
        })
        .await
}

/// A first login, whose history download (the default month; the server
/// ignores the `start` filter) pages back and never reaches an end.
async fn first_catch_up(server: &Prosody, name: &str) -> (usize, usize, Duration) {
    let started = Instant::now();
    let juliet = online(server, name, "juliet", "pw-j").await;
    let (pages, messages) = pages_fetched(&juliet).await;
    let took = started.elapsed();
    // Still a working session afterwards.
    juliet.server_info().await;
    juliet.worker.shutdown();
    (pages, messages, took)
}

fn served(server: &Prosody) -> usize {
    server
        .audit_lines()
        .iter()
        .filter(|l| l.contains("hostile-archive page="))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_archive_that_never_ends_stops_at_the_page_limit() {
    let server = hostile("endless");
    let (pages, messages, took) = first_catch_up(&server, "archive-endless").await;
    assert_eq!(pages, MAX_CATCH_UP_PAGES);
    assert_eq!(messages, MAX_CATCH_UP_PAGES * 5);
    assert_eq!(
        served(&server),
        MAX_CATCH_UP_PAGES,
        "no page asked after the limit"
    );
    assert!(took < Duration::from_secs(60), "{took:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_that_makes_no_progress_stops_paging() {
    let server = hostile("stuck");
    let (pages, _, _) = first_catch_up(&server, "archive-stuck").await;
    // The newest page, the stuck page, and the stuck page again: its first
    // id was asked for already.
    assert_eq!(pages, 3);
    assert_eq!(served(&server), 3);
}
