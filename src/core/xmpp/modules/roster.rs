//! The roster (RFC 6121 §2) with versioning (XEP-0237): fetched at login
//! against the cached version, kept current by pushes, and edited here.

use xmpp_parsers::{
    iq::Iq,
    jid::{BareJid, Jid},
    presence::{Presence, Type as PresenceType},
    roster::{self, Ask, Group, Roster},
    stanza_error::{DefinedCondition, ErrorType},
};

use crate::core::xmpp::{
    modules::{pushed_by_own_account, reply, stanza_error, Answer, Module},
    session::context::SessionContext,
    session::outgoing::IqError,
};

/// The module entry: roster pushes (RFC 6121 §2.1.6), from our own
/// account only.
pub const MODULE: Module = Module {
    name: "RFC 6121 roster",
    request: Some(|ctx, iq| Box::pin(on_push(ctx, iq))),
    ..Module::NONE
};
use crate::core::{
    bridge::Event,
    contacts::{RosterItem, Subscription, SubscriptionAction},
};

/// Converts a wire item (not a removal).
pub fn from_wire(item: roster::Item) -> Option<RosterItem> {
    let subscription = match item.subscription {
        roster::Subscription::None => Subscription::None,
        roster::Subscription::To => Subscription::To,
        roster::Subscription::From => Subscription::From,
        roster::Subscription::Both => Subscription::Both,
        roster::Subscription::Remove => return None,
    };
    let mut groups: Vec<String> = item.groups.into_iter().map(|g| g.0).collect();
    groups.sort();
    groups.dedup();
    Some(RosterItem {
        jid: item.jid,
        name: item.name.filter(|n| !n.is_empty()),
        subscription,
        ask: item.ask == Ask::Subscribe,
        approved: item.approved.unwrap_or(false),
        groups,
    })
}

fn set_payload(jid: BareJid, name: Option<String>, groups: Vec<String>, remove: bool) -> Roster {
    Roster {
        ver: None,
        items: vec![roster::Item {
            jid,
            name,
            subscription: if remove {
                roster::Subscription::Remove
            } else {
                roster::Subscription::None
            },
            ask: Ask::None,
            groups: groups.into_iter().map(Group).collect(),
            approved: None,
        }],
    }
}

/// The most roster items Balcony reads (the roster bench has 5,000).
pub const MAX_ROSTER_ITEMS: usize = 50_000;

/// The server's answer to a roster query, not yet read.
pub struct RosterAnswer {
    /// `None`: unchanged since the cached version.
    payload: Option<xmpp_parsers::minidom::Element>,
    cached: Vec<RosterItem>,
}

/// Asks for the roster, sending the cached version so that an unchanged
/// roster transfers nothing; returns as soon as the answer is in, so that
/// initial presence can go out before the answer is read ([`apply`]).
pub async fn request(ctx: &SessionContext) -> Result<RosterAnswer, IqError> {
    let account = ctx.account.clone();
    let (version, cached) = ctx
        .store
        .run(move |s| s.roster(&account))
        .await
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "roster cache unreadable; fetching it whole");
            (None, Vec::new())
        });
    let query = Roster {
        // An empty version asks for the whole roster and versioning.
        ver: Some(if cached.is_empty() {
            String::new()
        } else {
            version.unwrap_or_default()
        }),
        items: vec![],
    };
    let payload = ctx.out.get(None, query).await?;
    Ok(RosterAnswer { payload, cached })
}

/// Reads an answer of [`request`]: emits [`Event::RosterReplaced`], and
/// caches a changed roster in the task returned.
pub fn apply(
    ctx: &SessionContext,
    answer: RosterAnswer,
) -> Result<Option<tokio::task::JoinHandle<()>>, IqError> {
    let unchanged = answer.payload.is_none();
    let (items, cache_write) = match answer.payload {
        // Unchanged: what is cached is current; pushes bring any news.
        None => (answer.cached, None),
        Some(payload) => {
            let roster = Roster::try_from(payload).map_err(|e| IqError::Malformed(e.to_string()))?;
            crate::core::limits::at_most("roster items", roster.items.len(), MAX_ROSTER_ITEMS)
                .map_err(IqError::Malformed)?;
            let items: Vec<RosterItem> = roster.items.into_iter().filter_map(from_wire).collect();
            let (account, store) = (ctx.account.clone(), ctx.store.clone());
            let stored = items.clone();
            let ver = roster.ver;
            let write = tokio::spawn(async move {
                if let Err(e) = store
                    .run(move |s| s.replace_roster(&account, ver.as_deref(), &stored))
                    .await
                {
                    tracing::error!(error = %e, "could not cache the roster");
                }
            });
            (items, Some(write))
        }
    };
    ctx.emit(Event::RosterReplaced {
        jid: ctx.account.clone(),
        items,
        unchanged,
    });
    Ok(cache_write)
}

