//! Our own disco#info, caps, ping, version, time and directed presence, as
//! another account on the same Prosody sees them.

mod support;

use std::{str::FromStr, time::Duration};

use balcony::core::{
    account::{AccountConfig, ServerAddress, TlsMode},
    bridge::{Command, ConnectionState, Event},
    credentials::{Password, PasswordStorage},
    worker::{self, WorkerOptions},
    xmpp::{modules::advertised_features, x0115_caps},
};
use support::{
    events::wait_for,
    peer::Peer,
    profiles,
    prosody::{Prosody, DOMAIN},
};
use xmpp_parsers::{
    caps::Caps,
    disco::{DiscoInfoQuery, DiscoInfoResult},
    jid::{BareJid, Jid},
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
    let worker = worker::spawn(
        profiles::fresh("own-disco"),
        WorkerOptions {
            autoconnect: true,
            ..Default::default()
        },
    )
    .expect("worker");
    let events = worker.events();
    let juliet = BareJid::from_str(&format!("juliet@{DOMAIN}")).expect("jid");
    worker.send(Command::AddAccount {
        config: AccountConfig {
            jid: juliet.clone(),
            server: Some(ServerAddress::from_str(&server.c2s_addr()).expect("addr")),
            tls: TlsMode::StartTls,
            extra_ca_pem: Some(server.ca_pem.clone()),
        },
        password: Password::new("balcony-j"),
        storage: PasswordStorage::ProfileFile,
    });
    let (full, _) = wait_for(&events, Duration::from_secs(15), |e| match e {
        Event::ConnectionChanged {
            state: ConnectionState::Online { bound_jid, .. },
            ..
        } => Some(bound_jid.clone()),
        _ => None,
    })
    .await;
    let juliet_full = Jid::from(full);
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
