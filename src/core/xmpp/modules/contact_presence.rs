//! Presence from others: subscription requests and answers, each contact
//! resource's availability, and their entity caps, verified (XEP-0115) and
//! cached by hash before they are believed.

use super::kontalk_pubkey::KeyCheck;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use base64::Engine as _;
use xmpp_parsers::{
    caps::{query_caps, Caps},
    disco::DiscoInfoResult,
    jid::{FullJid, Jid},
    minidom::Element,
    ns,
    presence::{Presence, Show, Type as PresenceType},
};

use crate::core::xmpp::{
    modules::{x0115_caps, x0153_vcard_avatar, Flow, Module},
    session::context::SessionContext,
};

/// The module entry: every presence that reaches it (subscriptions,
/// contacts' resources, their caps and vCard avatars).
pub const MODULE: Module = Module {
    name: "RFC 6121 contact presence",
    presence: Some(|ctx, presence| {
        Box::pin(async move {
            ctx.state::<CapsResolver>().on_presence(ctx, presence);
            Flow::Handled
        })
    }),
    state: Some(|| Box::new(CapsResolver::default())),
    ..Module::NONE
};
use crate::core::{
    bridge::Event,
    contacts::{ContactShow, ResourcePresence},
};

type CapsKey = (String, String);

#[derive(Default)]
struct CapsState {
    /// Verified disco#info by caps key, for this session.
    known: HashMap<CapsKey, Arc<DiscoInfoResult>>,
    /// Resources waiting for a lookup in progress, by caps key.
    waiting: HashMap<CapsKey, Vec<FullJid>>,
}

/// Learns what contacts' clients can do: each caps hash is looked up once
/// (memory, then the store, then one disco#info query that must verify),
/// however many resources announce it.
#[derive(Clone, Default)]
pub struct CapsResolver {
    state: Arc<Mutex<CapsState>>,
}

fn caps_of(p: &Presence) -> Option<Caps> {
    p.payloads
        .iter()
        .find(|e| e.is("c", ns::CAPS))
        .and_then(|e| Caps::try_from(e.clone()).ok())
}

fn key(caps: &Caps) -> CapsKey {
    (
        String::from(caps.hash.clone()),
        base64::engine::general_purpose::STANDARD.encode(&caps.ver),
    )
}

/// A presence's availability.
pub fn show(p: &Presence) -> ContactShow {
    match (&p.type_, &p.show) {
        (PresenceType::Unavailable, _) => ContactShow::Unavailable,
        (_, None) => ContactShow::Available,
        (_, Some(Show::Chat)) => ContactShow::Chat,
        (_, Some(Show::Away)) => ContactShow::Away,
        (_, Some(Show::Xa)) => ContactShow::ExtendedAway,
        (_, Some(Show::Dnd)) => ContactShow::DoNotDisturb,
    }
}

fn emit_info(ctx: &SessionContext, from: FullJid, info: &DiscoInfoResult) {
    ctx.emit(Event::ContactCapabilities {
        jid: ctx.account.clone(),
        from,
        client_name: info
            .identities
            .iter()
            .find_map(|i| i.name.clone())
            .filter(|n| !n.is_empty()),
        features: info.features.iter().cloned().collect(),
    });
}

/// The verified disco#info for `caps`: from the store, or asked of `from`
/// and checked against the hash (and then stored).
async fn look_up(ctx: &SessionContext, key: &CapsKey, from: &FullJid, caps: Caps) -> Option<DiscoInfoResult> {
    let (hash, ver) = key.clone();
    let cached = ctx
        .store
        .run(move |s| s.cached_caps(&hash, &ver))
        .await
        .ok()
        .flatten();
    if let Some(info) = cached
        .and_then(|xml| xml.parse::<Element>().ok())
        .and_then(|e| DiscoInfoResult::try_from(e).ok())
    {
        return Some(info);
    }
    let answer = ctx
        .out
        .get(Some(Jid::from(from.clone())), query_caps(caps.clone()))
        .await;
    let info = match answer.map(|p| p.map(DiscoInfoResult::try_from)) {
        Ok(Some(Ok(info))) => info,
        other => {
            tracing::debug!(%from, ?other, "no usable disco#info for caps");
            return None;
        }
    };
    if !x0115_caps::verify(&caps, &info) {
        tracing::warn!(%from, "caps hash does not match disco#info; not trusted");
        return None;
    }
    let xml = String::from(&Element::from(info.clone()));
    let (hash, ver) = key.clone();
    if let Err(e) = ctx.store.run(move |s| s.cache_caps(&hash, &ver, &xml)).await {
        tracing::error!(error = %e, "could not cache caps");
    }
    Some(info)
}

