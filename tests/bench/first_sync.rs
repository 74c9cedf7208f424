//! `make bench`: a new device's first history download. The account is set
//! up on a fresh profile (nothing downloaded yet, the default choice: the
//! last month) and its server's archive holds 10,000 messages, one a
//! minute over the last week (Prosody with SQL storage, filled by
//! `mod_balcony_archive_fill`). Measured from exec of a process that runs
//! the worker as the app does until all 10,000 are stored and in the search
//! index, median of [`RUNS`]; beside a bare pager's rate over the same
//! archive in the same run. Then (under Xvfb) the app itself on a fresh
//! copy, exec'd, until the download is stored and searchable and 3 s
//! after: its resident memory beside a bare libadwaita window's.

#[path = "../support/mod.rs"]
mod support;

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use balcony::core::{
    account::TlsMode,
    credentials::{save_password, Password, PasswordStorage},
    profile::Profile,
    store::Store,
    worker::{self, WorkerOptions},
};
use support::{archive_pager::bare_pager, peer::Peer, prosody::Prosody};
use xmpp_parsers::jid::BareJid;

const MESSAGES: u64 = 10_000;
const RUNS: usize = 3;
/// Set in the child processes: the profile to start on.
const PROFILE_VAR: &str = "BALCONY_BENCH_PROFILE";
const BUDGET_S: f64 = 5.0;

fn main() {
    if std::env::var_os(support::bare_window::BARE_VAR).is_some() {
        return support::bare_window::bare_window();
    }
    match std::env::var_os(PROFILE_VAR) {
        Some(dir) => sync_once(Profile::open(std::path::PathBuf::from(dir)).expect("profile")),
        None => measure(),
    }
}

/// Whether every message of the archive is stored and indexed for search.
fn synced(store: &Store, me: &BareJid) -> bool {
    let romeo: BareJid = "romeo@balcony.test".parse().expect("jid");
    store.count_messages(me, &romeo).unwrap_or(0) >= MESSAGES && store.unindexed_messages().unwrap_or(1) == 0
}

