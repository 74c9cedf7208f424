//! What each fuzz target feeds its input to. Shared by the targets in
//! `fuzz/fuzz_targets/` and by `tests/fuzz_regressions.rs`, which replays
//! every input kept in `fuzz/regressions/<target>/` in `make test`.
//!
//! Network input goes through the stream's depth limit first, as it does in
//! the client, and then to the same functions the session calls.
#![allow(dead_code)]

use std::{sync::Arc, time::Duration};

use balcony::core::{
    files::aesgcm,
    forms::{self, Field, FieldKind, Form, FormKind},
    omemo::{device::Device, WireVersion},
    store::Store,
    xmpp::{
        connection::depth_limit,
        modules,
        modules::chat,
        modules::x0050_command_responder::{
            AdhocCommand, CommandResponder, CommandState, Requester, StepReply,
        },
        modules::x0050_commands::{Action, Actions, CommandError, Status},
        modules::x0084_user_avatar,
        modules::x0115_caps,
        modules::x0280_carbons,
        modules::x0384_omemo_elements,
        modules::x0402_bookmarks,
        modules::x0420_sce,
        session::context::SessionContext,
    },
};
use xmpp_parsers::{
    caps::Caps,
    disco::DiscoInfoResult,
    iq::Iq,
    jid::{BareJid, Jid},
    message::Message,
    minidom::Element,
    presence::Presence,
};

/// The bytes as the client's XML parser would get them: through the
/// depth limit, then parsed. `None` for anything that is not one element.
fn element(data: &[u8]) -> Option<Element> {
    let mut scanner = depth_limit::Scanner::default();
    let mut out = Vec::new();
    scanner.feed(data, &mut out).ok()?;
    std::str::from_utf8(&out).ok()?.parse().ok()
}

fn own() -> BareJid {
    BareJid::new("juliet@balcony.test").expect("jid")
}

/// A session context for `own()` whose output goes nowhere.
fn context() -> SessionContext {
    SessionContext::detached(own(), Store::open_in_memory().expect("store"))
}

/// A runtime for the async handlers (the store runs on its blocking pool).
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

type Boxed<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// The data-forms reader and validator; what it reads is written and read
/// back the same.
pub fn forms(data: &[u8]) {
    let Some(x) = element(data) else { return };
    let Ok(form) = forms::parse(&x) else { return };
    let _ = form.validate();
    let written = form.to_element();
    let again = forms::parse(&written).expect("a form Balcony wrote reads back");
    assert_eq!(again.fields.len(), form.fields.len());
    let _ = form.submission();
}

/// Incoming stanzas through the module list and the message paths.
pub fn stanzas(data: &[u8]) {
    let Some(stanza) = element(data) else { return };
    let account = own();
    match stanza.name() {
        "iq" => {
            if let Ok(iq) = Iq::try_from(stanza) {
                let _ = modules::answer(&iq);
                let ctx = context();
                let us = Jid::new("juliet@balcony.test/desk").expect("jid");
                let responder = balcony::core::xmpp::modules::x0050_command_responder::registry();
                let _ = runtime().block_on(responder.answer(&ctx, &iq, &us));
            }
        }
        "message" => {
            if let Ok(message) = Message::try_from(stanza) {
                let _ = depth_limit::holds_marker(&Element::from(message.clone()));
                let _ = x0084_user_avatar::parse_event(&message);
                let _ = x0402_bookmarks::parse_event(&account, &message);
                if let Some(parsed) = chat::parse(&account, &message) {
                    let _ = chat::to_row(&parsed, 0);
                }
                let _ = x0280_carbons::unwrap(&account, message);
            }
        }
        "presence" => {
            if let Ok(presence) = Presence::try_from(stanza) {
                let _ = balcony::core::xmpp::modules::contact_presence::show(&presence);
            }
        }
        _ => {}
    }
}

/// A two-stage command of the fuzzer's own, to reach every stage.
struct Stages;

