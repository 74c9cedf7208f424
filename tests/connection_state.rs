//! The connection state is always known: when the server goes away the
//! account shows "reconnecting" with its next attempt, backs off, and comes
//! back online by itself when the server returns; a link that silently
//! dies is noticed within 2 s and resumed; a resumed stream that never
//! carries our data is replaced by a fresh one.

mod support;

use std::time::Duration;

use balcony::core::{
    account::TlsMode,
    bridge::{Command, ConnectionState, Event},
    worker::{self, WorkerOptions},
    xmpp::{connection::error::ConnectError, connection::link::Backoff},
};
use support::{
    accounts::{add, config, online_at, online_jid, wait_online},
    events::wait_for,
    profiles,
    prosody::Prosody,
    proxy::CuttableProxy,
};

/// Waits until the account is online again; whether the stream was resumed.
async fn online_again(who: &support::accounts::Online) -> bool {
    who.expect(|ev| match ev {
        Event::ConnectionChanged {
            state: ConnectionState::Online { resumed, .. },
            ..
        } => Some(*resumed),
        _ => None,
    })
    .await
}

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
    let tybalt = config(
        "tybalt",
        &server.c2s_addr(),
        TlsMode::StartTls,
        Some(&server.ca_pem),
    );
    add(&worker, tybalt, "prince-of-cats");
    wait_online(&events).await;

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

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_link_is_noticed_within_two_seconds_and_resumed() {
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    let proxy = CuttableProxy::start(server.c2s_addr()).await;
    let juliet = online_at(
        &server,
        &proxy.addr,
        profiles::fresh("dead-link"),
        "juliet",
        "pw-j",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.black_hole(true);
    let silent_since = std::time::Instant::now();
    juliet
        .expect(|ev| match ev {
            Event::ConnectionChanged {
                state: ConnectionState::Reconnecting { .. },
                ..
            } => Some(()),
            _ => None,
        })
        .await;
    let noticed = silent_since.elapsed();
    eprintln!("dead link noticed after {noticed:?}");
    assert!(noticed <= Duration::from_secs(2), "noticed after {noticed:?}");
    proxy.black_hole(false);
    let resumed = online_again(&juliet).await;
    assert!(resumed, "the stream was resumed (XEP-0198), not restarted");
    juliet.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_hears_inactive_and_active_as_windows_lose_and_gain_focus() {
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    let proxy = CuttableProxy::start(server.c2s_addr()).await;
    let juliet = online_at(&server, &proxy.addr, profiles::fresh("csi"), "juliet", "pw-j").await;
    let csi_lines = || -> Vec<String> {
        server
            .audit_lines()
            .into_iter()
            .filter(|l| l.contains("balcony-audit: csi"))
            .map(|l| l.split("balcony-audit: ").nth(1).unwrap_or_default().to_owned())
            .collect()
    };
    let wait_lines = |n: usize| async move {
        for _ in 0..100 {
            if csi_lines().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        csi_lines()
    };
    juliet.send(Command::SetInteractive { active: false });
    assert_eq!(wait_lines(1).await, vec!["csi inactive user=juliet"]);
    juliet.send(Command::SetInteractive { active: true });
    assert_eq!(
        wait_lines(2).await,
        vec!["csi inactive user=juliet", "csi active user=juliet"]
    );
    // A new stream starts active (XEP-0352 §5): after a restart, the
    // inactive state is sent again.
    juliet.send(Command::SetInteractive { active: false });
    wait_lines(3).await;
    proxy.cut();
    wait_for(&juliet.events, Duration::from_secs(20), online_jid).await;
    let lines = wait_lines(4).await;
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[3], "csi inactive user=juliet");
    juliet.worker.shutdown();
}

/// After a crash the server knows no stream to resume. Prosody says so
/// with a `<failed/>` that tokio-xmpp 6 cannot parse, after which it would
/// try to resume for ever; the session starts a fresh stream instead.
#[tokio::test(flavor = "multi_thread")]
async fn a_crashed_server_that_forgot_the_stream_gets_a_fresh_one() {
    let mut server = Prosody::start();
    server.register("juliet", "pw-j");
    let juliet = online_at(
        &server,
        &server.c2s_addr(),
        profiles::fresh("crash"),
        "juliet",
        "pw-j",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.crash_and_restart();
    let started = std::time::Instant::now();
    let resumed = online_again(&juliet).await;
    assert!(!resumed, "a new stream, since the server lost the old one");
    eprintln!("online again {:?} after the crash", started.elapsed());
    // The new stream works: the server answers the worker's requests.
    juliet
        .expect(|ev| match ev {
            Event::RosterReplaced { .. } => Some(()),
            _ => None,
        })
        .await;
    juliet.worker.shutdown();
}

/// A resumed stream that never carries our data (the server takes the
/// resumption, then hears nothing we send, not even acks) must not be
/// resumed for ever: the session gives it two chances, then starts a fresh
/// stream, and a message written meanwhile is delivered.
#[tokio::test(flavor = "multi_thread")]
async fn a_resumed_stream_that_hears_nothing_is_replaced_by_a_fresh_one() {
    let server = Prosody::start_with(
        &["balcony_deaf_after_resume"],
        "balcony_deaf_after_resume = { \"juliet\" }\n",
    );
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let proxy = CuttableProxy::start(server.c2s_addr()).await;
    let juliet = online_at(&server, &proxy.addr, profiles::fresh("deaf-j"), "juliet", "pw-j").await;
    let romeo = online_at(
        &server,
        &server.c2s_addr(),
        profiles::fresh("deaf-r"),
        "romeo",
        "pw-r",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    proxy.cut();
    juliet.send(Command::SendMessage {
        jid: juliet.jid.clone(),
        to: romeo.jid.clone(),
        body: "written while the stream was deaf".into(),
    });
    let started = std::time::Instant::now();
    let mut resumed_first = false;
    loop {
        let resumed = online_again(&juliet).await;
        if !resumed {
            break;
        }
        resumed_first = true;
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "still resuming a deaf stream after {:?}",
            started.elapsed()
        );
    }
    assert!(resumed_first, "the stream was resumed before it was given up");
    eprintln!("fresh stream after {:?}", started.elapsed());
    let deaf = server
        .audit_lines()
        .iter()
        .filter(|l| l.contains("balcony-audit: deaf after resume user=juliet"))
        .count();
    assert!(
        (1..=2).contains(&deaf),
        "resumed {deaf} times before a fresh stream"
    );

    assert_eq!(romeo.next_body().await, "written while the stream was deaf");
    assert_eq!(
        juliet.outbox_after_settling().await,
        0,
        "acked on the fresh stream"
    );
    juliet.worker.shutdown();
    romeo.worker.shutdown();
}
