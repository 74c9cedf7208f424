//! Blocking (XEP-0191) through the worker, as the server enforces it.

mod support;

use std::time::Duration;

use balcony::core::bridge::{Command, Event};
use support::{accounts::online, peer::Peer, prosody::Prosody};
use xmpp_parsers::{
    blocking::{BlocklistRequest, BlocklistResult},
    jid::Jid,
    message::{Lang, Message, MessageType},
};

fn chat(to: &Jid, body: &str) -> Message {
    let mut m = Message::chat(Some(to.clone()));
    m.bodies.insert(Lang::default(), body.into());
    m
}

#[tokio::test(flavor = "multi_thread")]
async fn block_and_unblock_are_enforced_by_the_server() {
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("tybalt", "pw-t");
    let juliet = online(&server, "block-juliet", "juliet", "pw-j").await;
    let initial = juliet
        .expect(|ev| match ev {
            Event::BlocklistReplaced { items, .. } => Some(items.clone()),
            _ => None,
        })
        .await;
    assert!(initial.is_empty());
    let mut tybalt = Peer::login(&server, "tybalt", "pw-t").await;
    let tybalt_jid = Jid::from(tybalt.jid.to_bare());
    let juliet_jid = Jid::from(juliet.jid.clone());

    juliet.send(Command::SetBlocked {
        jid: juliet.jid.clone(),
        items: vec![tybalt_jid.clone()],
        blocked: true,
    });
    juliet
        .expect(|ev| match ev {
            Event::BlocklistChanged {
                items, blocked: true, ..
            } if items == &vec![tybalt_jid.clone()] => Some(()),
            _ => None,
        })
        .await;
    assert_eq!(
        juliet.store().blocklist(&juliet.jid).expect("cached"),
        vec![tybalt_jid.clone()]
    );
    // The server keeps the list and bounces tybalt's message.
    let mut phone = Peer::login(&server, "juliet", "pw-j").await;
    let list = BlocklistResult::try_from(
        phone
            .get_own(BlocklistRequest.into())
            .await
            .expect("list")
            .expect("payload"),
    )
    .expect("blocklist");
    assert_eq!(list.items, vec![tybalt_jid.clone()]);
    tybalt.send(chat(&juliet_jid, "let me in")).await;
    tybalt.message_where(|m| m.type_ == MessageType::Error).await;
    let nothing = tokio::time::timeout(
        Duration::from_millis(700),
        juliet.expect(|ev| matches!(ev, Event::MessagesAdded { .. }).then_some(())),
    )
    .await;
    assert!(nothing.is_err(), "a blocked contact's message never arrives");

    // Unblocking lets messages through again.
    juliet.send(Command::SetBlocked {
        jid: juliet.jid.clone(),
        items: vec![tybalt_jid.clone()],
        blocked: false,
    });
    juliet
        .expect(|ev| match ev {
            Event::BlocklistChanged { blocked: false, .. } => Some(()),
            _ => None,
        })
        .await;
    assert!(juliet.store().blocklist(&juliet.jid).expect("cached").is_empty());
    tybalt.send(chat(&juliet_jid, "truce")).await;
    assert_eq!(juliet.next_body().await, "truce");
    juliet.worker.shutdown();
}