/// In the child: the worker on `profile`, connecting at start as the app
/// does, until the download is stored and searchable; prints `synced`.
fn sync_once(profile: Profile) {
    let me: BareJid = "juliet@balcony.test".parse().expect("jid");
    let options = WorkerOptions {
        autoconnect: true,
        ..Default::default()
    };
    let worker = worker::spawn(profile.clone(), options).expect("worker");
    let store = loop {
        if let Ok(store) = Store::open(&profile.database_path()) {
            break store;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let started = Instant::now();
    while !synced(&store, &me) {
        assert!(started.elapsed() < Duration::from_secs(120), "never synced");
        std::thread::sleep(Duration::from_millis(10));
    }
    println!("synced");
    worker.shutdown();
}

/// Writes the archive into Prosody's SQL store in one transaction (as
/// `mod_balcony_archive_fill` would, one message at a time, which takes
/// minutes in SQLite): one a minute over the last week, the newest a
/// minute old.
fn fill_archive(server: &Prosody) {
    let mut db =
        rusqlite::Connection::open(server.dir().join("data/prosody.sqlite")).expect("prosody's database");
    db.busy_timeout(Duration::from_secs(10)).expect("timeout");
    let tx = db.transaction().expect("transaction");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    for i in 1..=MESSAGES as i64 {
        let when = now - 60 - (MESSAGES as i64 - i) * 60;
        let stanza = format!(
            "<message xmlns='jabber:client' type='chat' id='fill-{i}' from='romeo@balcony.test/orchard' to='juliet@balcony.test'><body>archived {i}</body></message>"
        );
        tx.execute(
            "INSERT INTO prosodyarchive (host, user, store, \"when\", \"with\", key, type, value)
             VALUES ('balcony.test', 'juliet', 'archive', ?1, 'romeo@balcony.test', ?2, 'xml', ?3)",
            rusqlite::params![when, format!("fill-{i:08}"), stanza],
        )
        .expect("an archived message");
    }
    tx.commit().expect("commit");
}

fn measure() {
    let server = Prosody::start_with(&[], support::prosody::ARCHIVE_CONFIG);
    server.register("juliet", "pw-j");
    fill_archive(&server);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let me: BareJid = "juliet@balcony.test".parse().expect("jid");
    // The account as the setup leaves it before its first login.
    let base = support::profiles::fresh("bench-first-sync-base");
    Store::open(&base.database_path())
        .expect("store")
        .save_account(&balcony::core::store::StoredAccount {
            config: support::accounts::config(
                "juliet",
                &server.c2s_addr(),
                TlsMode::StartTls,
                Some(&server.ca_pem),
            ),
            enabled: true,
            password_storage: PasswordStorage::ProfileFile,
        })
        .expect("account");
    runtime
        .block_on(save_password(
            &base,
            PasswordStorage::ProfileFile,
            &me,
            &Password::new("pw-j"),
        ))
        .expect("password");
    let mut pager = runtime.block_on(async {
        let mut pager = Peer::login(&server, "juliet", "pw-j").await;
        pager.enable_stream_management().await;
        pager
    });
    let (seen, _) = runtime.block_on(bare_pager(&mut pager));
    assert_eq!(seen as u64, MESSAGES, "the archive is filled");

    let (mut ours, mut bare) = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        let dir =
            std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-first-sync-{run}"));
        support::profiles::copy_profile(base.dir(), &dir);
        let start = Instant::now();
        let mut child = Command::new(std::env::current_exe().expect("exe"))
            .env(PROFILE_VAR, &dir)
            .stdout(Stdio::piped())
            .spawn()
            .expect("a start");
        let stdout = child.stdout.take().expect("stdout");
        let line = BufReader::new(stdout).lines().next().and_then(Result::ok);
        let took = start.elapsed().as_secs_f64();
        assert_eq!(line.as_deref(), Some("synced"), "the child synced");
        let _ = child.wait();
        ours.push(took);
        let (seen, pager_took) = runtime.block_on(bare_pager(&mut pager));
        assert_eq!(seen as u64, MESSAGES);
        bare.push(seen as f64 / pager_took.as_secs_f64());
        let _ = std::fs::remove_dir_all(&dir);
    }
    let (app_rss, bare_rss) = rss_after_sync(base.dir());
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let list = |v: &[f64]| v.iter().map(|x| format!("{x:.2}")).collect::<Vec<_>>().join(", ");
    let samples = list(&ours);
    let (took, bare) = (median(&mut ours), median(&mut bare));
    let rate = MESSAGES as f64 / took;
    let ratio = rate / bare;
    let ok = took <= BUDGET_S && ratio >= 0.8;
    println!(
        "bench: first_sync {took:.2} s budget <= {BUDGET_S} {} ({MESSAGES} archived messages, one a minute over the last week, stored and searchable from exec, default choice, fresh profile, median of {RUNS}: {samples} s; {rate:.0} msg/s from exec against a bare pager's {bare:.0} msg/s over the same archive, ratio {ratio:.2}, budget >= 0.80)",
        if ok { "ok" } else { "over" }
    );
    println!("{}", rss_line(&app_rss, &bare_rss));
}

/// One memory figure (MB), or why it could not be read.
type Sample = Result<f64, String>;

/// The app on copies of `base`, exec'd, until the download is stored and
/// searchable, 3 s idle, and the bare window after 3 s idle: VmRSS in MB
/// each, [`RUNS`] times.
fn rss_after_sync(base: &std::path::Path) -> (Vec<Sample>, Vec<Sample>) {
    let me: BareJid = "juliet@balcony.test".parse().expect("jid");
    let (mut app, mut bare) = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        let dir =
            std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bench-first-sync-rss-{run}"));
        support::profiles::copy_profile(base, &dir);
        let mut child = Command::new(env!("CARGO_BIN_EXE_balcony"))
            .arg("--profile")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the app");
        let database = dir.join("balcony.sqlite");
        let started = Instant::now();
        loop {
            if let Ok(store) = Store::open(&database) {
                if synced(&store, &me) {
                    break;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the app never synced"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_secs(3));
        app.push(support::memory::vm_rss_mb(std::path::Path::new(&format!(
            "/proc/{}/status",
            child.id()
        ))));
        let _ = child.kill();
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&dir);
        let out = Command::new(std::env::current_exe().expect("exe"))
            .env(support::bare_window::BARE_VAR, "rss")
            .stderr(Stdio::null())
            .output()
            .expect("the bare window");
        let text = String::from_utf8_lossy(&out.stdout);
        bare.push(
            text.lines()
                .find_map(|l| l.strip_prefix("rss "))
                .ok_or_else(|| "no figure from the bare window".to_owned())
                .and_then(|v| v.trim().parse::<f64>().map_err(|e| format!("{v:?}: {e}"))),
        );
    }
    (app, bare)
}

/// The `bench: rss_first_sync` line: the app's median beside twice the
/// bare window's.
fn rss_line(app: &[Sample], bare: &[Sample]) -> String {
    let values = |v: &[Sample]| -> Result<Vec<f64>, String> {
        let mut out = v.iter().cloned().collect::<Result<Vec<f64>, String>>()?;
        out.sort_by(f64::total_cmp);
        Ok(out)
    };
    match (values(app), values(bare)) {
        (Ok(app), Ok(bare)) if !app.is_empty() && !bare.is_empty() => {
            let (a, b) = (app[app.len() / 2], bare[bare.len() / 2]);
            let list = |v: &[f64]| v.iter().map(|x| format!("{x:.0}")).collect::<Vec<_>>().join(", ");
            format!(
                "bench: rss_first_sync {a:.0} MB budget <= {:.0} {} (2 x a bare libadwaita window without OpenGL, {b:.0} MB; ratio {:.2}; VmRSS of the exec'd app 3 s after its first download of {MESSAGES} messages is stored and searchable, median of {RUNS}: {} MB; the bare window 3 s after its first frame: {} MB)",
                2.0 * b,
                if a <= 2.0 * b { "ok" } else { "over" },
                a / b,
                list(&app),
                list(&bare)
            )
        }
        (Err(e), _) | (_, Err(e)) => {
            format!("bench: rss_first_sync n/a MB budget <= 2 x a bare window error ({e})")
        }
        _ => "bench: rss_first_sync n/a MB budget <= 2 x a bare window error (no sample)".to_owned(),
    }
}
