//! Writing OMEMO messages (XEP-0384 §5.4 in both versions). A chat
//! message queued for encryption carries a local mark in the outbox; the
//! session encrypts it before it is sent, in the newest version the
//! contact's devices speak, to each of their devices and to our other
//! devices (sessions are started from bundles as needed), and puts the
//! encrypted stanza in the outbox in its place. Without the mark nothing
//! is encrypted; with it nothing is ever sent in plaintext: a message that
//! cannot be encrypted stays unsent and the user is told.

use xmpp_parsers::{
    jid::{BareJid, Jid},
    message::{Message, MessageType},
    minidom::Element,
};

use crate::core::{
    bridge::Event,
    message::DeliveryState,
    omemo::{device::Trust, payload, OmemoError, WireVersion},
    xmpp::{
        modules::{
            x0384_omemo::device_list, x0384_omemo::fetch_bundle, x0384_omemo::Omemo, x0384_omemo::VERSIONS,
            x0384_omemo_elements as elements, x0384_omemo_receive::LOCAL_NS, x0384_omemo_rooms, x0420_sce,
        },
        session::context::SessionContext,
    },
};

/// The fallback body for clients without OMEMO.
const FALLBACK: &str = "This message is encrypted with OMEMO, which your client does not seem to support.";

/// Bundles fetched per message at most (devices without a session).
const MAX_NEW_SESSIONS: usize = 32;

/// Marks an outgoing message for encryption. `required`: the user asked
/// for encryption (it fails rather than goes out plain); otherwise it is
/// encrypted when the contact has OMEMO devices.
pub fn mark(message: &mut Message, required: bool) {
    message.payloads.push(
        Element::builder("encrypt", LOCAL_NS)
            .attr(
                xmpp_parsers::minidom::rxml::xml_ncname!("required").to_owned(),
                required.to_string(),
            )
            .build(),
    );
}

