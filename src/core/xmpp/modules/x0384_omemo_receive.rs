//! Reading OMEMO messages (XEP-0384 §5.5 in both versions): the key for
//! our device is decrypted through the sending device's session (a key
//! exchange starts one), then the body; the message goes on with the
//! plain body and a mark that only this module sets (taken off every
//! message that arrives, so nobody can send it). A message that cannot be
//! read goes on with the reason, so the conversation can say why.

use xmpp_parsers::{jid::BareJid, message::Message, minidom::Element};

use crate::core::{
    message::{MessageEncryption, UndecryptableReason},
    omemo::{payload, OmemoError, WireVersion},
    xmpp::{
        modules::{
            x0384_omemo::Omemo,
            x0384_omemo_elements as elements,
            x0384_omemo_rooms::{self, Sender},
            x0420_sce,
        },
        session::context::SessionContext,
    },
};

/// The namespace of the marks this module puts on messages it read. Never
/// on the wire: taken off whatever arrives.
pub const LOCAL_NS: &str = "urn:balcony:local:omemo";

/// XEP-0380's element that names the encryption.
const EME_NS: &str = "urn:xmpp:eme:0";

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Not encrypted: unchanged.
    Plain,
    /// Encrypted: now carries its body (or the reason it has none).
    Read,
    /// Encrypted but nothing to show (a key transport, or a copy already
    /// read).
    Nothing,
}

/// Takes off any mark of ours a message arrived with.
pub fn strip_local(message: &mut Message) {
    message.payloads.retain(|p| p.ns() != LOCAL_NS);
}

/// The encryption this module marked on `message`.
pub fn encryption_of(message: &Message) -> MessageEncryption {
    let Some(mark) = message.payloads.iter().find(|p| p.ns() == LOCAL_NS) else {
        return MessageEncryption::None;
    };
    match mark.name() {
        "read" => MessageEncryption::Omemo,
        _ => mark
            .attr("reason")
            .and_then(|r| r.parse::<i64>().ok())
            .and_then(|r| MessageEncryption::from_stored(100 + r))
            .unwrap_or(MessageEncryption::Undecryptable(UndecryptableReason::Unreadable)),
    }
}

fn reason_of(error: &OmemoError) -> UndecryptableReason {
    match error {
        OmemoError::NoSession => UndecryptableReason::NoSession,
        OmemoError::Corrupted => UndecryptableReason::Corrupted,
        OmemoError::UnknownKey => UndecryptableReason::UnknownKey,
        OmemoError::Untrusted => UndecryptableReason::Untrusted,
        OmemoError::InvalidKey
        | OmemoError::Malformed(_)
        | OmemoError::Library(_)
        | OmemoError::Duplicate => UndecryptableReason::Unreadable,
    }
}

/// The `<encrypted/>` of either version, if the message has one.
fn encrypted_element(message: &Message) -> Option<&Element> {
    message
        .payloads
        .iter()
        .find(|p| p.name() == "encrypted" && elements::version_of(p).is_some())
}

/// Decrypts `message` in place, when it is encrypted.
pub fn decrypt(ctx: &SessionContext, message: &mut Message) -> Outcome {
    let Some(element) = encrypted_element(message) else {
        return Outcome::Plain;
    };
    // In a room, the sender's real address (its key is filed under it).
    let sender = match x0384_omemo_rooms::sender_of(ctx, message) {
        None | Some(Sender::OwnEcho) => return Outcome::Plain,
        Some(Sender::Contact(jid) | Sender::Occupant(jid)) => Some(jid),
        Some(Sender::Unknown) => None,
    };
    let result = match &sender {
        None => Err(Unreadable::UnknownSender),
        Some(sender) => elements::parse_encrypted(element)
            .map_err(Unreadable::Failed)
            .and_then(|e| {
                let read = read(ctx, sender, &e)?;
                // When it was sent (its delay stamp), else now.
                let at =
                    super::chat::delayed_ms(message).unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
                note_seen(ctx, sender, e.sid, at);
                Ok(read)
            }),
    };
    let (text, mark) = match result {
        Ok(Read { body: None, .. }) => return Outcome::Nothing,
        Ok(Read {
            body: Some(body),
            key_exchange,
            version,
        }) => {
            if key_exchange {
                replenish(ctx, version);
            }
            (body, Element::builder("read", LOCAL_NS).build())
        }
        // A copy of what was read already (the archive's copy of a live
        // message): the first one was stored.
        Err(Unreadable::Failed(OmemoError::Duplicate)) => return Outcome::Nothing,
        Err(e) => {
            let reason = match e {
                Unreadable::NotForUs => UndecryptableReason::NotForThisDevice,
                Unreadable::NotSetUp => UndecryptableReason::NotSetUp,
                Unreadable::UnknownSender => UndecryptableReason::UnknownSender,
                Unreadable::Failed(e) => reason_of(&e),
            };
            tracing::info!(from = ?sender, ?reason, "an encrypted message could not be read");
            // The fallback body says it was encrypted; the mark says why
            // it cannot be read here.
            let fallback = message
                .get_best_body_cloned(vec![])
                .map(|(_, b)| b)
                .filter(|b| !b.trim().is_empty())
                .unwrap_or_else(|| "OMEMO".to_owned());
            let mark = Element::builder("unreadable", LOCAL_NS)
                .attr(
                    xmpp_parsers::minidom::rxml::xml_ncname!("reason").to_owned(),
                    (reason as i64).to_string(),
                )
                .build();
            (fallback, mark)
        }
    };
    message
        .payloads
        .retain(|p| !(p.name() == "encrypted" && elements::version_of(p).is_some()) && p.ns() != EME_NS);
    message.bodies.clear();
    message.bodies.insert(Default::default(), text);
    message.payloads.push(mark);
    Outcome::Read
}

