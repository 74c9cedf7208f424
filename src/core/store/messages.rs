//! Messages: batched insertion with deduplication by origin-id and
//! stanza-id, delivery states, corrections, and reading a conversation.

use std::{collections::HashMap, str::FromStr};

use rusqlite::{params, OptionalExtension, Row};
use xmpp_parsers::jid::BareJid;

use super::{Store, StoreError};
use crate::core::message::{
    ChatKind, Correction, DeliveryState, MessageEncryption, NewMessage, StoredMessage,
};

/// Where a batch belongs in the conversation order. Messages sort by
/// timestamp, then by `seq`; `seq` breaks ties between messages stamped in
/// the same second, so that archive order survives pages fetched
/// newest-first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// After everything stored (live messages, our own).
    Newest,
    /// Page `page` (0 = newest) of a catch-up run that reserved `base`
    /// with [`Store::reserve_catch_up`]; older pages sort before newer.
    CatchUpPage {
        /// The run's reserved base.
        base: i64,
        /// 0 for the newest page, then 1, 2, ...
        page: i64,
        /// Messages stamped before this (ms) are history: stored as read.
        read_before: i64,
    },
    /// Before everything stored in each message's conversation (backfill).
    Oldest,
}

/// Room for each catch-up page's messages in the `seq` order.
pub const SEQ_PAGE_SPAN: i64 = 1_000;
const SEQ_RUN_SPAN: i64 = 1_000_000_000;

/// What happened to one message handed to [`Store::insert_messages`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// Stored as a new row.
    New(i64),
    /// Already stored (same stanza-id or origin-id); nothing was added.
    Duplicate,
}

pub(super) const COLUMNS: &str =
    "m.id, c.peer, c.kind, m.outgoing, m.sender, m.body, m.origin_id, m.stanza_id, \
     m.timestamp, m.state, m.corrected, \
     fl.url, fl.name, fl.mime, fl.size, fl.encrypted, fl.state, fl.path, \
     (SELECT device FROM forwarded WHERE message = m.id), m.encryption";

/// Joins a message's file, when it has one (the `fl` columns of [`COLUMNS`]).
pub(super) const FILE_JOIN: &str = "LEFT JOIN files fl ON fl.message = m.id";

/// The conversation's row id, `-1` when it has none yet.
pub(super) const CONVERSATION: &str =
    "coalesce((SELECT id FROM conversations WHERE account = ?1 AND peer = ?2), -1)";

/// The conversation's row id, created on first use and remembered in
/// `cache`. (Only a rolled-back transaction could leave a stale entry; the
/// callers' transactions fail as a whole, and the cache is then cleared.)
pub(super) fn conversation_id(
    conn: &rusqlite::Connection,
    cache: &mut HashMap<(String, String), i64>,
    account: &BareJid,
    peer: &BareJid,
    kind: ChatKind,
) -> rusqlite::Result<i64> {
    let key = (account.to_string(), peer.to_string());
    if let Some(id) = cache.get(&key) {
        return Ok(*id);
    }
    conn.prepare_cached("INSERT OR IGNORE INTO conversations (account, peer, kind) VALUES (?1, ?2, ?3)")?
        .execute(params![account.as_str(), peer.as_str(), kind as i64])?;
    let id = conn
        .prepare_cached("SELECT id FROM conversations WHERE account = ?1 AND peer = ?2")?
        .query_row(params![account.as_str(), peer.as_str()], |r| r.get(0))?;
    cache.insert(key, id);
    Ok(id)
}

/// The highest `seq` handed out (kept in a one-row table, so that no
/// index on `seq` slows every insert).
fn max_seq(conn: &rusqlite::Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT last FROM message_sequence WHERE id = 1")?
        .query_row([], |r| r.get(0))
}

/// Records that `seq` was handed out.
pub(super) fn note_seq(conn: &rusqlite::Connection, seq: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE message_sequence SET last = max(last, ?1) WHERE id = 1")?
        .execute([seq])?;
    Ok(())
}

fn corrupt(detail: String) -> StoreError {
    StoreError::Corrupt {
        table: "messages",
        detail,
    }
}

