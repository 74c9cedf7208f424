//! Invisibility (XEP-0186 in its three namespaces, and XEP-0126 privacy
//! lists) as contacts observe it on a real Prosody: the server side of
//! XEP-0186 is our module `tests/prosody-modules/mod_balcony_invisible.lua`,
//! set to announce one namespace per server; privacy lists are Debian's
//! `mod_privacy_lists` (prosody-modules).
//!
//! juliet is a Balcony core; romeo and nurse are bare clients subscribed
//! to her both ways. Each run checks: going invisible is seen as offline;
//! "be visible to" reaches romeo and nobody else; messages flow both ways;
//! after a fresh session and after a server restart nurse never sees an
//! available presence; going visible reaches everyone.

mod support;

use std::time::Duration;

use balcony::core::{
    bridge::{Availability, Command, ConnectionState, Event, OwnPresence},
    privacy::InvisibilityMethod,
};
use support::{accounts::online, peer::Peer, prosody::Prosody};
use xmpp_parsers::{
    jid::{BareJid, Jid},
    message::{Lang, Message},
    presence::{Presence, Type as PresenceType},
};

fn invisible() -> OwnPresence {
    OwnPresence {
        availability: Availability::Away,
        status: "not really here".into(),
        invisible: true,
        priority: 0,
    }
}

fn visible() -> OwnPresence {
    OwnPresence {
        availability: Availability::Available,
        status: String::new(),
        invisible: false,
        priority: 0,
    }
}

fn from_bare(p: &Presence, who: &BareJid) -> bool {
    p.from.as_ref().is_some_and(|f| f.to_bare() == *who)
}

fn available(ps: &[Presence]) -> usize {
    ps.iter().filter(|p| p.type_ == PresenceType::None).count()
}

fn chat(to: &Jid, body: &str) -> Message {
    let mut m = Message::chat(Some(to.clone()));
    m.bodies.insert(Lang::default(), body.into());
    m
}

async fn wait_online(juliet: &support::accounts::Online) {
    juliet
        .expect(|ev| match ev {
            Event::ConnectionChanged {
                state: ConnectionState::Online { .. },
                ..
            } => Some(()),
            _ => None,
        })
        .await;
}

async fn check_invisibility(server: &mut Prosody, name: &str, expected: InvisibilityMethod) {
    for user in ["juliet", "romeo", "nurse"] {
        server.register(user, "pw");
    }
    server.befriend("juliet", "romeo");
    server.befriend("juliet", "nurse");
    let mut romeo = Peer::online(server, "romeo", "pw").await;
    let mut nurse = Peer::online(server, "nurse", "pw").await;
    let juliet = online(&*server, name, "juliet", "pw").await;
    let me = juliet.jid.clone();
    let method = juliet
        .expect(|ev| match ev {
            Event::InvisibilitySupport { method, .. } => Some(*method),
            _ => None,
        })
        .await;
    assert_eq!(method, Some(expected), "the best method the server offers");
    romeo
        .presence_where(|p| from_bare(p, &me) && p.type_ == PresenceType::None)
        .await;
    nurse
        .presence_where(|p| from_bare(p, &me) && p.type_ == PresenceType::None)
        .await;

    // Invisible: both contacts see her go offline.
    juliet.send(Command::SetPresence {
        jid: me.clone(),
        presence: invisible(),
    });
    juliet
        .expect(|ev| match ev {
            Event::PresenceChanged { presence, .. } if presence.invisible => Some(()),
            Event::RequestFailed { detail, .. } => panic!("going invisible failed: {detail}"),
            _ => None,
        })
        .await;
    romeo
        .presence_where(|p| from_bare(p, &me) && p.type_ == PresenceType::Unavailable)
        .await;
    nurse
        .presence_where(|p| from_bare(p, &me) && p.type_ == PresenceType::Unavailable)
        .await;

    // Visible to romeo only.
    let romeo_bare = romeo.jid.to_bare();
    juliet.send(Command::SendDirectedPresence {
        jid: me.clone(),
        to: Jid::from(romeo_bare.clone()),
        available: true,
    });
    let shown = juliet
        .expect(|ev| match ev {
            Event::VisibleTo { to, .. } if !to.is_empty() => Some(to.clone()),
            _ => None,
        })
        .await;
    assert_eq!(shown, vec![Jid::from(romeo_bare.clone())]);
    let seen = romeo
        .presence_where(|p| from_bare(p, &me) && p.type_ == PresenceType::None)
        .await;
    assert_eq!(
        seen.show,
        Some(xmpp_parsers::presence::Show::Away),
        "romeo sees what she set"
    );
    let leaked = nurse.presences_from(&me, Duration::from_millis(1500)).await;
    assert_eq!(available(&leaked), 0, "nurse sees nothing: {leaked:?}");

    // Messages flow both ways while invisible.
    romeo.send(chat(&Jid::from(me.clone()), "are you there?")).await;
    assert_eq!(juliet.next_body().await, "are you there?");
    juliet.send(Command::SendMessage {
        jid: me.clone(),
        to: romeo_bare.clone(),
        body: "only for you".into(),
    });
    romeo
        .message_where(|m| m.bodies.values().any(|b| b == "only for you"))
        .await;

    // A fresh session: invisible again before any presence goes out.
    juliet.send(Command::Disconnect { jid: me.clone() });
    juliet
        .expect(|ev| match ev {
            Event::ConnectionChanged {
                state: ConnectionState::Offline { .. },
                ..
            } => Some(()),
            _ => None,
        })
        .await;
    juliet.send(Command::Connect { jid: me.clone() });
    wait_online(&juliet).await;
    let after_reconnect = juliet
        .expect(|ev| match ev {
            Event::PresenceChanged { presence, .. } => Some(presence.invisible),
            _ => None,
        })
        .await;
    assert!(after_reconnect, "invisible again on the new session");
    let leaked = nurse.presences_from(&me, Duration::from_secs(3)).await;
    assert_eq!(
        available(&leaked),
        0,
        "no presence leaked on a new session: {leaked:?}"
    );

    // A server restart: every session is new; nurse logs in again first.
    server.restart();
    let mut nurse = Peer::online(server, "nurse", "pw").await;
    wait_online(&juliet).await;
    let after_restart = juliet
        .expect(|ev| match ev {
            Event::PresenceChanged { presence, .. } => Some(presence.invisible),
            Event::RequestFailed { detail, .. } => panic!("invisible after the restart failed: {detail}"),
            _ => None,
        })
        .await;
    assert!(after_restart, "invisible again after the restart");
    let leaked = nurse.presences_from(&me, Duration::from_secs(3)).await;
    assert_eq!(
        available(&leaked),
        0,
        "no presence leaked after a restart: {leaked:?}"
    );

    // Visible again: everyone sees her.
    juliet.send(Command::SetPresence {
        jid: me.clone(),
        presence: visible(),
    });
    nurse
        .presence_where(|p| from_bare(p, &me) && p.type_ == PresenceType::None)
        .await;
    juliet
        .expect(|ev| match ev {
            Event::VisibleTo { to, .. } if to.is_empty() => Some(()),
            _ => None,
        })
        .await;
    drop(romeo);
    juliet.worker.shutdown();
}

