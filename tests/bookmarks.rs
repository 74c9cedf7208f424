//! Bookmarks (XEP-0402) through the worker: what the server keeps, what
//! another of our clients sees, and autojoin at login.

mod support;

use balcony::core::{
    bridge::{Command, Event},
    rooms::Bookmark,
};
use support::{
    accounts::{online, online_at},
    peer::Peer,
    prosody::{Prosody, MUC_DOMAIN},
};
use xmpp_parsers::{
    bookmarks2::Conference,
    jid::{BareJid, Jid},
    message::MessageType,
    ns,
    pubsub::pubsub::{Items, PubSub},
};

/// The bookmarks the server holds, as juliet's other client reads them.
async fn server_bookmarks(phone: &mut Peer) -> Vec<(String, Conference)> {
    let answer = phone
        .get_own(PubSub::Items(Items::new(ns::BOOKMARKS2)).into())
        .await
        .expect("items")
        .expect("payload");
    let PubSub::Items(items) = PubSub::try_from(answer).expect("pubsub") else {
        panic!("not items")
    };
    items
        .items
        .into_iter()
        .map(|i| {
            let id = i.id.expect("id").0;
            (
                id,
                Conference::try_from(i.payload.expect("payload")).expect("conference"),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn bookmarks_are_kept_by_the_server_and_autojoined() {
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    let room: BareJid = format!("balcony@{MUC_DOMAIN}").parse().expect("room");
    let juliet = online(&server, "bookmarks-juliet", "juliet", "pw-j").await;
    let initial = juliet
        .expect(|ev| match ev {
            Event::BookmarksReplaced { bookmarks, .. } => Some(bookmarks.clone()),
            _ => None,
        })
        .await;
    assert!(initial.is_empty());

    // Bookmarking with autojoin joins the room at once (through the
    // server's notification) with the bookmark's nickname.
    juliet.send(Command::SetBookmark {
        jid: juliet.jid.clone(),
        bookmark: Bookmark {
            room: room.clone(),
            name: Some("The balcony".into()),
            nick: Some("jules".into()),
            autojoin: true,
            password: None,
        },
    });
    let changed = juliet
        .expect(|ev| match ev {
            Event::BookmarkChanged { bookmark, .. } => Some(bookmark.clone()),
            Event::RequestFailed { detail, .. } => panic!("bookmark failed: {detail}"),
            _ => None,
        })
        .await;
    assert_eq!(changed.name.as_deref(), Some("The balcony"));
    let nick = juliet
        .expect(|ev| match ev {
            Event::RoomJoined { room: r, nick, .. } if *r == room => Some(nick.clone()),
            _ => None,
        })
        .await;
    assert_eq!(nick, "jules");
    let mut phone = Peer::login(&server, "juliet", "pw-j").await;
    let kept = server_bookmarks(&mut phone).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].0, room.to_string());
    assert_eq!(kept[0].1.name.as_deref(), Some("The balcony"));
    assert!(kept[0].1.autojoin);
    assert_eq!(kept[0].1.nick.as_ref().map(|n| n.as_str()), Some("jules"));

    // As the room's creator she may set its subject; a newcomer sees it.
    juliet.send(Command::SetRoomSubject {
        jid: juliet.jid.clone(),
        room: room.clone(),
        subject: "Wherefore art thou".into(),
    });
    juliet
        .expect(|ev| match ev {
            Event::RoomSubjectChanged { subject, .. } if subject == "Wherefore art thou" => Some(()),
            _ => None,
        })
        .await;
    phone.join_room(room.as_str(), "phone").await;
    let subject = phone
        .message_where(|m| m.type_ == MessageType::Groupchat && !m.subjects.is_empty())
        .await;
    assert_eq!(
        subject.subjects.values().next().map(String::as_str),
        Some("Wherefore art thou")
    );
    assert_eq!(
        subject.from,
        Some(format!("{room}/jules").parse::<Jid>().expect("jid"))
    );

    // A later login on the same profile fetches it and joins again.
    let profile = juliet.profile.clone();
    juliet.worker.shutdown();
    let again = online_at(&server, &server.c2s_addr(), profile, "juliet", "pw-j").await;
    let fetched = again
        .expect(|ev| match ev {
            Event::BookmarksReplaced { bookmarks, .. } => Some(bookmarks.clone()),
            _ => None,
        })
        .await;
    assert_eq!(fetched.len(), 1);
    assert_eq!(fetched[0].room, room);
    again
        .expect(|ev| match ev {
            Event::RoomJoined { room: r, nick, .. } if *r == room && nick == "jules" => Some(()),
            _ => None,
        })
        .await;

    // Removing it is seen by the worker and gone from the server.
    again.send(Command::RemoveBookmark {
        jid: again.jid.clone(),
        room: room.clone(),
    });
    again
        .expect(|ev| match ev {
            Event::BookmarkRemoved { room: r, .. } if *r == room => Some(()),
            Event::RequestFailed { detail, .. } => panic!("removal failed: {detail}"),
            _ => None,
        })
        .await;
    assert!(server_bookmarks(&mut phone).await.is_empty());
}
