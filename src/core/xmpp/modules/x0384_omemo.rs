//! OMEMO (XEP-0384) in a session, in both wire versions: our device is
//! loaded (or made) when the session logs in, its device-list entry and
//! bundle are published over PEP (open access), and the device lists of
//! contacts (and our own) are followed through PEP notifications
//! (`+notify`). Reading messages is in [`super::x0384_omemo_receive`],
//! writing them in [`super::x0384_omemo_send`].

use std::{
    collections::{HashMap, HashSet},
    sync::{Mutex, PoisonError},
};

use xmpp_parsers::{
    jid::{BareJid, Jid},
    message::Message,
    pubsub::event::{Event as PubSubEvent, Payload},
};
use zeroize::Zeroizing;

use crate::core::{
    bridge::Event,
    credentials::OmemoKeySource,
    omemo::{
        device::{Device, PRE_KEYS},
        sealed_state, WireVersion,
    },
    xmpp::{
        modules::{
            x0060_pep_publish, x0384_omemo_elements as elements, x0384_omemo_receive, Flow, Incoming, Module,
        },
        session::{context::SessionContext, outgoing::IqError},
    },
};

/// We follow both versions' device lists.
const NOTIFY: &[&str] = &[
    "eu.siacs.conversations.axolotl.devicelist+notify",
    "urn:xmpp:omemo:2:devices+notify",
];

/// The module entry: device-list notifications are taken here; encrypted
/// messages (live or carbon copies) are decrypted and passed on.
pub const MODULE: Module = Module {
    name: "XEP-0384 OMEMO",
    features: NOTIFY,
    message: Some(|ctx, incoming| Box::pin(on_message(ctx, incoming))),
    state: Some(|| Box::new(Omemo::default())),
    ..Module::NONE
};

/// The versions, most preferred first.
pub const VERSIONS: [WireVersion; 2] = [WireVersion::Omemo2, WireVersion::Legacy];

/// Device ids read from one list at most (as the element parser).
const MAX_LIST_ITEMS: usize = 4;

/// What a session keeps: our device, the key its state is sealed with,
/// and the device lists seen.
pub struct Omemo {
    inner: Mutex<Inner>,
    /// Whether the device was set up: `None` until [`start`] ends, then
    /// whether it succeeded.
    set_up: tokio::sync::watch::Sender<Option<bool>>,
}

impl Default for Omemo {
    fn default() -> Self {
        Self {
            inner: Mutex::default(),
            set_up: tokio::sync::watch::Sender::new(None),
        }
    }
}

/// How long sending waits for the device to be set up at login.
const SET_UP_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

#[derive(Default)]
struct Inner {
    source: Option<OmemoKeySource>,
    key: Option<Zeroizing<[u8; 32]>>,
    device: Option<Device>,
    /// Device lists by owner and version; an empty list is one known to
    /// be empty (the contact does not use that version).
    lists: HashMap<(BareJid, WireVersion), Vec<u32>>,
    /// Outbox entries being encrypted.
    preparing: HashSet<String>,
    /// Rooms joined, and whether they allow encryption (members-only and
    /// non-anonymous).
    rooms: HashMap<BareJid, bool>,
    /// Sealed states waiting for the writer, newest last.
    saves: Option<tokio::sync::watch::Sender<Option<sealed_state::SealedState>>>,
}

