//! `make bench` (under Xvfb): starting the app on a profile with 1,000
//! contacts and 100,000 messages in 200 conversations, its server (a real
//! Prosody with that roster) reachable, until the cached conversation list
//! is on screen; then, once connected and synced, the idle resident
//! memory with a conversation open.
//!
//! Start-up times on this shared machine vary by ±20 ms from run to run,
//! with the odd start twice as slow, so the app is started in [`RUNS`]
//! fresh processes on the same profile and the median is reported beside
//! every sample.

#[path = "../support/mod.rs"]
mod support;

mod paint;

use std::{
    cell::Cell,
    rc::Rc,
    time::{Duration, Instant},
};

use adw::prelude::*;
use balcony::{
    core::{
        bridge::Event,
        message::{ChatKind, DeliveryState, NewMessage},
        profile::Profile,
        store::{Placement, Store},
    },
    model::{Client, ConnectionStatus},
    ui::Window,
};
use support::{events::wait_for, prosody::Prosody};
use xmpp_parsers::jid::BareJid;

const CONTACTS: usize = 1_000;
const CONVERSATIONS: usize = 200;
const MESSAGES: usize = 100_000;
const RUNS: usize = 9;
/// Set in the child processes: the profile to start on.
const PROFILE_VAR: &str = "BALCONY_BENCH_PROFILE";

fn main() {
    // As the app's own `main` does first.
    balcony::ui::prepare_environment();
    if std::env::var_os(paint::BARE_VAR).is_some() {
        return paint::bare_window();
    }
    match std::env::var_os(PROFILE_VAR) {
        Some(dir) => start_once(Profile::open(std::path::PathBuf::from(dir)).expect("profile")),
        None => start_several_times(),
    }
}

/// Fills a profile (its account set up against a Prosody once, as a user
/// would), starts the app on it [`RUNS`] times, and reports.
fn start_several_times() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    let profile = runtime.block_on(async {
        support::accounts::fill_server_roster(&server, "juliet", "pw-j", CONTACTS, "balcony.test").await;
        let setup = support::accounts::online(&server, "bench-ui-start", "juliet", "pw-j").await;
        wait_for(&setup.events, Duration::from_secs(60), |ev| {
            matches!(ev, Event::CatchUpFinished { .. }).then_some(())
        })
        .await;
        setup.worker.shutdown();
        setup.profile.clone()
    });
    let me: BareJid = "juliet@balcony.test".parse().expect("jid");
    {
        let mut store = Store::open(&profile.database_path()).expect("store");
        assert_eq!(
            store.roster(&me).expect("roster").1.len(),
            CONTACTS,
            "the roster synced"
        );
        let messages: Vec<NewMessage> = (0..MESSAGES)
            .map(|i| NewMessage {
                peer: format!("contact{}@balcony.test", i % CONVERSATIONS)
                    .parse()
                    .expect("jid"),
                kind: ChatKind::Chat,
                outgoing: i % 3 == 0,
                sender: "x".into(),
                body: format!("message number {i} with a little text in it"),
                origin_id: Some(format!("o{i}")),
                stanza_id: None,
                timestamp_ms: 1_700_000_000_000 + (i as i64) * 1000,
                state: DeliveryState::Received,
                encryption: Default::default(),
            })
            .collect();
        store
            .batch(|s| s.insert_messages(&me, &messages, Placement::Newest))
            .expect("messages");
    }
    let mut starts = Vec::new();
    let mut onlines = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..RUNS {
        let out = std::process::Command::new(std::env::current_exe().expect("exe"))
            .env(PROFILE_VAR, profile.dir())
            .output()
            .expect("a start");
        let text = String::from_utf8_lossy(&out.stdout);
        let sample = text
            .lines()
            .find_map(|l| l.strip_prefix("sample: "))
            .unwrap_or_else(|| panic!("no sample from a start: {}", String::from_utf8_lossy(&out.stderr)));
        if let Some(ms) = text
            .lines()
            .find_map(|l| l.strip_prefix("online: "))
            .and_then(|v| v.parse::<f64>().ok())
        {
            onlines.push(ms);
        }
        let (start, memory) = sample.split_once(' ').expect("two figures");
        starts.push(start.parse::<f64>().expect("start"));
        // `error: …` when the child could not read its memory.
        rss.push(match memory.strip_prefix("error: ") {
            Some(e) => Err(e.to_owned()),
            None => memory
                .parse::<f64>()
                .map_err(|e| format!("bad rss sample {memory:?}: {e}")),
        });
    }
    let scratch = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-paint");
    let (mut paints, mut bares) = paint::measure(profile.dir(), &scratch, RUNS);
    let _ = std::fs::remove_dir_all(&scratch);
    let _ = std::fs::remove_dir_all(profile.dir());
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let list = |v: &[f64]| v.iter().map(|x| format!("{x:.0}")).collect::<Vec<_>>().join(", ");
    let start = median(&mut starts);
    let online = median(&mut onlines);
    let verdict = |ok: bool| if ok { "ok" } else { "over" };
    println!(
        "bench: start {start:.0} ms budget <= 200 {} (median of {RUNS} starts: {} ms; from main to the cached conversation list drawn, the cached roster loaded; {CONTACTS} contacts, {MESSAGES} messages in {CONVERSATIONS} conversations, Prosody reachable; release build; bound and online after {online:.0} ms, median: {} ms)",
        verdict(start <= 200.0),
        list(&starts),
        list(&onlines)
    );
    let (paint_list, bare_list) = (list(&paints), list(&bares));
    let (paint, bare) = (median(&mut paints), median(&mut bares));
    println!(
        "bench: paint {paint:.0} ms budget <= {:.0} {} (1.15 x a bare libadwaita window's {bare:.0} ms, ratio {:.2}; exec of the app to its window's first drawn frame on a fresh copy of the profile above, median of {RUNS}: {paint_list} ms; the bare window, a header bar and a status page, the same way: {bare_list} ms)",
        1.15 * bare,
        verdict(paint <= 1.15 * bare),
        paint / bare
    );
    println!(
        "{}",
        support::memory::rss_line(
            &rss,
            120.0,
            "VmRSS once connected and synced, idle 3 s, then a conversation open"
        )
    );
}

