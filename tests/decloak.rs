//! Presence decloaking (XEP-0276) on a real Prosody: juliet is a Balcony
//! core; strangers (no subscription) are bare clients or a second Balcony
//! core. Nothing is shared without consent; each answer does what it says.

mod support;

use std::time::Duration;

use balcony::core::{
    bridge::{Command, Event},
    privacy::{DecloakAnswer, DecloakPolicy, DecloakReason, DecloakRule, RuleScope},
};
use support::{
    accounts::{online, Online},
    events::drain_for,
    peer::Peer,
    prosody::{Prosody, DOMAIN},
};
use tokio::sync::oneshot;
use xmpp_parsers::{
    jid::{BareJid, Jid},
    minidom::Element,
    presence::{Presence, Type as PresenceType},
};

fn request(to: &BareJid, ns: &str, name: &str, reason: Option<&str>) -> Presence {
    let mut e = Element::builder(name, ns);
    if let Some(r) = reason {
        e = e.attr(xmpp_parsers::minidom::rxml::xml_ncname!("reason").to_owned(), r);
    }
    Presence::available()
        .with_to(Jid::from(to.clone()))
        .with_payloads(vec![e.build()])
}

fn decloak(to: &BareJid, reason: &str) -> Presence {
    request(to, "urn:xmpp:decloak:0", "decloak", Some(reason))
}

async fn asked(juliet: &Online, from: &BareJid) -> balcony::core::privacy::DecloakRequest {
    juliet
        .expect(|ev| match ev {
            Event::DecloakRequested { request, .. } if request.from == *from => Some(request.clone()),
            _ => None,
        })
        .await
}

fn answer(juliet: &Online, from: &BareJid, answer: DecloakAnswer) {
    juliet.send(Command::AnswerDecloak {
        jid: juliet.jid.clone(),
        from: from.clone(),
        answer,
    });
}

fn requests_in(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, Event::DecloakRequested { .. }))
        .count()
}

async fn rules(juliet: &Online) -> Vec<DecloakRule> {
    let (reply, rx) = oneshot::channel();
    juliet.send(Command::ListDecloakRules {
        jid: juliet.jid.clone(),
        reply,
    });
    rx.await.expect("answer").expect("rules")
}