impl CapsResolver {
    fn state(&self) -> std::sync::MutexGuard<'_, CapsState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Reports what `from` can do, looking its caps up if needed.
    fn resolve(&self, ctx: &SessionContext, from: FullJid, caps: Caps) {
        let key = key(&caps);
        {
            let mut state = self.state();
            if let Some(info) = state.known.get(&key) {
                return emit_info(ctx, from, info);
            }
            if let Some(waiting) = state.waiting.get_mut(&key) {
                return waiting.push(from); // a lookup is under way
            }
            state.waiting.insert(key.clone(), vec![from.clone()]);
        }
        let (resolver, ctx) = (self.clone(), ctx.clone());
        tokio::spawn(async move {
            let info = look_up(&ctx, &key, &from, caps).await.map(Arc::new);
            let waiting = {
                let mut state = resolver.state();
                if let Some(info) = &info {
                    state.known.insert(key.clone(), info.clone());
                }
                state.waiting.remove(&key).unwrap_or_default()
            };
            if let Some(info) = info {
                for resource in waiting {
                    emit_info(&ctx, resource, &info);
                }
            }
        });
    }

    /// Handles presence from someone else.
    pub fn on_presence(&self, ctx: &SessionContext, p: Presence) {
        let Some(from) = p.from.clone() else {
            return; // from our own server about ourselves
        };
        let status = p.statuses.values().next().cloned().unwrap_or_default();
        let pubkey = super::kontalk_pubkey::of(&p);
        let account = ctx.account.clone();
        match p.type_ {
            PresenceType::Subscribe => {
                // The option "authorize contacts automatically" (XEP-0146
                // set-options `auto-auth`, off by default) answers for the user.
                let ctx = ctx.clone();
                tokio::spawn(async move {
                    let auto = ctx.store.run(|s| s.rc_options()).await.is_ok_and(|o| o.auto_auth);
                    let from = from.to_bare();
                    if auto {
                        tracing::info!(%from, "contact request approved automatically (auto-auth)");
                        ctx.out.send(super::roster::subscription_presence(
                            crate::core::contacts::SubscriptionAction::Approve,
                            from.clone(),
                        ));
                        ctx.emit(Event::SubscriptionApprovedAutomatically { jid: account, from });
                    } else {
                        if let Some(key) = pubkey.as_ref().filter(|k| !matches!(k, KeyCheck::Verified(_))) {
                            tracing::warn!(%from, ?key, "a contact request with a key that is not to be trusted");
                        }
                        ctx.emit(Event::SubscriptionRequest {
                            jid: account,
                            from,
                            status,
                            key: pubkey,
                        });
                    }
                });
            }
            PresenceType::Subscribed | PresenceType::Unsubscribed => ctx.emit(Event::SubscriptionAnswer {
                jid: account,
                contact: from.to_bare(),
                approved: p.type_ == PresenceType::Subscribed,
            }),
            PresenceType::None | PresenceType::Unavailable => {
                let Ok(full) = from.clone().try_into_full() else {
                    tracing::debug!(%from, "presence from a bare JID ignored");
                    return;
                };
                let caps = caps_of(&p);
                if p.type_ == PresenceType::None {
                    x0153_vcard_avatar::on_presence(ctx, &p);
                }
                ctx.emit(Event::ContactPresence {
                    jid: account,
                    contact: from.to_bare(),
                    presence: ResourcePresence {
                        resource: full.resource().to_string(),
                        show: show(&p),
                        status,
                        priority: p.priority.0,
                        caps: caps.as_ref().map(key),
                    },
                });
                if let (Some(caps), PresenceType::None) = (caps, &p.type_) {
                    self.resolve(ctx, full, caps);
                }
            }
            PresenceType::Error => tracing::debug!(%from, "presence error"),
            PresenceType::Probe | PresenceType::Unsubscribe => {}
        }
    }
}
