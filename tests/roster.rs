//! Roster and presence between Balcony workers on Prosody: adding,
//! renaming, grouping and removing contacts as the server stores them;
//! subscription requests approved, denied and pre-approved; presence per
//! resource with verified, cached caps; versioned roster logins.

mod support;

use balcony::core::{
    bridge::{Command, Event},
    contacts::{ContactShow, Subscription, SubscriptionAction},
    xmpp::modules::x0115_caps,
};
use support::{
    accounts::{online, online_at},
    peer::Peer,
    prosody::Prosody,
};
use xmpp_parsers::{
    jid::{BareJid, Jid},
    presence::{Presence, Type as PresenceType},
    roster::Roster,
};

async fn server_roster(peer: &mut Peer) -> Roster {
    let payload = peer
        .get_own(
            Roster {
                ver: None,
                items: vec![],
            }
            .into(),
        )
        .await
        .expect("roster")
        .expect("payload");
    Roster::try_from(payload).expect("roster")
}

#[tokio::test(flavor = "multi_thread")]
async fn contacts_subscriptions_presence_caps_and_versioned_login() {
    let server = Prosody::start();
    for (u, p) in [
        ("juliet", "pw-j"),
        ("romeo", "pw-r"),
        ("tybalt", "pw-t"),
        ("nurse", "pw-n"),
    ] {
        server.register(u, p);
    }
    let juliet = online(&server, "roster-juliet", "juliet", "pw-j").await;
    let romeo = online(&server, "roster-romeo", "romeo", "pw-r").await;
    let mut juliet_phone = Peer::login(&server, "juliet", "pw-j").await;

    // Add romeo with a name and groups; ask for his presence.
    juliet.send(Command::SetContact {
        jid: juliet.jid.clone(),
        contact: romeo.jid.clone(),
        name: Some("Romeo".into()),
        groups: vec!["Verona".into(), "Montague".into()],
    });
    let item = juliet
        .expect(|ev| match ev {
            Event::RosterItemChanged { item, .. } if item.jid == romeo.jid => Some(item.clone()),
            _ => None,
        })
        .await;
    assert_eq!(item.groups, vec!["Montague", "Verona"]);
    juliet.send(Command::Subscription {
        jid: juliet.jid.clone(),
        contact: romeo.jid.clone(),
        action: SubscriptionAction::Request,
    });
    // romeo is asked, and approves (and asks back).
    romeo
        .expect(|ev| match ev {
            Event::SubscriptionRequest { from, .. } if *from == juliet.jid => Some(()),
            _ => None,
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
        .expect(|ev| match ev {
            Event::SubscriptionAnswer {
                contact,
                approved: true,
                ..
            } if *contact == romeo.jid => Some(()),
            _ => None,
        })
        .await;
    // romeo asked back; juliet approves, so both see each other.
    juliet
        .expect(|ev| match ev {
            Event::SubscriptionRequest { from, .. } if *from == romeo.jid => Some(()),
            _ => None,
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
    // juliet sees romeo's resource, and learns his client from caps.
    let presence = juliet
        .expect(|ev| match ev {
            Event::ContactPresence {
                contact, presence, ..
            } if *contact == romeo.jid => Some(presence.clone()),
            _ => None,
        })
        .await;
    assert_eq!(presence.show, ContactShow::Available);
    assert_eq!(presence.resource, romeo.full.resource().as_str());
    let features = juliet
        .expect(|ev| match ev {
            Event::ContactCapabilities { from, features, .. } if *from == romeo.full => {
                Some(features.clone())
            }
            _ => None,
        })
        .await;
    assert!(features.contains(&xmpp_parsers::ns::RECEIPTS.to_owned()));
    let (hash, ver) = presence.caps.clone().expect("caps");
    assert!(
        juliet.store().cached_caps(&hash, &ver).expect("read").is_some(),
        "verified caps are cached by hash"
    );
    assert_eq!(x0115_caps::our_caps().node, "https://balcony.im");

    // Rename and regroup: the server's copy changes.
    juliet.send(Command::SetContact {
        jid: juliet.jid.clone(),
        contact: romeo.jid.clone(),
        name: Some("Romeo Montague".into()),
        groups: vec!["Friends".into()],
    });
    juliet
        .expect(|ev| match ev {
            Event::RosterItemChanged { item, .. } if item.name.as_deref() == Some("Romeo Montague") => {
                Some(())
            }
            _ => None,
        })
        .await;
    let on_server = server_roster(&mut juliet_phone).await;
    let romeo_item = on_server
        .items
        .iter()
        .find(|i| i.jid == romeo.jid)
        .expect("romeo on server");
    assert_eq!(romeo_item.name.as_deref(), Some("Romeo Montague"));
    assert_eq!(
        romeo_item.groups.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
        vec!["Friends"]
    );
    assert_eq!(romeo_item.subscription, xmpp_parsers::roster::Subscription::Both);

    // Deny tybalt: he is told no.
    let mut tybalt = Peer::login(&server, "tybalt", "pw-t").await;
    server_roster(&mut tybalt).await; // an interested resource gets subscription news
    tybalt
        .send(Presence::new(PresenceType::Subscribe).with_to(Jid::from(juliet.jid.clone())))
        .await;
    let tybalt_jid: BareJid = tybalt.jid.to_bare();
    juliet
        .expect(|ev| match ev {
            Event::SubscriptionRequest { from, .. } if *from == tybalt_jid => Some(()),
            _ => None,
        })
        .await;
    juliet.send(Command::Subscription {
        jid: juliet.jid.clone(),
        contact: tybalt_jid.clone(),
        action: SubscriptionAction::Deny,
    });
    tybalt
        .presence_where(|p| p.type_ == PresenceType::Unsubscribed)
        .await;

    // Pre-approve the nurse: her request is approved by the server alone
    // (Prosody stores the pre-approval but does not show it in pushes).
    let nurse_jid: BareJid = "nurse@balcony.test".parse().expect("jid");
    juliet.send(Command::Subscription {
        jid: juliet.jid.clone(),
        contact: nurse_jid.clone(),
        action: SubscriptionAction::Approve,
    });
    juliet
        .expect(|ev| match ev {
            Event::RosterItemChanged { item, .. } if item.jid == nurse_jid => Some(()),
            _ => None,
        })
        .await;
    let mut nurse = Peer::login(&server, "nurse", "pw-n").await;
    server_roster(&mut nurse).await;
    nurse
        .send(Presence::new(PresenceType::Subscribe).with_to(Jid::from(juliet.jid.clone())))
        .await;
    nurse
        .presence_where(|p| p.type_ == PresenceType::Subscribed)
        .await;
    let nurse_item = juliet
        .expect(|ev| match ev {
            Event::RosterItemChanged { item, .. }
                if item.jid == nurse_jid && item.subscription == Subscription::From =>
            {
                Some(item.clone())
            }
            Event::SubscriptionRequest { from, .. } if *from == nurse_jid => {
                panic!("a pre-approved request must not ask the user")
            }
            _ => None,
        })
        .await;
    assert_eq!(nurse_item.subscription, Subscription::From);

    // Versioned login: a new worker on juliet's profile gets the roster
    // from its cache; the server sends no items.
    let profile = juliet.profile.clone();
    juliet.worker.shutdown();
    let again = online_at(&server, &server.c2s_addr(), profile.clone(), "juliet", "pw-j").await;
    let (items, unchanged) = again
        .expect(|ev| match ev {
            Event::RosterReplaced { items, unchanged, .. } => Some((items.clone(), *unchanged)),
            _ => None,
        })
        .await;
    assert!(unchanged, "the server confirmed the cached version");
    assert!(items
        .iter()
        .any(|i| i.jid == romeo.jid && i.name.as_deref() == Some("Romeo Montague")));

    // Remove romeo: gone from the server, and from the cache.
    again.send(Command::RemoveContact {
        jid: again.jid.clone(),
        contact: romeo.jid.clone(),
    });
    again
        .expect(|ev| match ev {
            Event::RosterItemRemoved { contact, .. } if *contact == romeo.jid => Some(()),
            _ => None,
        })
        .await;
    assert!(server_roster(&mut juliet_phone)
        .await
        .items
        .iter()
        .all(|i| i.jid != romeo.jid));
    let (_, cached) = again.store().roster(&again.jid).expect("cache");
    assert!(cached.iter().all(|i| i.jid != romeo.jid));

    // Changed while offline: the next login brings the change.
    again.worker.shutdown();
    juliet_phone
        .set(
            None,
            Roster {
                ver: None,
                items: vec![xmpp_parsers::roster::Item {
                    jid: "benvolio@balcony.test".parse().expect("jid"),
                    name: Some("Benvolio".into()),
                    subscription: xmpp_parsers::roster::Subscription::None,
                    ask: xmpp_parsers::roster::Ask::None,
                    groups: vec![],
                    approved: None,
                }],
            }
            .into(),
        )
        .await
        .expect("added from the phone");
    let third = online_at(&server, &server.c2s_addr(), profile, "juliet", "pw-j").await;
    let mut seen_benvolio = false;
    while !seen_benvolio {
        seen_benvolio = third
            .expect(|ev| match ev {
                Event::RosterReplaced { items, .. } => {
                    Some(items.iter().any(|i| i.name.as_deref() == Some("Benvolio")))
                }
                Event::RosterItemChanged { item, .. } => Some(item.name.as_deref() == Some("Benvolio")),
                _ => None,
            })
            .await;
    }
    // The roster is cached alongside the rest of the login, not before it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let (_, cached) = third.store().roster(&third.jid).expect("cache");
        if cached.iter().any(|i| i.name.as_deref() == Some("Benvolio")) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the new roster was not cached"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    third.worker.shutdown();
    romeo.worker.shutdown();
}
