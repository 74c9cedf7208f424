//! SASL2 (XEP-0388) and FAST tokens (XEP-0484) against Prosody with
//! Debian's prosody-modules (`mod_sasl2`, `mod_sasl2_bind2`,
//! `mod_sasl2_fast`, `mod_sasl2_sm`): the first login authenticates with
//! the password over SASL2 and gets a token, kept in the profile's private
//! file and nowhere else; the next login proves the token instead of
//! sending anything derived from the password; a token the server refuses
//! is forgotten and the password logs in at once. What the server saw is
//! read from its log (`mod_balcony_sasl_audit`).

mod support;

use std::time::Duration;

use balcony::core::credentials::PasswordFile;
use support::{accounts::online_at, prosody::Prosody};

const SASL2_MODULES: &[&str] = &[
    "balcony_sasl2_on_0_12",
    "sasl2",
    "sasl2_bind2",
    "sasl2_fast",
    "sasl2_sm",
];

fn mechanisms(server: &Prosody, what: &str) -> Vec<String> {
    server
        .audit_lines()
        .iter()
        .filter(|l| l.contains(what))
        .filter_map(|l| l.split("mechanism=").nth(1))
        .map(|m| m.split_whitespace().next().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_login_over_sasl2_gets_a_token_that_the_next_login_uses() {
    let server = Prosody::start_with(SASL2_MODULES, "");
    server.register("juliet", "pw-j");
    let profile = support::profiles::fresh("sasl2-fast");

    // First login: the password, over SASL2 (SCRAM), asking for a token.
    let juliet = online_at(&server, &server.c2s_addr(), profile.clone(), "juliet", "pw-j").await;
    juliet.server_info().await;
    assert_eq!(mechanisms(&server, "sasl2-success"), vec!["SCRAM-SHA-1"]);
    assert!(
        mechanisms(&server, "auth-attempt").is_empty(),
        "no RFC 6120 <auth/> when SASL2 is offered"
    );
    // Bound in the same step (Bind2): no bind request reached the server,
    // the server made the resource from our tag, and the session works on
    // it (the server info above came back over it).
    let audit = server.audit_lines();
    assert!(
        audit.iter().any(|l| l.contains("bind2-request tag=Balcony")),
        "{audit:?}"
    );
    assert!(!audit.iter().any(|l| l.contains("bind-iq")), "{audit:?}");
    let bound: Vec<&String> = audit
        .iter()
        .filter(|l| l.contains("balcony-audit: bound jid="))
        .collect();
    assert_eq!(bound.len(), 1, "{audit:?}");
    assert!(bound[0].contains("juliet@balcony.test/Balcony~"), "{bound:?}");
    let token_file = PasswordFile::fast_tokens(&profile).path(&juliet.jid);
    let kept = std::fs::read_to_string(&token_file).expect("the token is kept");
    assert!(
        kept.contains("secret-token:fast-"),
        "a token from mod_sasl2_fast: {}",
        kept.len()
    );
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_file).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable only by the user");
    }
    let secret = kept.split_whitespace().last().expect("secret").to_owned();
    let database = std::fs::read(profile.database_path()).expect("database");
    assert!(
        !database.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "the token never reaches SQLite"
    );
    juliet.worker.shutdown();

    // Next start: the token, one round trip, nothing from the password.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let juliet = online_at(&server, &server.c2s_addr(), profile.clone(), "juliet", "pw-j").await;
    juliet.server_info().await;
    // (The stored account connects at start, and the helper adds it
    // again: a login or two, each with the token.)
    let used = mechanisms(&server, "sasl2-success");
    assert!(used.len() >= 2, "{used:?}");
    assert!(used[1..].iter().all(|m| m.starts_with("HT-SHA-256-")), "{used:?}");
    juliet.worker.shutdown();

    // A token the server does not know (as after it lost its tokens) is
    // refused, forgotten, and the password logs in at once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let forged = kept.replace("secret-token:fast-", "secret-token:fast-forged");
    std::fs::write(&token_file, forged).expect("forge");
    let juliet = online_at(&server, &server.c2s_addr(), profile.clone(), "juliet", "pw-j").await;
    juliet.server_info().await;
    assert!(
        mechanisms(&server, "sasl2-failure")
            .iter()
            .any(|m| m.starts_with("HT-SHA-256-")),
        "{:?}",
        server.audit_lines()
    );
    let used = mechanisms(&server, "sasl2-success");
    assert!(
        used.iter().filter(|m| *m == "SCRAM-SHA-1").count() >= 2,
        "the password again: {used:?}"
    );
    let renewed = std::fs::read_to_string(&token_file).expect("a new token is kept");
    assert!(!renewed.contains("forged"), "the refused token is gone");
    juliet.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reconnection_after_a_cut_proves_the_token_instead_of_the_password() {
    let server = Prosody::start_with(SASL2_MODULES, "");
    server.register("juliet", "pw-j");
    let proxy = support::proxy::CuttableProxy::start(server.c2s_addr()).await;
    let juliet = online_at(
        &server,
        &proxy.addr,
        support::profiles::fresh("sasl2-fast-cut"),
        "juliet",
        "pw-j",
    )
    .await;
    juliet.server_info().await;
    assert_eq!(mechanisms(&server, "sasl2-success"), vec!["SCRAM-SHA-1"]);
    assert!(proxy.cut() > 0, "a link to cut");
    // Back online: the next login used the token.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while mechanisms(&server, "sasl2-success").len() < 2 {
        assert!(std::time::Instant::now() < deadline, "{:?}", server.audit_lines());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    juliet.server_info().await;
    let used = mechanisms(&server, "sasl2-success");
    assert!(used[1].starts_with("HT-SHA-256-"), "{used:?}");
    assert_eq!(used.iter().filter(|m| *m == "SCRAM-SHA-1").count(), 1, "{used:?}");
    // Bind2 only on the first login: the reconnection may resume the
    // session (XEP-0198), which a session bound by Bind2 could not.
    let audit = server.audit_lines();
    assert_eq!(
        audit.iter().filter(|l| l.contains("bind2-request")).count(),
        1,
        "{audit:?}"
    );
    juliet.worker.shutdown();
}
