//! Hostile and malformed stanzas from a stranger never crash the worker:
//! they get the right stanza error or are dropped (and logged), nothing
//! is stored, and the session goes on working.

mod support;

use balcony::core::bridge::Event;
use support::{accounts::online, peer::Peer, prosody::Prosody};
use xmpp_parsers::{
    jid::Jid,
    message::{Lang, Message},
    minidom::Element,
    ping::Ping,
    stanza_error::DefinedCondition,
};

fn element(xml: &str) -> Element {
    xml.parse().expect("test XML")
}

fn message(xml: &str) -> Message {
    Message::try_from(element(xml)).expect("message")
}

#[tokio::test(flavor = "multi_thread")]
async fn strangers_cannot_push_forge_or_crash() {
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("mallory", "pw-m");
    let juliet = online(&server, "malformed-juliet", "juliet", "pw-j").await;
    let target = Jid::from(juliet.full.clone());
    let mut mallory = Peer::login(&server, "mallory", "pw-m").await;

    // Pushes only our own account may send.
    let roster_push = element(
        "<query xmlns='jabber:iq:roster'><item jid='mallory@balcony.test' subscription='both'/></query>",
    );
    let refused = mallory
        .set(Some(target.clone()), roster_push)
        .await
        .expect_err("refused");
    assert_eq!(refused.defined_condition, DefinedCondition::ServiceUnavailable);
    let block_push = element("<block xmlns='urn:xmpp:blocking'><item jid='romeo@balcony.test'/></block>");
    let refused = mallory
        .set(Some(target.clone()), block_push)
        .await
        .expect_err("refused");
    assert_eq!(refused.defined_condition, DefinedCondition::ServiceUnavailable);
    let nonsense = element("<query xmlns='jabber:iq:roster'><item/><item/></query>");
    assert!(mallory.set(Some(target.clone()), nonsense).await.is_err());

    // Forged carbons, stray archive results and broken payloads.
    let to = target.to_string();
    for xml in [
        format!(
            "<message xmlns='jabber:client' to='{to}'><sent xmlns='urn:xmpp:carbons:2'>
             <forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' from='juliet@balcony.test/x'
             to='romeo@balcony.test' type='chat'><body>forged</body></message></forwarded></sent></message>"
        ),
        format!(
            "<message xmlns='jabber:client' to='{to}'><result xmlns='urn:xmpp:mam:2' queryid='nope' id='1'>
             <forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' from='romeo@balcony.test/o'
             to='juliet@balcony.test' type='chat'><body>stray</body></message></forwarded></result></message>"
        ),
        format!(
            "<message xmlns='jabber:client' to='{to}' type='chat'><received xmlns='urn:xmpp:receipts'/>
             <displayed xmlns='urn:xmpp:chat-markers:0'/><replace xmlns='urn:xmpp:message-correct:0'/>
             <composing xmlns='http://jabber.org/protocol/chatstates'><junk/></composing></message>"
        ),
        format!("<message xmlns='jabber:client' to='{to}' type='chat'><body>   </body></message>"),
    ] {
        mallory.send(message(&xml)).await;
    }
    let bad_caps = element(&format!(
        "<presence xmlns='jabber:client' to='{to}'><c xmlns='http://jabber.org/protocol/caps' hash='md99'
         node='x' ver='!!!'/></presence>"
    ));
    mallory
        .send(xmpp_parsers::presence::Presence::try_from(bad_caps).expect("presence"))
        .await;

    // Still alive: it answers, and a real message is stored (and only it).
    assert!(mallory.get(&target, Ping.into()).await.expect("pong").is_none());
    let mut real = Message::chat(Some(target.clone()));
    real.bodies.insert(Lang::default(), "a real one".into());
    mallory.send(real).await;
    let stored = juliet
        .expect(|ev| match ev {
            Event::MessagesAdded { messages, .. } => Some(messages.clone()),
            _ => None,
        })
        .await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].message.body, "a real one");
    let mallory_jid = mallory.jid.to_bare();
    assert_eq!(
        juliet
            .store()
            .count_messages(&juliet.jid, &mallory_jid)
            .expect("count"),
        1
    );
    let (_, roster) = juliet.store().roster(&juliet.jid).expect("roster");
    assert!(roster.iter().all(|i| i.jid != mallory_jid), "no pushed contact");
    assert!(juliet
        .store()
        .blocklist(&juliet.jid)
        .expect("blocklist")
        .is_empty());
    let romeo: xmpp_parsers::jid::BareJid = "romeo@balcony.test".parse().expect("jid");
    assert_eq!(
        juliet.store().count_messages(&juliet.jid, &romeo).expect("count"),
        0,
        "nothing forged"
    );
    juliet.worker.shutdown();
}