fn with_namespace(ns: &str) -> Prosody {
    Prosody::start_with(
        &["balcony_invisible"],
        &format!("balcony_invisible_namespaces = {{ {ns:?} }}"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn invisible_with_urn_xmpp_invisible_1() {
    let mut server = with_namespace("urn:xmpp:invisible:1");
    check_invisibility(&mut server, "invisible-1", InvisibilityMethod::Invisible1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn invisible_with_urn_xmpp_invisible_0() {
    let mut server = with_namespace("urn:xmpp:invisible:0");
    check_invisibility(&mut server, "invisible-0", InvisibilityMethod::Invisible0).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn invisible_with_the_seed_namespace() {
    let mut server = with_namespace("http://jabber.org/protocol/invisibility");
    check_invisibility(&mut server, "invisible-seed", InvisibilityMethod::Seed).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn invisible_with_privacy_lists() {
    let mut server = Prosody::start_with(&["privacy_lists"], "");
    check_invisibility(&mut server, "invisible-lists", InvisibilityMethod::PrivacyLists).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_newest_namespace_is_chosen_and_none_means_unavailable() {
    let server = Prosody::start_with(&["balcony_invisible", "privacy_lists"], "");
    server.register("juliet", "pw");
    let juliet = online(&server, "invisible-newest", "juliet", "pw").await;
    let method = juliet
        .expect(|ev| match ev {
            Event::InvisibilitySupport { method, .. } => Some(*method),
            _ => None,
        })
        .await;
    assert_eq!(method, Some(InvisibilityMethod::Invisible1));
    juliet.worker.shutdown();

    let plain = Prosody::start();
    plain.register("juliet", "pw");
    let juliet = online(&plain, "invisible-none", "juliet", "pw").await;
    let method = juliet
        .expect(|ev| match ev {
            Event::InvisibilitySupport { method, .. } => Some(*method),
            _ => None,
        })
        .await;
    assert_eq!(method, None, "a server without support offers no invisibility");
    // Asked anyway, it fails clearly and sends no presence.
    juliet.send(Command::SetPresence {
        jid: juliet.jid.clone(),
        presence: invisible(),
    });
    let detail = juliet
        .expect(|ev| match ev {
            Event::RequestFailed { detail, .. } => Some(detail.clone()),
            _ => None,
        })
        .await;
    assert!(detail.contains("does not support invisibility"), "{detail}");
    let back = juliet
        .expect(|ev| match ev {
            Event::PresenceChanged { presence, .. } => Some(presence.clone()),
            _ => None,
        })
        .await;
    assert!(!back.invisible, "the UI is told she is still visible");
    juliet.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_invisibility_commands_get_errors_from_the_server_module() {
    // The server side answers what a confused client sends with an error,
    // and keeps serving; our client never sends these.
    let server = Prosody::start_with(&["balcony_invisible"], "");
    server.register("romeo", "pw");
    let mut romeo = Peer::login(&server, "romeo", "pw").await;
    let parse = |xml: &str| xml.parse::<xmpp_parsers::minidom::Element>().expect("xml");
    let bad_probe = romeo
        .set(
            None,
            parse("<invisible xmlns='urn:xmpp:invisible:1' probe='maybe'/>"),
        )
        .await;
    assert!(bad_probe.is_err(), "a probe that is not a boolean is refused");
    let wrong_ns = romeo
        .set(None, parse("<invisible xmlns='urn:xmpp:invisible:2'/>"))
        .await;
    assert!(wrong_ns.is_err(), "an unknown namespace is refused");
    let get = romeo
        .get_own(parse("<invisible xmlns='urn:xmpp:invisible:0'/>"))
        .await;
    assert!(get.is_err(), "a get is refused");
    let fine = romeo
        .set(None, parse("<invisible xmlns='urn:xmpp:invisible:1' probe='0'/>"))
        .await;
    assert!(fine.is_ok(), "{fine:?}");
}
