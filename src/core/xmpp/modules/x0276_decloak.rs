//! XEP-0276 Presence Decloaking, both ways.
//!
//! Receiving: someone without a subscription asks to see our presence for
//! a call, a chat or a file. We never answer without consent
//! (XEP-0276 §8): a remembered "always" decision for the contact or the
//! domain answers at once; otherwise the default policy ignores, or the UI
//! asks ([`Event::DecloakRequested`]). Requests from blocked JIDs are
//! dropped silently; repeated requests while a question is open join it,
//! and a requester the user ignored is not asked about again this session.
//! The answer is minimal directed presence (caps only, §7), withdrawn
//! with directed unavailable when the conversation closes or the session
//! ends.
//!
//! Sending: [`request`] sends directed presence with caps and a
//! `<decloak/>` to a bare JID and collects the resources that answer.
//!
//! Accepted namespaces: `urn:xmpp:decloak:0`, the telepathy original
//! `http://telepathy.freedesktop.org/xmpp/protocol/decloak`, and
//! `urn:xmpp:temppres:0`.

use std::{
    collections::{BTreeMap, BTreeSet, HashSet},
    sync::Mutex,
    time::Duration,
};

use xmpp_parsers::{
    disco::{DiscoInfoQuery, DiscoInfoResult},
    jid::{BareJid, FullJid, Jid},
    minidom::{rxml::xml_ncname, Element},
    presence::{Presence, Type as PresenceType},
};

use crate::core::{
    bridge::Event,
    privacy::{
        DecloakAnswer, DecloakPolicy, DecloakReason, DecloakRequest, DecloakRule, PresenceAnswer, RuleScope,
    },
    xmpp::{
        modules::{
            own_presence::caps_only_presence, x0186_invisible, x0186_invisible::Shown, x0191_blocking, Flow,
            Module,
        },
        session::context::SessionContext,
    },
};

/// The namespace we send.
pub const NS: &str = "urn:xmpp:decloak:0";
/// The namespace it was first implemented with.
pub const NS_TELEPATHY: &str = "http://telepathy.freedesktop.org/xmpp/protocol/decloak";
/// Another early name for temporary presence sharing.
pub const NS_TEMPPRES: &str = "urn:xmpp:temppres:0";
/// Kontalk's public key in presence (`<pubkey><print>`).
pub const NS_KONTALK_PUBKEY: &str = "urn:xmpp:pubkey:2";

/// Most requesters waiting for the user at once; more are dropped.
pub const MAX_PENDING: usize = 16;
/// Most resources of one requester kept in one question.
pub const MAX_RESOURCES: usize = 16;
/// Most requesters ignored for the rest of the session.
pub const MAX_IGNORED: usize = 4096;
/// Most resources we share presence with at once.
pub const MAX_SHARED: usize = 256;
/// Most resources collected as answers to one request of ours.
pub const MAX_ANSWERS: usize = 16;
/// Longest fingerprint shown.
const MAX_FINGERPRINT: usize = 128;

/// The module entry: requests and answers in presence.
pub const MODULE: Module = Module {
    name: "XEP-0276 presence decloaking",
    features: &[NS],
    presence: Some(|ctx, presence| Box::pin(on_presence(ctx, presence))),
    state: Some(|| Box::<Decloak>::default()),
    ..Module::NONE
};

/// A decloak element in a presence, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecloakElement {
    /// Its namespace (one of the three accepted).
    pub ns: &'static str,
    /// Its reason.
    pub reason: DecloakReason,
}

/// Why a presence with a decloak element is not a request we act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotARequest {
    /// It has no sender, or the sender is not a full JID.
    #[error("the request does not come from a full JID")]
    NoResource,
    /// It is not available presence (unavailable, subscribe, error …).
    #[error("decloaking is asked for in available presence only")]
    NotAvailable,
    /// It comes from our own account.
    #[error("the request comes from our own account")]
    OwnAccount,
}

/// The decloak element of `presence` in any accepted namespace.
pub fn find(presence: &Presence) -> Option<DecloakElement> {
    presence.payloads.iter().find_map(|e| {
        let ns = [NS, NS_TELEPATHY, NS_TEMPPRES]
            .into_iter()
            .find(|ns| e.ns() == *ns)?;
        // temppres names its element differently; any element of it counts.
        if ns != NS_TEMPPRES && e.name() != "decloak" {
            return None;
        }
        Some(DecloakElement {
            ns,
            reason: DecloakReason::parse(e.attr("reason")),
        })
    })
}

