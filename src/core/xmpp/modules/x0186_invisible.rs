//! XEP-0186 Invisible Command: being online while appearing offline.
//!
//! Three namespaces are spoken, whichever the server announces, newest
//! first: `urn:xmpp:invisible:1` (with `probe`), `urn:xmpp:invisible:0`
//! (v0.5–0.11) and the seed's `http://jabber.org/protocol/invisibility`
//! (v0.4). A server with none of them but with privacy lists gets XEP-0126
//! instead ([`super::x0126_invisibility_lists`]). Support is discovered
//! before initial presence, and the user's choice is applied before any
//! available presence goes out, at every login (the server forgets it
//! between sessions).
//!
//! While invisible we are visible only to those we chose: directed
//! presence ("Be visible to this contact", or a decloak answer) goes
//! through [`reveal`], which remembers them so that they see us again
//! after a reconnect and so that the privacy-list fallback lets it out.

use std::{collections::BTreeMap, sync::Mutex};

use xmpp_parsers::{
    disco::{DiscoInfoQuery, DiscoInfoResult},
    jid::Jid,
    minidom::{rxml::xml_ncname, Element},
    presence::Presence,
};

use crate::core::{
    bridge::{Event, OwnPresence, RequestKind},
    limits::at_most,
    privacy::InvisibilityMethod,
    xmpp::{
        modules::{
            own_presence::{caps_only_presence, own_presence_stanza},
            x0126_invisibility_lists, Module,
        },
        session::{context::SessionContext, outgoing::IqError},
    },
};

/// The module entry: its state only (a client announces nothing here).
pub const MODULE: Module = Module {
    name: "XEP-0186 invisible command",
    state: Some(|| Box::<Invisibility>::default()),
    ..Module::NONE
};

/// Most entities we stay visible to while invisible.
pub const MAX_VISIBLE_TO: usize = 256;

/// The invisible or visible command for `method` (not for privacy lists).
/// `probe` asks a `urn:xmpp:invisible:1` server to probe our contacts, so
/// that we still see them; a probe goes to their server, not to them.
pub fn command(method: InvisibilityMethod, invisible: bool) -> Option<Element> {
    if method == InvisibilityMethod::PrivacyLists {
        return None;
    }
    let name = if invisible { "invisible" } else { "visible" };
    let mut builder = Element::builder(name, method.feature());
    if invisible && method == InvisibilityMethod::Invisible1 {
        builder = builder.attr(xml_ncname!("probe").to_owned(), "true");
    }
    Some(builder.build())
}

/// What a server answered to a command, or why there was none to send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvisibilityError {
    /// The server offers no way to be invisible.
    #[error("the server does not support invisibility")]
    Unsupported,
    /// The server refused or did not answer.
    #[error("{0}")]
    Failed(String),
}

impl From<IqError> for InvisibilityError {
    fn from(e: IqError) -> Self {
        Self::Failed(e.to_string())
    }
}

/// What an entity we chose to be visible to sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// Our presence as we set it (show, status, caps).
    Presence,
    /// Caps only (a decloak answer, XEP-0276 §7).
    CapsOnly,
}

#[derive(Debug, Default)]
struct State {
    method: Option<InvisibilityMethod>,
    active: bool,
    visible_to: BTreeMap<Jid, Shown>,
}

/// The session's invisibility: the method found, whether it is on, and
/// whom we are visible to. Kept across reconnects of one session.
#[derive(Debug, Default)]
pub struct Invisibility {
    state: Mutex<State>,
    /// Serializes changes, so that quick toggles apply in order.
    changing: tokio::sync::Mutex<()>,
}

impl Invisibility {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut guard = match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// The method in use, once discovered.
    pub fn method(&self) -> Option<InvisibilityMethod> {
        self.with(|s| s.method)
    }

    /// Whether we are invisible now.
    pub fn is_active(&self) -> bool {
        self.with(|s| s.active)
    }

    /// Whom we are visible to while invisible.
    pub fn visible_to(&self) -> Vec<Jid> {
        self.with(|s| s.visible_to.keys().cloned().collect())
    }
}

