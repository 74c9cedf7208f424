//! XEP-0146 Remote Controlling Clients, the controller's side: our
//! account's other online resources (what each runs, its presence, when it
//! was last active), and the messages they forward to us, stored in their
//! original conversations with their original time and sender.

use std::{collections::BTreeMap, sync::Mutex, time::Duration};

use xmpp_parsers::{
    disco::{DiscoInfoQuery, DiscoInfoResult},
    idle::Idle,
    jid::{FullJid, Jid},
    presence::{Presence, Type as PresenceType},
    version::{VersionQuery, VersionResult},
};

use crate::core::{
    bridge::Event,
    message::{ChatKind, DeliveryState, NewMessage, StoredMessage},
    remote_control::Device,
    store::{Inserted, Placement},
    xmpp::{
        modules::{
            chat, contact_presence, x0033_addresses, x0045_muc::Rooms, x0359_stanza_ids, Flow, Incoming,
            Module,
        },
        session::context::SessionContext,
    },
};

/// The module entry: our other resources' presence, and messages they
/// forward to us.
pub const MODULE: Module = Module {
    name: "XEP-0146 remote control (our devices)",
    presence: Some(|ctx, presence| Box::pin(async move { on_presence(ctx, presence) })),
    message: Some(|ctx, incoming| Box::pin(on_message(ctx, incoming))),
    state: Some(|| Box::<Devices>::default()),
    ..Module::NONE
};

/// Most other resources tracked.
pub const MAX_DEVICES: usize = 64;
/// How long a device gets to say what it is.
const DESCRIBE_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
struct State {
    /// Our own full JID on this stream.
    me: Option<FullJid>,
    devices: BTreeMap<FullJid, Device>,
}

/// Our other online resources, for this session.
#[derive(Debug, Default)]
pub struct Devices {
    state: Mutex<State>,
}

impl Devices {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The devices known now.
    pub fn all(&self) -> Vec<Device> {
        self.with(|s| s.devices.values().cloned().collect())
    }
}