/// Whether a queued message waits for encryption, and if it must be.
pub fn marked(message: &Message) -> Option<bool> {
    message
        .payloads
        .iter()
        .find(|p| p.is("encrypt", LOCAL_NS))
        .map(|p| p.attr("required") == Some("true"))
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum NotEncrypted {
    /// The contact publishes no OMEMO device.
    #[error("the contact has no device that can receive encrypted messages")]
    NoDevices,
    /// A room's occupant publishes no OMEMO device.
    #[error("{0} in the room has no device that can receive encrypted messages")]
    OccupantWithoutDevices(BareJid),
    /// The room cannot have encrypted messages.
    #[error("the room cannot have encrypted messages: {0}")]
    Room(String),
    /// None of the contact's devices could be encrypted to.
    #[error("no device of the contact could be encrypted to: {0}")]
    NoUsableDevice(String),
    /// OMEMO is not set up in this session.
    #[error("encryption is not set up on this computer")]
    NotSetUp,
    /// The server did not answer as it should.
    #[error("the contact's keys could not be fetched: {0}")]
    Fetch(String),
    /// A contact the user verified has a device not verified yet: it is
    /// shown before anything is encrypted to it.
    #[error("the contact has a new device that is not verified: {0}")]
    NewDevice(String),
    /// The message itself cannot be encrypted.
    #[error("{0}")]
    Crypto(#[from] OmemoError),
}

/// Encrypts the queued message `origin_id` and puts the result in the
/// outbox (or, for one not required to be encrypted to a contact without
/// OMEMO, the plain message without its mark), then flushes the outbox.
/// On failure the message stays out of the outbox and the UI is told.
pub async fn prepare(ctx: SessionContext, origin_id: String, mut message: Message, required: bool) {
    let state = ctx.state::<Omemo>();
    let peer = message.to.as_ref().map(Jid::to_bare);
    let targets = match peer {
        // A room's: the real addresses of its occupants.
        Some(room) if message.type_ == MessageType::Groupchat => {
            match x0384_omemo_rooms::recipients(&ctx, &room) {
                Ok(members) if members.is_empty() => {
                    Err(NotEncrypted::Room("nobody else is in the room".into()))
                }
                Ok(members) => Ok(members),
                Err(why) => Err(NotEncrypted::Room(why)),
            }
        }
        Some(peer) => Ok(vec![peer]),
        None => Err(NotEncrypted::Crypto(OmemoError::Malformed("no recipient".into()))),
    };
    let outcome = match targets {
        Ok(targets) => encrypt(&ctx, &targets, &message).await,
        Err(e) => Err(e),
    };
    let replacement = match outcome {
        Ok(encrypted) => Some(encrypted),
        Err(NotEncrypted::NoDevices) if !required => {
            message.payloads.retain(|p| p.ns() != LOCAL_NS);
            Some(message.clone())
        }
        Err(e) => {
            tracing::info!(%origin_id, error = %e, "a message was not sent: it could not be encrypted");
            let account = ctx.account.clone();
            let id = origin_id.clone();
            // Out of the outbox; the conversation shows it was not sent.
            let peer = ctx
                .store
                .run(move |s| {
                    s.remove_from_outbox(&account, &id)?;
                    s.raise_delivery_state(&account, &id, DeliveryState::NotSent)
                })
                .await;
            if let Ok(Some(peer)) = peer {
                ctx.emit(Event::MessageStateChanged {
                    jid: ctx.account.clone(),
                    peer,
                    origin_id: origin_id.clone(),
                    state: DeliveryState::NotSent,
                });
            }
            ctx.emit(Event::MessageNotEncrypted {
                jid: ctx.account.clone(),
                peer: message.to.as_ref().map(Jid::to_bare),
                origin_id: origin_id.clone(),
                detail: e.to_string(),
                new_device: matches!(e, NotEncrypted::NewDevice(_)),
            });
            None
        }
    };
    if let Some(stanza) = replacement {
        let xml = String::from(&Element::from(stanza));
        let (account, id) = (ctx.account.clone(), origin_id.clone());
        match ctx
            .store
            .run(move |s| s.replace_in_outbox(&account, &id, &xml))
            .await
        {
            Ok(_) => ctx.out.flush_outbox(),
            Err(e) => tracing::error!(error = %e, "could not queue the encrypted message"),
        }
    }
    state.done_preparing(&origin_id);
}

/// The recipients in `version`: the devices of each of `targets` (a
/// contact, or a room's occupants), and our own others; `Err` naming a
/// target without devices in this version.
async fn recipients(
    ctx: &SessionContext,
    targets: &[BareJid],
    version: WireVersion,
    own_id: u32,
) -> Result<Result<Vec<(BareJid, u32)>, BareJid>, NotEncrypted> {
    let fetch = |e: crate::core::xmpp::session::outgoing::IqError| NotEncrypted::Fetch(e.to_string());
    let mut out = Vec::new();
    for target in targets {
        let theirs = device_list(ctx, target, version).await.map_err(fetch)?;
        if theirs.is_empty() {
            return Ok(Err(target.clone()));
        }
        out.extend(theirs.into_iter().map(|d| (target.clone(), d)));
    }
    // Our own list is best effort: a failure leaves our other devices out.
    let ours = device_list(ctx, &ctx.account, version).await.unwrap_or_default();
    out.extend(
        ours.into_iter()
            .filter(|d| *d != own_id)
            .map(|d| (ctx.account.clone(), d)),
    );
    Ok(Ok(out))
}

/// Starts a session with each recipient that has none, from its bundle.
async fn start_sessions(
    ctx: &SessionContext,
    version: WireVersion,
    recipients: &[(BareJid, u32)],
) -> Vec<String> {
    let state = ctx.state::<Omemo>();
    let mut problems = Vec::new();
    let missing: Vec<&(BareJid, u32)> = recipients
        .iter()
        .filter(|(jid, d)| state.with_device(|dev| !dev.has_session(version, jid.as_str(), *d)) == Some(true))
        .take(MAX_NEW_SESSIONS)
        .collect();
    for (jid, device) in missing {
        let started = match fetch_bundle(ctx, jid, *device, version).await {
            Ok(bundle) => {
                let mut pick = [0u8; 2];
                let _ = getrandom::fill(&mut pick);
                let index = usize::from(u16::from_le_bytes(pick)) % bundle.pre_keys.len().max(1);
                let pre_key = bundle.pre_keys.get(index).map(|(id, _)| *id).unwrap_or_default();
                state
                    .with_device(|dev| dev.start_session(jid.as_str(), &bundle, pre_key))
                    .unwrap_or(Err(OmemoError::NoSession))
                    .map_err(|e| e.to_string())
            }
            Err(e) => Err(e),
        };
        if let Err(e) = started {
            problems.push(format!("{jid} ({device}): {e}"));
        }
    }
    problems
}

/// The encrypted form of `message` for `targets` (a contact, or the
/// occupants of the room it goes to).
async fn encrypt(
    ctx: &SessionContext,
    targets: &[BareJid],
    message: &Message,
) -> Result<Message, NotEncrypted> {
    let state = ctx.state::<Omemo>();
    // A message sent just after login waits for our device.
    if !state.wait_set_up().await {
        return Err(NotEncrypted::NotSetUp);
    }
    let own_id = state.device_id().ok_or(NotEncrypted::NotSetUp)?;
    // The newest version all of them speak.
    let mut chosen = None;
    let mut without = None;
    for version in VERSIONS {
        match recipients(ctx, targets, version, own_id).await? {
            Ok(recipients) => {
                chosen = Some((version, recipients));
                break;
            }
            Err(target) => without = Some(target),
        }
    }
    let (version, recipients) = chosen.ok_or(match (without, targets.len()) {
        (Some(target), n) if n > 1 => NotEncrypted::OccupantWithoutDevices(target),
        _ => NotEncrypted::NoDevices,
    })?;
    let problems = start_sessions(ctx, version, &recipients).await;
    // A verified contact's new device is shown to the user first.
    for target in targets {
        let trust: Vec<(u32, Option<Trust>)> = recipients
            .iter()
            .filter(|(jid, _)| jid == target)
            .map(|(jid, d)| {
                (
                    *d,
                    state.with_device(|dev| dev.trust_of(jid.as_str(), *d)).flatten(),
                )
            })
            .collect();
        if trust.iter().any(|(_, t)| *t == Some(Trust::Verified)) {
            let new: Vec<String> = trust
                .iter()
                .filter(|(_, t)| !matches!(t, Some(Trust::Verified | Trust::Distrusted)))
                .map(|(d, _)| d.to_string())
                .collect();
            if !new.is_empty() {
                return Err(NotEncrypted::NewDevice(new.join(", ")));
            }
        }
    }
    let body = message
        .get_best_body_cloned(vec![])
        .map(|(_, b)| b)
        .unwrap_or_default();
    let sealed = match version {
        WireVersion::Legacy => payload::seal_legacy(body.as_bytes())?,
        WireVersion::Omemo2 => payload::seal_omemo2(&x0420_sce::envelope(&body, &ctx.account)?)?,
    };
    let keys: Vec<elements::EncryptedKeyElement> = state
        .with_device(|dev| {
            recipients
                .iter()
                .filter_map(|(jid, d)| {
                    let key = dev
                        .encrypt_key(version, jid.as_str(), *d, &sealed.key_material)
                        .ok()?;
                    Some(elements::EncryptedKeyElement {
                        jid: (version == WireVersion::Omemo2).then(|| jid.to_string()),
                        rid: *d,
                        key_exchange: key.key_exchange,
                        data: key.data,
                    })
                })
                .collect()
        })
        .ok_or(NotEncrypted::NotSetUp)?;
    state.save();
    // Each of them can read it on at least one device.
    let reached = |target: &BareJid| {
        keys.iter().any(|k| {
            recipients.iter().any(|(jid, d)| {
                jid == target && *d == k.rid && k.jid.as_deref().is_none_or(|j| j == target.as_str())
            })
        })
    };
    if !targets.iter().all(reached) {
        return Err(NotEncrypted::NoUsableDevice(problems.join("; ")));
    }
    let encrypted = elements::build_encrypted(&elements::Encrypted {
        version,
        sid: own_id,
        keys,
        iv: sealed.iv.clone(),
        payload: Some(sealed.ciphertext.clone()),
    });
    let mut out = message.clone();
    out.payloads.retain(|p| p.ns() != LOCAL_NS);
    out.bodies.clear();
    out.bodies.insert(Default::default(), FALLBACK.to_owned());
    out.payloads.push(encrypted);
    out.payloads.push(
        Element::builder("encryption", "urn:xmpp:eme:0")
            .attr(
                xmpp_parsers::minidom::rxml::xml_ncname!("namespace").to_owned(),
                version.namespace(),
            )
            .attr(
                xmpp_parsers::minidom::rxml::xml_ncname!("name").to_owned(),
                "OMEMO",
            )
            .build(),
    );
    out.payloads
        .push(Element::builder("store", "urn:xmpp:hints").build());
    Ok(out)
}
