//! Trust in OMEMO devices (XEP-0384 §6, blind trust before verification):
//! the devices of a contact and our own, with their fingerprints (read
//! from their sessions, or from their bundles before any), and the user's
//! decisions. A distrusted device is left out of encryption; a verified
//! one was compared by fingerprint.

use xmpp_parsers::jid::BareJid;

use crate::core::{
    bridge::{Event, OmemoDeviceInfo, Trust},
    omemo::{device::fingerprint, WireVersion},
    xmpp::{
        modules::x0384_omemo::{fetch_bundle, fetch_device_list, Omemo, VERSIONS},
        session::context::SessionContext,
    },
};

/// Devices listed per owner at most.
const MAX_LISTED: usize = 64;

/// The devices of `owner` in both versions, each once.
async fn devices_of(ctx: &SessionContext, owner: &BareJid) -> Vec<(u32, WireVersion)> {
    let mut out: Vec<(u32, WireVersion)> = Vec::new();
    for version in VERSIONS {
        match fetch_device_list(ctx, owner, version).await {
            Ok(ids) => {
                for id in ids {
                    if !out.iter().any(|(known, _)| *known == id) {
                        out.push((id, version));
                    }
                }
            }
            Err(e) => tracing::info!(%owner, ?version, error = %e, "no device list"),
        }
    }
    out.truncate(MAX_LISTED);
    out
}

/// Reads the identity key of `device` from its bundle when no session
/// told it yet.
async fn learn(ctx: &SessionContext, owner: &BareJid, device: u32, version: WireVersion) {
    let state = ctx.state::<Omemo>();
    if state
        .with_device(|d| d.identity_of(owner.as_str(), device))
        .flatten()
        .is_some()
    {
        return;
    }
    let bundle = fetch_bundle(ctx, owner, device, version).await.ok();
    if let Some(bundle) = bundle {
        if let Some(Err(e)) = state.with_device(|d| d.learn_identity(owner.as_str(), &bundle)) {
            tracing::info!(%owner, device, error = %e, "a bundle's identity key is unreadable");
        }
    }
}

/// Sends the UI the devices of `peer` and our own.
pub async fn list(ctx: &SessionContext, peer: &BareJid) {
    let state = ctx.state::<Omemo>();
    if !state.wait_set_up().await {
        ctx.emit(Event::OmemoDevices {
            jid: ctx.account.clone(),
            peer: peer.clone(),
            devices: Vec::new(),
        });
        return;
    }
    let own_id = state.device_id();
    let mut devices = Vec::new();
    for owner in [peer.clone(), ctx.account.clone()] {
        let (account, whose) = (ctx.account.clone(), owner.clone());
        let seen = ctx
            .store
            .run(move |s| s.omemo_devices_last_seen(&account, &whose))
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "when devices last wrote is unreadable");
                Default::default()
            });
        for (device, version) in devices_of(ctx, &owner).await {
            learn(ctx, &owner, device, version).await;
            let this_device = owner == ctx.account && Some(device) == own_id;
            let (key, trust) = state
                .with_device(|d| {
                    if this_device {
                        (Some(d.identity_key()), None)
                    } else {
                        (
                            d.identity_of(owner.as_str(), device),
                            d.trust_of(owner.as_str(), device),
                        )
                    }
                })
                .unwrap_or((None, None));
            devices.push(OmemoDeviceInfo {
                owner: owner.clone(),
                device,
                fingerprint: key.map(|k| fingerprint(k.get(1..).unwrap_or_default())),
                trust,
                this_device,
                last_seen_ms: seen.get(&device).copied(),
            });
        }
    }
    state.save();
    ctx.emit(Event::OmemoDevices {
        jid: ctx.account.clone(),
        peer: peer.clone(),
        devices,
    });
}

/// Links carry fingerprints of this many devices at most.
const MAX_LINK_DEVICES: usize = 16;

/// Verifies the devices of `peer` whose keys match the fingerprints of
/// an `xmpp:` link; one whose key differs (or cannot be read) is left as
/// it was, and the UI is told which did.
pub async fn verify_link(ctx: &SessionContext, peer: &BareJid, fingerprints: &[(u32, String)]) {
    let state = ctx.state::<Omemo>();
    let (mut verified, mut mismatched) = (Vec::new(), Vec::new());
    if state.wait_set_up().await {
        let devices = devices_of(ctx, peer).await;
        for (device, expected) in fingerprints.iter().take(MAX_LINK_DEVICES) {
            let Some((_, version)) = devices.iter().find(|(d, _)| d == device) else {
                mismatched.push(*device);
                continue;
            };
            learn(ctx, peer, *device, *version).await;
            let matched = state
                .with_device(|d| {
                    let key = d.identity_of(peer.as_str(), *device)?;
                    let hex = hex::encode(key.get(1..).unwrap_or_default());
                    (hex == *expected).then(|| d.set_trust(&key, Trust::Verified))
                })
                .flatten()
                .is_some();
            if matched {
                verified.push(*device);
            } else {
                tracing::info!(%peer, device, "a link's fingerprint does not match the device's key");
                mismatched.push(*device);
            }
        }
        state.save();
    } else {
        mismatched.extend(fingerprints.iter().map(|(d, _)| *d));
    }
    ctx.emit(Event::OmemoLinkChecked {
        jid: ctx.account.clone(),
        peer: peer.clone(),
        verified,
        mismatched,
    });
}

/// Records the user's trust in `device` of `owner` (whose key must be
/// known: listed first).
pub fn set(ctx: &SessionContext, owner: &BareJid, device: u32, trust: Trust) {
    let state = ctx.state::<Omemo>();
    let changed = state.with_device(|d| match d.identity_of(owner.as_str(), device) {
        Some(key) => {
            d.set_trust(&key, trust);
            true
        }
        None => false,
    });
    if changed == Some(true) {
        state.save();
    } else {
        tracing::info!(%owner, device, "trust for a device whose key is unknown ignored");
    }
}
