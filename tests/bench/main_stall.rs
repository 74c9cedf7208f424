//! `make bench` (under Xvfb): the longest main-loop stall while the app
//! catches up 10,000 archived messages (MAM, Prosody with SQL storage)
//! with that conversation open. The window is up and idle before the
//! account connects, so start-up work is not counted.

#[path = "../support/mod.rs"]
mod support;

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use adw::prelude::*;
use balcony::{
    core::{
        bridge::{Event, OwnPresence},
        store::Store,
    },
    model::{Client, ConnectionStatus},
    ui::Window,
};
use support::{
    accounts::online,
    events::wait_for,
    peer::Peer,
    prosody::{Prosody, ARCHIVE_CONFIG},
};
use tokio_xmpp::{IqRequest, Stanza};
use xmpp_parsers::{
    jid::{BareJid, Jid},
    message::{Lang, Message},
    ping::Ping,
};

const MESSAGES: usize = 10_000;

fn main() {
    // As the app's own `main` does first.
    balcony::ui::prepare_environment();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = Prosody::start_with(&[], ARCHIVE_CONFIG);
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let juliet: BareJid = "juliet@balcony.test".parse().expect("jid");
    let romeo: BareJid = "romeo@balcony.test".parse().expect("jid");
    // juliet's profile is made while the archive is empty; then romeo writes.
    let profile = runtime.block_on(async {
        let first = online(&server, "bench-main-stall", "juliet", "pw-j").await;
        wait_for(&first.events, Duration::from_secs(30), |ev| {
            matches!(ev, Event::CatchUpFinished { .. }).then_some(())
        })
        .await;
        let profile = first.profile.clone();
        first.worker.shutdown();
        let mut peer = Peer::login(&server, "romeo", "pw-r").await;
        for i in 0..MESSAGES {
            let mut m = Message::chat(Some(Jid::from(juliet.clone())));
            m.bodies.insert(Lang::default(), format!("archived message {i}"));
            peer.send(m).await;
        }
        // A ping to the server is answered after everything sent before it
        // was handled (and archived); with SQL storage that takes a while.
        let domain: Jid = "balcony.test".parse().expect("domain");
        let id = peer.send_iq(Some(domain), IqRequest::Get(Ping.into())).await;
        loop {
            match peer.next_stanza(Duration::from_secs(120)).await {
                Some(Stanza::Iq(iq)) if iq.id() == id => break,
                Some(_) => {}
                None => panic!("the server did not answer the ping"),
            }
        }
        profile
    });
    {
        // Start offline: the window settles before the catch-up begins.
        let store = Store::open(&profile.database_path()).expect("store");
        let mut account = store.account(&juliet).expect("read").expect("account");
        account.enabled = false;
        store.save_account(&account).expect("save");
    }

    adw::init().expect("libadwaita");
    balcony::i18n::init();
    balcony::ui::init_resources();
    balcony::ui::init_display();
    let client = Client::new(profile.clone()).expect("client");
    let window = Window::new(None, &client, None);
    window.set_default_size(1000, 700);
    window.present();
    let ctx = glib::MainContext::default();
    let settle = |d: Duration| {
        let until = Instant::now() + d;
        while Instant::now() < until {
            while ctx.pending() {
                ctx.iteration(false);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    settle(Duration::from_secs(2));
    let account = client.primary_account().expect("account");
    window.main_view().open_conversation(romeo.as_str());
    settle(Duration::from_secs(1));

    // Stored count, watched off the main thread.
    let done = Arc::new(AtomicBool::new(false));
    {
        let (done, path, juliet, romeo) = (
            done.clone(),
            profile.database_path(),
            juliet.clone(),
            romeo.clone(),
        );
        std::thread::spawn(move || {
            let store = Store::open(&path).expect("store");
            while store.count_messages(&juliet, &romeo).unwrap_or(0) < MESSAGES as u64 {
                std::thread::sleep(Duration::from_millis(50));
            }
            done.store(true, Ordering::SeqCst);
        });
    }
    let started = Instant::now();
    client.set_presence(&account, OwnPresence::default());
    let mut iterations: Vec<Duration> = Vec::new();
    let mut done_at = None;
    loop {
        let t = Instant::now();
        if ctx.iteration(false) {
            iterations.push(t.elapsed());
        } else {
            std::thread::sleep(Duration::from_micros(500));
        }
        if done_at.is_none() && done.load(Ordering::SeqCst) {
            done_at = Some(Instant::now());
        }
        // Half a second more for the last events to reach the UI.
        if done_at.is_some_and(|d| d.elapsed() > Duration::from_millis(500)) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "catch-up did not finish"
        );
    }
    assert_eq!(account.status(), ConnectionStatus::Online);
    let caught_up = done_at.map(|d| d - started).unwrap_or_default();
    iterations.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let worst = ms(iterations[iterations.len() - 1]);
    let p99 = ms(iterations[iterations.len() * 99 / 100]);
    let verdict = if worst <= 16.0 { "ok" } else { "over" };
    println!(
        "bench: main_stall {worst:.1} ms budget <= 16 {verdict} (longest main-loop iteration while {MESSAGES} archived messages were caught up in {:.1} s with that conversation open; {} iterations, 99th percentile {p99:.1} ms)",
        caught_up.as_secs_f64(),
        iterations.len()
    );
    window.close();
}