/// One start, in a process of its own: prints `sample: <ms> <MB>`.
fn start_once(profile: Profile) {
    let start = Instant::now();
    support::ui::init();
    let client = Client::new(profile).expect("client");
    let window = Window::new(None, &client, None);
    window.set_default_size(900, 700);
    window.present();
    // Checked after every main-loop iteration, so that the time is exact.
    let ctx = glib::MainContext::default();
    let loaded = || {
        client.primary_account().is_some_and(|a| {
            a.conversations().n_items() as usize == CONVERSATIONS && a.roster().len() == CONTACTS
        })
    };
    // Noted when the account's status changes, also while GTK waits for a
    // draw below (checking between iterations here would miss that).
    let online_at: Rc<Cell<Option<Duration>>> = Rc::default();
    let mut watching = false;
    let mut watch_online = |client: &Client| {
        if watching {
            return;
        }
        if let Some(account) = client.primary_account() {
            watching = true;
            let note = move |at: &Cell<Option<Duration>>, account: &balcony::model::Account| {
                if at.get().is_none() && account.status() == ConnectionStatus::Online {
                    at.set(Some(start.elapsed()));
                }
            };
            note(&online_at, &account);
            let at = online_at.clone();
            account.connect_status_notify(move |account| note(&at, account));
        }
    };
    while !loaded() {
        watch_online(&client);
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the cached lists never came"
        );
        ctx.iteration(true);
    }
    gtk::test_widget_wait_for_draw(&window);
    let started = start.elapsed().as_secs_f64() * 1000.0;
    // Connected and synced (roster version, archive, bookmarks), then idle.
    let account = client.primary_account().expect("account");
    while account.status() != ConnectionStatus::Online {
        assert!(start.elapsed() < Duration::from_secs(30), "never online");
        ctx.iteration(true);
    }
    watch_online(&client);
    let online = online_at.get().unwrap_or_else(|| start.elapsed()).as_secs_f64() * 1000.0;
    support::ui::pump_for(Duration::from_secs(3));
    window.main_view().open_conversation("contact7@balcony.test");
    let view = window.main_view().conversation_view();
    support::ui::pump_until("a conversation", Duration::from_secs(10), || {
        view.messages().is_some_and(|m| m.n_items() > 0)
    });
    gtk::test_widget_wait_for_draw(&window);
    support::ui::pump_for(Duration::from_millis(300));
    match support::memory::own_rss_mb() {
        Ok(mb) => println!("online: {online:.1}\nsample: {started:.1} {mb:.1}"),
        Err(e) => println!("online: {online:.1}\nsample: {started:.1} error: {e}"),
    }
    window.close();
    client.shutdown();
}