/// A new stream bound `me`: the devices are learnt again from presence.
pub fn stream_restarted(ctx: &SessionContext, me: &FullJid) {
    let gone = ctx.state::<Devices>().with(|s| {
        s.me = Some(me.clone());
        std::mem::take(&mut s.devices)
    });
    for jid in gone.into_keys() {
        ctx.emit(Event::DeviceGone {
            jid: ctx.account.clone(),
            device: jid,
        });
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn on_presence(ctx: &SessionContext, presence: Presence) -> Flow<Presence> {
    let Some(from) = presence.from.as_ref().and_then(|j| j.try_as_full().ok()).cloned() else {
        return Flow::Next(presence);
    };
    if from.to_bare() != ctx.account {
        return Flow::Next(presence);
    }
    let devices = ctx.state::<Devices>();
    if devices.with(|s| s.me.as_ref() == Some(&from)) {
        // Our own presence, reflected.
        return Flow::Handled;
    }
    match presence.type_ {
        PresenceType::None => {
            let idle = presence
                .payloads
                .iter()
                .find(|p| p.is("idle", "urn:xmpp:idle:1"))
                .and_then(|p| Idle::try_from(p.clone()).ok())
                .map(|i| i.since.0.timestamp_millis());
            let show = contact_presence::show(&presence);
            let status = presence.statuses.values().next().cloned().unwrap_or_default();
            let (device, new) = devices.with(|s| {
                let new = !s.devices.contains_key(&from);
                if new && s.devices.len() >= MAX_DEVICES {
                    return (None, false);
                }
                let d = s.devices.entry(from.clone()).or_insert_with(|| Device {
                    jid: from.clone(),
                    show: String::new(),
                    status: String::new(),
                    client: None,
                    version: None,
                    kind: None,
                    last_active_ms: 0,
                });
                d.show = show.as_str().to_owned();
                d.status = status;
                d.last_active_ms = idle.unwrap_or_else(now_ms);
                (Some(d.clone()), new)
            });
            let Some(device) = device else {
                tracing::info!("too many devices of ours online; one ignored");
                return Flow::Handled;
            };
            ctx.emit(Event::DeviceChanged {
                jid: ctx.account.clone(),
                device,
            });
            if new {
                tokio::spawn(describe(ctx.clone(), from));
            }
        }
        PresenceType::Unavailable => {
            if devices.with(|s| s.devices.remove(&from)).is_some() {
                ctx.emit(Event::DeviceGone {
                    jid: ctx.account.clone(),
                    device: from,
                });
            }
        }
        _ => return Flow::Next(presence),
    }
    Flow::Handled
}

/// Asks a device what it runs: XEP-0092 for name and version, disco#info
/// for the kind of device (and the name, when it has no version).
async fn describe(ctx: SessionContext, jid: FullJid) {
    let to = Jid::from(jid.clone());
    let info = tokio::time::timeout(
        DESCRIBE_WAIT,
        ctx.out.get(Some(to.clone()), DiscoInfoQuery { node: None }),
    )
    .await;
    let version = tokio::time::timeout(DESCRIBE_WAIT, ctx.out.get(Some(to), VersionQuery)).await;
    let identity = match info {
        Ok(Ok(Some(p))) => DiscoInfoResult::try_from(p)
            .ok()
            .and_then(|i| i.identities.into_iter().find(|i| i.category == "client")),
        _ => None,
    };
    let version = match version {
        Ok(Ok(Some(p))) => VersionResult::try_from(p).ok(),
        _ => None,
    };
    let device = ctx.state::<Devices>().with(|s| {
        let d = s.devices.get_mut(&jid)?;
        d.kind = identity.as_ref().map(|i| i.type_.clone());
        d.client = version
            .as_ref()
            .map(|v| v.name.clone())
            .or_else(|| identity.as_ref().and_then(|i| i.name.clone()))
            .filter(|n| !n.trim().is_empty())
            .map(|n| n.chars().take(64).collect());
        d.version = version.map(|v| v.version.chars().take(32).collect());
        Some(d.clone())
    });
    if let Some(device) = device {
        ctx.emit(Event::DeviceChanged {
            jid: ctx.account.clone(),
            device,
        });
    }
}

/// The row a message forwarded by one of our devices becomes, or `None`
/// when it is not one (no `ofrom`, not from our account, no text).
pub fn forwarded_row(ctx: &SessionContext, incoming: &Incoming) -> Option<NewMessage> {
    if incoming.source != chat::Source::Live {
        // A copy of what a device of ours sent elsewhere is not for us.
        return None;
    }
    let m = &incoming.message;
    let from = m.from.as_ref()?;
    if from.to_bare() != ctx.account {
        return None;
    }
    let original = x0033_addresses::original_sender(&m.payloads)?;
    let body = m.get_best_body_cloned(vec![]).map(|(_, b)| b)?;
    let peer = original.to_bare();
    let room = ctx.state::<Rooms>().knows(&peer);
    Some(NewMessage {
        peer,
        kind: if room { ChatKind::GroupChat } else { ChatKind::Chat },
        outgoing: false,
        sender: if room {
            original.resource().map(|r| r.to_string()).unwrap_or_default()
        } else {
            original.to_string()
        },
        body,
        origin_id: x0359_stanza_ids::origin_id(m),
        stanza_id: None,
        timestamp_ms: chat::delayed_ms(m).unwrap_or_else(now_ms),
        state: DeliveryState::Received,
        encryption: Default::default(),
    })
}

async fn on_message(ctx: &SessionContext, incoming: Incoming) -> Flow<Incoming> {
    let Some(row) = forwarded_row(ctx, &incoming) else {
        return Flow::Next(incoming);
    };
    let device = incoming
        .message
        .from
        .as_ref()
        .and_then(|f| f.resource().map(|r| r.to_string()))
        .unwrap_or_default();
    let (account, by) = (ctx.account.clone(), device.clone());
    let stored = ctx
        .store
        .run(move |s| {
            let result = s.insert_messages(&account, std::slice::from_ref(&row), Placement::Newest)?;
            Ok(match result.first() {
                Some(Inserted::New(id)) => {
                    s.mark_forwarded(*id, &by)?;
                    Some(StoredMessage {
                        id: *id,
                        message: row,
                        corrected: false,
                        file: None,
                        forwarded_by: Some(by),
                    })
                }
                _ => None,
            })
        })
        .await;
    match stored {
        Ok(Some(message)) => {
            tracing::debug!(%device, "a forwarded message was stored");
            ctx.emit(Event::MessagesAdded {
                jid: ctx.account.clone(),
                messages: vec![message],
                live: true,
                read_before: 0,
            });
        }
        Ok(None) => tracing::debug!(%device, "a forwarded message was stored already"),
        Err(e) => tracing::warn!(error = %e, "could not store a forwarded message"),
    }
    Flow::Handled
}
