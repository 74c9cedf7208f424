//! Login against a real Prosody: STARTTLS and direct TLS, SCRAM over PLAIN,
//! wrong password, unreachable server, untrusted certificate and pinning.

mod support;

use std::{str::FromStr, time::Duration};

use balcony::core::{
    account::TlsMode,
    bridge::{Command, Event},
    xmpp::{connection::error::ConnectError, connection::tls::sha256},
};
use support::{
    accounts::{add, autoconnect_worker as start_worker, config},
    events::{drain_for, offline_error, online_mechanism, wait_for},
    prosody::{Prosody, DOMAIN},
};
use xmpp_parsers::jid::BareJid;

use support::profiles::fresh as profile;

async fn login_works(tls: TlsMode) {
    let server = Prosody::start();
    server.register("juliet", "balcony-secret");
    let profile = profile(&format!("login-{tls:?}"));
    let worker = start_worker(profile.clone());
    let events = worker.events();
    let addr = match tls {
        TlsMode::StartTls => server.c2s_addr(),
        TlsMode::DirectTls => server.direct_tls_addr(),
    };
    add(
        &worker,
        config("juliet", &addr, tls, Some(&server.ca_pem)),
        "balcony-secret",
    );
    let (mechanism, _) = wait_for(&events, Duration::from_secs(15), online_mechanism).await;
    assert!(mechanism.starts_with("SCRAM-"), "client used {mechanism}");
    wait_for(&events, Duration::from_secs(5), |e| {
        matches!(e, Event::AccountAdded { .. }).then_some(())
    })
    .await;

    // What the server saw: one SCRAM login inside TLS, and never PLAIN.
    let audit = server.audit_lines();
    let success: Vec<_> = audit.iter().filter(|l| l.contains("auth-success")).collect();
    assert_eq!(success.len(), 1, "audit: {audit:#?}");
    assert!(success[0].contains("mechanism=SCRAM-SHA-"), "{}", success[0]);
    assert!(success[0].contains("user=juliet"), "{}", success[0]);
    assert!(!audit.iter().any(|l| l.contains("mechanism=PLAIN")), "{audit:#?}");
    worker.shutdown();

    // The account and its password were stored: a new worker on the same
    // profile logs in by itself.
    let again = start_worker(profile);
    let events = again.events();
    let (started, _) = wait_for(&events, Duration::from_secs(5), |e| match e {
        Event::Started { accounts, .. } => Some(accounts.clone()),
        _ => None,
    })
    .await;
    assert_eq!(started.len(), 1);
    wait_for(&events, Duration::from_secs(15), online_mechanism).await;
    again.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn login_over_starttls_uses_scram() {
    login_works(TlsMode::StartTls).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn login_over_direct_tls_uses_scram() {
    login_works(TlsMode::DirectTls).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_is_reported_within_five_seconds_without_retries() {
    let server = Prosody::start();
    server.register("romeo", "right-password");
    let profile = profile("wrong-password");
    let worker = start_worker(profile.clone());
    let events = worker.events();
    let started = std::time::Instant::now();
    add(
        &worker,
        config(
            "romeo",
            &server.c2s_addr(),
            TlsMode::StartTls,
            Some(&server.ca_pem),
        ),
        "wrong",
    );
    let (error, _) = wait_for(&events, Duration::from_secs(5), offline_error).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        matches!(error, ConnectError::AuthenticationFailed { .. }),
        "{error:?}"
    );

    // No retry storm: nothing more happens, and the server saw one attempt.
    let later = drain_for(&events, Duration::from_secs(3)).await;
    assert!(
        later.is_empty(),
        "unexpected events after the failure: {later:#?}"
    );
    let failures = server
        .audit_lines()
        .iter()
        .filter(|l| l.contains("auth-failure"))
        .count();
    assert_eq!(failures, 1, "{}", server.log());
    // Nothing was saved for a login that failed.
    let store = balcony::core::store::Store::open(&profile.database_path()).expect("store");
    assert!(store.accounts().expect("accounts").is_empty());
    worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_server_is_reported() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let worker = start_worker(profile("unreachable"));
    let events = worker.events();
    add(
        &worker,
        config("nobody", &format!("127.0.0.1:{port}"), TlsMode::StartTls, None),
        "x",
    );
    let (error, _) = wait_for(&events, Duration::from_secs(10), offline_error).await;
    match error {
        ConnectError::Unreachable { detail } => {
            assert!(detail.to_lowercase().contains("refused"), "{detail}")
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
    worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn untrusted_certificate_can_be_pinned_and_the_next_login_succeeds() {
    let server = Prosody::start();
    server.register("mercutio", "queen-mab");
    let profile = profile("pinning");
    let worker = start_worker(profile.clone());
    let events = worker.events();
    // No extra CA: the test CA is unknown to the system roots.
    add(
        &worker,
        config("mercutio", &server.c2s_addr(), TlsMode::StartTls, None),
        "queen-mab",
    );
    let (error, _) = wait_for(&events, Duration::from_secs(10), offline_error).await;
    let ConnectError::UntrustedCertificate(cert) = error else {
        panic!("expected an untrusted certificate, got {error:?}");
    };
    assert_eq!(
        cert.sha256,
        sha256(&server.leaf_der),
        "the fingerprint is the server's leaf"
    );
    assert_eq!(cert.fingerprint().len(), 95);

    worker.send(Command::TrustCertificate {
        jid: BareJid::from_str(&format!("mercutio@{DOMAIN}")).expect("jid"),
        der: cert.der.clone(),
    });
    wait_for(&events, Duration::from_secs(15), online_mechanism).await;
    worker.shutdown();

    // The pin is in the profile: the next start trusts it without asking.
    let store = balcony::core::store::Store::open(&profile.database_path()).expect("store");
    let jid = BareJid::from_str(&format!("mercutio@{DOMAIN}")).expect("jid");
    assert_eq!(
        store.pinned_certificates(&jid).expect("pins"),
        vec![sha256(&server.leaf_der)]
    );
    drop(store);
    let again = start_worker(profile);
    wait_for(&again.events(), Duration::from_secs(15), online_mechanism).await;
    again.shutdown();
}
