//! What a fresh session does after login, in the order of
//! `xmpp-for-developers-slides.md`: roster, initial presence (as soon as
//! the roster's answer is in; it is read and cached meanwhile), then carbons, blocklist
//! and rooms (those we were in, then bookmarked autojoin ones) together,
//! the outbox, then the archive catch-up.

use crate::core::bridge::{Event, OwnPresence, RequestKind};
use crate::core::xmpp::{
    modules::own_presence::{self, own_presence_stanza},
    modules::roster,
    modules::x0045_muc,
    modules::x0186_invisible,
    modules::x0191_blocking,
    modules::x0276_decloak,
    modules::x0280_carbons,
    modules::x0313_mam,
    modules::x0384_omemo,
    modules::x0402_bookmarks,
    session::context::SessionContext,
    session::outgoing::IqError,
};

fn failed(ctx: &SessionContext, request: RequestKind, error: IqError) {
    tracing::warn!(?request, %error, "login step failed");
    ctx.emit(Event::RequestFailed {
        jid: ctx.account.clone(),
        request,
        detail: error.to_string(),
    });
}

/// Runs the login steps; aborted when the stream resets again.
pub async fn run(ctx: SessionContext, presence: OwnPresence) {
    own_presence::remember(&ctx, &presence);
    // Available presence goes out the moment the roster's answer is in
    // (RFC 6121 §2.2), before the answer is read; an invisible one waits
    // for what invisibility the server offers.
    let roster_then_presence = async {
        let answer = roster::request(&ctx).await;
        if !presence.invisible {
            ctx.out.send(own_presence_stanza(&presence));
            ctx.emit(Event::PresenceChanged {
                jid: ctx.account.clone(),
                presence: presence.clone(),
            });
            // The stream's task, woken by the send, waits in this thread's
            // slot for the next task until this one yields: without the
            // yield, reading 1,000 roster items first held the presence
            // back about 3 ms.
            tokio::task::yield_now().await;
        }
        answer
    };
    let (answer, _) = tokio::join!(roster_then_presence, x0186_invisible::discover(&ctx));
    let roster_cached = match answer.and_then(|answer| roster::apply(&ctx, answer)) {
        Ok(write) => write,
        Err(e) => {
            failed(&ctx, RequestKind::Roster, e);
            None
        }
    };
    if presence.invisible {
        // Invisible before any available presence; if that cannot be,
        // no presence at all (connected, but offline to everyone).
        match x0186_invisible::enter(&ctx, &presence, false).await {
            Ok(()) => ctx.emit(Event::PresenceChanged {
                jid: ctx.account.clone(),
                presence,
            }),
            Err(e) => {
                tracing::warn!(error = %e, "could not be invisible at login; no presence sent");
                ctx.emit(Event::RequestFailed {
                    jid: ctx.account.clone(),
                    request: RequestKind::Invisibility,
                    detail: e.to_string(),
                });
            }
        }
    }
    // The rest goes out together, not one round trip after another; the
    // server answers in order, and carbons are asked for before the
    // archive, so nothing falls between them.
    let carbons = async {
        if let Err(e) = x0280_carbons::enable(&ctx).await {
            failed(&ctx, RequestKind::Carbons, e);
        }
    };
    let blocklist = async {
        match x0191_blocking::fetch(&ctx).await {
            Ok(()) => {}
            // Servers without XEP-0191 are fine: there is just no blocklist.
            Err(IqError::Stanza(e)) => tracing::info!(error = ?e.defined_condition, "no blocklist"),
            Err(e) => failed(&ctx, RequestKind::Blocking, e),
        }
    };
    // Rooms before the outbox, which may hold messages for them.
    let rooms = async {
        x0045_muc::rejoin_all(&ctx);
        match x0402_bookmarks::fetch(&ctx).await {
            Ok(bookmarks) => x0402_bookmarks::autojoin(&ctx, &bookmarks).await,
            Err(IqError::Stanza(e)) => tracing::info!(error = ?e.defined_condition, "no bookmarks"),
            Err(e) => failed(&ctx, RequestKind::Bookmarks, e),
        }
    };
    let cached = async {
        if let Some(write) = roster_cached {
            let _ = write.await;
        }
    };
    tokio::join!(
        // Our OMEMO device, set up before the outbox is sent.
        x0384_omemo::start(&ctx),
        x0276_decloak::share_again(&ctx),
        carbons,
        blocklist,
        rooms,
        cached
    );
    ctx.out.flush_outbox();
    catch_up(&ctx).await;
    index_for_search(&ctx).await;
}

/// The archive catch-up, reported when it ends.
pub async fn catch_up(ctx: &SessionContext) {
    match x0313_mam::catch_up(ctx).await {
        Ok(done) => ctx.emit(Event::CatchUpFinished {
            jid: ctx.account.clone(),
            pages: done.pages,
            messages: done.messages,
        }),
        Err(IqError::Stanza(e)) => tracing::info!(error = ?e.defined_condition, "no archive"),
        Err(e) => failed(ctx, RequestKind::History, e),
    }
}

/// Adds what was stored to the search index, a slice at a time so that
/// other writes get their turn.
async fn index_for_search(ctx: &SessionContext) {
    loop {
        match ctx.store.run(|s| s.index_for_search(SEARCH_INDEX_SLICE)).await {
            Ok(0) => break,
            Ok(_) => tokio::task::yield_now().await,
            Err(e) => {
                tracing::warn!(error = %e, "could not index messages for search");
                break;
            }
        }
    }
}

/// Messages indexed per store call (a few tens of milliseconds).
const SEARCH_INDEX_SLICE: usize = 2_000;