pub(super) fn from_row(row: &Row<'_>) -> rusqlite::Result<Result<StoredMessage, StoreError>> {
    let id: i64 = row.get(0)?;
    let peer: String = row.get(1)?;
    let kind: i64 = row.get(2)?;
    let state: i64 = row.get(9)?;
    let encryption: i64 = row.get(19)?;
    let message = (|| -> Result<NewMessage, StoreError> {
        Ok(NewMessage {
            peer: BareJid::from_str(&peer).map_err(|e| corrupt(format!("peer {peer:?}: {e}")))?,
            kind: match kind {
                0 => ChatKind::Chat,
                1 => ChatKind::GroupChat,
                k => return Err(corrupt(format!("kind {k}"))),
            },
            outgoing: row.get(3)?,
            sender: row.get(4)?,
            body: row.get(5)?,
            origin_id: row.get(6)?,
            stanza_id: row.get(7)?,
            timestamp_ms: row.get(8)?,
            state: DeliveryState::from_stored(state).ok_or_else(|| corrupt(format!("state {state}")))?,
            encryption: MessageEncryption::from_stored(encryption)
                .ok_or_else(|| corrupt(format!("encryption {encryption}")))?,
        })
    })();
    let corrected: bool = row.get(10)?;
    let file = super::files::from_columns(row, 11)?;
    let forwarded_by: Option<String> = row.get(18)?;
    Ok(message.map(|message| StoredMessage {
        id,
        message,
        corrected,
        file,
        forwarded_by,
    }))
}

