//! Stored accounts connect as soon as the app starts, while its window is
//! built, not after a frame is drawn: even with no window at all, the
//! account comes online, and its initial presence reaches the server soon
//! after the client starts.

mod support;

use std::time::{Duration, Instant};

use balcony::model::{Client, ConnectionStatus};
use support::{accounts::online, prosody::Prosody, ui::init, ui::pump_until};

#[gtk::test]
fn stored_accounts_connect_at_once_without_a_window() {
    init();
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let profile = runtime.block_on(async {
        let setup = online(&server, "ui-connect-at-start", "juliet", "pw-j").await;
        let profile = setup.profile.clone();
        setup.worker.shutdown();
        profile
    });

    let started = Instant::now();
    let client = Client::new(profile).expect("client");
    let status = || client.primary_account().map(|a| a.status());
    pump_until("online without a window", Duration::from_secs(20), || {
        status() == Some(ConnectionStatus::Online)
    });
    // Before, accounts waited for a drawn frame, or a second without one.
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "online {:?} after the start, with no window",
        started.elapsed()
    );
    client.shutdown();
}
