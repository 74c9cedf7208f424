//! Channel binding as XEP-0440 asks (the hardening issue's login fix),
//! against a real Prosody whose announcements a module of ours controls
//! (`mod_balcony_cb_announce`): a `-PLUS` mechanism only with an announced
//! type we can compute, a login that fails after binding is not reported as
//! a wrong password and is not retried without the binding, and an
//! unusable announcement sends no credentials at all. ejabberd 23.01's
//! case (`-PLUS` offered, nothing announced) is in `tests/ejabberd.rs`.

mod support;

use std::time::Duration;

use balcony::{
    core::{account::TlsMode, xmpp::connection::error::ConnectError},
    ui::connection_text::describe_error,
};
use support::{
    accounts::{add, autoconnect_worker as start_worker, config},
    events::{drain_for, offline_error, online_mechanism, wait_for},
    profiles::fresh as profile,
    prosody::Prosody,
};

fn announcing(types: &[&str], offer_plus: bool) -> Prosody {
    let types: Vec<String> = types.iter().map(|t| format!("{t:?}")).collect();
    let server = Prosody::start_with(
        &["balcony_cb_announce"],
        &format!(
            "balcony_cb_types = {{ {} }}\nbalcony_cb_offer_plus = {offer_plus}",
            types.join(", ")
        ),
    );
    server.register("juliet", "balcony-secret");
    server
}

fn audit(server: &Prosody, what: &str) -> Vec<String> {
    server
        .audit_lines()
        .into_iter()
        .filter(|l| l.contains(what))
        .collect()
}

/// Adds juliet and waits for the first offline error; then checks that
/// nothing else happens (no retry) for two seconds.
async fn first_error(server: &Prosody, name: &str) -> ConnectError {
    let worker = start_worker(profile(name));
    let events = worker.events();
    add(
        &worker,
        config(
            "juliet",
            &server.c2s_addr(),
            TlsMode::StartTls,
            Some(&server.ca_pem),
        ),
        "balcony-secret",
    );
    let (error, _) = wait_for(&events, Duration::from_secs(10), offline_error).await;
    let later = drain_for(&events, Duration::from_secs(2)).await;
    assert!(later.is_empty(), "no retry expected: {later:#?}");
    worker.shutdown();
    error
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_after_binding_is_not_a_wrong_password_and_is_not_retried_unbound() {
    // The server announces tls-exporter and offers SCRAM-SHA-1-PLUS, but
    // Prosody 0.12 cannot verify that binding over TLS 1.3.
    let server = announcing(&["tls-exporter"], true);
    let error = first_error(&server, "cb-refused").await;
    let ConnectError::ChannelBindingRefused {
        mechanism, binding, ..
    } = &error
    else {
        panic!("expected a channel-binding refusal, got {error:?}");
    };
    assert_eq!(
        (mechanism.as_str(), binding.as_str()),
        ("SCRAM-SHA-1-PLUS", "tls-exporter")
    );
    let text = describe_error(&error);
    assert!(text.contains("not a wrong password"), "{text}");
    assert_ne!(
        text,
        describe_error(&ConnectError::AuthenticationFailed {
            condition: "not-authorized".into()
        })
    );
    // One attempt, with the binding; never a silent retry without it.
    let attempts = audit(&server, "auth-attempt");
    assert_eq!(attempts.len(), 1, "{attempts:#?}");
    assert!(
        attempts[0].contains("mechanism=SCRAM-SHA-1-PLUS"),
        "{attempts:#?}"
    );
    assert!(audit(&server, "auth-success").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn announced_types_without_plus_mechanisms_send_no_credentials() {
    // XEP-0440 rule 5: the -PLUS mechanisms were stripped.
    let server = announcing(&["tls-exporter"], false);
    let error = first_error(&server, "cb-stripped").await;
    assert!(
        matches!(error, ConnectError::ChannelBindingUnusable { .. }),
        "{error:?}"
    );
    assert!(error.is_fatal());
    assert!(audit(&server, "auth-attempt").is_empty(), "{}", server.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn only_unusable_types_announced_send_no_credentials() {
    // Rule 6: tls-unique does not exist on TLS 1.3, and no
    // tls-server-end-point is announced.
    let server = announcing(&["tls-unique"], true);
    let error = first_error(&server, "cb-unusable").await;
    match &error {
        ConnectError::ChannelBindingUnusable { announced, .. } => assert_eq!(announced, "tls-unique"),
        other => panic!("expected an unusable announcement, got {other:?}"),
    }
    assert!(audit(&server, "auth-attempt").is_empty(), "{}", server.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn end_point_announced_allows_plain_scram_with_flag_n() {
    // tls-server-end-point is every server's type; Balcony cannot compute
    // it, so it logs in with SCRAM-SHA-1 saying "n", which the server
    // (having offered -PLUS) accepts; "y" would be refused as a downgrade.
    let server = announcing(&["tls-server-end-point"], true);
    let worker = start_worker(profile("cb-end-point"));
    let events = worker.events();
    add(
        &worker,
        config(
            "juliet",
            &server.c2s_addr(),
            TlsMode::StartTls,
            Some(&server.ca_pem),
        ),
        "balcony-secret",
    );
    let (mechanism, _) = wait_for(&events, Duration::from_secs(15), online_mechanism).await;
    assert_eq!(mechanism, "SCRAM-SHA-1");
    let success = audit(&server, "auth-success");
    assert_eq!(success.len(), 1, "{success:#?}");
    assert!(success[0].contains("mechanism=SCRAM-SHA-1 "), "{success:#?}");
    worker.shutdown();
}