async fn setup(name: &str, users: &[&str]) -> (Prosody, Online) {
    let server = Prosody::start();
    server.register("juliet", "pw");
    for u in users {
        server.register(u, "pw");
    }
    let juliet = online(&server, name, "juliet", "pw").await;
    (server, juliet)
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_without_consent_then_share_once_sends_one_caps_only_presence() {
    let (server, juliet) = setup("decloak-once", &["tybalt"]).await;
    let me = juliet.jid.clone();
    let mut tybalt = Peer::login(&server, "tybalt", "pw").await;
    tybalt.available().await;
    let tybalt_bare = tybalt.jid.to_bare();
    tybalt.send(decloak(&me, "media")).await;
    let question = asked(&juliet, &tybalt_bare).await;
    assert_eq!(question.reason, DecloakReason::Media);
    assert!(!question.in_roster);
    assert_eq!(question.resources, vec![tybalt.jid.clone()]);
    let nothing = tybalt.presences_from(&me, Duration::from_secs(3)).await;
    assert!(nothing.is_empty(), "no presence before consent: {nothing:?}");

    answer(&juliet, &tybalt_bare, DecloakAnswer::ShareOnce);
    let shared = tybalt.presences_from(&me, Duration::from_secs(3)).await;
    assert_eq!(shared.len(), 1, "exactly one presence: {shared:?}");
    let p = &shared[0];
    assert_eq!(p.type_, PresenceType::None);
    assert_eq!(
        p.to.as_ref(),
        Some(&Jid::from(tybalt.jid.clone())),
        "to the resource that asked"
    );
    assert!(
        p.show.is_none() && p.statuses.is_empty(),
        "no show or status: {p:?}"
    );
    assert_eq!(p.priority, xmpp_parsers::presence::Priority(0));
    assert!(
        p.payloads.iter().any(|e| e.is("c", xmpp_parsers::ns::CAPS)),
        "caps"
    );
    assert!(rules(&juliet).await.is_empty(), "share once remembers nothing");

    // Closing the conversation withdraws it.
    juliet.send(Command::WithdrawPresence {
        jid: me.clone(),
        peer: tybalt_bare.clone(),
    });
    let gone = tybalt.presences_from(&me, Duration::from_secs(3)).await;
    assert!(
        gone.iter().any(|p| p.type_ == PresenceType::Unavailable),
        "withdrawn with unavailable: {gone:?}"
    );
    juliet.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn always_rules_answer_by_themselves_until_revoked() {
    let (server, juliet) = setup("decloak-always", &["tybalt", "nurse"]).await;
    let me = juliet.jid.clone();
    let mut tybalt = Peer::login(&server, "tybalt", "pw").await;
    tybalt.available().await;
    let tybalt_bare = tybalt.jid.to_bare();

    tybalt.send(decloak(&me, "text")).await;
    asked(&juliet, &tybalt_bare).await;
    answer(&juliet, &tybalt_bare, DecloakAnswer::AlwaysForContact);
    assert_eq!(tybalt.presences_from(&me, Duration::from_secs(2)).await.len(), 1);
    let contact_rule = DecloakRule {
        scope: RuleScope::Contact,
        target: tybalt_bare.to_string(),
    };
    assert_eq!(rules(&juliet).await, vec![contact_rule.clone()]);

    // Asked again: answered at once, without a question.
    tybalt.send(decloak(&me, "text")).await;
    let shared = tybalt.presences_from(&me, Duration::from_secs(3)).await;
    assert_eq!(shared.len(), 1, "answered by the rule: {shared:?}");
    let events = drain_for(&juliet.events, Duration::from_millis(300)).await;
    assert_eq!(requests_in(&events), 0, "no question: {events:?}");

    // Revoked: asked again, and nothing is shared meanwhile.
    let (reply, rx) = oneshot::channel();
    juliet.send(Command::RevokeDecloakRule {
        jid: me.clone(),
        rule: contact_rule,
        reply,
    });
    assert!(rx.await.expect("answer").expect("revoked").is_empty());
    tybalt.send(decloak(&me, "text")).await;
    asked(&juliet, &tybalt_bare).await;
    assert!(tybalt
        .presences_from(&me, Duration::from_secs(3))
        .await
        .is_empty());
    answer(&juliet, &tybalt_bare, DecloakAnswer::Ignore);

    // A domain rule covers everyone of the domain.
    let mut nurse = Peer::login(&server, "nurse", "pw").await;
    nurse.available().await;
    let nurse_bare = nurse.jid.to_bare();
    nurse.send(decloak(&me, "file")).await;
    asked(&juliet, &nurse_bare).await;
    answer(&juliet, &nurse_bare, DecloakAnswer::AlwaysForDomain);
    assert_eq!(nurse.presences_from(&me, Duration::from_secs(2)).await.len(), 1);
    let domain_rule = DecloakRule {
        scope: RuleScope::Domain,
        target: DOMAIN.into(),
    };
    assert_eq!(rules(&juliet).await, vec![domain_rule.clone()]);
    nurse.send(decloak(&me, "file")).await;
    assert_eq!(nurse.presences_from(&me, Duration::from_secs(2)).await.len(), 1);
    let (reply, rx) = oneshot::channel();
    juliet.send(Command::RevokeDecloakRule {
        jid: me.clone(),
        rule: domain_rule,
        reply,
    });
    assert!(rx.await.expect("answer").expect("revoked").is_empty());
    nurse.send(decloak(&me, "file")).await;
    asked(&juliet, &nurse_bare).await;
    assert!(nurse.presences_from(&me, Duration::from_secs(3)).await.is_empty());
    juliet.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_gives_one_question_and_blocked_or_ignored_requesters_get_nothing() {
    let (server, juliet) = setup("decloak-burst", &["mallory", "tybalt"]).await;
    let me = juliet.jid.clone();
    let mut mallory = Peer::login(&server, "mallory", "pw").await;
    mallory.available().await;
    let mallory_bare = mallory.jid.to_bare();
    for _ in 0..100 {
        mallory.send(decloak(&me, "media")).await;
    }
    let events = drain_for(&juliet.events, Duration::from_secs(2)).await;
    assert_eq!(requests_in(&events), 1, "one question for the burst");
    // Ignored: later requests this session are dropped without a question.
    answer(&juliet, &mallory_bare, DecloakAnswer::Ignore);
    mallory.send(decloak(&me, "media")).await;
    let events = drain_for(&juliet.events, Duration::from_secs(1)).await;
    assert_eq!(requests_in(&events), 0);
    assert!(mallory
        .presences_from(&me, Duration::from_secs(1))
        .await
        .is_empty());

    // Blocked: dropped silently (the server would bounce presence, so the
    // block is in our store and list, and the request is dropped by us).
    let mut tybalt = Peer::login(&server, "tybalt", "pw").await;
    tybalt.available().await;
    let tybalt_bare = tybalt.jid.to_bare();
    tybalt.send(decloak(&me, "text")).await;
    asked(&juliet, &tybalt_bare).await;
    answer(&juliet, &tybalt_bare, DecloakAnswer::Block);
    juliet
        .expect(|ev| match ev {
            Event::BlocklistChanged {
                blocked: true, items, ..
            } if items.contains(&Jid::from(tybalt_bare.clone())) => Some(()),
            _ => None,
        })
        .await;
    tybalt.send(decloak(&me, "text")).await;
    let events = drain_for(&juliet.events, Duration::from_secs(1)).await;
    assert_eq!(requests_in(&events), 0);
    // The session still serves: a message after all of it arrives.
    let mut m = xmpp_parsers::message::Message::chat(Some(Jid::from(me.clone())));
    m.bodies.insert(Default::default(), "still there?".into());
    mallory.send(m).await;
    assert_eq!(juliet.next_body().await, "still there?");
    juliet.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn legacy_namespaces_malformed_requests_and_the_ignore_policy() {
    let (server, juliet) = setup("decloak-legacy", &["tybalt", "nurse", "paris"]).await;
    let me = juliet.jid.clone();
    let mut tybalt = Peer::login(&server, "tybalt", "pw").await;
    tybalt.available().await;
    let tybalt_bare = tybalt.jid.to_bare();
    tybalt
        .send(request(
            &me,
            "http://telepathy.freedesktop.org/xmpp/protocol/decloak",
            "decloak",
            Some("text"),
        ))
        .await;
    assert_eq!(asked(&juliet, &tybalt_bare).await.reason, DecloakReason::Text);
    answer(&juliet, &tybalt_bare, DecloakAnswer::ShareOnce);
    assert_eq!(tybalt.presences_from(&me, Duration::from_secs(2)).await.len(), 1);

    let mut nurse = Peer::login(&server, "nurse", "pw").await;
    nurse.available().await;
    let nurse_bare = nurse.jid.to_bare();
    nurse
        .send(request(&me, "urn:xmpp:temppres:0", "temppres", None))
        .await;
    assert_eq!(
        asked(&juliet, &nurse_bare).await.reason,
        DecloakReason::Unspecified
    );
    answer(&juliet, &nurse_bare, DecloakAnswer::Ignore);

    // Malformed: an unknown reason is shown as it is; a wrong namespace,
    // unavailable presence or a subscription request are not requests.
    let mut paris = Peer::login(&server, "paris", "pw").await;
    paris.available().await;
    let paris_bare = paris.jid.to_bare();
    paris
        .send(request(&me, "urn:xmpp:decloak:1", "decloak", Some("text")))
        .await;
    let unavailable = Presence::new(PresenceType::Unavailable)
        .with_to(Jid::from(me.clone()))
        .with_payloads(vec![Element::builder("decloak", "urn:xmpp:decloak:0").build()]);
    paris.send(unavailable).await;
    let events = drain_for(&juliet.events, Duration::from_secs(1)).await;
    assert_eq!(requests_in(&events), 0, "{events:?}");
    paris.send(decloak(&me, "<dance>")).await;
    assert_eq!(
        asked(&juliet, &paris_bare).await.reason,
        DecloakReason::Other("<dance>".into())
    );
    answer(&juliet, &paris_bare, DecloakAnswer::Ignore);

    // The default policy "ignore" drops requests without asking.
    juliet.send(Command::SetDecloakPolicy {
        policy: DecloakPolicy::Ignore,
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = Peer::login(&server, "tybalt", "pw").await;
    again.available().await;
    again.send(decloak(&me, "text")).await;
    let events = drain_for(&juliet.events, Duration::from_secs(1)).await;
    assert_eq!(requests_in(&events), 0, "the ignore policy asks nothing");
    assert!(again.presences_from(&me, Duration::from_secs(1)).await.is_empty());
    juliet.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_balcony_sees_who_answered() {
    let (server, juliet) = setup("decloak-answered-juliet", &["romeo"]).await;
    let romeo = online(&server, "decloak-answered-romeo", "romeo", "pw").await;
    let me = juliet.jid.clone();
    let (reply, rx) = oneshot::channel();
    romeo.send(Command::RequestPresence {
        jid: romeo.jid.clone(),
        to: me.clone(),
        reason: DecloakReason::Text,
        reply,
    });
    let question = asked(&juliet, &romeo.jid).await;
    assert_eq!(question.reason, DecloakReason::Text);
    answer(&juliet, &romeo.jid, DecloakAnswer::ShareOnce);
    let answers = rx.await.expect("answer").expect("online");
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(answers[0].from, juliet.full);
    assert_eq!(answers[0].client.as_deref(), Some("Balcony"));
    assert_eq!(answers[0].kind.as_deref(), Some("pc"));
    assert!(answers[0].features > 5);

    // Nobody answers: an empty list after the wait.
    let (reply, rx) = oneshot::channel();
    let nobody: BareJid = format!("nobody@{DOMAIN}").parse().expect("jid");
    romeo.send(Command::RequestPresence {
        jid: romeo.jid.clone(),
        to: nobody,
        reason: DecloakReason::File,
        reply,
    });
    assert!(rx.await.expect("answer").expect("online").is_empty());
    juliet.worker.shutdown();
    romeo.worker.shutdown();
}
