//! The same client against a second real server: Debian's ejabberd 23.01,
//! started on free loopback ports with a private spool and the test CA
//! (tests/support/ejabberd.rs). Login with SCRAM over STARTTLS (ejabberd
//! offers SCRAM-SHA-1-PLUS without announcing binding types: Balcony used
//! to pick it with tls-exporter and fail as "wrong password"), a versioned
//! roster, a message each way with receipts and carbons, archive catch-up,
//! blocking, a group chat with its history, bookmarks, and ejabberd's own
//! admin ad-hoc commands.

mod support;

use std::time::Duration;

use balcony::core::{
    bridge::{Command, ConnectionState, Event},
    contacts::{Subscription, SubscriptionAction},
    forms::Form,
    message::DeliveryState,
    rooms::Bookmark,
    xmpp::{
        modules::x0050_command_client::CommandStep,
        modules::x0050_commands::{Action, Status},
    },
};
use support::{
    accounts::{add, autoconnect_worker, config, online, online_at, Online},
    ejabberd::{Ejabberd, DOMAIN, MUC_DOMAIN},
    events::wait_for,
    peer::Peer,
    profiles::fresh as profile,
};
use tokio::sync::oneshot;
use xmpp_parsers::{
    jid::{BareJid, Jid},
    message::{Lang, Message, MessageType},
    ns,
};

fn chat(to: &Jid, body: &str) -> Message {
    let mut m = Message::chat(Some(to.clone()));
    m.bodies.insert(Lang::default(), body.into());
    m
}

fn bodies(ev: &Event) -> Option<Vec<String>> {
    match ev {
        Event::MessagesAdded { messages, .. } => {
            Some(messages.iter().map(|m| m.message.body.clone()).collect())
        }
        _ => None,
    }
}

