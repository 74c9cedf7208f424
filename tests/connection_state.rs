//! The connection state is always known: when the server goes away the
//! account shows "reconnecting" with its next attempt, backs off, and comes
//! back online by itself when the server returns.

mod support;

use std::{str::FromStr, time::Duration};

use balcony::core::{
    account::{AccountConfig, ServerAddress, TlsMode},
    bridge::{Command, ConnectionState, Event},
    credentials::{Password, PasswordStorage},
    worker::{self, WorkerOptions},
    xmpp::{error::ConnectError, link::Backoff},
};
use support::{
    events::wait_for,
    profiles,
    prosody::{Prosody, DOMAIN},
};
use xmpp_parsers::jid::BareJid;

fn state(ev: &Event) -> Option<ConnectionState> {
    match ev {
        Event::ConnectionChanged { state, .. } => Some(state.clone()),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn server_restart_shows_reconnecting_with_next_attempt_then_online() {
    let mut server = Prosody::start();
    server.register("tybalt", "prince-of-cats");
    let options = WorkerOptions {
        autoconnect: true,
        backoff: Backoff {
            initial: Duration::from_millis(400),
            max: Duration::from_secs(2),
        },
    };
    let worker = worker::spawn(profiles::fresh("reconnect"), options).expect("worker");
    let events = worker.events();
    worker.send(Command::AddAccount {
        config: AccountConfig {
            jid: BareJid::from_str(&format!("tybalt@{DOMAIN}")).expect("jid"),
            server: Some(ServerAddress::from_str(&server.c2s_addr()).expect("addr")),
            tls: TlsMode::StartTls,
            extra_ca_pem: Some(server.ca_pem.clone()),
        },
        password: Password::new("prince-of-cats"),
        storage: PasswordStorage::ProfileFile,
    });
    wait_for(&events, Duration::from_secs(15), |e| {
        matches!(state(e), Some(ConnectionState::Online { .. })).then_some(())
    })
    .await;

    server.stop();
    // The server is gone: the state says so, with the next attempt's delay
    // and why the last attempt failed.
    let ((attempt, retry_in), _) = wait_for(&events, Duration::from_secs(10), |e| match state(e) {
        Some(ConnectionState::Reconnecting {
            attempt,
            retry_in,
            error: Some(ConnectError::Unreachable { .. }),
        }) => Some((attempt, retry_in)),
        _ => None,
    })
    .await;
    assert!(attempt >= 1);
    assert!(
        retry_in > Duration::ZERO && retry_in <= Duration::from_millis(2500),
        "{retry_in:?}"
    );

    // Attempts back off: a later one waits longer than the first.
    let (later, _) = wait_for(&events, Duration::from_secs(10), |e| match state(e) {
        Some(ConnectionState::Reconnecting {
            attempt: a, retry_in, ..
        }) if a > attempt => Some(retry_in),
        _ => None,
    })
    .await;
    assert!(
        later >= retry_in.mul_f64(0.6),
        "backoff shrank: {retry_in:?} then {later:?}"
    );

    server.restart();
    let (resumed, seen) = wait_for(&events, Duration::from_secs(15), |e| match state(e) {
        Some(ConnectionState::Online { resumed, .. }) => Some(resumed),
        _ => None,
    })
    .await;
    assert!(!resumed, "a restarted server cannot resume the old stream");
    assert!(
        !seen
            .iter()
            .any(|e| matches!(state(e), Some(ConnectionState::Offline { .. }))),
        "a transient outage never shows as offline: {seen:#?}"
    );
    worker.shutdown();
}