/// The messages a query read with [`from_row`], in order; the first bad
/// row fails the whole read.
pub(super) fn collect_messages(
    rows: impl Iterator<Item = rusqlite::Result<Result<StoredMessage, StoreError>>>,
) -> Result<Vec<StoredMessage>, StoreError> {
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

impl Store {
    /// Stores messages in one transaction, skipping those already stored.
    /// A duplicate that brings a stanza-id the stored copy lacks (our own
    /// message coming back from the archive) fills it in.
    pub fn insert_messages(
        &mut self,
        account: &BareJid,
        messages: &[NewMessage],
        placement: Placement,
    ) -> Result<Vec<Inserted>, StoreError> {
        let result = self.insert_batch(account, messages, placement);
        if result.is_err() {
            self.conversation_ids.clear();
        }
        result
    }

    fn insert_batch(
        &mut self,
        account: &BareJid,
        messages: &[NewMessage],
        placement: Placement,
    ) -> Result<Vec<Inserted>, StoreError> {
        let Store {
            conn,
            conversation_ids,
        } = self;
        // A savepoint, so that a batch can also run inside [`Store::batch`].
        let tx = conn.savepoint()?;
        let mut results = Vec::with_capacity(messages.len());
        {
            let newest = match placement {
                Placement::Newest => max_seq(&tx)? + 1,
                _ => 0,
            };
            let mut oldest_of =
                tx.prepare_cached("SELECT coalesce(min(seq), 0) FROM messages WHERE conversation = ?1")?;
            let mut oldest: Option<(i64, i64)> = None;
            let mut conversations: Vec<(BareJid, i64)> = Vec::new();
            // New incoming rows per conversation: each is unread (its id is
            // above any `last_read`).
            let mut unread: Vec<(i64, i64)> = Vec::new();
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO messages
                 (conversation, outgoing, sender, body, origin_id, stanza_id, timestamp, state, seq, encryption)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            let n = messages.len() as i64;
            let mut highest = i64::MIN;
            let mut fill_stanza_id = tx.prepare_cached(
                "UPDATE OR IGNORE messages SET stanza_id = ?4
                 WHERE conversation = ?1 AND outgoing = ?2 AND origin_id = ?3 AND stanza_id IS NULL",
            )?;
            for (i, m) in messages.iter().enumerate() {
                let i = i as i64;
                let conversation = match conversations.iter().find(|(p, _)| *p == m.peer) {
                    Some((_, id)) => *id,
                    None => {
                        let id = conversation_id(&tx, conversation_ids, account, &m.peer, m.kind)?;
                        conversations.push((m.peer.clone(), id));
                        id
                    }
                };
                let seq = match placement {
                    Placement::Newest => newest + i,
                    Placement::CatchUpPage { base, page, .. } => base - page * SEQ_PAGE_SPAN + i,
                    Placement::Oldest => {
                        let start = match oldest {
                            Some((c, start)) if c == conversation => start,
                            _ => {
                                let min: i64 = oldest_of.query_row([conversation], |r| r.get(0))?;
                                let start = min - n;
                                oldest = Some((conversation, start));
                                start
                            }
                        };
                        start + i
                    }
                };
                highest = highest.max(seq);
                let changed = insert.execute(params![
                    conversation,
                    m.outgoing,
                    m.sender,
                    m.body,
                    m.origin_id,
                    m.stanza_id,
                    m.timestamp_ms,
                    m.state as i64,
                    seq,
                    m.encryption.to_stored(),
                ])?;
                if changed == 1 {
                    results.push(Inserted::New(tx.last_insert_rowid()));
                    let history = matches!(placement, Placement::CatchUpPage { read_before, .. } if m.timestamp_ms < read_before);
                    if !m.outgoing && !history {
                        match unread.iter_mut().find(|(c, _)| *c == conversation) {
                            Some((_, n)) => *n += 1,
                            None => unread.push((conversation, 1)),
                        }
                    }
                } else {
                    if let (Some(origin_id), Some(stanza_id)) = (&m.origin_id, &m.stanza_id) {
                        fill_stanza_id.execute(params![conversation, m.outgoing, origin_id, stanza_id])?;
                    }
                    results.push(Inserted::Duplicate);
                }
            }
            if placement != Placement::Oldest && highest > i64::MIN {
                note_seq(&tx, highest)?;
            }
            let mut count =
                tx.prepare_cached("UPDATE conversations SET unread = unread + ?2 WHERE id = ?1")?;
            for (conversation, n) in unread {
                count.execute(params![conversation, n])?;
            }
        }
        tx.commit()?;
        Ok(results)
    }

    /// Reserves the `seq` block of a catch-up run: every page of the run
    /// sorts after what is stored now and before what arrives later.
    pub fn reserve_catch_up(&self) -> Result<i64, StoreError> {
        let base = max_seq(&self.conn)? + SEQ_RUN_SPAN;
        note_seq(&self.conn, base + SEQ_PAGE_SPAN)?;
        Ok(base)
    }

    /// Raises the delivery state of our message `origin_id` to `state`
    /// (never lowers it). Returns the conversation when a row changed.
    pub fn raise_delivery_state(
        &self,
        account: &BareJid,
        origin_id: &str,
        state: DeliveryState,
    ) -> Result<Option<BareJid>, StoreError> {
        let conversation: Option<i64> = self
            .conn
            .query_row(
                "UPDATE messages SET state = ?3
                 WHERE origin_id = ?2 AND outgoing = 1 AND state < ?3
                   AND conversation IN (SELECT id FROM conversations WHERE account = ?1)
                 RETURNING conversation",
                params![account.as_str(), origin_id, state as i64],
                |r| r.get(0),
            )
            .optional()?;
        let peer: Option<String> = match conversation {
            Some(c) => Some(self.conn.query_row(
                "SELECT peer FROM conversations WHERE id = ?1",
                [c],
                |r| r.get(0),
            )?),
            None => None,
        };
        peer.map(|p| BareJid::from_str(&p).map_err(|e| corrupt(format!("peer {p:?}: {e}"))))
            .transpose()
    }

    /// Applies a correction from the same direction; true if a message changed.
    pub fn apply_correction(&self, account: &BareJid, c: &Correction) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            &format!(
                "UPDATE messages SET body = ?5, corrected = 1
                 WHERE conversation = {CONVERSATION} AND outgoing = ?3 AND origin_id = ?4"
            ),
            params![account.as_str(), c.peer.as_str(), c.outgoing, c.replaces, c.body],
        )?;
        Ok(n > 0)
    }

    /// The newest `limit` messages of a conversation, oldest first.
    pub fn recent_messages(
        &self,
        account: &BareJid,
        peer: &BareJid,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM (
                 SELECT * FROM messages WHERE conversation = {CONVERSATION}
                 ORDER BY timestamp DESC, seq DESC LIMIT ?3) AS m
             JOIN conversations c ON c.id = m.conversation {FILE_JOIN}
             ORDER BY m.timestamp, m.seq"
        ))?;
        let rows = stmt.query_map(params![account.as_str(), peer.as_str(), limit as i64], from_row)?;
        collect_messages(rows)
    }

    /// How many messages the account has in a conversation.
    pub fn count_messages(&self, account: &BareJid, peer: &BareJid) -> Result<u64, StoreError> {
        Ok(self.conn.query_row(
            &format!("SELECT count(*) FROM messages WHERE conversation = {CONVERSATION}"),
            params![account.as_str(), peer.as_str()],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// The stanza-id of the oldest stored message of a conversation.
    pub fn oldest_stanza_id(&self, account: &BareJid, peer: &BareJid) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT stanza_id FROM messages WHERE conversation = {CONVERSATION} AND stanza_id IS NOT NULL
                     ORDER BY timestamp, seq LIMIT 1"
                ),
                params![account.as_str(), peer.as_str()],
                |r| r.get(0),
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jid(s: &str) -> BareJid {
        BareJid::from_str(s).expect("jid")
    }

    fn msg(body: &str, origin: Option<&str>, stanza: Option<&str>, outgoing: bool) -> NewMessage {
        NewMessage {
            peer: jid("romeo@example.org"),
            kind: ChatKind::Chat,
            outgoing,
            sender: "romeo@example.org/orchard".into(),
            body: body.into(),
            origin_id: origin.map(str::to_owned),
            stanza_id: stanza.map(str::to_owned),
            timestamp_ms: 1_700_000_000_000,
            state: if outgoing {
                DeliveryState::Pending
            } else {
                DeliveryState::Received
            },
            encryption: Default::default(),
        }
    }

    #[test]
    fn duplicates_by_origin_id_or_stanza_id_are_stored_once() {
        let mut store = Store::open_in_memory().expect("store");
        let me = jid("juliet@example.org");
        let first = store
            .insert_messages(
                &me,
                &[
                    msg("hi", Some("o1"), Some("s1"), false),
                    msg("hi again", Some("o1"), Some("s1"), false),
                    msg("carbon copy", None, Some("s1"), false),
                    msg("same origin", Some("o1"), None, false),
                    msg("mine", Some("o1"), None, true),
                ],
                Placement::Newest,
            )
            .expect("insert");
        assert!(matches!(first[0], Inserted::New(_)));
        assert_eq!(&first[1..4], &[Inserted::Duplicate; 3]);
        assert!(
            matches!(first[4], Inserted::New(_)),
            "the same origin-id from us is another message"
        );
        // Our message comes back from the archive with its stanza-id.
        let again = store
            .insert_messages(
                &me,
                &[msg("mine", Some("o1"), Some("s2"), true)],
                Placement::Newest,
            )
            .expect("insert");
        assert_eq!(again, vec![Inserted::Duplicate]);
        let stored = store
            .recent_messages(&me, &jid("romeo@example.org"), 10)
            .expect("read");
        assert_eq!(stored.len(), 2);
        assert_eq!(stored[1].message.stanza_id.as_deref(), Some("s2"));
    }

    #[test]
    fn delivery_state_only_rises_and_corrections_replace_the_body() {
        let mut store = Store::open_in_memory().expect("store");
        let me = jid("juliet@example.org");
        store
            .insert_messages(&me, &[msg("helo", Some("o9"), None, true)], Placement::Newest)
            .expect("insert");
        let peer = jid("romeo@example.org");
        assert_eq!(
            store
                .raise_delivery_state(&me, "o9", DeliveryState::Received)
                .expect("raise"),
            Some(peer.clone())
        );
        assert_eq!(
            store
                .raise_delivery_state(&me, "o9", DeliveryState::Acked)
                .expect("lower"),
            None
        );
        let fixed = Correction {
            peer: peer.clone(),
            outgoing: true,
            replaces: "o9".into(),
            body: "hello".into(),
        };
        assert!(store.apply_correction(&me, &fixed).expect("correct"));
        let stored = store.recent_messages(&me, &peer, 1).expect("read");
        assert_eq!(stored[0].message.body, "hello");
        assert_eq!(stored[0].message.state, DeliveryState::Received);
        assert!(stored[0].corrected);
    }

    #[test]
    fn same_second_messages_keep_archive_order_across_pages_and_backfill() {
        let mut store = Store::open_in_memory().expect("store");
        let me = jid("juliet@example.org");
        let page = |names: &[&str]| -> Vec<NewMessage> {
            names.iter().map(|n| msg(n, Some(n), Some(n), false)).collect()
        };
        store
            .insert_messages(&me, &page(&["live-0"]), Placement::Newest)
            .expect("live");
        let base = store.reserve_catch_up().expect("reserve");
        // A catch-up fetches the newest page first, then the older one.
        store
            .insert_messages(
                &me,
                &page(&["c", "d"]),
                Placement::CatchUpPage {
                    base,
                    page: 0,
                    read_before: 0,
                },
            )
            .expect("newest page");
        store
            .insert_messages(
                &me,
                &page(&["a", "b"]),
                Placement::CatchUpPage {
                    base,
                    page: 1,
                    read_before: 0,
                },
            )
            .expect("older page");
        store
            .insert_messages(&me, &page(&["live-1"]), Placement::Newest)
            .expect("live");
        store
            .insert_messages(&me, &page(&["x", "y"]), Placement::Oldest)
            .expect("backfill");
        let order: Vec<String> = store
            .recent_messages(&me, &jid("romeo@example.org"), 100)
            .expect("read")
            .into_iter()
            .map(|m| m.message.body)
            .collect();
        assert_eq!(order, vec!["x", "y", "live-0", "a", "b", "c", "d", "live-1"]);
    }
}