/// The decloak element we send.
pub fn element(reason: &DecloakReason) -> Element {
    let mut e = Element::builder("decloak", NS);
    if let Some(reason) = reason.as_attr() {
        e = e.attr(xml_ncname!("reason").to_owned(), reason);
    }
    e.build()
}

/// Checks that a presence carrying a decloak element is a request we may
/// act on; returns the requesting resource.
pub fn requester(presence: &Presence, account: &BareJid) -> Result<FullJid, NotARequest> {
    let Some(from) = presence.from.as_ref().and_then(|j| j.try_as_full().ok()).cloned() else {
        return Err(NotARequest::NoResource);
    };
    if presence.type_ != PresenceType::None {
        return Err(NotARequest::NotAvailable);
    }
    if from.to_bare() == *account {
        return Err(NotARequest::OwnAccount);
    }
    Ok(from)
}

/// The Kontalk fingerprint a presence carries, if any (hex and spaces only).
pub fn fingerprint(presence: &Presence) -> Option<String> {
    let print = presence
        .payloads
        .iter()
        .find(|e| e.is("pubkey", NS_KONTALK_PUBKEY))?
        .get_child("print", NS_KONTALK_PUBKEY)?
        .text();
    let print = print.trim();
    let fine = !print.is_empty()
        && print.len() <= MAX_FINGERPRINT
        && print
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ' ' || c == ':');
    fine.then(|| print.to_uppercase())
}

#[derive(Debug, Default)]
struct State {
    pending: BTreeMap<BareJid, DecloakRequest>,
    ignored: HashSet<BareJid>,
    shared: BTreeSet<FullJid>,
    asking: BTreeMap<BareJid, Vec<FullJid>>,
}

/// What decloaking keeps for a session.
#[derive(Debug, Default)]
pub struct Decloak {
    state: Mutex<State>,
}

impl Decloak {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut guard = match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// The resources we share presence with now.
    pub fn shared(&self) -> Vec<FullJid> {
        self.with(|s| s.shared.iter().cloned().collect())
    }
}

async fn on_presence(ctx: &SessionContext, presence: Presence) -> Flow<Presence> {
    let state = ctx.state::<Decloak>();
    // An answer to a request of ours: note it, and let contact presence
    // handling show it as usual.
    let answerer = presence.from.as_ref().and_then(|j| j.try_as_full().ok());
    if let (Some(from), PresenceType::None) = (answerer, &presence.type_) {
        state.with(|s| {
            if let Some(answers) = s.asking.get_mut(&from.to_bare()) {
                if !answers.contains(from) && answers.len() < MAX_ANSWERS {
                    answers.push(from.clone());
                }
            }
        });
    }
    let Some(decloak) = find(&presence) else {
        return Flow::Next(presence);
    };
    let from = match requester(&presence, &ctx.account) {
        Ok(from) => from,
        Err(why) => {
            tracing::debug!(%why, "decloak element not acted on");
            return Flow::Next(presence);
        }
    };
    let bare = from.to_bare();
    // A requester already asked about, or ignored, needs no store read: a
    // burst of requests costs memory lookups only.
    let settled = state.with(|s| {
        if s.ignored.contains(&bare) {
            return true;
        }
        match s.pending.get_mut(&bare) {
            Some(open) => {
                if !open.resources.contains(&from) && open.resources.len() < MAX_RESOURCES {
                    open.resources.push(from.clone());
                }
                true
            }
            None => false,
        }
    });
    if settled {
        return Flow::Handled;
    }
    let (account, who) = (ctx.account.clone(), bare.clone());
    let verdict = ctx
        .store
        .run(move |s| {
            let blocked = s.blocklist(&account)?.into_iter().any(|j| {
                j == who.clone()
                    || j.as_str() == who.domain().as_str()
                    || j.try_as_full().is_ok_and(|f| f.to_bare() == who)
            });
            let allowed = s.decloak_allowed(&account, &who)?;
            let policy = s.decloak_policy()?;
            let in_roster = s.in_roster(&account, &who)?;
            Ok((blocked, allowed, policy, in_roster))
        })
        .await;
    let (blocked, allowed, policy, in_roster) = match verdict {
        Ok(v) => v,
        Err(e) => {
            // Without the rules we cannot know the user agreed: share nothing.
            tracing::warn!(error = %e, "could not read the decloak rules; the request is dropped");
            return Flow::Handled;
        }
    };
    if blocked {
        return Flow::Handled;
    }
    if allowed {
        tracing::info!(%from, "sharing presence: an always-share decision covers the requester");
        share(ctx, vec![from.clone()]).await;
        ctx.emit(Event::DecloakShared {
            jid: ctx.account.clone(),
            with: bare,
            automatic: true,
        });
        return Flow::Handled;
    }
    if policy == DecloakPolicy::Ignore {
        tracing::info!(%from, "decloak request ignored by the default policy");
        return Flow::Handled;
    }
    let ask = state.with(|s| {
        // Another request of theirs may have opened the question meanwhile.
        if s.ignored.contains(&bare) || s.pending.contains_key(&bare) {
            return None;
        }
        if s.pending.len() >= MAX_PENDING {
            tracing::info!(%from, "too many decloak questions open; request dropped");
            return None;
        }
        let request = DecloakRequest {
            from: bare.clone(),
            resources: vec![from.clone()],
            reason: decloak.reason.clone(),
            in_roster,
            fingerprint: fingerprint(&presence),
        };
        s.pending.insert(bare.clone(), request.clone());
        Some(request)
    });
    if let Some(request) = ask {
        ctx.emit(Event::DecloakRequested {
            jid: ctx.account.clone(),
            request,
        });
    }
    Flow::Handled
}

