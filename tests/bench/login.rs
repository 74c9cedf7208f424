//! `make bench` (under Xvfb): login, from exec of the app to its initial
//! presence as the server saw it (`mod_balcony_presence_clock`), on a
//! fresh profile set up with `balcony account add` (nothing cached) for an
//! account with 1,000 contacts; median of [`RUNS`]. Beside it, a bare
//! login measured the same way in the same run: exec of a minimal client
//! (this program in another mode: Balcony's own connector and SASL path,
//! no UI, no store) that connects, authenticates, binds, fetches the
//! roster and sends presence.

#[path = "../support/mod.rs"]
mod support;

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use support::{peer::Peer, prosody::Prosody};

const CONTACTS: usize = 1_000;
const RUNS: usize = 9;
const BUDGET_S: f64 = 0.33;
const BUDGET_RATIO: f64 = 1.5;

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// When the server saw the `n`-th initial presence of juliet (0-based),
/// waiting up to 20 s for it.
fn presence_seen(server: &Prosody, n: usize) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let seen: Vec<f64> = server
            .audit_lines()
            .iter()
            .filter(|l| l.contains("initial-presence user=juliet"))
            .filter_map(|l| l.split("at=").nth(1)?.trim().parse().ok())
            .collect();
        if let Some(at) = seen.get(n) {
            return *at;
        }
        assert!(Instant::now() < deadline, "no initial presence #{n} within 20 s");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Set in the bare login's process: the server's address and CA file.
const BARE_VAR: &str = "BALCONY_BENCH_BARE_LOGIN";

/// The server as the bare login knows it.
struct Reachable {
    addr: String,
    ca: String,
}

impl support::TestServer for Reachable {
    fn c2s_addr(&self) -> String {
        self.addr.clone()
    }

    fn ca_pem(&self) -> &str {
        &self.ca
    }
}

/// In the bare login's process: log in, fetch the roster, send presence,
/// and wait a moment for the server to read it.
fn bare_login(spec: &str) {
    let (addr, ca) = spec.split_once('|').expect("addr|ca");
    let server = Reachable {
        addr: addr.to_owned(),
        ca: std::fs::read_to_string(ca).expect("ca"),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let _peer = Peer::online(&server, "juliet", "pw-j").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    });
}

fn main() {
    if let Ok(spec) = std::env::var(BARE_VAR) {
        return bare_login(&spec);
    }
    let server = Prosody::start_with(&["balcony_presence_clock"], "");
    server.register("juliet", "pw-j");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(support::accounts::fill_server_roster(
        &server,
        "juliet",
        "pw-j",
        CONTACTS,
        "balcony.test",
    ));
    let app = env!("CARGO_BIN_EXE_balcony");
    let scratch = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-login");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch");
    std::fs::write(scratch.join("password"), "pw-j\n").expect("password file");
    // The account as a user sets it up on the command line: nothing cached.
    let base = scratch.join("base");
    let added = Command::new(app)
        .args(["--profile"])
        .arg(&base)
        .args(["account", "add", "juliet@balcony.test", "--password-file"])
        .arg(scratch.join("password"))
        .args(["--server", &server.c2s_addr(), "--trust-cert"])
        .arg(server.ca_path())
        .arg("--store-password-in-profile")
        .status()
        .expect("balcony account add");
    assert!(added.success(), "account add failed");

    let (mut ours, mut bare) = (Vec::new(), Vec::new());
    let mut seen = 0;
    for run in 0..RUNS {
        let dir = scratch.join(format!("run-{run}"));
        support::profiles::copy_profile(&base, &dir);
        let started = unix_now();
        let mut child = Command::new(app)
            .arg("--profile")
            .arg(&dir)
            .env("GSETTINGS_BACKEND", "memory")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the app");
        let at = presence_seen(&server, seen);
        seen += 1;
        ours.push(at - started);
        let _ = child.kill();
        let _ = child.wait();

        let started = unix_now();
        let mut child = Command::new(std::env::current_exe().expect("exe"))
            .env(
                BARE_VAR,
                format!("{}|{}", server.c2s_addr(), server.ca_path().display()),
            )
            .stdout(Stdio::null())
            .spawn()
            .expect("the bare login");
        let at = presence_seen(&server, seen);
        seen += 1;
        bare.push(at - started);
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&dir);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{:.0}", x * 1000.0))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (ours_list, bare_list) = (list(&ours), list(&bare));
    let (login, bare) = (median(&mut ours), median(&mut bare));
    let ratio = login / bare;
    let ok = login <= BUDGET_S && ratio <= BUDGET_RATIO;
    println!(
        "bench: login {login:.3} s budget <= {BUDGET_S} {} (exec of the app to its initial presence seen by the server, fresh profile, {CONTACTS} contacts, median of {RUNS}: {ours_list} ms; bare login {bare:.3} s: {bare_list} ms; ratio {ratio:.2}, budget <= {BUDGET_RATIO})",
        if ok { "ok" } else { "over" }
    );
}
