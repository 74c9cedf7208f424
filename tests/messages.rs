//! One-to-one chat between two Balcony workers on Prosody, with a third
//! client as juliet's second resource: origin-id, receipts, displayed
//! markers, chat states, corrections, carbons both ways, SM acks, and
//! deduplication, checked in both stores and by the other side.

mod support;

use balcony::core::{
    bridge::{Command, Event},
    message::{ChatState, DeliveryState},
};
use support::{accounts::online, peer::Peer, prosody::Prosody};
use xmpp_parsers::{
    carbons::Sent,
    jid::Jid,
    message::{Id, Lang, Message},
    ns,
};

fn added_body(ev: &Event) -> Option<(String, bool)> {
    match ev {
        Event::MessagesAdded { messages, .. } => messages
            .first()
            .map(|m| (m.message.body.clone(), m.message.outgoing)),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn chat_with_receipts_markers_states_corrections_and_carbons() {
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let juliet = online(&server, "msg-juliet", "juliet", "pw-j").await;
    let romeo = online(&server, "msg-romeo", "romeo", "pw-r").await;
    // juliet's phone: a second resource that must see carbons.
    let mut phone = Peer::login(&server, "juliet", "pw-j").await;
    phone.available().await;
    phone
        .set(None, xmpp_parsers::carbons::Enable.into())
        .await
        .expect("carbons on the phone");

    // juliet -> romeo: stored pending, sent, acked by the server, then
    // received (romeo's receipt).
    juliet.send(Command::SendMessage {
        jid: juliet.jid.clone(),
        to: romeo.jid.clone(),
        body: "Hello Romeo".into(),
    });
    let origin_id = juliet
        .expect(|ev| match ev {
            Event::MessagesAdded { messages, .. } => {
                let m = &messages[0].message;
                assert_eq!(m.state, DeliveryState::Pending);
                m.origin_id.clone()
            }
            _ => None,
        })
        .await;
    let mut states = Vec::new();
    while states.last() != Some(&DeliveryState::Received) {
        states.push(
            juliet
                .expect(|ev| match ev {
                    Event::MessageStateChanged {
                        origin_id: o, state, ..
                    } if *o == origin_id => Some(*state),
                    _ => None,
                })
                .await,
        );
    }
    // States only rise. The server's ack may lose the race to romeo's
    // receipt (then Acked is skipped); the empty outbox at the end shows
    // that the ack came.
    assert!(states.windows(2).all(|w| w[0] < w[1]), "{states:?}");
    let got = romeo.expect(added_body).await;
    assert_eq!(got, ("Hello Romeo".to_owned(), false));
    // The phone saw a sent carbon with our origin-id.
    let carbon = phone
        .message_where(|m| m.payloads.iter().any(|p| p.is("sent", ns::CARBONS)))
        .await;
    let sent = Sent::try_from(
        carbon
            .payloads
            .iter()
            .find(|p| p.is("sent", ns::CARBONS))
            .cloned()
            .expect("sent"),
    )
    .expect("carbon");
    assert_eq!(sent.forwarded.message.id, Some(Id(origin_id.clone())));

    // romeo displays it: juliet's message becomes Displayed.
    romeo.send(Command::MarkDisplayed {
        jid: romeo.jid.clone(),
        to: juliet.jid.clone(),
        id: origin_id.clone(),
    });
    juliet
        .expect(|ev| match ev {
            Event::MessageStateChanged {
                origin_id: o,
                state: DeliveryState::Displayed,
                ..
            } if *o == origin_id => Some(()),
            _ => None,
        })
        .await;

    // Chat state.
    romeo.send(Command::SendChatState {
        jid: romeo.jid.clone(),
        to: juliet.jid.clone(),
        state: ChatState::Composing,
    });
    juliet
        .expect(|ev| match ev {
            Event::ChatStateChanged {
                state: ChatState::Composing,
                peer,
                ..
            } if *peer == romeo.jid => Some(()),
            _ => None,
        })
        .await;

    // Correction: romeo's store shows the new text.
    juliet.send(Command::CorrectMessage {
        jid: juliet.jid.clone(),
        to: romeo.jid.clone(),
        replaces: origin_id.clone(),
        body: "Hello, Romeo!".into(),
    });
    romeo
        .expect(|ev| match ev {
            Event::MessageCorrected { correction, .. } if correction.replaces == origin_id => Some(()),
            _ => None,
        })
        .await;
    let romeo_view = romeo
        .store()
        .recent_messages(&romeo.jid, &juliet.jid, 10)
        .expect("read");
    assert_eq!(romeo_view.len(), 1);
    assert_eq!(romeo_view[0].message.body, "Hello, Romeo!");
    assert!(romeo_view[0].corrected);

    // The phone writes to romeo: juliet's worker stores the sent carbon as
    // outgoing. romeo answers the phone: juliet stores the received carbon.
    let mut from_phone = Message::chat(Some(Jid::from(romeo.jid.clone())));
    from_phone.id = Some(Id("phone-1".into()));
    from_phone.bodies.insert(Lang::default(), "from my phone".into());
    phone.send(from_phone).await;
    assert_eq!(
        juliet.expect(added_body).await,
        ("from my phone".to_owned(), true)
    );
    assert_eq!(
        romeo.expect(added_body).await,
        ("from my phone".to_owned(), false)
    );
    let mut to_phone = Message::chat(Some(Jid::from(phone.jid.clone())));
    to_phone.bodies.insert(Lang::default(), "to your phone".into());
    let mut romeo_raw = Peer::login(&server, "romeo", "pw-r").await;
    romeo_raw.send(to_phone).await;
    assert_eq!(
        juliet.expect(added_body).await,
        ("to your phone".to_owned(), false)
    );

    // Each store holds each message once.
    let view = juliet
        .store()
        .recent_messages(&juliet.jid, &romeo.jid, 10)
        .expect("read");
    let bodies: Vec<_> = view
        .iter()
        .map(|m| (m.message.body.as_str(), m.message.outgoing))
        .collect();
    assert_eq!(
        bodies,
        vec![
            ("Hello, Romeo!", true),
            ("from my phone", true),
            ("to your phone", false)
        ]
    );
    assert_eq!(view[0].message.state, DeliveryState::Displayed);
    assert!(
        juliet.store().outbox(&juliet.jid).expect("outbox").is_empty(),
        "acked messages left the outbox"
    );
    juliet.worker.shutdown();
    romeo.worker.shutdown();
}
