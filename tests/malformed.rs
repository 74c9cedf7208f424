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