/// Makes `a` (a worker) and `b` (a bare peer) subscribed both ways.
async fn mutual_subscription(a: &support::accounts::Online, b: &mut Peer) {
    use balcony::core::{bridge::Command, contacts::SubscriptionAction};
    use xmpp_parsers::presence::{Presence, Type};
    let a_jid = Jid::from(a.jid.clone());
    // Prosody sends subscription answers only to resources that asked
    // for the roster.
    let roster = xmpp_parsers::roster::Roster {
        ver: None,
        items: vec![],
    };
    b.get_own(roster.into()).await.expect("roster");
    a.send(Command::Subscription {
        jid: a.jid.clone(),
        contact: b.jid.to_bare(),
        action: SubscriptionAction::Request,
    });
    b.presence_where(|p| p.type_ == Type::Subscribe).await;
    b.send(Presence::new(Type::Subscribed).with_to(a_jid.clone()))
        .await;
    b.send(Presence::new(Type::Subscribe).with_to(a_jid)).await;
    let b_bare = b.jid.to_bare();
    a.expect(|ev| match ev {
        Event::SubscriptionRequest { from, .. } if *from == b_bare => Some(()),
        _ => None,
    })
    .await;
    a.send(Command::Subscription {
        jid: a.jid.clone(),
        contact: b_bare,
        action: SubscriptionAction::Approve,
    });
    b.presence_where(|p| p.type_ == Type::Subscribed).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn avatar_metadata_with_a_non_ascii_id_does_not_crash_the_session() {
    // xmpp-parsers 0.23 panicked in Hash::from_hex on such an id; it came
    // from a contact's PEP through the server like any avatar change.
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let juliet = online(&server, "malformed-avatar-juliet", "juliet", "pw-j").await;
    let mut romeo = Peer::login(&server, "romeo", "pw-r").await;
    romeo.available().await;
    mutual_subscription(&juliet, &mut romeo).await;
    let publish = element(
        "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='urn:xmpp:avatar:metadata'>\
         <item id='aä'><metadata xmlns='urn:xmpp:avatar:metadata'>\
         <info bytes='200' id='aä' type='image/png'/></metadata></item></publish></pubsub>",
    );
    romeo.set(None, publish).await.expect("published");
    // The server delivered it: Prosody logs the notification to juliet.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !server.log().contains("urn:xmpp:avatar:metadata") && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The session lives on: a message sent after it arrives.
    let mut after = Message::chat(Some(Jid::from(juliet.full.clone())));
    after.bodies.insert(Lang::default(), "still there?".into());
    romeo.send(after).await;
    let stored = juliet
        .expect(|ev| match ev {
            Event::MessagesAdded { messages, .. } => Some(messages.clone()),
            _ => None,
        })
        .await;
    assert_eq!(stored[0].message.body, "still there?");
    juliet.worker.shutdown();
}

fn nested_payload(levels: usize) -> Element {
    format!(
        "<deep xmlns='urn:balcony:test:deep'>{}x{}</deep>",
        "<a>".repeat(levels - 1),
        "</a>".repeat(levels - 1)
    )
    .parse()
    .expect("test XML")
}

#[test]
fn stanzas_nested_past_the_depth_limit_are_refused_and_the_session_goes_on() {
    // Only this test's own peer needs deep stacks to write such stanzas;
    // Balcony's worker runs on its own runtime with ordinary ones.
    const BIG: usize = 256 << 20;
    std::thread::Builder::new()
        .stack_size(BIG)
        .spawn(|| {
            tokio::runtime::Builder::new_multi_thread()
                .thread_stack_size(BIG)
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(deep_stanzas())
        })
        .expect("thread")
        .join()
        .expect("the test passed");
}

async fn deep_stanzas() {
    use balcony::core::xmpp::connection::depth_limit::MAX_DEPTH;
    use tokio_xmpp::IqRequest;
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("mallory", "pw-m");
    let juliet = online(&server, "malformed-deep-juliet", "juliet", "pw-j").await;
    let target = Jid::from(juliet.full.clone());
    let mut mallory = Peer::login(&server, "mallory", "pw-m").await;

    // The stream's root is level 1 and the IQ level 2: a payload of
    // MAX_DEPTH - 2 levels is at the limit, one more is past it.
    let at_limit = mallory
        .iq(
            Some(target.clone()),
            IqRequest::Get(nested_payload(MAX_DEPTH - 2)),
        )
        .await
        .expect_err("an unknown request");
    assert_eq!(at_limit.defined_condition, DefinedCondition::ServiceUnavailable);
    let past = mallory
        .iq(
            Some(target.clone()),
            IqRequest::Get(nested_payload(MAX_DEPTH - 1)),
        )
        .await
        .expect_err("refused");
    assert_eq!(past.defined_condition, DefinedCondition::BadRequest);
    let deep = mallory
        .iq(Some(target.clone()), IqRequest::Set(nested_payload(5_000)))
        .await
        .expect_err("refused");
    assert_eq!(deep.defined_condition, DefinedCondition::BadRequest);
    assert!(
        deep.texts.values().any(|t| t.contains("nested too deeply")),
        "{deep:?}"
    );

    // A message and a presence 5,000 deep are dropped, quickly (Balcony
    // took 1.5 s to parse such a message before the limit).
    let mut message = Message::chat(Some(target.clone()));
    message.bodies.insert(Lang::default(), "deep".into());
    message.payloads.push(nested_payload(5_000));
    mallory.send(message).await;
    let mut presence = xmpp_parsers::presence::Presence::available().with_to(target.clone());
    presence.payloads.push(nested_payload(5_000));
    mallory.send(presence).await;
    let started = std::time::Instant::now();
    let mut real = Message::chat(Some(target.clone()));
    real.bodies.insert(Lang::default(), "after the deep ones".into());
    mallory.send(real).await;
    let stored = juliet
        .expect(|ev| match ev {
            Event::MessagesAdded { messages, .. } => Some(messages.clone()),
            _ => None,
        })
        .await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].message.body, "after the deep ones");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    juliet.worker.shutdown();
}
