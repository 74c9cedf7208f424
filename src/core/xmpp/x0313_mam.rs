//! XEP-0313 Message Archive Management: catch-up from the newest page
//! backwards until the gap to what is stored is closed, tracked in the
//! `mam_ranges` table; and backfill of one conversation on demand.

use xmpp_parsers::{
    data_forms::{DataForm, DataFormType, Field},
    jid::BareJid,
    mam::{self, Query},
    ns,
    rsm::SetQuery,
};

use super::{
    chat::{self, Parsed, Source},
    context::SessionContext,
    modules::Module,
    outgoing::{IqError, MamPage},
};
use crate::core::store::{ArchivePoint, MamRange, Placement};

/// The module entry (clients announce nothing for MAM).
pub const MODULE: Module = Module {
    name: "XEP-0313 message archive management",
    features: &[],
    iq: None,
};

/// Messages per page we ask for.
pub const PAGE_SIZE: usize = 100;

/// A backwards page query; `before` empty asks for the newest page.
pub fn page_query(before: &str, with: Option<&BareJid>) -> Query {
    Query {
        queryid: None,
        node: None,
        form: with.map(|w| {
            DataForm::new(
                DataFormType::Submit,
                ns::MAM,
                vec![Field::text_single("with", w.as_str())],
            )
        }),
        set: Some(SetQuery {
            max: Some(PAGE_SIZE),
            after: None,
            before: Some(before.to_owned()),
            index: None,
        }),
        flip_page: false,
    }
}

/// What a catch-up did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CatchUp {
    /// Pages fetched.
    pub pages: usize,
    /// Archived messages read.
    pub messages: usize,
}

fn point(result: &mam::Result_) -> ArchivePoint {
    ArchivePoint {
        id: result.id.clone(),
        ts: result
            .forwarded
            .delay
            .as_ref()
            .map(|d| d.stamp.0.timestamp_millis())
            .unwrap_or(0),
    }
}

/// Turns archived results into parsed messages (stanza-id = archive id).
pub fn parse_results(own: &BareJid, results: &[mam::Result_]) -> Vec<(Parsed, Source)> {
    results
        .iter()
        .filter_map(|r| {
            let mut p = chat::parse(own, &r.forwarded.message)?;
            p.stanza_id = Some(r.id.clone());
            p.delayed_ms = r.forwarded.delay.as_ref().map(|d| d.stamp.0.timestamp_millis());
            p.wants_receipt = false;
            Some((p, Source::Archive))
        })
        .collect()
}

async fn store_page(ctx: &SessionContext, results: &[mam::Result_], placement: Placement) {
    let batch = parse_results(&ctx.account, results);
    let account = ctx.account.clone();
    match ctx
        .store
        .run(move |s| chat::persist(s, &account, &batch, placement))
        .await
    {
        Ok(events) => events.into_iter().for_each(|e| ctx.emit(e)),
        Err(e) => tracing::error!(error = %e, "could not store an archive page"),
    }
}

/// Catches up with our own archive: the newest page first, then older
/// pages until they reach the newest stored range; merged with it, paging
/// goes on below it to the next range, and so on, so that gaps left by an
/// interrupted catch-up are filled too. With nothing stored yet, only the
/// newest page is fetched; older history comes on demand ([`backfill`]).
pub async fn catch_up(ctx: &SessionContext) -> Result<CatchUp, IqError> {
    let (account, archive) = (ctx.account.clone(), ctx.account.clone());
    let ranges: Vec<MamRange> = ctx
        .store
        .run(move |s| s.mam_ranges(&account, &archive))
        .await
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "MAM ranges unreadable");
            Vec::new()
        });
    let base = ctx
        .store
        .run(|s| s.reserve_catch_up())
        .await
        .map_err(|e| IqError::Malformed(e.to_string()))?;
    let first_login = ranges.is_empty();
    let mut targets = ranges.into_iter().peekable();
    let mut done = CatchUp::default();
    // The range being grown downwards, once the first page is stored.
    let mut current: Option<i64> = None;
    let mut next = ctx.out.mam(None, page_query("", None));
    loop {
        let (fin, results): MamPage = next.await?;
        done.pages += 1;
        done.messages += results.len();
        let target = targets.peek().cloned();
        // A range below the target that paging should still reach.
        let has_further = targets.clone().nth(1).is_some();
        let reaches_target = target
            .as_ref()
            .is_some_and(|t| !t.newest.id.is_empty() && results.iter().any(|r| r.id == t.newest.id));
        // Where to go on from, if anywhere.
        let continue_before = if fin.complete || first_login || (results.is_empty() && !reaches_target) {
            None
        } else if reaches_target {
            target
                .as_ref()
                .filter(|t| !t.reaches_start && has_further)
                .map(|t| t.oldest.id.clone())
        } else {
            results.first().map(|r| r.id.clone())
        };
        let following = continue_before
            .filter(|before| !before.is_empty())
            .map(|before| ctx.out.mam(None, page_query(&before, None)));
        let placement = Placement::CatchUpPage {
            base,
            page: done.pages as i64 - 1,
        };
        let store_it = store_page(ctx, &results, placement);
        let (oldest, newest) = match (results.first(), results.last()) {
            (Some(o), Some(n)) => (point(o), point(n)),
            _ => {
                let now = ArchivePoint {
                    id: String::new(),
                    ts: chrono::Utc::now().timestamp_millis(),
                };
                (now.clone(), now)
            }
        };
        // Ranges this page joins: the target it reached, or every range
        // left when the archive's start was reached.
        let merge_with: Vec<MamRange> = if reaches_target {
            target.into_iter().collect()
        } else if fin.complete {
            targets.by_ref().collect()
        } else {
            Vec::new()
        };
        if reaches_target {
            targets.next();
        }
        let skip_record = results.is_empty() && !first_login && merge_with.is_empty();
        let ranges_update = async {
            if skip_record {
                return;
            }
            let account = ctx.account.clone();
            let reaches_start = fin.complete;
            let result = ctx
                .store
                .run(move |s| {
                    let mut id = match current {
                        None => s.add_mam_range(&account, &account, &oldest, &newest, reaches_start)?,
                        Some(id) => {
                            s.extend_mam_range_down(id, &oldest, reaches_start)?;
                            id
                        }
                    };
                    for older in &merge_with {
                        s.merge_mam_ranges(id, older.id)?;
                        id = older.id;
                        if reaches_start {
                            s.extend_mam_range_down(id, &oldest, true)?;
                        }
                    }
                    Ok(id)
                })
                .await;
            match result {
                Ok(id) => current = Some(id),
                Err(e) => tracing::error!(error = %e, "could not record a MAM range"),
            }
        };
        futures::join!(store_it, ranges_update);
        match following {
            Some(f) => next = f,
            None => break,
        }
    }
    Ok(done)
}

/// Fetches one older page of a conversation, before the oldest archived
/// message stored for it. Returns how many messages came and whether the
/// archive has nothing older.
pub async fn backfill(ctx: &SessionContext, peer: BareJid) -> Result<(usize, bool), IqError> {
    let (account, with) = (ctx.account.clone(), peer.clone());
    let before = ctx
        .store
        .run(move |s| s.oldest_stanza_id(&account, &with))
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let (fin, results) = ctx.out.mam(None, page_query(&before, Some(&peer))).await?;
    store_page(ctx, &results, Placement::Oldest).await;
    Ok((results.len(), fin.complete))
}