/// juliet asks romeo, he approves and asks back, she approves.
async fn befriend(juliet: &Online, romeo: &Online) {
    juliet.send(Command::SetContact {
        jid: juliet.jid.clone(),
        contact: romeo.jid.clone(),
        name: Some("Romeo".into()),
        groups: vec!["Verona".into()],
    });
    juliet.send(Command::Subscription {
        jid: juliet.jid.clone(),
        contact: romeo.jid.clone(),
        action: SubscriptionAction::Request,
    });
    romeo
        .expect(|ev| {
            matches!(ev, Event::SubscriptionRequest { from, .. } if *from == juliet.jid).then_some(())
        })
        .await;
    for action in [SubscriptionAction::Approve, SubscriptionAction::Request] {
        romeo.send(Command::Subscription {
            jid: romeo.jid.clone(),
            contact: juliet.jid.clone(),
            action,
        });
    }
    juliet
        .expect(|ev| {
            matches!(ev, Event::SubscriptionRequest { from, .. } if *from == romeo.jid).then_some(())
        })
        .await;
    juliet.send(Command::Subscription {
        jid: juliet.jid.clone(),
        contact: romeo.jid.clone(),
        action: SubscriptionAction::Approve,
    });
    juliet
        .expect(|ev| match ev {
            Event::RosterItemChanged { item, .. }
                if item.jid == romeo.jid && item.subscription == Subscription::Both =>
            {
                Some(())
            }
            _ => None,
        })
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn login_roster_and_chat_with_receipts_and_carbons() {
    let server = Ejabberd::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");

    // Logs in with SCRAM (not -PLUS, not PLAIN), and the server says so.
    let worker = autoconnect_worker(profile("ejabberd-login"));
    let events = worker.events();
    add(
        &worker,
        config(
            "juliet",
            &server.c2s_addr(),
            balcony::core::account::TlsMode::StartTls,
            Some(&server.ca_pem),
        ),
        "pw-j",
    );
    let mechanism = wait_for(&events, Duration::from_secs(20), |ev| match ev {
        Event::ConnectionChanged {
            state: ConnectionState::Online { mechanism, .. },
            ..
        } => Some(*mechanism),
        Event::ConnectionChanged {
            state: ConnectionState::Offline { error: Some(e) },
            ..
        } => panic!("login failed: {e:?}"),
        _ => None,
    })
    .await
    .0;
    assert_eq!(mechanism, "SCRAM-SHA-1");
    let accepted = "Accepted c2s SCRAM-SHA-1 authentication for juliet@balcony.test";
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !server.log().contains(accepted) && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = server.log();
    assert!(log.contains(accepted), "{log}");
    assert!(!log.contains("Invalid channel binding"), "{log}");
    worker.shutdown();

    let juliet = online(&server, "ejabberd-juliet", "juliet", "pw-j").await;
    let romeo = online(&server, "ejabberd-romeo", "romeo", "pw-r").await;
    let mut phone = Peer::login(&server, "juliet", "pw-j").await;
    phone.available().await;
    phone
        .set(None, xmpp_parsers::carbons::Enable.into())
        .await
        .expect("carbons on the phone");
    befriend(&juliet, &romeo).await;

    // juliet -> romeo, received (romeo's receipt), carbon to the phone.
    juliet.send(Command::SendMessage {
        jid: juliet.jid.clone(),
        to: romeo.jid.clone(),
        body: "Hello from ejabberd".into(),
    });
    juliet
        .expect(|ev| {
            matches!(
                ev,
                Event::MessageStateChanged {
                    state: DeliveryState::Received,
                    ..
                }
            )
            .then_some(())
        })
        .await;
    assert_eq!(romeo.expect(bodies).await, vec!["Hello from ejabberd"]);
    phone
        .message_where(|m| m.payloads.iter().any(|p| p.is("sent", ns::CARBONS)))
        .await;

    // romeo -> juliet, received too; the phone gets a received carbon.
    romeo.send(Command::SendMessage {
        jid: romeo.jid.clone(),
        to: juliet.jid.clone(),
        body: "And back".into(),
    });
    assert_eq!(juliet.expect(bodies).await, vec!["And back"]);
    romeo
        .expect(|ev| {
            matches!(
                ev,
                Event::MessageStateChanged {
                    state: DeliveryState::Received,
                    ..
                }
            )
            .then_some(())
        })
        .await;
    phone
        .message_where(|m| m.payloads.iter().any(|p| p.is("received", ns::CARBONS)))
        .await;

    // Versioned roster: the next login is answered with "unchanged".
    let profile = juliet.profile.clone();
    juliet.worker.shutdown();
    let again = online_at(&server, &server.c2s_addr(), profile, "juliet", "pw-j").await;
    let (items, unchanged) = again
        .expect(|ev| match ev {
            Event::RosterReplaced { items, unchanged, .. } => Some((items.clone(), *unchanged)),
            _ => None,
        })
        .await;
    assert!(unchanged, "ejabberd confirmed the cached roster version");
    assert!(items
        .iter()
        .any(|i| i.jid == romeo.jid && i.name.as_deref() == Some("Romeo")));
    again.worker.shutdown();
    romeo.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn archive_catch_up_and_blocking() {
    let server = Ejabberd::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    server.register("tybalt", "pw-t");
    let first = online(&server, "ejabberd-archive", "juliet", "pw-j").await;
    first
        .expect(|ev| matches!(ev, Event::CatchUpFinished { .. }).then_some(()))
        .await;
    let profile = first.profile.clone();
    first.worker.shutdown();

    // Missed while offline: ejabberd keeps them offline and in MAM; each is
    // stored once.
    let mut romeo = Peer::login(&server, "romeo", "pw-r").await;
    let juliet_jid = Jid::new(&format!("juliet@{DOMAIN}")).expect("jid");
    for i in 0..3 {
        romeo.send(chat(&juliet_jid, &format!("missed {i}"))).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let juliet = online_at(&server, &server.c2s_addr(), profile, "juliet", "pw-j").await;
    juliet
        .expect(|ev| matches!(ev, Event::CatchUpFinished { .. }).then_some(()))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let romeo_bare = romeo.jid.to_bare();
    assert_eq!(
        juliet
            .store()
            .count_messages(&juliet.jid, &romeo_bare)
            .expect("count"),
        3
    );

    // Blocking: the server bounces tybalt until he is unblocked.
    let mut tybalt = Peer::login(&server, "tybalt", "pw-t").await;
    let tybalt_jid = Jid::from(tybalt.jid.to_bare());
    juliet.send(Command::SetBlocked {
        jid: juliet.jid.clone(),
        items: vec![tybalt_jid.clone()],
        blocked: true,
    });
    juliet
        .expect(|ev| matches!(ev, Event::BlocklistChanged { blocked: true, .. }).then_some(()))
        .await;
    tybalt.send(chat(&juliet_jid, "let me in")).await;
    tybalt.message_where(|m| m.type_ == MessageType::Error).await;
    juliet.send(Command::SetBlocked {
        jid: juliet.jid.clone(),
        items: vec![tybalt_jid.clone()],
        blocked: false,
    });
    juliet
        .expect(|ev| matches!(ev, Event::BlocklistChanged { blocked: false, .. }).then_some(()))
        .await;
    tybalt.send(chat(&juliet_jid, "thank you")).await;
    assert_eq!(juliet.expect(bodies).await, vec!["thank you"]);
    let tybalt_bare = tybalt.jid.to_bare();
    assert_eq!(
        juliet
            .store()
            .count_messages(&juliet.jid, &tybalt_bare)
            .expect("count"),
        1
    );
    juliet.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn group_chat_with_history_and_bookmarks() {
    let server = Ejabberd::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let room_name = format!("tavern@{MUC_DOMAIN}");
    let room: BareJid = room_name.parse().expect("room");
    let mut romeo = Peer::login(&server, "romeo", "pw-r").await;
    romeo.join_room(&room_name, "romeo").await;
    romeo.say_in_room(&room_name, Some("Before you came"), None).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let juliet = online(&server, "ejabberd-rooms", "juliet", "pw-j").await;
    juliet.send(Command::SetBookmark {
        jid: juliet.jid.clone(),
        bookmark: Bookmark {
            room: room.clone(),
            name: Some("The tavern".into()),
            nick: Some("juliet".into()),
            autojoin: true,
            password: None,
        },
    });
    juliet
        .expect(|ev| match ev {
            Event::BookmarkChanged { .. } => Some(()),
            Event::RequestFailed { detail, .. } => panic!("bookmark failed: {detail}"),
            _ => None,
        })
        .await;
    let occupants = juliet
        .expect(|ev| match ev {
            Event::RoomJoined {
                room: r, occupants, ..
            } if *r == room => Some(occupants.clone()),
            Event::RoomJoinFailed { error, .. } => panic!("join failed: {error:?}"),
            _ => None,
        })
        .await;
    let mut nicks: Vec<&str> = occupants.iter().map(|o| o.nick.as_str()).collect();
    nicks.sort();
    assert_eq!(nicks, ["juliet", "romeo"]);
    // The room's history comes with the join, and is stored (the event may
    // come before or after RoomJoined: read the store).
    let mut texts = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while texts.is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let history = juliet
            .store()
            .recent_messages(&juliet.jid, &room, 10)
            .expect("history");
        texts = history.into_iter().map(|m| m.message.body).collect();
    }
    assert_eq!(texts, ["Before you came"]);

    // The bookmark is on the server: a new login autojoins.
    let profile = juliet.profile.clone();
    juliet.worker.shutdown();
    let again = online_at(&server, &server.c2s_addr(), profile, "juliet", "pw-j").await;
    // The room is joined again (rooms we were in are rejoined before the
    // bookmarks are read, so the two events come in either order).
    let (mut bookmarks, mut joined) = (None, false);
    while bookmarks.is_none() || !joined {
        match again
            .expect(|ev| match ev {
                Event::BookmarksReplaced { bookmarks, .. } => Some(Some(bookmarks.clone())),
                Event::RoomJoined { room: r, .. } if *r == room => Some(None),
                _ => None,
            })
            .await
        {
            Some(b) => bookmarks = Some(b),
            None => joined = true,
        }
    }
    let bookmarks = bookmarks.unwrap_or_default();
    assert_eq!(bookmarks.len(), 1, "{bookmarks:?}");
    assert_eq!(bookmarks[0].room, room);
    assert_eq!(bookmarks[0].name.as_deref(), Some("The tavern"));
    assert!(bookmarks[0].autojoin, "{bookmarks:?}");
    again.worker.shutdown();
}

#[tokio::test(flavor = "multi_thread")]
async fn ejabberds_admin_commands_through_the_command_client() {
    const ADD_USER: &str = "http://jabber.org/protocol/admin#add-user";
    let server = Ejabberd::start();
    server.register("admin", "pw-admin");
    let admin = online(&server, "ejabberd-admin", "admin", "pw-admin").await;
    let domain = Jid::new(DOMAIN).expect("domain");

    let (reply, rx) = oneshot::channel();
    admin.send(Command::ListCommands {
        jid: admin.jid.clone(),
        entity: domain.clone(),
        reply,
    });
    let commands = rx.await.expect("answer").expect("list");
    assert!(commands.len() >= 10, "{commands:?}");
    assert!(commands.iter().any(|c| c.node == ADD_USER), "{commands:?}");

    let run = |sessionid: Option<String>, action: Action, form: Option<&Form>| {
        let (reply, rx) = oneshot::channel();
        admin.send(Command::RunCommand {
            jid: admin.jid.clone(),
            entity: domain.clone(),
            step: CommandStep {
                node: ADD_USER.into(),
                sessionid,
                action,
                form: form.map(Form::submission),
            },
            reply,
        });
        rx
    };
    let first = run(None, Action::Execute, None)
        .await
        .expect("answer")
        .expect("stage 1");
    assert_eq!(first.status, Some(Status::Executing));
    let mut form = first.form().expect("a form").expect("a valid form");
    form.set_values("accountjid", vec![format!("benvolio@{DOMAIN}")]);
    form.set_values("password", vec!["pw-b".into()]);
    form.set_values("password-verify", vec!["pw-b".into()]);
    assert!(form.validate().is_empty(), "{:?}", form.validate());
    let action = if first.allows(Action::Complete) {
        Action::Complete
    } else {
        Action::Execute
    };
    let done = run(first.sessionid.clone(), action, Some(&form))
        .await
        .expect("answer")
        .expect("stage 2");
    assert_eq!(done.status, Some(Status::Completed), "{done:?}");
    // The effect: benvolio can log in.
    let benvolio = Peer::login(&server, "benvolio", "pw-b").await;
    assert_eq!(benvolio.jid.node().map(|n| n.as_str()), Some("benvolio"));
    admin.worker.shutdown();
}
