//! Messages: batched insertion with deduplication by origin-id and
//! stanza-id, delivery states, corrections, and reading a conversation.

use std::str::FromStr;

use rusqlite::{params, OptionalExtension, Row};
use xmpp_parsers::jid::BareJid;

use super::{Store, StoreError};
use crate::core::message::{ChatKind, Correction, DeliveryState, NewMessage, StoredMessage};

/// What happened to one message handed to [`Store::insert_messages`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// Stored as a new row.
    New(i64),
    /// Already stored (same stanza-id or origin-id); nothing was added.
    Duplicate,
}

const COLUMNS: &str =
    "id, peer, kind, outgoing, sender, body, origin_id, stanza_id, timestamp, state, corrected";

fn corrupt(detail: String) -> StoreError {
    StoreError::Corrupt {
        table: "messages",
        detail,
    }
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Result<StoredMessage, StoreError>> {
    let id: i64 = row.get(0)?;
    let peer: String = row.get(1)?;
    let kind: i64 = row.get(2)?;
    let state: i64 = row.get(9)?;
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
        })
    })();
    let corrected: bool = row.get(10)?;
    Ok(message.map(|message| StoredMessage {
        id,
        message,
        corrected,
    }))
}

impl Store {
    /// Stores messages in one transaction, skipping those already stored.
    /// A duplicate that brings a stanza-id the stored copy lacks (our own
    /// message coming back from the archive) fills it in.
    pub fn insert_messages(
        &mut self,
        account: &BareJid,
        messages: &[NewMessage],
    ) -> Result<Vec<Inserted>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut results = Vec::with_capacity(messages.len());
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO messages
                 (account, peer, kind, outgoing, sender, body, origin_id, stanza_id, timestamp, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            let mut fill_stanza_id = tx.prepare_cached(
                "UPDATE OR IGNORE messages SET stanza_id = ?5
                 WHERE account = ?1 AND peer = ?2 AND outgoing = ?3 AND origin_id = ?4 AND stanza_id IS NULL",
            )?;
            for m in messages {
                let changed = insert.execute(params![
                    account.as_str(),
                    m.peer.as_str(),
                    m.kind as i64,
                    m.outgoing,
                    m.sender,
                    m.body,
                    m.origin_id,
                    m.stanza_id,
                    m.timestamp_ms,
                    m.state as i64,
                ])?;
                if changed == 1 {
                    results.push(Inserted::New(tx.last_insert_rowid()));
                } else {
                    if let (Some(origin_id), Some(stanza_id)) = (&m.origin_id, &m.stanza_id) {
                        fill_stanza_id.execute(params![
                            account.as_str(),
                            m.peer.as_str(),
                            m.outgoing,
                            origin_id,
                            stanza_id
                        ])?;
                    }
                    results.push(Inserted::Duplicate);
                }
            }
        }
        tx.commit()?;
        Ok(results)
    }

    /// Raises the delivery state of our message `origin_id` to `state`
    /// (never lowers it). Returns the conversation when a row changed.
    pub fn raise_delivery_state(
        &self,
        account: &BareJid,
        origin_id: &str,
        state: DeliveryState,
    ) -> Result<Option<BareJid>, StoreError> {
        let peer: Option<String> = self
            .conn
            .query_row(
                "UPDATE messages SET state = ?3
                 WHERE account = ?1 AND outgoing = 1 AND origin_id = ?2 AND state < ?3
                 RETURNING peer",
                params![account.as_str(), origin_id, state as i64],
                |r| r.get(0),
            )
            .optional()?;
        peer.map(|p| BareJid::from_str(&p).map_err(|e| corrupt(format!("peer {p:?}: {e}"))))
            .transpose()
    }

    /// Applies a correction from the same direction; true if a message changed.
    pub fn apply_correction(&self, account: &BareJid, c: &Correction) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "UPDATE messages SET body = ?5, corrected = 1
             WHERE account = ?1 AND peer = ?2 AND outgoing = ?3 AND origin_id = ?4",
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
                 SELECT * FROM messages WHERE account = ?1 AND peer = ?2
                 ORDER BY timestamp DESC, id DESC LIMIT ?3)
             ORDER BY timestamp, id"
        ))?;
        let rows = stmt.query_map(params![account.as_str(), peer.as_str(), limit as i64], from_row)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row??);
        }
        Ok(out)
    }

    /// How many messages the account has in a conversation.
    pub fn count_messages(&self, account: &BareJid, peer: &BareJid) -> Result<u64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM messages WHERE account = ?1 AND peer = ?2",
            params![account.as_str(), peer.as_str()],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// The stanza-id of the oldest stored message of a conversation.
    pub fn oldest_stanza_id(&self, account: &BareJid, peer: &BareJid) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT stanza_id FROM messages WHERE account = ?1 AND peer = ?2 AND stanza_id IS NOT NULL
                 ORDER BY timestamp, id LIMIT 1",
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
            .insert_messages(&me, &[msg("mine", Some("o1"), Some("s2"), true)])
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
            .insert_messages(&me, &[msg("helo", Some("o9"), None, true)])
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
}
