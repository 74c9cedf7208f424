//! Stored accounts connect once a window has drawn their cached lists; with
//! no window drawing (a start in the background), they connect after a
//! second anyway, and not before.

mod support;

use std::time::{Duration, Instant};

use balcony::model::{Client, ConnectionStatus};
use support::{accounts::online, prosody::Prosody, ui::init, ui::pump_until};

#[gtk::test]
fn without_a_window_stored_accounts_connect_after_a_second() {
    init();
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let profile = runtime.block_on(async {
        let setup = online(&server, "ui-connect-fallback", "juliet", "pw-j").await;
        let profile = setup.profile.clone();
        setup.worker.shutdown();
        profile
    });

    let client = Client::new(profile).expect("client");
    pump_until("the cached lists", Duration::from_secs(10), || {
        client.lists_loaded()
    });
    let loaded = Instant::now();
    assert!(client.connect_pending(), "the enabled account waits to connect");
    let status = || client.primary_account().map(|a| a.status());
    // Most of the second: nothing draws, and the account has not started.
    pump_until("most of the second", Duration::from_secs(2), || {
        loaded.elapsed() > Duration::from_millis(800)
    });
    assert!(client.connect_pending());
    assert_eq!(status(), Some(ConnectionStatus::Offline));
    pump_until("the fallback connected", Duration::from_secs(20), || {
        status() == Some(ConnectionStatus::Online)
    });
    assert!(!client.connect_pending());
    assert!(
        loaded.elapsed() >= Duration::from_millis(950),
        "connected {:?} after the lists, before the fallback's second",
        loaded.elapsed()
    );
}
