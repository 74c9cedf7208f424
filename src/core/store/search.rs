//! Full-text search over messages (SQLite FTS5), in one conversation or
//! across all of an account's.

use rusqlite::params;
use xmpp_parsers::jid::BareJid;

use super::{
    messages::{collect_messages, from_row, COLUMNS, FILE_JOIN},
    Store, StoreError,
};
use crate::core::message::StoredMessage;

/// What the user typed as an FTS5 query: every word must occur, as a word
/// or the start of one. Quotes keep FTS5 syntax out; `None` when nothing
/// searchable is left.
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| w.replace('"', ""))
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

impl Store {
    /// How many stored messages are not in the search index yet.
    pub fn unindexed_messages(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM messages
             WHERE id > (SELECT indexed_up_to FROM messages_fts_progress WHERE id = 1)",
            [],
            |r| r.get(0),
        )?)
    }

    /// Adds up to `limit` stored messages not yet in the search index;
    /// how many were added.
    pub fn index_for_search(&self, limit: usize) -> Result<usize, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let up_to: i64 = tx.query_row(
            "SELECT indexed_up_to FROM messages_fts_progress WHERE id = 1",
            [],
            |r| r.get(0),
        )?;
        let added = tx.execute(
            "INSERT INTO messages_fts (rowid, body)
             SELECT id, body FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2",
            params![up_to, limit as i64],
        )?;
        tx.execute(
            "UPDATE messages_fts_progress SET indexed_up_to =
                 coalesce((SELECT max(rowid) FROM messages_fts), indexed_up_to) WHERE id = 1",
            [],
        )?;
        tx.commit()?;
        Ok(added)
    }

    /// Messages matching `text`, newest first: in `peer`'s conversation, or
    /// in all of `account`'s. Brings the index up to date first.
    pub fn search_messages(
        &self,
        account: &BareJid,
        peer: Option<&BareJid>,
        text: &str,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let Some(query) = fts_query(text) else {
            return Ok(Vec::new());
        };
        while self.index_for_search(10_000)? > 0 {}
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM messages_fts f
             JOIN messages m ON m.id = f.rowid
             JOIN conversations c ON c.id = m.conversation {FILE_JOIN}
             WHERE messages_fts MATCH ?1 AND c.account = ?2 AND (?3 IS NULL OR c.peer = ?3)
             ORDER BY m.timestamp DESC, m.seq DESC LIMIT ?4"
        ))?;
        let rows = stmt.query_map(
            params![query, account.as_str(), peer.map(|p| p.as_str()), limit as i64],
            from_row,
        )?;
        collect_messages(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{
        message::{ChatKind, Correction, DeliveryState, NewMessage},
        store::Placement,
    };

    fn message(peer: &str, body: &str, i: i64) -> NewMessage {
        NewMessage {
            peer: peer.parse().expect("jid"),
            kind: ChatKind::Chat,
            outgoing: false,
            sender: peer.into(),
            body: body.into(),
            origin_id: Some(format!("o{i}")),
            stanza_id: None,
            timestamp_ms: 1_700_000_000_000 + i * 1000,
            state: DeliveryState::Received,
            encryption: Default::default(),
        }
    }

    #[test]
    fn finds_words_and_prefixes_across_or_within_conversations() {
        let mut store = Store::open_in_memory().expect("store");
        let me: BareJid = "juliet@example.org".parse().expect("jid");
        let romeo: BareJid = "romeo@example.org".parse().expect("jid");
        let batch = [
            message("romeo@example.org", "Wherefore art thou Romeo?", 1),
            message("nurse@example.org", "Your mother calls: wherefore tarry?", 2),
            message("romeo@example.org", "With love's light wings", 3),
            message("romeo@example.org", "Café au lait \"quoted\"", 4),
        ];
        store
            .insert_messages(&me, &batch, Placement::Newest)
            .expect("insert");
        let bodies = |found: Vec<StoredMessage>| -> Vec<String> {
            found.into_iter().map(|m| m.message.body).collect()
        };
        assert_eq!(
            bodies(store.search_messages(&me, None, "wherefore", 10).expect("search")),
            ["Your mother calls: wherefore tarry?", "Wherefore art thou Romeo?"]
        );
        assert_eq!(
            bodies(
                store
                    .search_messages(&me, Some(&romeo), "WHERE", 10)
                    .expect("search")
            ),
            ["Wherefore art thou Romeo?"]
        );
        // Accents are ignored; quotes and FTS syntax are just text.
        assert_eq!(
            bodies(
                store
                    .search_messages(&me, None, "cafe \"quoted", 10)
                    .expect("search")
            ),
            ["Café au lait \"quoted\""]
        );
        assert!(store
            .search_messages(&me, None, "AND OR NEAR(", 10)
            .expect("search")
            .is_empty());
        assert!(store
            .search_messages(&me, None, "   ", 10)
            .expect("search")
            .is_empty());
        // A correction of an indexed message is found by its new text only.
        store
            .apply_correction(
                &me,
                &Correction {
                    peer: romeo.clone(),
                    outgoing: false,
                    replaces: "o3".into(),
                    body: "With love's swift wings".into(),
                },
            )
            .expect("correct");
        assert!(store
            .search_messages(&me, None, "light", 10)
            .expect("search")
            .is_empty());
        assert_eq!(
            bodies(store.search_messages(&me, None, "swift", 10).expect("search")),
            ["With love's swift wings"]
        );
    }
}
