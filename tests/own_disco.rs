//! Our own disco#info, caps, ping, version, time and directed presence, as
//! another account on the same Prosody sees them.

mod support;

use balcony::core::{
    account::TlsMode,
    bridge::Command,
    xmpp::{modules::advertised_features, modules::x0115_caps},
};
use support::{
    accounts::{add, autoconnect_worker, config, wait_online},
    peer::Peer,
    profiles,
    prosody::Prosody,
};
use xmpp_parsers::{
    caps::Caps,
    disco::{DiscoInfoQuery, DiscoInfoResult},
    jid::Jid,
    minidom::Element,
    ns,
    ping::Ping,
    stanza_error::DefinedCondition,
    time::{TimeQuery, TimeResult},
    version::{VersionQuery, VersionResult},
};

#[tokio::test(flavor = "multi_thread")]
async fn another_account_sees_our_disco_caps_ping_version_time_and_directed_presence() {
    let server = Prosody::start();
    server.register("juliet", "balcony-j");
    server.register("romeo", "balcony-r");
    let worker = autoconnect_worker(profiles::fresh("own-disco"));
    let juliet_config = config(
        "juliet",
        &server.c2s_addr(),
        TlsMode::StartTls,
        Some(&server.ca_pem),
    );
    let juliet = juliet_config.jid.clone();
    add(&worker, juliet_config, "balcony-j");
    let juliet_full = Jid::from(wait_online(&worker.events()).await);
    let mut romeo = Peer::login(&server, "romeo", "balcony-r").await;

    // Directed presence reaches romeo (no subscription needed) with caps.
    worker.send(Command::SendDirectedPresence {
        jid: juliet.clone(),
        to: Jid::from(romeo.jid.clone()),
        available: true,
    });
    let presence = romeo
        .presence_where(|p| p.from.as_ref() == Some(&juliet_full))
        .await;
    let caps = presence
        .payloads
        .iter()
        .find(|e| e.is("c", ns::CAPS))
        .cloned()
        .map(|e| Caps::try_from(e).expect("valid caps"))
        .expect("caps in presence");
    assert_eq!(caps.node, x0115_caps::NODE);

    // disco#info: client/pc, exactly the registered features, and the caps
    // hash romeo computes from it matches the ver in the presence.
    let info = romeo
        .get(&juliet_full, DiscoInfoQuery { node: None }.into())
        .await
        .expect("disco#info result")
        .map(|e| DiscoInfoResult::try_from(e).expect("valid disco#info"))
        .expect("payload");
    assert!(info
        .identities
        .iter()
        .any(|i| i.category == "client" && i.type_ == "pc"));
    assert_eq!(info.features, advertised_features());
    assert!(
        x0115_caps::verify(&caps, &info),
        "caps ver matches the disco#info romeo received"
    );

    // The node#ver query answers the same; an unknown node is item-not-found.
    let node_ver = x0115_caps::our_node_ver();
    let by_node = romeo
        .get(
            &juliet_full,
            DiscoInfoQuery {
                node: Some(node_ver.clone()),
            }
            .into(),
        )
        .await
        .expect("node result")
        .map(|e| DiscoInfoResult::try_from(e).expect("disco"))
        .expect("payload");
    assert_eq!(by_node.node.as_deref(), Some(node_ver.as_str()));
    let unknown_node = romeo
        .get(
            &juliet_full,
            DiscoInfoQuery {
                node: Some("urn:nope".into()),
            }
            .into(),
        )
        .await;
    assert_eq!(
        unknown_node.expect_err("error").defined_condition,
        DefinedCondition::ItemNotFound
    );

    assert!(romeo
        .get(&juliet_full, Ping.into())
        .await
        .expect("pong")
        .is_none());
    let version = VersionResult::try_from(
        romeo
            .get(&juliet_full, VersionQuery.into())
            .await
            .expect("version")
            .expect("payload"),
    )
    .expect("valid version");
    assert_eq!((version.name.as_str(), version.os), ("Balcony", None));
    let time = TimeResult::try_from(
        romeo
            .get(&juliet_full, TimeQuery.into())
            .await
            .expect("time")
            .expect("payload"),
    )
    .expect("valid time");
    let skew = (chrono::Utc::now() - time.utc).num_seconds().abs();
    assert!(skew < 60, "clock skew {skew}s");

    // Anything else: service-unavailable, not silence.
    let unknown = romeo
        .get(
            &juliet_full,
            Element::builder("query", "urn:example:nothing").build(),
        )
        .await;
    assert_eq!(
        unknown.expect_err("error").defined_condition,
        DefinedCondition::ServiceUnavailable
    );

    // Ending directed presence: romeo sees juliet go unavailable.
    worker.send(Command::SendDirectedPresence {
        jid: juliet,
        to: Jid::from(romeo.jid.clone()),
        available: false,
    });
    let gone = romeo
        .presence_where(|p| {
            p.from.as_ref() == Some(&juliet_full) && p.type_ == xmpp_parsers::presence::Type::Unavailable
        })
        .await;
    assert!(gone.payloads.iter().all(|e| !e.is("c", ns::CAPS)));
    worker.shutdown();
}
