//! Reading a conversation a page at a time, around a message the reader
//! already has, so that a view never loads a conversation whole.

use rusqlite::{params, OptionalExtension};
use xmpp_parsers::jid::BareJid;

use super::{
    messages::{collect_messages, from_row, COLUMNS, CONVERSATION, FILE_JOIN},
    Store, StoreError,
};
use crate::core::message::StoredMessage;

impl Store {
    /// Up to `limit` messages of a conversation just before message `id`
    /// (by time, then arrival order), oldest first.
    pub fn messages_before(
        &self,
        account: &BareJid,
        peer: &BareJid,
        id: i64,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        self.page(
            &format!(
                "SELECT {COLUMNS} FROM (
                     SELECT * FROM messages WHERE conversation = {CONVERSATION}
                       AND (timestamp, seq) < (SELECT timestamp, seq FROM messages WHERE id = ?3)
                     ORDER BY timestamp DESC, seq DESC LIMIT ?4) AS m
                 JOIN conversations c ON c.id = m.conversation {FILE_JOIN}
                 ORDER BY m.timestamp, m.seq"
            ),
            account,
            peer,
            id,
            limit,
        )
    }

    /// Up to `limit` messages of a conversation just after message `id`,
    /// oldest first.
    pub fn messages_after(
        &self,
        account: &BareJid,
        peer: &BareJid,
        id: i64,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        self.page(
            &format!(
                "SELECT {COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation {FILE_JOIN}
                 WHERE m.conversation = {CONVERSATION}
                   AND (m.timestamp, m.seq) > (SELECT timestamp, seq FROM messages WHERE id = ?3)
                 ORDER BY m.timestamp, m.seq LIMIT ?4"
            ),
            account,
            peer,
            id,
            limit,
        )
    }

    /// The row id of the `n`-th newest incoming message of a conversation
    /// (1 = the newest): where `n` unread messages begin.
    pub fn nth_newest_incoming(
        &self,
        account: &BareJid,
        peer: &BareJid,
        n: u32,
    ) -> Result<Option<i64>, StoreError> {
        if n == 0 {
            return Ok(None);
        }
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT id FROM messages WHERE conversation = {CONVERSATION} AND outgoing = 0
                     ORDER BY timestamp DESC, seq DESC LIMIT 1 OFFSET ?3"
                ),
                params![account.as_str(), peer.as_str(), i64::from(n) - 1],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// One message of a conversation, by row id.
    pub fn message(
        &self,
        account: &BareJid,
        peer: &BareJid,
        id: i64,
    ) -> Result<Option<StoredMessage>, StoreError> {
        Ok(self
            .page(
                &format!(
                    "SELECT {COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation {FILE_JOIN}
                     WHERE m.conversation = {CONVERSATION} AND m.id = ?3 LIMIT ?4"
                ),
                account,
                peer,
                id,
                1,
            )?
            .pop())
    }

    fn page(
        &self,
        sql: &str,
        account: &BareJid,
        peer: &BareJid,
        id: i64,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(
            params![account.as_str(), peer.as_str(), id, limit as i64],
            from_row,
        )?;
        collect_messages(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{
        message::{ChatKind, DeliveryState, NewMessage},
        store::Placement,
    };

    fn message(i: i64) -> NewMessage {
        NewMessage {
            peer: "romeo@example.org".parse().expect("jid"),
            kind: ChatKind::Chat,
            outgoing: i % 2 == 0,
            sender: "romeo@example.org".into(),
            body: format!("m{i}"),
            origin_id: Some(format!("o{i}")),
            stanza_id: None,
            // Pairs of messages share a second: seq keeps their order.
            timestamp_ms: 1_700_000_000_000 + (i / 2) * 1000,
            state: DeliveryState::Received,
            encryption: Default::default(),
        }
    }

    #[test]
    fn pages_walk_the_conversation_both_ways_without_gaps() {
        let mut store = Store::open_in_memory().expect("store");
        let me: BareJid = "juliet@example.org".parse().expect("jid");
        let peer: BareJid = "romeo@example.org".parse().expect("jid");
        let all: Vec<NewMessage> = (0..95).map(message).collect();
        store
            .insert_messages(&me, &all, Placement::Newest)
            .expect("insert");
        let mut page = store.recent_messages(&me, &peer, 10).expect("recent");
        let mut seen: Vec<String> = page.iter().map(|m| m.message.body.clone()).collect();
        while let Some(first) = page.first() {
            page = store.messages_before(&me, &peer, first.id, 10).expect("before");
            let mut older: Vec<String> = page.iter().map(|m| m.message.body.clone()).collect();
            older.append(&mut seen);
            seen = older;
        }
        let expected: Vec<String> = (0..95).map(|i| format!("m{i}")).collect();
        assert_eq!(seen, expected);
        let first = store
            .messages_after(&me, &peer, i64::MIN, 1)
            .expect("none before anything");
        assert!(first.is_empty(), "an unknown id has no neighbours");
        let oldest = store.messages_before(
            &me,
            &peer,
            store.recent_messages(&me, &peer, 95).expect("all")[0].id,
            5,
        );
        assert!(oldest.expect("before the first").is_empty());
        let mut forward = Vec::new();
        let mut last = store.recent_messages(&me, &peer, 95).expect("all")[0].clone();
        forward.push(last.message.body.clone());
        loop {
            let next = store.messages_after(&me, &peer, last.id, 7).expect("after");
            let Some(l) = next.last() else { break };
            last = l.clone();
            forward.extend(next.iter().map(|m| m.message.body.clone()));
        }
        assert_eq!(forward, expected);
    }
}
