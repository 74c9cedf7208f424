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

use crate::core::bridge::Event;
use crate::core::history_sync::{now_ms, HistoryChoice, HistoryPolicy};
use crate::core::store::{ArchivePoint, MamRange, Placement};
use crate::core::xmpp::{
    modules::chat::{self, Parsed, Source},
    modules::x0384_omemo_receive,
    modules::Module,
    session::context::SessionContext,
    session::outgoing::{IqError, MamPage},
};

/// The module entry (clients announce nothing for MAM).
pub const MODULE: Module = Module {
    name: "XEP-0313 message archive management",
    features: &[],
    iq: None,
    state: Some(|| Box::new(CatchUpLock::default())),
    ..Module::NONE
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

/// A backwards page of our own archive, limited to messages stamped at
/// or after `since` and, when given, at or before `end` (ms since the
/// epoch).
pub fn window_query(before: &str, since: Option<i64>, end: Option<i64>) -> Query {
    let stamp = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    let mut fields = Vec::new();
    if let Some(since) = since {
        fields.push(Field::text_single("start", &stamp(since)));
    }
    if let Some(end) = end {
        fields.push(Field::text_single("end", &stamp(end)));
    }
    let mut query = page_query(before, None);
    if !fields.is_empty() {
        query.form = Some(DataForm::new(DataFormType::Submit, ns::MAM, fields));
    }
    query
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

/// Turns archived results into parsed messages (stanza-id = archive id),
/// encrypted ones decrypted.
pub fn parse_results(ctx: &SessionContext, results: &[mam::Result_]) -> Vec<(Parsed, Source)> {
    results
        .iter()
        .filter_map(|r| {
            let mut message = r.forwarded.message.clone();
            x0384_omemo_receive::strip_local(&mut message);
            if x0384_omemo_receive::decrypt(ctx, &mut message) == x0384_omemo_receive::Outcome::Nothing {
                return None;
            }
            let mut p = chat::parse(&ctx.account, &message)?;
            p.stanza_id = Some(r.id.clone());
            p.delayed_ms = r.forwarded.delay.as_ref().map(|d| d.stamp.0.timestamp_millis());
            p.wants_receipt = false;
            Some((p, Source::Archive))
        })
        .collect()
}

async fn store_page(ctx: &SessionContext, results: &[mam::Result_], placement: Placement) {
    let batch = parse_results(ctx, results);
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

/// Archived messages stored per transaction during a catch-up: several
/// pages at once, written while the next page is on its way.
pub const STORE_BATCH: usize = 1_000;

/// Messages added to the search index after each stored batch (more than
/// a batch, so that the index catches up with live messages too).
const SEARCH_INDEX_SLICE: usize = 2 * STORE_BATCH;

/// How a stored page moves the ranges.
struct RangeStep {
    oldest: ArchivePoint,
    newest: ArchivePoint,
    reaches_start: bool,
    /// Older ranges this page connects to, newest first.
    merge_with: Vec<i64>,
}

struct PendingPage {
    batch: Vec<(Parsed, Source)>,
    placement: Placement,
    range: Option<RangeStep>,
}

#[derive(Default)]
struct Pending {
    pages: Vec<PendingPage>,
    messages: usize,
}

/// Writes pending pages and their range steps in one transaction; the
/// range now being grown.
async fn flush(ctx: &SessionContext, pending: Pending, current: Option<i64>) -> Option<i64> {
    let account = ctx.account.clone();
    let result = ctx
        .store
        .run(move |s| {
            s.batch(|s| {
                let mut events = Vec::new();
                let mut current = current;
                for page in pending.pages {
                    events.extend(chat::persist(s, &account, &page.batch, page.placement)?);
                    let Some(step) = page.range else { continue };
                    let mut id = match current {
                        None => s.add_mam_range(
                            &account,
                            &account,
                            &step.oldest,
                            &step.newest,
                            step.reaches_start,
                        )?,
                        Some(id) => {
                            s.extend_mam_range_down(id, &step.oldest, step.reaches_start)?;
                            id
                        }
                    };
                    for older in step.merge_with {
                        s.merge_mam_ranges(id, older)?;
                        id = older;
                        // Only lowers the older range's end (or marks the
                        // archive's start).
                        s.extend_mam_range_down(id, &step.oldest, step.reaches_start)?;
                    }
                    current = Some(id);
                }
                Ok((events, current))
            })
            .and_then(|done| {
                // Searchable as it arrives.
                s.index_for_search(SEARCH_INDEX_SLICE)?;
                Ok(done)
            })
        })
        .await;
    match result {
        Ok((events, current)) => {
            events.into_iter().for_each(|e| ctx.emit(e));
            current
        }
        Err(e) => {
            tracing::error!(error = %e, "could not store archive pages");
            current
        }
    }
}

/// Pages one catch-up fetches at most (50,000 messages at [`PAGE_SIZE`]):
/// a server that ignores `before` and never says `complete` cannot keep it
/// paging. What is left is fetched by the next catch-up, from the ranges.
pub const MAX_CATCH_UP_PAGES: usize = 500;

/// Stops paging at [`MAX_CATCH_UP_PAGES`], or when the next page would
/// start before an id already asked for (a page that made no progress).
fn bounded(
    next: Option<String>,
    pages: usize,
    asked: &mut std::collections::HashSet<String>,
) -> Option<String> {
    let before = next?;
    if pages >= MAX_CATCH_UP_PAGES {
        tracing::warn!(
            pages,
            "archive catch-up stopped at its page limit; the rest comes next time"
        );
        return None;
    }
    if !asked.insert(before.clone()) {
        tracing::warn!(%before, "archive catch-up stopped: the server sent a page that made no progress");
        return None;
    }
    Some(before)
}

/// Runs one catch-up at a time per session (the one after login, and one
/// asked for when the user widens the history to download).
#[derive(Default)]
pub struct CatchUpLock(tokio::sync::Mutex<()>);

/// The account's history policy; the default one ([`HistoryChoice`]'s),
/// fixed now, when none was chosen yet.
async fn policy(ctx: &SessionContext) -> HistoryPolicy {
    let account = ctx.account.clone();
    let read = ctx
        .store
        .run(move |s| {
            if let Some(policy) = s.history_policy(&account)? {
                return Ok(policy);
            }
            let policy = HistoryPolicy::chosen(HistoryChoice::default(), now_ms());
            s.set_history_policy(&account, &policy)?;
            Ok::<_, crate::core::store::StoreError>(policy)
        })
        .await;
    read.unwrap_or_else(|e| {
        tracing::error!(error = %e, "history policy unreadable; using the default");
        HistoryPolicy::chosen(HistoryChoice::default(), now_ms())
    })
}

fn progress(ctx: &SessionContext, messages: usize, finished: bool) {
    ctx.emit(Event::HistoryProgress {
        jid: ctx.account.clone(),
        messages,
        finished,
    });
}

/// Catches up with our own archive, back to where the account's
/// [`HistoryPolicy`] asks (the archive's `start` filter): the newest page
/// first, then older pages until they reach the newest stored range;
/// merged with it, paging goes on below it to the next range, or to the
/// policy's point in time if the ranges do not reach it yet, so that gaps
/// left by an interrupted catch-up, or a policy widened since, are filled.
/// Progress is reported while more than one page comes.
pub async fn catch_up(ctx: &SessionContext) -> Result<CatchUp, IqError> {
    let _one_at_a_time = ctx.state::<CatchUpLock>().0.lock().await;
    let policy = policy(ctx).await;
    let mut done = CatchUp::default();
    let result = catch_up_to(ctx, &policy, &mut done).await;
    if done.pages > 1 {
        progress(ctx, done.messages, true);
    }
    result.map(|()| done)
}

async fn catch_up_to(
    ctx: &SessionContext,
    policy: &HistoryPolicy,
    done: &mut CatchUp,
) -> Result<(), IqError> {
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
    let since = policy.since;
    let mut targets = ranges.into_iter().peekable();
    // The range being grown downwards, once the first page is stored.
    let mut current: Option<i64> = None;
    let mut pending = Pending::default();
    // Below a range whose oldest end has no id (the archive was empty
    // then), paging goes on by time instead.
    let mut end: Option<i64> = None;
    // The oldest archive point known in this run (where an empty page
    // leaves the range's older end).
    let mut oldest_known: Option<ArchivePoint> = None;
    let mut next = ctx.out.mam(None, window_query("", since, end));
    let mut asked = std::collections::HashSet::new();
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
        let continue_before = if fin.complete || (results.is_empty() && !reaches_target) {
            None
        } else if reaches_target {
            target
                .as_ref()
                .filter(|t| has_further || !policy.covered_by(t.oldest.ts, t.reaches_start))
                .map(|t| {
                    if t.oldest.id.is_empty() {
                        end = Some(t.oldest.ts);
                    }
                    t.oldest.id.clone()
                })
        } else {
            results.first().map(|r| r.id.clone())
        };
        let following = bounded(continue_before, done.pages, &mut asked)
            .filter(|before| !before.is_empty() || end.is_some())
            .map(|before| ctx.out.mam(None, window_query(&before, since, end)));
        let placement = Placement::CatchUpPage {
            base,
            page: done.pages as i64 - 1,
            // Archives stamp whole seconds: the choice's second counts
            // as after it.
            read_before: policy.chosen_at.div_euclid(1000) * 1000,
        };
        if let Some(first) = results.first() {
            oldest_known = Some(point(first));
        }
        let (mut oldest, newest) = match (results.first(), results.last()) {
            (Some(o), Some(n)) => (point(o), point(n)),
            _ => {
                let now = ArchivePoint {
                    id: String::new(),
                    ts: now_ms(),
                };
                let below = oldest_known.clone().unwrap_or_else(|| now.clone());
                (below, now)
            }
        };
        // The archive's start filter was reached: the span now reaches back
        // to the policy's point in time.
        if let (true, Some(since)) = (fin.complete, since) {
            oldest.ts = oldest.ts.min(since);
        }
        // Ranges this page joins: the target it reached, or, once the
        // policy's start was reached, every range left within it.
        let merge_with: Vec<i64> = if reaches_target {
            target.iter().map(|t| t.id).collect()
        } else if fin.complete {
            targets
                .by_ref()
                .filter(|t| since.is_none_or(|since| t.newest.ts >= since))
                .map(|t| t.id)
                .collect()
        } else {
            Vec::new()
        };
        if reaches_target {
            if let Some(t) = &target {
                oldest_known = Some(t.oldest.clone());
            }
            targets.next();
        }
        let record = !results.is_empty() || !merge_with.is_empty() || fin.complete;
        pending.messages += results.len();
        pending.pages.push(PendingPage {
            batch: parse_results(ctx, &results),
            placement,
            range: record.then_some(RangeStep {
                oldest,
                newest,
                reaches_start: fin.complete && since.is_none(),
                merge_with,
            }),
        });
        // The newest page at once (the conversations show up while the
        // rest comes), then in batches.
        if pending.messages >= STORE_BATCH || following.is_none() || done.pages == 1 {
            current = flush(ctx, std::mem::take(&mut pending), current).await;
        }
        match following {
            Some(f) => {
                progress(ctx, done.messages, false);
                next = f
            }
            None => break,
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_stops_at_the_limit_and_on_a_repeated_page() {
        let mut asked = std::collections::HashSet::new();
        assert_eq!(bounded(Some("a".into()), 1, &mut asked), Some("a".into()));
        assert_eq!(bounded(Some("b".into()), 2, &mut asked), Some("b".into()));
        assert_eq!(bounded(Some("a".into()), 3, &mut asked), None, "asked before");
        assert_eq!(bounded(None, 3, &mut asked), None);
        let last = MAX_CATCH_UP_PAGES - 1;
        assert_eq!(bounded(Some("c".into()), last, &mut asked), Some("c".into()));
        assert_eq!(bounded(Some("d".into()), MAX_CATCH_UP_PAGES, &mut asked), None);
    }
}
