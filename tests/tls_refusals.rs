//! TLS and authentication refused where they must be, each against a real
//! Prosody configured for it: no STARTTLS offered, a certificate for the
//! wrong name, an expired one, one from an unknown CA, a pinned one that
//! changed; and a PLAIN-only server, which works over TLS. Where the
//! connection is refused, no credentials were sent.

mod support;

use std::{str::FromStr, time::Duration};

use balcony::core::{
    account::TlsMode,
    bridge::Command,
    xmpp::{
        connection::error::ConnectError,
        connection::tls::{sha256, CertificateProblem},
    },
};
use support::{
    accounts::{add, autoconnect_worker, config},
    events::{offline_error, online_mechanism, wait_for},
    profiles::fresh as profile,
    prosody::{Leaf, Prosody, DOMAIN},
};
use xmpp_parsers::jid::BareJid;

fn no_credentials_sent(server: &Prosody) {
    let attempts: Vec<String> = server
        .audit_lines()
        .into_iter()
        .filter(|l| l.contains("auth-attempt"))
        .collect();
    assert!(attempts.is_empty(), "credentials were sent: {attempts:#?}");
}

/// The first error of a login to `server`, trusting `ca` when given.
async fn refused(server: &Prosody, name: &str, ca: Option<&str>) -> ConnectError {
    let worker = autoconnect_worker(profile(name));
    let events = worker.events();
    add(
        &worker,
        config("juliet", &server.c2s_addr(), TlsMode::StartTls, ca),
        "pw-j",
    );
    let (error, _) = wait_for(&events, Duration::from_secs(15), offline_error).await;
    worker.shutdown();
    assert!(error.is_fatal(), "{error:?}");
    error
}

fn problem(error: &ConnectError) -> CertificateProblem {
    match error {
        ConnectError::UntrustedCertificate(cert) => cert.problem,
        other => panic!("expected the certificate prompt, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_without_starttls_is_refused_and_gets_no_credentials() {
    // No TLS module, and a server that would even take PLAIN in the clear.
    let server = Prosody::start_with(
        &[],
        "modules_disabled = { \"s2s\", \"tls\" }\nc2s_require_encryption = false\nallow_unencrypted_plain_auth = true",
    );
    server.register("juliet", "pw-j");
    let error = refused(&server, "tls-none", Some(&server.ca_pem)).await;
    assert_eq!(error, ConnectError::NoTls);
    no_credentials_sent(&server);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_for_another_name_says_so() {
    let server = Prosody::start_with_leaf(Leaf::WrongName);
    server.register("juliet", "pw-j");
    let error = refused(&server, "tls-wrong-name", Some(&server.ca_pem)).await;
    assert_eq!(problem(&error), CertificateProblem::WrongName, "{error:?}");
    no_credentials_sent(&server);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_certificate_says_so() {
    let server = Prosody::start_with_leaf(Leaf::Expired);
    server.register("juliet", "pw-j");
    let error = refused(&server, "tls-expired", Some(&server.ca_pem)).await;
    assert_eq!(problem(&error), CertificateProblem::Expired, "{error:?}");
    no_credentials_sent(&server);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_authority_says_so_and_a_pin_that_changes_asks_again() {
    let mut server = Prosody::start();
    server.register("juliet", "pw-j");
    let worker = autoconnect_worker(profile("tls-pin-changes"));
    let events = worker.events();
    // The test CA is not given: unknown to the system roots.
    add(
        &worker,
        config("juliet", &server.c2s_addr(), TlsMode::StartTls, None),
        "pw-j",
    );
    let (error, _) = wait_for(&events, Duration::from_secs(15), offline_error).await;
    assert_eq!(problem(&error), CertificateProblem::UnknownIssuer);
    no_credentials_sent(&server);
    let ConnectError::UntrustedCertificate(first) = error else {
        unreachable!()
    };
    let jid = BareJid::from_str(&format!("juliet@{DOMAIN}")).expect("jid");
    worker.send(Command::TrustCertificate {
        jid: jid.clone(),
        der: first.der.clone(),
    });
    wait_for(&events, Duration::from_secs(15), online_mechanism).await;

    // The server gets another certificate (a new CA, too): the pin no
    // longer matches, and the prompt says that it changed.
    server.replace_certificate(Leaf::Good);
    let (error, _) = wait_for(&events, Duration::from_secs(30), offline_error).await;
    let ConnectError::UntrustedCertificate(second) = &error else {
        panic!("expected the certificate prompt, got {error:?}");
    };
    assert_eq!(second.problem, CertificateProblem::ChangedSincePinned);
    assert_eq!(second.sha256, sha256(&server.leaf_der));
    assert_ne!(second.sha256, first.sha256);
    worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_only_server_works_over_tls() {
    let server = Prosody::start_with(
        &[],
        "disable_sasl_mechanisms = { \"SCRAM-SHA-1\", \"SCRAM-SHA-1-PLUS\" }",
    );
    server.register("juliet", "pw-j");
    let worker = autoconnect_worker(profile("tls-plain-only"));
    let events = worker.events();
    add(
        &worker,
        config(
            "juliet",
            &server.c2s_addr(),
            TlsMode::StartTls,
            Some(&server.ca_pem),
        ),
        "pw-j",
    );
    let (mechanism, _) = wait_for(&events, Duration::from_secs(15), online_mechanism).await;
    assert_eq!(mechanism, "PLAIN");
    let success: Vec<String> = server
        .audit_lines()
        .into_iter()
        .filter(|l| l.contains("auth-success"))
        .collect();
    assert_eq!(success.len(), 1, "{success:#?}");
    assert!(success[0].contains("mechanism=PLAIN secure=true"), "{success:#?}");
    worker.shutdown();
}