/// Sends our caps-only presence to `to`, through invisibility's
/// bookkeeping (so it gets out, and is remembered, while invisible).
async fn share(ctx: &SessionContext, to: Vec<FullJid>) {
    let state = ctx.state::<Decloak>();
    for full in to {
        let room = state.with(|s| s.shared.contains(&full) || s.shared.len() < MAX_SHARED);
        if !room {
            tracing::warn!(%full, "sharing presence with too many resources; not shared");
            continue;
        }
        match x0186_invisible::reveal(
            ctx,
            Jid::from(full.clone()),
            caps_only_presence(),
            Shown::CapsOnly,
        )
        .await
        {
            Ok(()) => {
                state.with(|s| s.shared.insert(full));
            }
            Err(e) => tracing::warn!(error = %e, %full, "could not share presence"),
        }
    }
}

/// Carries out the user's answer to the open question about `from`.
pub async fn answer(ctx: &SessionContext, from: BareJid, answer: DecloakAnswer) {
    let state = ctx.state::<Decloak>();
    let Some(open) = state.with(|s| s.pending.remove(&from)) else {
        tracing::debug!(%from, "answer to a decloak question that is not open");
        return;
    };
    let rule = match answer {
        DecloakAnswer::AlwaysForContact => Some(DecloakRule {
            scope: RuleScope::Contact,
            target: from.to_string(),
        }),
        DecloakAnswer::AlwaysForDomain => Some(DecloakRule {
            scope: RuleScope::Domain,
            target: from.domain().to_string(),
        }),
        _ => None,
    };
    if let Some(rule) = rule {
        let account = ctx.account.clone();
        if let Err(e) = ctx.store.run(move |s| s.add_decloak_rule(&account, &rule)).await {
            tracing::warn!(error = %e, "could not remember the decloak decision");
        }
    }
    match answer {
        DecloakAnswer::ShareOnce | DecloakAnswer::AlwaysForContact | DecloakAnswer::AlwaysForDomain => {
            share(ctx, open.resources).await;
            ctx.emit(Event::DecloakShared {
                jid: ctx.account.clone(),
                with: from,
                automatic: false,
            });
        }
        DecloakAnswer::Ignore => state.with(|s| {
            if s.ignored.len() < MAX_IGNORED {
                s.ignored.insert(from);
            }
        }),
        DecloakAnswer::Block => {
            state.with(|s| {
                if s.ignored.len() < MAX_IGNORED {
                    s.ignored.insert(from.clone());
                }
            });
            if let Err(e) = x0191_blocking::change(ctx, vec![Jid::from(from)], true).await {
                tracing::warn!(error = %e, "could not block the requester");
                ctx.emit(Event::RequestFailed {
                    jid: ctx.account.clone(),
                    request: crate::core::bridge::RequestKind::Blocking,
                    detail: e.to_string(),
                });
            }
        }
    }
}

/// A fresh stream: the server forgot our directed presence, so those we
/// shared it with get it again.
pub async fn share_again(ctx: &SessionContext) {
    let shared = ctx.state::<Decloak>().shared();
    for full in shared {
        if let Err(e) =
            x0186_invisible::reveal(ctx, Jid::from(full), caps_only_presence(), Shown::CapsOnly).await
        {
            tracing::warn!(error = %e, "could not share presence again");
        }
    }
}

