//! XEP-0191 Blocking Command: the blocklist, fetched at login, kept current
//! by pushes, and edited here.

use xmpp_parsers::{
    blocking::{Block, BlocklistRequest, BlocklistResult, Unblock},
    iq::Iq,
    jid::Jid,
    ns,
    stanza_error::{DefinedCondition, ErrorType},
};

use crate::core::bridge::Event;
use crate::core::xmpp::{
    modules::{pushed_by_own_account, reply, stanza_error, Answer, Module},
    session::context::SessionContext,
    session::outgoing::IqError,
};

/// The module entry: blocklist pushes, from our own account only.
pub const MODULE: Module = Module {
    name: "XEP-0191 blocking",
    request: Some(|ctx, iq| Box::pin(on_push(ctx, iq))),
    ..Module::NONE
};

/// Fetches the blocklist, caches it and emits [`Event::BlocklistReplaced`].
pub async fn fetch(ctx: &SessionContext) -> Result<(), IqError> {
    let payload = ctx
        .out
        .get(None, BlocklistRequest)
        .await?
        .ok_or_else(|| IqError::Malformed("empty blocklist result".into()))?;
    let list = BlocklistResult::try_from(payload).map_err(|e| IqError::Malformed(e.to_string()))?;
    let (account, items) = (ctx.account.clone(), list.items.clone());
    if let Err(e) = ctx
        .store
        .run(move |s| s.replace_blocklist(&account, &items))
        .await
    {
        tracing::error!(error = %e, "could not cache the blocklist");
    }
    ctx.emit(Event::BlocklistReplaced {
        jid: ctx.account.clone(),
        items: list.items,
    });
    Ok(())
}

/// Blocks (`block`) or unblocks JIDs. Unblocking an empty list unblocks all.
pub async fn change(ctx: &SessionContext, jids: Vec<Jid>, block: bool) -> Result<(), IqError> {
    if block {
        ctx.out.set(None, Block { items: jids }).await.map(|_| ())
    } else {
        ctx.out.set(None, Unblock { items: jids }).await.map(|_| ())
    }
}

/// Handles an IQ set that may be a blocklist push; `None` if it is not one.
pub async fn on_push(ctx: &SessionContext, iq: &Iq) -> Option<Iq> {
    let Iq::Set {
        from, id, payload, ..
    } = iq
    else {
        return None;
    };
    if payload.ns() != ns::BLOCKING {
        return None;
    }
    let error = |type_, condition, text| reply(from, id, Answer::Error(stanza_error(type_, condition, text)));
    if !pushed_by_own_account(from, &ctx.account) {
        return Some(error(
            ErrorType::Cancel,
            DefinedCondition::ServiceUnavailable,
            "Not your blocklist",
        ));
    }
    let parsed = if payload.name() == "block" {
        Block::try_from(payload.clone()).map(|b| (b.items, true)).ok()
    } else if payload.name() == "unblock" {
        Unblock::try_from(payload.clone()).map(|u| (u.items, false)).ok()
    } else {
        None
    };
    let Some((items, blocked)) = parsed else {
        return Some(error(
            ErrorType::Modify,
            DefinedCondition::BadRequest,
            "Malformed blocklist push",
        ));
    };
    let (account, stored) = (ctx.account.clone(), items.clone());
    if let Err(e) = ctx
        .store
        .run(move |s| s.update_blocklist(&account, &stored, blocked))
        .await
    {
        tracing::error!(error = %e, "could not cache a blocklist push");
    }
    ctx.emit(Event::BlocklistChanged {
        jid: ctx.account.clone(),
        items,
        blocked,
    });
    Some(reply(from, id, Answer::Result(None)))
}
