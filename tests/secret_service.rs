//! Passwords go to the Secret Service when one is on the session bus: a
//! real gnome-keyring in this test's D-Bus session, checked from outside
//! with `secret-tool`, and never to SQLite or a file.

mod support;

use std::{
    process::{Child, Command, Stdio},
    str::FromStr,
    time::{Duration, Instant},
};

use balcony::core::credentials::{secret_service_available, PasswordFile};
use support::{
    accounts::{autoconnect_worker, wait_online},
    command_line, profiles,
    prosody::{Prosody, DOMAIN},
};
use xmpp_parsers::jid::BareJid;

struct Keyring(Child);

impl Keyring {
    fn start(home: &std::path::Path) -> Self {
        let run = home.join("run");
        std::fs::create_dir_all(&run).expect("runtime dir");
        std::fs::set_permissions(&run, std::os::unix::fs::PermissionsExt::from_mode(0o700)).expect("chmod");
        let mut child = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_RUNTIME_DIR", &run)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon (run `make deps`)");
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(b"keyring-test-password")
            .expect("unlock password");
        drop(stdin);
        Keyring(child)
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn secret_tool_lookup(jid: &str) -> String {
    let out = Command::new("secret-tool")
        .args(["lookup", "application", "im.balcony.Balcony", "xmpp-account", jid])
        .output()
        .expect("secret-tool");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn balcony(args: &[&str]) -> std::process::Output {
    command_line::balcony(args, true)
}

#[tokio::test(flavor = "multi_thread")]
async fn passwords_live_in_the_secret_service_when_one_runs() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "this test needs a D-Bus session: run it through `make test` (dbus-run-session)"
    );
    assert!(
        !secret_service_available().await,
        "a Secret Service was already running"
    );
    let profile = profiles::fresh("secret-service");
    let _keyring = Keyring::start(&profile.dir().join("keyring-home"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !secret_service_available().await {
        assert!(
            Instant::now() < deadline,
            "gnome-keyring did not appear on the bus"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let server = Prosody::start();
    server.register("benvolio", "peace-keeper");
    let jid = format!("benvolio@{DOMAIN}");
    let dir = profile.dir().to_str().expect("utf-8").to_owned();
    let pw = profile.dir().join("pw");
    std::fs::write(&pw, "peace-keeper").expect("pw");
    let out = command_line::add_account(&dir, &jid, &pw, &server, &[], true);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::remove_file(&pw).expect("rm pw");

    // Another Secret Service client sees it; there is no password file.
    assert_eq!(secret_tool_lookup(&jid), "peace-keeper");
    let bare = BareJid::from_str(&jid).expect("jid");
    assert!(!PasswordFile::new(&profile).path(&bare).exists());
    let db = std::fs::read(profile.database_path()).expect("db");
    assert!(
        !db.windows(12).any(|w| w == b"peace-keeper"),
        "password in SQLite"
    );

    // The worker reads it back from the keyring and logs in.
    let handle = autoconnect_worker(profile.clone());
    wait_online(&handle.events()).await;
    handle.shutdown();

    let removed = balcony(&["--profile", &dir, "account", "remove", &jid]);
    assert!(
        removed.status.success(),
        "{}",
        String::from_utf8_lossy(&removed.stderr)
    );
    assert_eq!(
        secret_tool_lookup(&jid),
        "",
        "removing the account removes its secret"
    );
}