/// Withdraws shared presence from every resource of `peer` (directed
/// unavailable), e.g. when their conversation is closed.
pub async fn withdraw(ctx: &SessionContext, peer: &BareJid) {
    let gone: Vec<FullJid> = ctx.state::<Decloak>().with(|s| {
        let gone: Vec<FullJid> = s
            .shared
            .iter()
            .filter(|f| f.to_bare() == *peer)
            .cloned()
            .collect();
        for f in &gone {
            s.shared.remove(f);
        }
        gone
    });
    for full in gone {
        if let Err(e) = x0186_invisible::conceal(ctx, Jid::from(full)).await {
            tracing::warn!(error = %e, "could not withdraw shared presence");
        }
    }
}

/// Directed unavailable for everyone we share presence with, before the
/// session ends (sent in order ahead of our undirected unavailable).
pub fn withdraw_all(ctx: &SessionContext) -> Vec<Presence> {
    let all = ctx.state::<Decloak>().with(|s| std::mem::take(&mut s.shared));
    all.into_iter()
        .map(|full| Presence::unavailable().with_to(Jid::from(full)))
        .collect()
}

/// How long [`request`] waits for a first answer.
pub const ANSWER_WAIT: Duration = Duration::from_secs(10);
/// How long a resource that answered gets to say what it is.
const DESCRIBE_WAIT: Duration = Duration::from_secs(5);
/// How long it waits after the first answer for more resources.
const MORE_ANSWERS: Duration = Duration::from_millis(700);