impl AdhocCommand for Stages {
    fn node(&self) -> &str {
        "fuzz"
    }
    fn name(&self) -> String {
        "Fuzz".into()
    }
    fn allowed<'a>(&'a self, _ctx: &'a SessionContext, requester: Requester<'a>) -> Boxed<'a, bool> {
        Box::pin(async move { requester.is_own_resource() })
    }
    fn step<'a>(
        &'a self,
        _ctx: &'a SessionContext,
        _requester: Requester<'a>,
        state: &'a mut CommandState,
        action: Action,
        form: Option<Form>,
    ) -> Boxed<'a, Result<StepReply, CommandError>> {
        Box::pin(async move { stage(state, action, form) })
    }
}

fn stage(state: &mut CommandState, action: Action, form: Option<Form>) -> Result<StepReply, CommandError> {
    {
        if let Some(form) = form {
            for f in form.fields {
                state.values.insert(f.var.unwrap_or_default(), f.values);
            }
        }
        if action == Action::Prev {
            state.stage = state.stage.saturating_sub(1);
        } else {
            state.stage += 1;
        }
        let mut form = Form::new(FormKind::Form);
        form.fields.push(Field::new("answer", FieldKind::TextSingle));
        Ok(StepReply {
            status: if state.stage >= 3 {
                Status::Completed
            } else {
                Status::Executing
            },
            form: Some(form),
            notes: Vec::new(),
            actions: Some(Actions {
                default: Some(Action::Next),
                allowed: vec![Action::Next, Action::Prev, Action::Complete],
            }),
        })
    }
}

/// The command responder's stage handling: the input is up to eight
/// `<iq/>` stanzas separated by NUL bytes, sent in turn; a `sessionid`
/// attribute of `*` is replaced by the session the responder opened.
pub fn command_responder(data: &[u8]) {
    let responder = CommandResponder::new(vec![Arc::new(Stages)], Duration::from_secs(60));
    let ctx = context();
    let runtime = runtime();
    let us = Jid::new("juliet@balcony.test/desk").expect("jid");
    let mut session: Option<String> = None;
    for part in data.split(|b| *b == 0).take(8) {
        let Some(mut stanza) = element(part) else { continue };
        if let Some(command) = stanza.get_child_mut("command", "http://jabber.org/protocol/commands") {
            if command.attr("sessionid") == Some("*") {
                command.set_attr(
                    xmpp_parsers::minidom::rxml::Namespace::NONE,
                    xmpp_parsers::minidom::rxml::xml_ncname!("sessionid").to_owned(),
                    session.clone(),
                );
            }
        }
        let Ok(iq) = Iq::try_from(stanza) else { continue };
        if let Some(Iq::Result { payload: Some(p), .. }) = runtime.block_on(responder.answer(&ctx, &iq, &us))
        {
            if let Some(id) = p.attr("sessionid") {
                session = Some(id.to_owned());
            }
        }
    }
}

/// Avatar metadata notifications and entity capabilities: the input is a
/// `<metadata/>` payload, or a `<c/>` and a disco#info result separated
/// by a NUL byte.
pub fn avatar_caps(data: &[u8]) {
    let mut parts = data.splitn(2, |b| *b == 0);
    let first = parts.next().and_then(element);
    let second = parts.next().and_then(element);
    if let Some(payload) = first.clone() {
        let event = Element::builder("event", "http://jabber.org/protocol/pubsub#event")
            .append(
                Element::builder("items", "http://jabber.org/protocol/pubsub#event")
                    .attr(
                        xmpp_parsers::minidom::rxml::xml_ncname!("node").to_owned(),
                        "urn:xmpp:avatar:metadata",
                    )
                    .append(
                        Element::builder("item", "http://jabber.org/protocol/pubsub#event").append(payload),
                    ),
            )
            .build();
        let mut message = Message::headline(Some(Jid::new("juliet@balcony.test/desk").expect("jid")));
        message.from = Some(Jid::new("romeo@balcony.test").expect("jid"));
        message.payloads.push(event);
        let _ = x0084_user_avatar::parse_event(&message);
    }
    if let (Some(c), Some(info)) = (first, second) {
        if let (Ok(caps), Ok(info)) = (Caps::try_from(c), DiscoInfoResult::try_from(info)) {
            let _ = x0115_caps::verify(&caps, &info);
        }
    }
}