fn emit_visible_to(ctx: &SessionContext) {
    ctx.emit(Event::VisibleTo {
        jid: ctx.account.clone(),
        to: ctx.state::<Invisibility>().visible_to(),
    });
}

/// Asks the server which invisibility it offers (disco#info on our
/// domain), remembers it for the session and tells the UI.
pub async fn discover(ctx: &SessionContext) -> Option<InvisibilityMethod> {
    let domain = Jid::from(ctx.account.domain().to_owned());
    let query = DiscoInfoQuery { node: None };
    let method = match ctx.out.get(Some(domain), query).await {
        Ok(Some(payload)) => match DiscoInfoResult::try_from(payload) {
            Ok(info) => InvisibilityMethod::best_of(&info.features.iter().collect::<Vec<_>>()),
            Err(e) => {
                tracing::info!(error = %e, "the server's disco#info did not parse");
                None
            }
        },
        Ok(None) => None,
        Err(e) => {
            tracing::info!(error = %e, "no disco#info from the server");
            None
        }
    };
    ctx.state::<Invisibility>().with(|s| s.method = method);
    ctx.emit(Event::InvisibilitySupport {
        jid: ctx.account.clone(),
        method,
    });
    method
}

/// Becomes invisible with `presence` as the (unbroadcast) presence, then
/// shows it to those we are visible to. `was_available` says whether an
/// available presence was broadcast on this stream already.
pub async fn enter(
    ctx: &SessionContext,
    presence: &OwnPresence,
    was_available: bool,
) -> Result<(), InvisibilityError> {
    let state = ctx.state::<Invisibility>();
    let _order = state.changing.lock().await;
    let method = state.method().ok_or(InvisibilityError::Unsupported)?;
    match command(method, true) {
        Some(command) => {
            ctx.out.set(None, command).await?;
        }
        None => {
            if was_available {
                // XEP-0126 §3.5: unavailable first, for everyone.
                ctx.out.send(Presence::unavailable());
            }
            x0126_invisibility_lists::activate(ctx, &state.visible_to()).await?;
        }
    }
    state.with(|s| s.active = true);
    // Now undirected presence reaches nobody; it makes the session
    // available to the server (messages, contacts' presence).
    ctx.out.send(own_presence_stanza(presence));
    show_to_chosen(ctx, presence);
    emit_visible_to(ctx);
    Ok(())
}

/// Sends each entity we chose to be visible to what it sees.
fn show_to_chosen(ctx: &SessionContext, presence: &OwnPresence) {
    let chosen = ctx.state::<Invisibility>().with(|s| s.visible_to.clone());
    for (to, shown) in chosen {
        let p = match shown {
            Shown::Presence => own_presence_stanza(presence),
            Shown::CapsOnly => caps_only_presence(),
        };
        ctx.out.send(p.with_to(to));
    }
}

/// Our presence changed while invisible: the server and those who see us
/// get the new one (nobody else does).
pub async fn update(ctx: &SessionContext, presence: &OwnPresence) {
    let _order = ctx.state::<Invisibility>().changing.lock().await;
    ctx.out.send(own_presence_stanza(presence));
    show_to_chosen(ctx, presence);
}

/// Applies a change of our presence from `before` to `after` (at least
/// one of them invisible), and tells the UI what holds now.
pub async fn change(ctx: SessionContext, before: OwnPresence, after: OwnPresence) {
    let active = ctx.state::<Invisibility>().is_active();
    let outcome = match (active, after.invisible) {
        (false, true) => enter(&ctx, &after, !before.invisible).await,
        (true, false) => leave(&ctx, &after).await,
        (true, true) => {
            update(&ctx, &after).await;
            Ok(())
        }
        (false, false) => {
            ctx.out.send(own_presence_stanza(&after));
            Ok(())
        }
    };
    match outcome {
        Ok(()) => ctx.emit(Event::PresenceChanged {
            jid: ctx.account.clone(),
            presence: after,
        }),
        Err(e) => {
            tracing::warn!(error = %e, "could not change invisibility");
            ctx.emit(Event::RequestFailed {
                jid: ctx.account.clone(),
                request: RequestKind::Invisibility,
                detail: e.to_string(),
            });
            ctx.emit(Event::PresenceChanged {
                jid: ctx.account.clone(),
                presence: before,
            });
        }
    }
}