/// Asks `to` to share presence for `reason`, and returns the resources
/// that answered within [`ANSWER_WAIT`] with what their clients are.
pub async fn request(
    ctx: &SessionContext,
    to: BareJid,
    reason: DecloakReason,
    wait: Duration,
) -> Vec<PresenceAnswer> {
    let state = ctx.state::<Decloak>();
    state.with(|s| s.asking.insert(to.clone(), Vec::new()));
    let mut presence = caps_only_presence();
    presence.payloads.push(element(&reason));
    if let Err(e) = x0186_invisible::reveal(ctx, Jid::from(to.clone()), presence, Shown::CapsOnly).await {
        tracing::warn!(error = %e, "could not send the decloak request");
    }
    let deadline = tokio::time::Instant::now() + wait;
    let mut first_seen: Option<tokio::time::Instant> = None;
    loop {
        let count = state.with(|s| s.asking.get(&to).map_or(0, Vec::len));
        let now = tokio::time::Instant::now();
        if count > 0 && first_seen.is_none() {
            first_seen = Some(now);
        }
        let done = now >= deadline || first_seen.is_some_and(|t| now >= t + MORE_ANSWERS);
        if done || count >= MAX_ANSWERS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let answered = state.with(|s| s.asking.remove(&to)).unwrap_or_default();
    let mut out = Vec::new();
    for from in answered {
        out.push(describe(ctx, from).await);
    }
    out
}

/// What a resource's client is, from its disco#info.
async fn describe(ctx: &SessionContext, from: FullJid) -> PresenceAnswer {
    let mut answer = PresenceAnswer {
        from: from.clone(),
        client: None,
        kind: None,
        features: 0,
        files: false,
    };
    let query = ctx.out.get(Some(Jid::from(from)), DiscoInfoQuery { node: None });
    // A resource that shows presence but does not answer is still listed.
    let info = tokio::time::timeout(DESCRIBE_WAIT, query).await;
    if let Ok(Ok(Some(payload))) = info {
        if let Ok(info) = DiscoInfoResult::try_from(payload) {
            if let Some(identity) = info.identities.iter().find(|i| i.category == "client") {
                answer.client = identity.name.clone().filter(|n| !n.is_empty());
                answer.kind = Some(identity.type_.clone());
            }
            answer.features = info.features.len();
            answer.files = info.features.iter().any(|f| {
                f.starts_with("urn:xmpp:jingle:apps:file-transfer:")
                    || f == "http://jabber.org/protocol/si/profile/file-transfer"
            });
        }
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn presence(xml: &str) -> Presence {
        let e: Element = xml.parse().expect("xml");
        Presence::try_from(e).expect("presence")
    }

    #[test]
    fn all_three_namespaces_are_understood() {
        for (ns, name) in [
            (NS, "decloak"),
            (NS_TELEPATHY, "decloak"),
            (NS_TEMPPRES, "temppres"),
        ] {
            let p = presence(&format!(
                "<presence xmlns='jabber:client' from='t@c.lit/a'><{name} xmlns='{ns}' reason='file'/></presence>"
            ));
            let found = find(&p).expect(ns);
            assert_eq!((found.ns, found.reason), (ns, DecloakReason::File));
        }
    }

    #[test]
    fn a_wrong_namespace_or_name_is_not_a_request() {
        let wrong_ns = presence("<presence xmlns='jabber:client' from='t@c.lit/a'><decloak xmlns='urn:xmpp:decloak:1'/></presence>");
        assert_eq!(find(&wrong_ns), None);
        let wrong_name = presence(
            "<presence xmlns='jabber:client' from='t@c.lit/a'><cloak xmlns='urn:xmpp:decloak:0'/></presence>",
        );
        assert_eq!(find(&wrong_name), None);
    }

    #[test]
    fn unknown_and_missing_reasons_are_kept_apart() {
        let unknown = presence("<presence xmlns='jabber:client' from='t@c.lit/a'><decloak xmlns='urn:xmpp:decloak:0' reason='dance'/></presence>");
        assert_eq!(
            find(&unknown).map(|d| d.reason),
            Some(DecloakReason::Other("dance".into()))
        );
        let missing = presence("<presence xmlns='jabber:client' from='t@c.lit/a'><decloak xmlns='urn:xmpp:decloak:0'/></presence>");
        assert_eq!(find(&missing).map(|d| d.reason), Some(DecloakReason::Unspecified));
    }

    #[test]
    fn only_available_presence_from_a_strangers_resource_is_a_request() {
        let me: BareJid = "juliet@capulet.lit".parse().expect("jid");
        let ok = presence("<presence xmlns='jabber:client' from='t@c.lit/a'><decloak xmlns='urn:xmpp:decloak:0'/></presence>");
        assert_eq!(requester(&ok, &me).map(|f| f.to_string()), Ok("t@c.lit/a".into()));
        let bare = presence(
            "<presence xmlns='jabber:client' from='t@c.lit'><decloak xmlns='urn:xmpp:decloak:0'/></presence>",
        );
        assert_eq!(requester(&bare, &me), Err(NotARequest::NoResource));
        let none =
            presence("<presence xmlns='jabber:client'><decloak xmlns='urn:xmpp:decloak:0'/></presence>");
        assert_eq!(requester(&none, &me), Err(NotARequest::NoResource));
        let gone = presence("<presence xmlns='jabber:client' type='unavailable' from='t@c.lit/a'><decloak xmlns='urn:xmpp:decloak:0'/></presence>");
        assert_eq!(requester(&gone, &me), Err(NotARequest::NotAvailable));
        let own = presence("<presence xmlns='jabber:client' from='juliet@capulet.lit/b'><decloak xmlns='urn:xmpp:decloak:0'/></presence>");
        assert_eq!(requester(&own, &me), Err(NotARequest::OwnAccount));
    }

    #[test]
    fn the_answer_carries_caps_and_nothing_else() {
        let p = caps_only_presence();
        assert_eq!(p.type_, PresenceType::None);
        assert!(
            p.show.is_none() && p.statuses.is_empty() && p.priority == xmpp_parsers::presence::Priority(0)
        );
        assert_eq!(p.payloads.len(), 1);
        assert!(p.payloads[0].is("c", xmpp_parsers::ns::CAPS));
    }

    #[test]
    fn fingerprints_are_shown_only_when_they_look_like_one() {
        let fp = presence("<presence xmlns='jabber:client' from='t@c.lit/a'><pubkey xmlns='urn:xmpp:pubkey:2'><key>AAAA</key><print>ab12 CD34</print></pubkey></presence>");
        assert_eq!(fingerprint(&fp), Some("AB12 CD34".into()));
        let junk = presence("<presence xmlns='jabber:client' from='t@c.lit/a'><pubkey xmlns='urn:xmpp:pubkey:2'><print>&lt;script&gt;</print></pubkey></presence>");
        assert_eq!(fingerprint(&junk), None);
    }

    #[test]
    fn our_request_names_its_reason() {
        let e = element(&DecloakReason::Media);
        assert!(e.is("decloak", NS));
        assert_eq!(e.attr("reason"), Some("media"));
        assert_eq!(element(&DecloakReason::Unspecified).attr("reason"), None);
    }
}
