//! Kontalk's extensions against Prosody: the public key in subscription
//! requests (checked against GnuPG's own fingerprint of a key it made).

mod support;

use balcony::core::{
    bridge::Event,
    xmpp::modules::kontalk_pubkey::{self, KeyCheck},
};
use support::{accounts::online, gnupg::gnupg_key, peer::Peer, prosody::Prosody};
use xmpp_parsers::{
    jid::Jid,
    presence::{Presence, Type as PresenceType},
};

#[tokio::test(flavor = "multi_thread")]
async fn a_subscription_requests_key_is_checked_against_its_fingerprint() {
    let server = Prosody::start();
    server.register("juliet", "pw");
    let juliet = online(&server, "kontalk-key", "juliet", "pw").await;
    let (key, fingerprint) = gnupg_key("tybalt");
    assert_eq!(fingerprint.len(), 40);
    let to = Jid::from(juliet.jid.clone());
    // Each request from someone new (a server forwards one per requester
    // while it is pending).
    let request = |user: &'static str, pubkey: Option<xmpp_parsers::minidom::Element>| {
        let (server, to, juliet) = (&server, to.clone(), &juliet);
        async move {
            server.register(user, "pw");
            let mut peer = Peer::online(server, user, "pw").await;
            let mut p = Presence::new(PresenceType::Subscribe).with_to(to);
            p.payloads.extend(pubkey);
            peer.send(p).await;
            let from: xmpp_parsers::jid::BareJid = format!("{user}@balcony.test").parse().expect("jid");
            juliet
                .expect(|ev| match ev {
                    Event::SubscriptionRequest { from: f, key, .. } if *f == from => Some(key.clone()),
                    _ => None,
                })
                .await
        }
    };

    // The key GnuPG made, with GnuPG's fingerprint: verified.
    assert_eq!(
        request("tybalt", Some(kontalk_pubkey::element(&key, &fingerprint))).await,
        Some(KeyCheck::Verified(fingerprint.clone()))
    );
    // The same key claiming another fingerprint: not trusted.
    let forged = "0123456789ABCDEF0123456789ABCDEF01234567";
    assert_eq!(
        request("paris", Some(kontalk_pubkey::element(&key, forged))).await,
        Some(KeyCheck::Mismatch {
            claimed: forged.into(),
            actual: fingerprint.clone()
        })
    );
    // A key block that is not a key: malformed, not trusted.
    let bad = "<pubkey xmlns='urn:xmpp:pubkey:2'><key>bm90IGEga2V5</key><print>AB</print></pubkey>"
        .parse()
        .expect("xml");
    assert!(matches!(
        request("mercutio", Some(bad)).await,
        Some(KeyCheck::Malformed(_))
    ));
    // Without a key, nothing is said about one.
    assert_eq!(request("benvolio", None).await, None);
}
