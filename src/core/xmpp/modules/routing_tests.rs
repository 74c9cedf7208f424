//! The router: list order, the first handler stops the walk, unclaimed
//! requests get service-unavailable, and a push from a stranger is refused
//! by the module's own rule.

use std::sync::Mutex;

use tokio::sync::mpsc;
use xmpp_parsers::{
    iq::Iq,
    jid::{BareJid, Jid},
    message::Message,
    minidom::Element,
    presence::Presence,
    stanza_error::DefinedCondition,
};

use super::*;
use crate::core::{
    store::{Store, StoreHandle},
    xmpp::session::{context::SessionContext, outgoing::Outbound},
};

fn context() -> SessionContext {
    let (out, _) = mpsc::unbounded_channel();
    let (events, _) = async_channel::unbounded();
    SessionContext {
        account: "juliet@example.org".parse::<BareJid>().expect("jid"),
        out: Outbound::new(out),
        events,
        store: StoreHandle::new(Store::open_in_memory().expect("store")),
        modules: session_state(REGISTERED),
        files: Default::default(),
        connection: Default::default(),
    }
}

static MESSAGES_SEEN: Mutex<Vec<&str>> = Mutex::new(Vec::new());

fn seen(log: &Mutex<Vec<&'static str>>, who: &'static str) {
    if let Ok(mut l) = log.lock() {
        l.push(who);
    }
}

const PASSES: Module = Module {
    name: "passes",
    message: Some(|_, m| {
        Box::pin(async move {
            seen(&MESSAGES_SEEN, "passes");
            Flow::Next(m)
        })
    }),
    ..Module::NONE
};
const TAKES: Module = Module {
    name: "takes",
    message: Some(|_, _| {
        Box::pin(async move {
            seen(&MESSAGES_SEEN, "takes");
            Flow::Handled
        })
    }),
    ..Module::NONE
};
const TOO_LATE: Module = Module {
    name: "too late",
    message: Some(|_, _| {
        Box::pin(async move {
            seen(&MESSAGES_SEEN, "too late");
            Flow::Handled
        })
    }),
    ..Module::NONE
};

#[tokio::test]
async fn a_message_walks_the_list_in_order_and_stops_at_the_first_that_handles_it() {
    let ctx = context();
    let message = Message::chat(Some(Jid::new("juliet@example.org").expect("jid")));
    route_message(
        &[&PASSES, &Module::NONE, &TAKES, &TOO_LATE],
        &ctx,
        message.clone(),
    )
    .await;
    assert_eq!(*MESSAGES_SEEN.lock().expect("log"), ["passes", "takes"]);
    MESSAGES_SEEN.lock().expect("log").clear();
    route_message(&[&TAKES, &PASSES], &ctx, message).await;
    assert_eq!(*MESSAGES_SEEN.lock().expect("log"), ["takes"]);
}

static PRESENCES_SEEN: Mutex<Vec<&str>> = Mutex::new(Vec::new());

const ROOM_LIKE: Module = Module {
    name: "rooms",
    presence: Some(|_, p| {
        Box::pin(async move {
            seen(&PRESENCES_SEEN, "rooms");
            Flow::Next(p)
        })
    }),
    ..Module::NONE
};
const CONTACT_LIKE: Module = Module {
    name: "contacts",
    presence: Some(|_, _| {
        Box::pin(async move {
            seen(&PRESENCES_SEEN, "contacts");
            Flow::Handled
        })
    }),
    ..Module::NONE
};

#[tokio::test]
async fn a_presence_walks_the_list_in_order() {
    let ctx = context();
    route_presence(&[&CONTACT_LIKE, &ROOM_LIKE], &ctx, Presence::available()).await;
    route_presence(&[&ROOM_LIKE, &CONTACT_LIKE], &ctx, Presence::available()).await;
    assert_eq!(
        *PRESENCES_SEEN.lock().expect("log"),
        ["contacts", "rooms", "contacts"]
    );
}

fn get(from: &str, payload: Element) -> Iq {
    Iq::Get {
        from: Some(Jid::new(from).expect("jid")),
        to: None,
        id: "q1".into(),
        payload,
    }
}

fn condition(reply: Option<Iq>) -> Option<DefinedCondition> {
    match reply {
        Some(Iq::Error { error, .. }) => Some(error.defined_condition),
        _ => None,
    }
}

#[tokio::test]
async fn an_iq_request_nobody_claims_gets_service_unavailable() {
    let ctx = context();
    let unknown = get(
        "romeo@example.org/orchard",
        Element::builder("query", "urn:example:unknown").build(),
    );
    assert_eq!(
        condition(route_iq(REGISTERED, &ctx, &unknown).await),
        Some(DefinedCondition::ServiceUnavailable)
    );
    assert_eq!(
        condition(route_iq(&[], &ctx, &unknown).await),
        Some(DefinedCondition::ServiceUnavailable)
    );
    // A request a module claims is answered by it: a ping gets a result.
    let ping = get("romeo@example.org/orchard", xmpp_parsers::ping::Ping.into());
    assert!(matches!(
        route_iq(REGISTERED, &ctx, &ping).await,
        Some(Iq::Result { .. })
    ));
    // Results and errors are not requests.
    let result = Iq::empty_result(Jid::new("romeo@example.org").expect("jid"), "r");
    assert!(route_iq(REGISTERED, &ctx, &result).await.is_none());
}

#[tokio::test]
async fn a_push_from_a_stranger_is_refused_by_the_modules_own_rule() {
    let ctx = context();
    let push = Iq::Set {
        from: Some(Jid::new("mallory@evil.example/x").expect("jid")),
        to: None,
        id: "p1".into(),
        payload: "<query xmlns='jabber:iq:roster'><item jid='mallory@evil.example'/></query>"
            .parse()
            .expect("xml"),
    };
    // The roster module alone answers it (a refusal), before any other.
    let refused = route_iq(&[&roster::MODULE], &ctx, &push).await;
    assert_eq!(condition(refused), Some(DefinedCondition::ServiceUnavailable));
    let block = Iq::Set {
        from: Some(Jid::new("mallory@evil.example/x").expect("jid")),
        to: None,
        id: "p2".into(),
        payload: "<block xmlns='urn:xmpp:blocking'><item jid='romeo@example.org'/></block>"
            .parse()
            .expect("xml"),
    };
    assert!(condition(route_iq(&[&x0191_blocking::MODULE], &ctx, &block).await).is_some());
}

#[test]
fn every_modules_state_is_made_for_a_session() {
    let ctx = context();
    let _ = ctx.state::<x0045_muc::Rooms>();
    let _ = ctx.state::<x0050_command_responder::CommandResponder>();
    let _ = ctx.state::<avatar_updates::AvatarFetches>();
    let _ = ctx.state::<contact_presence::CapsResolver>();
    let _ = ctx.state::<x0186_invisible::Invisibility>();
    let _ = ctx.state::<x0276_decloak::Decloak>();
    let _ = ctx.state::<own_presence::CurrentPresence>();
    let _ = ctx.state::<x0146_devices::Devices>();
    let _ = ctx.state::<x0363_http_upload::UploadServiceCache>();
    let _ = ctx.state::<x0313_mam::CatchUpLock>();
    let _ = ctx.state::<x0384_omemo::Omemo>();
    let makers = REGISTERED.iter().filter(|m| m.state.is_some()).count();
    assert_eq!(makers, 11);
}