impl Omemo {
    /// Where the key that seals the device's state is kept.
    pub fn set_key_source(&self, source: OmemoKeySource) {
        self.with(|inner| inner.source = Some(source));
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Runs `f` on our device; `None` when OMEMO is not set up here.
    pub fn with_device<T>(&self, f: impl FnOnce(&Device) -> T) -> Option<T> {
        self.with(|inner| inner.device.as_ref().map(f))
    }

    /// Waits (bounded) until [`start`] has set the device up or given
    /// up; whether there is a device.
    pub async fn wait_set_up(&self) -> bool {
        let mut set_up = self.set_up.subscribe();
        let done = match tokio::time::timeout(SET_UP_WAIT, set_up.wait_for(Option::is_some)).await {
            Ok(Ok(done)) => done.unwrap_or(false),
            _ => self.device_id().is_some(),
        };
        done
    }

    /// Our device id, once set up.
    pub fn device_id(&self) -> Option<u32> {
        self.with_device(Device::device_id)
    }

    /// The known device list of `jid` in `version`.
    pub fn list(&self, jid: &BareJid, version: WireVersion) -> Option<Vec<u32>> {
        self.with(|inner| inner.lists.get(&(jid.clone(), version)).cloned())
    }

    /// Keeps `jid`'s device list in `version`; whether it changed.
    fn set_list(&self, jid: &BareJid, version: WireVersion, ids: Vec<u32>) -> bool {
        self.with(|inner| inner.lists.insert((jid.clone(), version), ids.clone()) != Some(ids))
    }

    /// Remembers whether `room` allows encryption.
    pub fn set_room_private(&self, room: &BareJid, private: bool) {
        self.with(|inner| inner.rooms.insert(room.clone(), private));
    }

    /// Whether `room` allows encryption; `None` while it is not known.
    pub fn room_private(&self, room: &BareJid) -> Option<bool> {
        self.with(|inner| inner.rooms.get(room).copied())
    }

    /// Marks an outbox entry as being encrypted; false if it already is.
    pub fn start_preparing(&self, origin_id: &str) -> bool {
        self.with(|inner| inner.preparing.insert(origin_id.to_owned()))
    }

    /// The entry is encrypted (or given up on).
    pub fn done_preparing(&self, origin_id: &str) {
        self.with(|inner| inner.preparing.remove(origin_id));
    }

    /// Seals the device's state now and hands it to the writer, which
    /// stores the newest it has (so a slow write never overtakes a newer
    /// state).
    pub fn save(&self) {
        self.with(|inner| {
            let (Some(device), Some(key), Some(saves)) = (&inner.device, &inner.key, &inner.saves) else {
                return;
            };
            match sealed_state::seal(&device.store(), key) {
                Ok(sealed) => {
                    let _ = saves.send(Some(sealed));
                }
                Err(e) => tracing::error!(error = %e, "could not seal the OMEMO state"),
            }
        });
    }
}

/// Loads our device (made and saved on first use) and publishes it in
/// both versions. Without a place to keep its key (an account whose
/// password is asked each time), OMEMO stays off for the session.
pub async fn start(ctx: &SessionContext) {
    let state = ctx.state::<Omemo>();
    if state.device_id().is_none() {
        if let Err(e) = load_device(ctx).await {
            tracing::warn!(error = %e, "OMEMO is not available in this session");
            state.set_up.send_replace(Some(false));
            return;
        }
    }
    state.set_up.send_replace(Some(true));
    // The bundles are published below in any case.
    top_up_pre_keys(ctx);
    rotate_signed_pre_key_if_due(ctx);
    let own = ctx.account.clone();
    for version in VERSIONS {
        if let Err(e) = publish_device(ctx, &own, version).await {
            tracing::warn!(?version, error = %e, "could not publish our OMEMO device");
        }
    }
}

/// Makes new one-time pre-keys for those used up (key exchanges take
/// one each), so that the bundle offers [`PRE_KEYS`] again; true when
/// some were made (the bundle is then to be published again).
pub fn top_up_pre_keys(ctx: &SessionContext) -> bool {
    let state = ctx.state::<Omemo>();
    let added = state.with_device(|device| {
        let (have, next) = {
            let keys = device.store();
            (
                keys.pre_keys.len() as u32,
                keys.pre_keys.keys().max().map_or(1, |m| m + 1),
            )
        };
        let missing = PRE_KEYS.saturating_sub(have);
        if missing == 0 {
            return Ok(false);
        }
        device.add_pre_keys(next, missing).map(|()| true)
    });
    match added {
        Some(Ok(true)) => {
            state.save();
            true
        }
        Some(Err(e)) => {
            tracing::warn!(error = %e, "could not make new pre-keys");
            false
        }
        _ => false,
    }
}

/// Makes a new signed pre-key when the current one is older than
/// [`crate::core::omemo::signed_pre_key::ROTATE_AFTER`]; true when one was made (the bundle
/// is then to be published again).
pub fn rotate_signed_pre_key_if_due(ctx: &SessionContext) -> bool {
    let state = ctx.state::<Omemo>();
    let now = chrono::Utc::now().timestamp_millis();
    match state.with_device(|device| device.rotate_signed_pre_key_if_due(now)) {
        Some(Ok(true)) => {
            tracing::info!("made a new signed pre-key");
            state.save();
            true
        }
        Some(Err(e)) => {
            tracing::warn!(error = %e, "could not make a new signed pre-key");
            false
        }
        _ => false,
    }
}

async fn load_device(ctx: &SessionContext) -> Result<(), String> {
    let state = ctx.state::<Omemo>();
    let source = state
        .with(|inner| inner.source.clone())
        .ok_or("no place to keep the OMEMO key")?;
    let key = source.load_or_create().await.map_err(|e| e.to_string())?;
    let (account, opening) = (ctx.account.clone(), key.clone());
    let loaded = ctx
        .store
        .run(move |s| Ok(Device::load(s, &account, &opening)))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let (device, made) = match loaded {
        Some(device) => (device, false),
        None => {
            // Key generation and 100 pre-keys: off the session's threads.
            let device = tokio::task::spawn_blocking(Device::generate)
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            (device, true)
        }
    };
    let (saves, mut latest) = tokio::sync::watch::channel(None);
    let (store, account) = (ctx.store.clone(), ctx.account.clone());
    tokio::spawn(async move {
        while latest.changed().await.is_ok() {
            let Some(sealed) = latest.borrow_and_update().clone() else {
                continue;
            };
            let account = account.clone();
            if let Err(e) = store.run(move |s| s.set_omemo_state(&account, &sealed)).await {
                tracing::error!(error = %e, "could not save the OMEMO state");
            }
        }
    });
    state.with(|inner| {
        inner.device = Some(device);
        inner.key = Some(key);
        inner.saves = Some(saves);
    });
    if made {
        state.save();
    }
    Ok(())
}

/// Keeps `jid`'s device list in `version`, in the session and (when it
/// changed) in the store, where it decides whether conversations are
/// encrypted by default.
async fn remember_list(ctx: &SessionContext, jid: &BareJid, version: WireVersion, ids: Vec<u32>) {
    if !ctx.state::<Omemo>().set_list(jid, version, ids.clone()) {
        return;
    }
    let (account, owner) = (ctx.account.clone(), jid.clone());
    let stored = ctx
        .store
        .run(move |s| s.set_omemo_device_list(&account, &owner, version, &ids))
        .await;
    if let Err(e) = stored {
        tracing::warn!(error = %e, "could not store a device list");
    }
}

/// Reads `peer`'s device lists in both versions from the server and
/// tells the UI whether they list any device (which encrypts the
/// conversation by default).
pub async fn learn_device_lists(ctx: &SessionContext, peer: &BareJid) {
    let mut uses_omemo = false;
    for version in VERSIONS {
        match fetch_device_list(ctx, peer, version).await {
            Ok(ids) => uses_omemo |= !ids.is_empty(),
            Err(e) => tracing::debug!(%peer, ?version, error = %e, "no device list"),
        }
    }
    ctx.emit(Event::OmemoDeviceLists {
        jid: ctx.account.clone(),
        peer: peer.clone(),
        uses_omemo,
    });
}

/// The device list of `jid` (ours for our own account) in `version`:
/// known, or fetched once; empty when there is none.
pub async fn device_list(
    ctx: &SessionContext,
    jid: &BareJid,
    version: WireVersion,
) -> Result<Vec<u32>, IqError> {
    match ctx.state::<Omemo>().list(jid, version) {
        Some(ids) => Ok(ids),
        None => fetch_device_list(ctx, jid, version).await,
    }
}

/// The device list of `jid` in `version` as the server has it now (the
/// keys dialog shows what is current, not what was notified).
pub async fn fetch_device_list(
    ctx: &SessionContext,
    jid: &BareJid,
    version: WireVersion,
) -> Result<Vec<u32>, IqError> {
    let to = (*jid != ctx.account).then(|| Jid::from(jid.clone()));
    let items =
        x0060_pep_publish::items(ctx, to, elements::device_list_node(version), MAX_LIST_ITEMS).await?;
    let ids = items
        .iter()
        .find_map(|(_, payload)| elements::parse_device_list(payload).ok())
        .filter(|(v, _)| *v == version)
        .map(|(_, ids)| ids)
        .unwrap_or_default();
    remember_list(ctx, jid, version, ids.clone()).await;
    Ok(ids)
}

/// The published bundle of `device` of `owner` (our own account too) in
/// `version`. The legacy node holds one item, whatever its id.
pub async fn fetch_bundle(
    ctx: &SessionContext,
    owner: &BareJid,
    device: u32,
    version: WireVersion,
) -> Result<crate::core::omemo::bundle::Bundle, String> {
    let (node, item) = elements::bundle_node(version, device);
    let to = (*owner != ctx.account).then(|| Jid::from(owner.clone()));
    let items = x0060_pep_publish::items(ctx, to, &node, elements::MAX_DEVICES)
        .await
        .map_err(|e| e.to_string())?;
    let (_, payload) = items
        .iter()
        .find(|(id, _)| id.as_deref() == Some(item.as_str()))
        .or(items.first().filter(|_| version == WireVersion::Legacy))
        .ok_or("no bundle published")?;
    elements::parse_bundle(payload, device).map_err(|e| e.to_string())
}

/// Open access: others read our device list and bundles to write to us.
const OPEN: &[x0060_pep_publish::Option_] = &[("pubsub#access_model", "open")];
/// The OMEMO 2 bundles node holds one item per device.
const MANY_ITEMS: &[x0060_pep_publish::Option_] = &[("pubsub#max_items", "max")];

/// Puts our device on our `version` device list (when it is missing) and
/// publishes its bundle.
async fn publish_device(ctx: &SessionContext, own: &BareJid, version: WireVersion) -> Result<(), String> {
    let state = ctx.state::<Omemo>();
    let id = state.device_id().ok_or("no device")?;
    let mut ids = device_list(ctx, own, version).await.map_err(|e| e.to_string())?;
    if !ids.contains(&id) {
        ids.push(id);
        let list = elements::build_device_list(version, &ids);
        x0060_pep_publish::publish(
            ctx,
            elements::device_list_node(version),
            "current",
            list,
            OPEN,
            &[],
        )
        .await
        .map_err(|e| e.to_string())?;
        remember_list(ctx, own, version, ids).await;
    }
    publish_bundle(ctx, version).await
}

/// Publishes our bundle in `version` (after pre-keys were used up, too).
pub async fn publish_bundle(ctx: &SessionContext, version: WireVersion) -> Result<(), String> {
    let state = ctx.state::<Omemo>();
    let bundle = state
        .with_device(|d| d.bundle(version))
        .ok_or("no device")?
        .map_err(|e| e.to_string())?;
    let (node, item) = elements::bundle_node(version, bundle.device_id);
    let optional = match version {
        WireVersion::Omemo2 => MANY_ITEMS,
        WireVersion::Legacy => &[],
    };
    x0060_pep_publish::publish(ctx, &node, &item, elements::build_bundle(&bundle), OPEN, optional)
        .await
        .map_err(|e| e.to_string())
}

/// A device-list notification: who published which list; `None` for
/// other messages.
fn device_list_event(message: &Message) -> Option<(BareJid, WireVersion, Vec<u32>)> {
    let element = message
        .payloads
        .iter()
        .find(|p| p.is("event", xmpp_parsers::ns::PUBSUB_EVENT))?;
    let event = PubSubEvent::try_from(element.clone()).ok()?;
    let Payload::Items { node, published, .. } = event.payload else {
        return None;
    };
    let version = VERSIONS
        .into_iter()
        .find(|v| elements::device_list_node(*v) == node.0)?;
    let from = message.from.as_ref()?.to_bare();
    let ids = published
        .iter()
        .filter_map(|item| item.payload.as_ref())
        .find_map(|payload| elements::parse_device_list(payload).ok())
        .filter(|(v, _)| *v == version)
        .map(|(_, ids)| ids)
        .unwrap_or_default();
    Some((from, version, ids))
}

async fn on_message(ctx: &SessionContext, incoming: Incoming) -> Flow<Incoming> {
    let Incoming { mut message, source } = incoming;
    // What only this module may say about a message is never taken from
    // the network.
    x0384_omemo_receive::strip_local(&mut message);
    if let Some((from, version, ids)) = device_list_event(&message) {
        let state = ctx.state::<Omemo>();
        let ours_missing = from == ctx.account && state.device_id().is_some_and(|id| !ids.contains(&id));
        remember_list(ctx, &from, version, ids).await;
        if ours_missing {
            // Another of our devices published a list without this one.
            let ctx = ctx.clone();
            tokio::spawn(async move {
                let own = ctx.account.clone();
                if let Err(e) = publish_device(&ctx, &own, version).await {
                    tracing::warn!(error = %e, "could not put our device back on our list");
                }
            });
        }
        return Flow::Handled;
    }
    match x0384_omemo_receive::decrypt(ctx, &mut message) {
        x0384_omemo_receive::Outcome::Plain | x0384_omemo_receive::Outcome::Read => {
            Flow::Next(Incoming { message, source })
        }
        x0384_omemo_receive::Outcome::Nothing => Flow::Handled,
    }
}