/// Opening a store whose file is the input: an error or a store, never a
/// panic; what opens can be read.
pub fn store_open(data: &[u8]) {
    let dir = std::env::temp_dir().join(format!("balcony-fuzz-store-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("balcony.sqlite");
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(store) = Store::open(&path) {
        if let Ok(accounts) = store.accounts() {
            for account in accounts.iter().take(4) {
                let _ = store.roster(&account.config.jid);
                let _ = store.blocklist(&account.config.jid);
            }
        }
    }
}

/// The stream's depth limit on raw bytes split into reads at every NUL:
/// what passes is never deeper than the limit, and only shrinks or gains
/// markers.
pub fn stream_depth(data: &[u8]) {
    let mut scanner = depth_limit::Scanner::default();
    let mut out = Vec::new();
    for chunk in data.split(|b| *b == 0) {
        if scanner.feed(chunk, &mut out).is_err() {
            return;
        }
    }
    let markers = out
        .windows(depth_limit::MARKER.len())
        .filter(|w| *w == depth_limit::MARKER.as_bytes())
        .count();
    assert!(out.len() <= data.len() + markers * 64);
}

thread_local! {
    /// Two devices with a session in each version, made once per thread
    /// (key generation is slow): what arrives is tried against real
    /// sessions.
    static OMEMO: (Device, Device) = {
        let (alice, bob) = (Device::generate().expect("alice"), Device::generate().expect("bob"));
        for version in [WireVersion::Legacy, WireVersion::Omemo2] {
            let bundle = bob.bundle(version).expect("bundle");
            alice.start_session("bob@balcony.test", &bundle, bundle.pre_keys[0].0).expect("session");
            let first = alice
                .encrypt_key(version, "bob@balcony.test", bob.device_id(), &[0u8; 32])
                .expect("encrypt");
            bob.decrypt_key(version, "alice@balcony.test", alice.device_id(), &first.data, true)
                .expect("decrypt");
        }
        (alice, bob)
    };
}

/// OMEMO input: the elements of both versions (message, device list,
/// bundle; a bundle read is then used to start a session), and the bytes
/// themselves as a key exchange and as a message to a device with a live
/// session, in both versions, and as a decrypted SCE envelope. Errors are
/// fine; a panic or a crash is not.
pub fn omemo(data: &[u8]) {
    let _ = x0420_sce::open(data, &own());
    // Encrypted files' addresses (XEP-0454) and fingerprint links, then
    // the input as a sealed file under the address's key.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = balcony::core::xmpp_uri::parse(text);
        if let Ok((_, key)) = aesgcm::parse(text) {
            let mut sealed = data.to_vec();
            let _ = aesgcm::open(&mut sealed, &key);
        }
    }
    OMEMO.with(|(alice, bob)| {
        if let Some(element) = element(data) {
            let _ = x0384_omemo_elements::parse_encrypted(&element);
            let _ = x0384_omemo_elements::parse_device_list(&element);
            if let Ok(bundle) = x0384_omemo_elements::parse_bundle(&element, 7) {
                if let Some((id, _)) = bundle.pre_keys.first() {
                    let _ = alice.start_session("carol@balcony.test", &bundle, *id);
                }
            }
        }
        for version in [WireVersion::Legacy, WireVersion::Omemo2] {
            for kex in [true, false] {
                let _ = bob.decrypt_key(version, "alice@balcony.test", alice.device_id(), data, kex);
            }
        }
    });
}