/// Becomes visible again and broadcasts `presence`.
pub async fn leave(ctx: &SessionContext, presence: &OwnPresence) -> Result<(), InvisibilityError> {
    let state = ctx.state::<Invisibility>();
    let _order = state.changing.lock().await;
    if let Some(method) = state.method() {
        if state.is_active() {
            match command(method, false) {
                Some(command) => {
                    ctx.out.set(None, command).await?;
                }
                None => x0126_invisibility_lists::deactivate(ctx).await?,
            }
        }
    }
    state.with(|s| {
        s.active = false;
        s.visible_to.clear();
    });
    ctx.out.send(own_presence_stanza(presence));
    emit_visible_to(ctx);
    Ok(())
}

/// Sends `presence` (directed) to `to`, which shows `shown`. While
/// invisible `to` is remembered as someone who sees us, and a privacy list
/// is widened first.
pub async fn reveal(
    ctx: &SessionContext,
    to: Jid,
    presence: Presence,
    shown: Shown,
) -> Result<(), InvisibilityError> {
    let state = ctx.state::<Invisibility>();
    let _order = state.changing.lock().await;
    if state.is_active() {
        let added = state.with(|s| {
            if let Some(known) = s.visible_to.get_mut(&to) {
                // Full presence wins over caps only.
                if shown == Shown::Presence {
                    *known = Shown::Presence;
                }
                return Ok::<bool, InvisibilityError>(false);
            }
            at_most(
                "entities to be visible to",
                s.visible_to.len() + 1,
                MAX_VISIBLE_TO,
            )
            .map_err(InvisibilityError::Failed)?;
            s.visible_to.insert(to.clone(), shown);
            Ok(true)
        })?;
        if added {
            if state.method() == Some(InvisibilityMethod::PrivacyLists) {
                if let Err(e) = x0126_invisibility_lists::activate(ctx, &state.visible_to()).await {
                    state.with(|s| s.visible_to.remove(&to));
                    return Err(e.into());
                }
            }
            emit_visible_to(ctx);
        }
    }
    ctx.out.send(presence.with_to(to));
    Ok(())
}

/// Ends directed presence to `to` (unavailable), and while invisible
/// forgets them as someone who sees us.
pub async fn conceal(ctx: &SessionContext, to: Jid) -> Result<(), InvisibilityError> {
    let state = ctx.state::<Invisibility>();
    let _order = state.changing.lock().await;
    ctx.out.send(Presence::unavailable().with_to(to.clone()));
    let removed = state.with(|s| s.active && s.visible_to.remove(&to).is_some());
    if removed {
        if state.method() == Some(InvisibilityMethod::PrivacyLists) {
            x0126_invisibility_lists::activate(ctx, &state.visible_to()).await?;
        }
        emit_visible_to(ctx);
    }
    Ok(())
}

/// The session is starting on a fresh stream: the server knows nothing of
/// our invisibility, so it is off until applied again.
pub fn stream_restarted(ctx: &SessionContext) {
    ctx.state::<Invisibility>().with(|s| s.active = false);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_use_the_methods_namespace_and_probe_only_on_1() {
        let one = command(InvisibilityMethod::Invisible1, true).expect("element");
        assert!(one.is("invisible", "urn:xmpp:invisible:1"));
        assert_eq!(one.attr("probe"), Some("true"));
        let zero = command(InvisibilityMethod::Invisible0, true).expect("element");
        assert!(zero.is("invisible", "urn:xmpp:invisible:0"));
        assert_eq!(zero.attr("probe"), None);
        let seed = command(InvisibilityMethod::Seed, false).expect("element");
        assert!(seed.is("visible", "http://jabber.org/protocol/invisibility"));
        assert!(command(InvisibilityMethod::PrivacyLists, true).is_none());
    }
}