struct Read {
    body: Option<String>,
    key_exchange: bool,
    version: WireVersion,
}

enum Unreadable {
    NotForUs,
    NotSetUp,
    UnknownSender,
    Failed(OmemoError),
}

impl From<OmemoError> for Unreadable {
    fn from(e: OmemoError) -> Self {
        Self::Failed(e)
    }
}

fn read(ctx: &SessionContext, sender: &BareJid, encrypted: &elements::Encrypted) -> Result<Read, Unreadable> {
    let state = ctx.state::<Omemo>();
    let own = ctx.account.to_string();
    let outcome = state.with_device(|device| -> Result<Read, Unreadable> {
        let id = device.device_id();
        let key = encrypted
            .keys
            .iter()
            .find(|k| k.rid == id && k.jid.as_deref().is_none_or(|j| j == own))
            .ok_or(Unreadable::NotForUs)?;
        let material = device.decrypt_key(
            encrypted.version,
            sender.as_str(),
            encrypted.sid,
            &key.data,
            key.key_exchange,
        )?;
        let Some(ciphertext) = &encrypted.payload else {
            return Ok(Read {
                body: None,
                key_exchange: key.key_exchange,
                version: encrypted.version,
            });
        };
        let body = match encrypted.version {
            WireVersion::Legacy => {
                let plain = payload::open_legacy(&material, &encrypted.iv, ciphertext)?;
                String::from_utf8(plain.to_vec())
                    .map_err(|_| OmemoError::Malformed("a body that is not UTF-8".into()))?
            }
            WireVersion::Omemo2 => {
                let plain = payload::open_omemo2(&material, ciphertext)?;
                x0420_sce::open(&plain, sender)?.body.unwrap_or_default()
            }
        };
        Ok(Read {
            body: Some(body),
            key_exchange: key.key_exchange,
            version: encrypted.version,
        })
    });
    let read = outcome.ok_or(Unreadable::NotSetUp)??;
    // The ratchet moved: keep it.
    state.save();
    Ok(read)
}

/// Remembers that `device` of `sender` wrote to us (the keys window's
/// "last seen").
fn note_seen(ctx: &SessionContext, sender: &BareJid, device: u32, at_ms: i64) {
    let (store, account, sender) = (ctx.store.clone(), ctx.account.clone(), sender.clone());
    tokio::spawn(async move {
        if let Err(e) = store
            .run(move |s| s.note_omemo_device_seen(&account, &sender, device, at_ms))
            .await
        {
            tracing::warn!(error = %e, "could not note when a device wrote");
        }
    });
}

/// A key exchange used up one of our pre-keys: a new one is made (and
/// the signed pre-key, when it is due) and the bundle published again.
fn replenish(ctx: &SessionContext, version: WireVersion) {
    let topped_up = super::x0384_omemo::top_up_pre_keys(ctx);
    // A new signed pre-key is in both versions' bundles.
    let versions = if super::x0384_omemo::rotate_signed_pre_key_if_due(ctx) {
        super::x0384_omemo::VERSIONS.to_vec()
    } else if topped_up {
        vec![version]
    } else {
        return;
    };
    let ctx = ctx.clone();
    tokio::spawn(async move {
        for version in versions {
            if let Err(e) = super::x0384_omemo::publish_bundle(&ctx, version).await {
                tracing::warn!(error = %e, "could not publish our bundle again");
            }
        }
    });
}
