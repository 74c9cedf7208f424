//! The command line: non-interactive `account add/list/remove`, and clear
//! errors for bad arguments. The added account then logs in for real.

mod support;

use std::{os::unix::fs::PermissionsExt, str::FromStr};

use balcony::core::credentials::PasswordFile;
use support::{
    accounts::{autoconnect_worker, wait_online},
    command_line, profiles,
    prosody::{Prosody, DOMAIN},
};
use xmpp_parsers::jid::BareJid;

fn balcony(args: &[&str]) -> std::process::Output {
    command_line::balcony(args, false)
}

#[tokio::test(flavor = "multi_thread")]
async fn account_add_stores_the_account_and_it_logs_in() {
    let server = Prosody::start();
    server.register("nurse", "angelica");
    let profile = profiles::fresh("cli-add");
    let dir = profile.dir().to_str().expect("utf-8").to_owned();
    let pw = profile.dir().join("pw.txt");
    std::fs::write(&pw, "angelica\n").expect("password file");
    let jid = format!("nurse@{DOMAIN}");

    // Without a Secret Service and without consent to a file, nothing is stored.
    let refused = balcony(&[
        "--profile",
        &dir,
        "account",
        "add",
        &jid,
        "--password-file",
        pw.to_str().expect("p"),
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--store-password-in-profile"));

    let out = command_line::add_account(&dir, &jid, &pw, &server, &["--store-password-in-profile"], false);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let list = balcony(&["--profile", &dir, "account", "list"]);
    assert_eq!(String::from_utf8_lossy(&list.stdout).trim(), jid);

    // The password is in a 0600 file, and never in SQLite.
    let bare = BareJid::from_str(&jid).expect("jid");
    let file = PasswordFile::new(&profile).path(&bare);
    assert_eq!(
        std::fs::metadata(&file).expect("file").permissions().mode() & 0o777,
        0o600
    );
    let db = std::fs::read(profile.database_path()).expect("db");
    assert!(
        !db.windows(8).any(|w| w == b"angelica"),
        "the password leaked into SQLite"
    );

    // A worker on that profile logs in by itself.
    let handle = autoconnect_worker(profile.clone());
    wait_online(&handle.events()).await;
    handle.shutdown();

    let removed = balcony(&["--profile", &dir, "account", "remove", &jid]);
    assert!(removed.status.success());
    assert!(!file.exists(), "removing the account removes its password");
}

#[test]
fn bad_arguments_get_a_clear_error_and_exit_code_2() {
    let out = balcony(&["account", "add", "juliet@capulet.lit"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--password-file"), "{err}");
    assert!(err.contains("Usage:"), "{err}");

    let profile = profiles::fresh("cli-bad");
    let dir = profile.dir().to_str().expect("utf-8").to_owned();
    let pw = profile.dir().join("pw");
    std::fs::write(&pw, "x").expect("pw");
    let bad_server = balcony(&[
        "--profile",
        &dir,
        "account",
        "add",
        "a@b",
        "--password-file",
        pw.to_str().expect("p"),
        "--server",
        "nohost",
        "--store-password-in-profile",
    ]);
    assert_eq!(bad_server.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad_server.stderr).contains("nohost"));
    let bad_pem = balcony(&[
        "--profile",
        &dir,
        "account",
        "add",
        "a@b",
        "--password-file",
        pw.to_str().expect("p"),
        "--trust-cert",
        pw.to_str().expect("p"),
        "--store-password-in-profile",
    ]);
    assert_eq!(bad_pem.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad_pem.stderr).contains("PEM"));
    let list = balcony(&["--profile", &dir, "account", "list"]);
    assert!(
        String::from_utf8_lossy(&list.stdout).trim().is_empty(),
        "nothing was added"
    );
}
