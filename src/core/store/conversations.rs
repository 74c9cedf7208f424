//! The conversation list: each conversation's newest message and how many
//! incoming messages came after the point it was read up to.

use std::str::FromStr;

use rusqlite::params;
use xmpp_parsers::jid::BareJid;

use super::{
    messages::{collect_messages, from_row, COLUMNS, FILE_JOIN},
    Store, StoreError,
};
use crate::core::message::{ChatKind, MessageEncryption, StoredMessage};

/// One row of the conversation list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationSummary {
    /// The contact or room.
    pub peer: BareJid,
    /// Chat or group chat.
    pub kind: ChatKind,
    /// The newest message's text, if there is one.
    pub last_body: Option<String>,
    /// Whether we wrote it.
    pub last_outgoing: bool,
    /// Its time (ms), or 0.
    pub last_timestamp_ms: i64,
    /// Its origin-id, so that a correction of it can update the preview.
    pub last_origin_id: Option<String>,
    /// Incoming messages not read yet.
    pub unread: u32,
    /// The newest message's end-to-end encryption.
    pub last_encryption: MessageEncryption,
}

impl Store {
    /// Every conversation of `account`, the most recently active first.
    pub fn conversation_summaries(&self, account: &BareJid) -> Result<Vec<ConversationSummary>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            // A shared file is previewed by its name, not its URL.
            "SELECT c.peer, c.kind, coalesce((SELECT name FROM files WHERE message = m.id), m.body), m.outgoing, m.timestamp, c.unread, m.origin_id, m.encryption
             FROM conversations c
             LEFT JOIN messages m ON m.id = (
                 SELECT id FROM messages WHERE conversation = c.id
                 ORDER BY timestamp DESC, seq DESC LIMIT 1)
             WHERE c.account = ?1
             ORDER BY coalesce(m.timestamp, 0) DESC, c.id DESC",
        )?;
        let rows = stmt.query_map(params![account.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<bool>>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<i64>>(7)?,
            ))
        })?;
        let mut out = Vec::new();
        // One bad row must not blank the list: it is logged and skipped.
        for row in rows {
            let (peer, kind, body, outgoing, ts, unread, origin_id, encryption) = match row {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "a conversation row is unreadable; skipped");
                    continue;
                }
            };
            let peer = match BareJid::from_str(&peer) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(%peer, error = %e, "a conversation with an invalid address; skipped");
                    continue;
                }
            };
            let kind = match kind {
                0 => ChatKind::Chat,
                1 => ChatKind::GroupChat,
                k => {
                    tracing::warn!(%peer, kind = k, "a conversation of an unknown kind; skipped");
                    continue;
                }
            };
            out.push(ConversationSummary {
                peer,
                kind,
                last_body: body,
                last_outgoing: outgoing.unwrap_or(false),
                last_timestamp_ms: ts.unwrap_or(0),
                last_origin_id: origin_id,
                unread: u32::try_from(unread).unwrap_or(u32::MAX),
                last_encryption: encryption
                    .and_then(MessageEncryption::from_stored)
                    .unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// Up to `limit` incoming messages not read yet, across every
    /// conversation of `account`, oldest first.
    pub fn unread_incoming(&self, account: &BareJid, limit: usize) -> Result<Vec<StoredMessage>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM messages m JOIN conversations c ON c.id = m.conversation {FILE_JOIN}
             WHERE c.account = ?1 AND c.unread > 0 AND m.outgoing = 0 AND m.id > c.last_read
             ORDER BY m.timestamp, m.seq LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![account.as_str(), limit as i64], from_row)?;
        collect_messages(rows)
    }

    /// Marks everything in a conversation as read.
    pub fn mark_read(&self, account: &BareJid, peer: &BareJid) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE conversations SET unread = 0, last_read =
                 coalesce((SELECT max(id) FROM messages WHERE conversation = conversations.id), 0)
             WHERE account = ?1 AND peer = ?2",
            params![account.as_str(), peer.as_str()],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{
        message::{DeliveryState, NewMessage},
        store::Placement,
    };

    fn message(peer: &str, body: &str, outgoing: bool, ts: i64) -> NewMessage {
        NewMessage {
            peer: peer.parse().expect("jid"),
            kind: ChatKind::Chat,
            outgoing,
            sender: peer.into(),
            body: body.into(),
            origin_id: None,
            stanza_id: None,
            timestamp_ms: ts,
            state: DeliveryState::Received,
            encryption: Default::default(),
        }
    }

    #[test]
    fn summaries_order_by_activity_and_count_unread_incoming() {
        let mut store = Store::open_in_memory().expect("store");
        let me: BareJid = "juliet@example.org".parse().expect("jid");
        let batch = [
            message("romeo@example.org", "hello", false, 1_000),
            message("nurse@example.org", "lunch?", false, 2_000),
            message("romeo@example.org", "hi back", true, 3_000),
            message("romeo@example.org", "are you there", false, 4_000),
        ];
        store
            .insert_messages(&me, &batch, Placement::Newest)
            .expect("insert");
        let list = store.conversation_summaries(&me).expect("list");
        let rows: Vec<(&str, Option<&str>, u32)> = list
            .iter()
            .map(|c| (c.peer.as_str(), c.last_body.as_deref(), c.unread))
            .collect();
        assert_eq!(
            rows,
            [
                ("romeo@example.org", Some("are you there"), 2),
                ("nurse@example.org", Some("lunch?"), 1)
            ]
        );
        store
            .mark_read(&me, &"romeo@example.org".parse().expect("jid"))
            .expect("read");
        assert_eq!(store.conversation_summaries(&me).expect("list")[0].unread, 0);

        // After reading: only new incoming rows count; duplicates do not.
        let mut later = message("romeo@example.org", "still there?", false, 5_000);
        later.origin_id = Some("o5".into());
        let mine = message("romeo@example.org", "yes", true, 6_000);
        store
            .insert_messages(&me, &[later.clone(), mine, later], Placement::Newest)
            .expect("insert");
        let romeo = store.conversation_summaries(&me).expect("list").remove(0);
        assert_eq!((romeo.peer.as_str(), romeo.unread), ("romeo@example.org", 1));
        assert_eq!(romeo.last_origin_id, None, "\"yes\" came without one");

        // The newest message's origin-id comes along, for corrections of it.
        let mut newest = message("romeo@example.org", "and now?", false, 7_000);
        newest.origin_id = Some("o7".into());
        store
            .insert_messages(&me, &[newest], Placement::Newest)
            .expect("insert");
        let romeo = store.conversation_summaries(&me).expect("list").remove(0);
        assert_eq!(romeo.last_origin_id.as_deref(), Some("o7"));
    }

    #[test]
    fn a_corrupt_conversation_row_is_skipped_and_the_rest_shown() {
        let mut store = Store::open_in_memory().expect("store");
        let me: BareJid = "juliet@example.org".parse().expect("jid");
        store
            .insert_messages(
                &me,
                &[
                    message("romeo@example.org", "one", false, 1),
                    message("nurse@example.org", "two", false, 2),
                    message("tybalt@example.org", "three", false, 3),
                ],
                Placement::Newest,
            )
            .expect("insert");
        store
            .conn
            .execute_batch(
                "UPDATE conversations SET peer = '@@broken' WHERE peer = 'nurse@example.org';
                 UPDATE conversations SET kind = 9 WHERE peer = 'tybalt@example.org';",
            )
            .expect("corrupt");
        let shown: Vec<String> = store
            .conversation_summaries(&me)
            .expect("list")
            .iter()
            .map(|c| c.peer.to_string())
            .collect();
        assert_eq!(shown, ["romeo@example.org"]);
    }

    #[test]
    fn the_unread_count_is_carried_over_from_the_old_schema() {
        let steps = super::super::schema::latest();
        let mut store = Store::open_in_memory().expect("store");
        let me: BareJid = "juliet@example.org".parse().expect("jid");
        store
            .insert_messages(
                &me,
                &[
                    message("romeo@example.org", "one", false, 1),
                    message("romeo@example.org", "two", false, 2),
                ],
                Placement::Newest,
            )
            .expect("insert");
        // As schema 6 left it: no counter yet.
        store
            .conn
            .execute_batch(
                "ALTER TABLE conversations DROP COLUMN unread;
                 DROP TABLE decloak_rules;
                 DROP TABLE files;
                 DROP TABLE forwarded;
                 DROP TABLE worker_settings;
                 DROP TABLE history_sync;
                 DROP TABLE omemo_state;
                 ALTER TABLE messages DROP COLUMN encryption;
                 DROP TABLE conversation_encryption;
                 DROP TABLE omemo_devices;
                 CREATE INDEX messages_unread ON messages (conversation, outgoing, id);
                 PRAGMA user_version = 6;",
            )
            .expect("back to 6");
        super::super::schema::migrate(&mut store.conn).expect("migrate");
        assert_eq!(store.schema_version().expect("v"), steps);
        assert_eq!(store.conversation_summaries(&me).expect("list")[0].unread, 2);
    }
}