/// Handles an IQ set that may be a roster push; `None` if it is not one.
/// Returns the reply to send.
pub async fn on_push(ctx: &SessionContext, iq: &Iq) -> Option<Iq> {
    let Iq::Set {
        from, id, payload, ..
    } = iq
    else {
        return None;
    };
    if !payload.is("query", xmpp_parsers::ns::ROSTER) {
        return None;
    }
    let error = |condition, text| {
        reply(
            from,
            id,
            Answer::Error(stanza_error(ErrorType::Cancel, condition, text)),
        )
    };
    if !pushed_by_own_account(from, &ctx.account) {
        tracing::warn!(?from, "roster push from a stranger ignored");
        return Some(error(DefinedCondition::ServiceUnavailable, "Not your roster"));
    }
    let roster = match Roster::try_from(payload.clone()) {
        Ok(r) if r.items.len() == 1 => r,
        Ok(_) => {
            return Some(error(
                DefinedCondition::BadRequest,
                "A push carries exactly one item",
            ))
        }
        Err(e) => {
            tracing::warn!(error = %e, "malformed roster push");
            return Some(error(DefinedCondition::BadRequest, "Malformed roster push"));
        }
    };
    let ver = roster.ver.clone();
    let wire = roster.items.into_iter().next()?;
    let contact = wire.jid.clone();
    let item = from_wire(wire);
    let (account, stored, jid) = (ctx.account.clone(), item.clone(), contact.clone());
    if let Err(e) = ctx
        .store
        .run(move |s| s.apply_roster_push(&account, ver.as_deref(), &jid, stored.as_ref()))
        .await
    {
        tracing::error!(error = %e, "could not cache a roster push");
    }
    ctx.emit(match item {
        Some(item) => Event::RosterItemChanged {
            jid: ctx.account.clone(),
            item,
        },
        None => Event::RosterItemRemoved {
            jid: ctx.account.clone(),
            contact,
        },
    });
    Some(reply(from, id, Answer::Result(None)))
}

/// Adds or updates a contact (name and groups).
pub async fn set_item(
    ctx: &SessionContext,
    contact: BareJid,
    name: Option<String>,
    groups: Vec<String>,
) -> Result<(), IqError> {
    ctx.out
        .set(None, set_payload(contact, name, groups, false))
        .await
        .map(|_| ())
}

/// Removes a contact (which also cancels subscriptions both ways).
pub async fn remove_item(ctx: &SessionContext, contact: BareJid) -> Result<(), IqError> {
    ctx.out
        .set(None, set_payload(contact, None, vec![], true))
        .await
        .map(|_| ())
}

/// The presence stanza for `action`.
pub fn subscription_presence(action: SubscriptionAction, to: BareJid) -> Presence {
    let type_ = match action {
        SubscriptionAction::Request => PresenceType::Subscribe,
        SubscriptionAction::Approve => PresenceType::Subscribed,
        SubscriptionAction::Deny => PresenceType::Unsubscribed,
        SubscriptionAction::Cancel => PresenceType::Unsubscribe,
    };
    Presence::new(type_).with_to(Jid::from(to))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn wire_items_convert_and_removal_is_none() {
        let item = roster::Item {
            jid: BareJid::from_str("romeo@example.org").expect("jid"),
            name: Some(String::new()),
            subscription: roster::Subscription::To,
            ask: Ask::Subscribe,
            groups: vec![Group("b".into()), Group("a".into()), Group("a".into())],
            approved: Some(true),
        };
        let converted = from_wire(item.clone()).expect("item");
        assert_eq!(converted.name, None, "an empty name is no name");
        assert_eq!(converted.groups, vec!["a", "b"]);
        assert!(converted.ask && converted.approved);
        assert_eq!(converted.subscription, Subscription::To);
        let removal = roster::Item {
            subscription: roster::Subscription::Remove,
            ..item
        };
        assert!(from_wire(removal).is_none());
    }
}
