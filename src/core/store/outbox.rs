//! The outbox: outgoing stanzas that the server has not acknowledged yet.
//! A message enters it before it is sent and leaves it on the server's
//! XEP-0198 ack, so a crash or restart never loses it.

use rusqlite::params;
use xmpp_parsers::jid::BareJid;

use super::{messages::conversation_id, Store, StoreError};
use crate::core::message::NewMessage;

/// One queued stanza.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The origin-id that identifies it.
    pub origin_id: String,
    /// The serialized `<message/>`.
    pub stanza: String,
}

impl Store {
    /// Stores our message (state pending) and queues its stanza, atomically.
    /// Returns the message's row id.
    pub fn queue_outgoing(
        &mut self,
        account: &BareJid,
        message: &NewMessage,
        stanza: &str,
    ) -> Result<i64, StoreError> {
        let result = self.queue_outgoing_inner(account, message, stanza);
        if result.is_err() {
            // A rolled-back transaction may have made a conversation row.
            self.conversation_ids.clear();
        }
        result
    }

    fn queue_outgoing_inner(
        &mut self,
        account: &BareJid,
        message: &NewMessage,
        stanza: &str,
    ) -> Result<i64, StoreError> {
        let origin_id = message.origin_id.as_deref().ok_or_else(|| StoreError::Corrupt {
            table: "outbox",
            detail: "an outgoing message needs an origin-id".into(),
        })?;
        let Store {
            conn,
            conversation_ids,
        } = self;
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO outbox (account, origin_id, stanza) VALUES (?1, ?2, ?3)",
            params![account.as_str(), origin_id, stanza],
        )?;
        let conversation = conversation_id(&tx, conversation_ids, account, &message.peer, message.kind)?;
        tx.execute(
            "INSERT INTO messages
             (conversation, outgoing, sender, body, origin_id, stanza_id, timestamp, state, seq, encryption)
             VALUES (?1, 1, ?2, ?3, ?4, NULL, ?5, ?6, (SELECT last + 1 FROM message_sequence WHERE id = 1), ?7)",
            params![
                conversation,
                message.sender,
                message.body,
                origin_id,
                message.timestamp_ms,
                message.state as i64,
                message.encryption.to_stored()
            ],
        )?;
        let id = tx.last_insert_rowid();
        tx.execute("UPDATE message_sequence SET last = last + 1 WHERE id = 1", [])?;
        tx.commit()?;
        Ok(id)
    }

    /// Queues a stanza that has no stored message (a correction, say).
    pub fn queue_stanza(&self, account: &BareJid, origin_id: &str, stanza: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO outbox (account, origin_id, stanza) VALUES (?1, ?2, ?3)",
            params![account.as_str(), origin_id, stanza],
        )?;
        Ok(())
    }

    /// Replaces the stanza queued as `origin_id` (with its encrypted
    /// form); false when it is no longer queued.
    pub fn replace_in_outbox(
        &self,
        account: &BareJid,
        origin_id: &str,
        stanza: &str,
    ) -> Result<bool, StoreError> {
        let changed = self.conn.execute(
            "UPDATE outbox SET stanza = ?3 WHERE account = ?1 AND origin_id = ?2",
            rusqlite::params![account.as_str(), origin_id, stanza],
        )?;
        Ok(changed > 0)
    }

    /// Everything still queued for `account`, oldest first.
    pub fn outbox(&self, account: &BareJid) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT origin_id, stanza FROM outbox WHERE account = ?1 ORDER BY id")?;
        let rows = stmt.query_map([account.as_str()], |r| {
            Ok(OutboxEntry {
                origin_id: r.get(0)?,
                stanza: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Removes an acknowledged stanza; true if it was queued.
    pub fn remove_from_outbox(&self, account: &BareJid, origin_id: &str) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM outbox WHERE account = ?1 AND origin_id = ?2",
            params![account.as_str(), origin_id],
        )? > 0)
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::core::message::{ChatKind, DeliveryState};

    #[test]
    fn queued_until_removed_and_a_duplicate_origin_id_is_refused() {
        let mut store = Store::open_in_memory().expect("store");
        let me = BareJid::from_str("juliet@example.org").expect("jid");
        let m = NewMessage {
            peer: BareJid::from_str("romeo@example.org").expect("jid"),
            kind: ChatKind::Chat,
            outgoing: true,
            sender: "juliet@example.org".into(),
            body: "hi".into(),
            origin_id: Some("o1".into()),
            stanza_id: None,
            timestamp_ms: 1,
            state: DeliveryState::Pending,
            encryption: Default::default(),
        };
        store.queue_outgoing(&me, &m, "<message/>").expect("queue");
        assert!(store.queue_outgoing(&me, &m, "<message/>").is_err());
        assert_eq!(store.outbox(&me).expect("read").len(), 1);
        assert_eq!(
            store.count_messages(&me, &m.peer).expect("count"),
            1,
            "the failed retry stored nothing"
        );
        assert!(store.remove_from_outbox(&me, "o1").expect("remove"));
        assert!(store.outbox(&me).expect("read").is_empty());
    }
}
