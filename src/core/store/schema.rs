//! Versioned schema with a `migrate(from)` chain.

use rusqlite::Connection;

use super::StoreError;

/// Each entry upgrades the schema from its index to index + 1.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1: accounts and pinned certificates.
    "CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        jid TEXT NOT NULL UNIQUE,
        server_host TEXT,
        server_port INTEGER,
        tls_mode TEXT NOT NULL DEFAULT 'starttls',
        extra_ca_pem TEXT,
        enabled INTEGER NOT NULL DEFAULT 1,
        password_storage TEXT NOT NULL DEFAULT 'secret-service',
        created_at INTEGER NOT NULL DEFAULT (unixepoch())
    );
    CREATE TABLE certificate_pins (
        account_jid TEXT NOT NULL,
        sha256 BLOB NOT NULL,
        der BLOB NOT NULL,
        pinned_at INTEGER NOT NULL DEFAULT (unixepoch()),
        PRIMARY KEY (account_jid, sha256)
    );",
    // 1 -> 2: the session core: roster, caps, messages, outbox, MAM ranges, blocklist.
    "CREATE TABLE roster (
        account TEXT NOT NULL,
        jid TEXT NOT NULL,
        name TEXT,
        subscription TEXT NOT NULL,
        ask INTEGER NOT NULL DEFAULT 0,
        approved INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (account, jid)
    ) WITHOUT ROWID;
    CREATE TABLE roster_groups (
        account TEXT NOT NULL,
        jid TEXT NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (account, jid, name),
        FOREIGN KEY (account, jid) REFERENCES roster (account, jid) ON DELETE CASCADE
    ) WITHOUT ROWID;
    CREATE TABLE roster_versions (
        account TEXT PRIMARY KEY,
        version TEXT NOT NULL
    );
    CREATE TABLE caps_cache (
        hash TEXT NOT NULL,
        ver TEXT NOT NULL,
        disco_info TEXT NOT NULL,
        verified_at INTEGER NOT NULL DEFAULT (unixepoch()),
        PRIMARY KEY (hash, ver)
    ) WITHOUT ROWID;
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        peer TEXT NOT NULL,
        kind INTEGER NOT NULL,
        UNIQUE (account, peer)
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        outgoing INTEGER NOT NULL,
        sender TEXT NOT NULL,
        body TEXT NOT NULL,
        origin_id TEXT,
        stanza_id TEXT,
        timestamp INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        state INTEGER NOT NULL,
        corrected INTEGER NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX messages_by_stanza_id ON messages (stanza_id, conversation)
        WHERE stanza_id IS NOT NULL;
    CREATE UNIQUE INDEX messages_by_origin_id ON messages (origin_id, conversation, outgoing)
        WHERE origin_id IS NOT NULL;
    CREATE INDEX messages_by_time ON messages (conversation, timestamp, seq);
    CREATE TABLE message_sequence (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last INTEGER NOT NULL
    );
    INSERT INTO message_sequence (id, last) VALUES (1, 0);
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        origin_id TEXT NOT NULL,
        stanza TEXT NOT NULL,
        queued_at INTEGER NOT NULL DEFAULT (unixepoch()),
        UNIQUE (account, origin_id)
    );
    CREATE TABLE mam_ranges (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        archive TEXT NOT NULL,
        oldest_id TEXT NOT NULL,
        oldest_ts INTEGER NOT NULL,
        newest_id TEXT NOT NULL,
        newest_ts INTEGER NOT NULL,
        reaches_start INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX mam_ranges_by_archive ON mam_ranges (account, archive, newest_ts);
    CREATE TABLE blocklist (
        account TEXT NOT NULL,
        jid TEXT NOT NULL,
        PRIMARY KEY (account, jid)
    ) WITHOUT ROWID;",
    // 2 -> 3: how far each conversation was read (a message row id).
    "ALTER TABLE conversations ADD COLUMN last_read INTEGER NOT NULL DEFAULT 0;",
    // 3 -> 4: full-text search over message bodies. Rows are indexed in
    // batches after they are stored (see `Store::index_for_search`), so
    // that storing stays fast; corrections and deletions of indexed rows
    // reach the index through triggers.
    "CREATE VIRTUAL TABLE messages_fts USING fts5(
        body, content = 'messages', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TABLE messages_fts_progress (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        indexed_up_to INTEGER NOT NULL
    );
    INSERT INTO messages_fts_progress (id, indexed_up_to) VALUES (1, 0);
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
    WHEN old.id <= (SELECT indexed_up_to FROM messages_fts_progress) BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages
    WHEN old.id <= (SELECT indexed_up_to FROM messages_fts_progress) BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
        INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
    END;",
    // 4 -> 5: unread counts (incoming rows after `last_read`) from the
    // index alone, so that the conversation list reads fast at start.
    "CREATE INDEX messages_unread ON messages (conversation, outgoing, id);",
    // 5 -> 6: avatars (XEP-0084, XEP-0153), once per image by SHA-1, and
    // which contact shows which.
    "CREATE TABLE avatars (
        hash TEXT PRIMARY KEY,
        mime TEXT NOT NULL,
        data BLOB NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE contact_avatars (
        account TEXT NOT NULL,
        jid TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (account, jid)
    ) WITHOUT ROWID;",
    // 6 -> 7: the unread count is kept on the conversation (raised when
    // incoming rows are stored, zeroed when read) instead of the index of
    // step 5, which slowed every insert by a third.
    "DROP INDEX messages_unread;
    ALTER TABLE conversations ADD COLUMN unread INTEGER NOT NULL DEFAULT 0;
    UPDATE conversations SET unread = (SELECT count(*) FROM messages u
        WHERE u.conversation = conversations.id AND u.outgoing = 0 AND u.id > conversations.last_read);",
    // 7 -> 8: presence decloaking (XEP-0276): the "always share" decisions
    // per account, and the settings the worker obeys without the UI (the
    // policy for requests no decision covers).
    "CREATE TABLE decloak_rules (
        account TEXT NOT NULL,
        scope TEXT NOT NULL CHECK (scope IN ('contact', 'domain')),
        target TEXT NOT NULL,
        PRIMARY KEY (account, scope, target)
    ) WITHOUT ROWID;
    CREATE TABLE worker_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;",
    // 8 -> 9: files shared in messages (XEP-0066 with Kontalk's hints):
    // one per message, with where its download stands.
    "CREATE TABLE files (
        message INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
        url TEXT NOT NULL,
        name TEXT NOT NULL,
        mime TEXT,
        size INTEGER,
        encrypted INTEGER NOT NULL DEFAULT 0,
        state INTEGER NOT NULL,
        path TEXT
    );
    CREATE INDEX files_pending ON files (state) WHERE state IN (0, 2);",
    // 9 -> 10: which of our devices forwarded a message to us (XEP-0146).
    "CREATE TABLE forwarded (
        message INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
        device TEXT NOT NULL
    );",
    // 10 -> 11: how much archived history each account downloads on its
    // own (its choice, the point in time it stands for, and when it was
    // made: what was archived before is history, not unread).
    "CREATE TABLE history_sync (
        account TEXT PRIMARY KEY,
        choice TEXT NOT NULL,
        since INTEGER,
        chosen_at INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;",
    // 11 -> 12: each account's OMEMO keys and sessions, sealed under a key
    // kept where the password is (never readable here).
    "CREATE TABLE omemo_state (
        account TEXT PRIMARY KEY,
        nonce BLOB NOT NULL,
        sealed BLOB NOT NULL
    ) WITHOUT ROWID;",
    // 12 -> 13: whether a message came end-to-end encrypted (and if it
    // could not be read, why): `MessageEncryption::to_stored`.
    // Each conversation's encryption choice (the lock in its header).
    "ALTER TABLE messages ADD COLUMN encryption INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE conversation_encryption (
        account TEXT NOT NULL,
        peer TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        PRIMARY KEY (account, peer)
    ) WITHOUT ROWID;",
    // 13 -> 14: the OMEMO devices contacts (and our other devices) list,
    // per version, and when each last wrote to us: whether a conversation
    // is encrypted by default, and the keys window's "last seen". Public
    // facts only: keys stay in the sealed state.
    "CREATE TABLE omemo_devices (
        account TEXT NOT NULL,
        owner TEXT NOT NULL,
        device INTEGER NOT NULL,
        legacy INTEGER NOT NULL DEFAULT 0,
        omemo2 INTEGER NOT NULL DEFAULT 0,
        last_seen_ms INTEGER,
        PRIMARY KEY (account, owner, device)
    ) WITHOUT ROWID;",
];

/// The newest schema version this build knows.
pub fn latest() -> i64 {
    MIGRATIONS.len() as i64
}

/// Reads `PRAGMA user_version`.
pub fn version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Brings the schema up to [`latest`], one transaction per step.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let from = version(conn)?;
    if from > latest() {
        return Err(StoreError::TooNew {
            found: from,
            supported: latest(),
        });
    }
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", step as i64 + 1)?;
        tx.commit()?;
        tracing::info!(to = step + 1, "migrated store schema");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_fresh_database_to_latest_and_is_idempotent() {
        let mut conn = Connection::open_in_memory().expect("db");
        migrate(&mut conn).expect("first");
        assert_eq!(version(&conn).expect("v"), latest());
        migrate(&mut conn).expect("second");
        assert_eq!(version(&conn).expect("v"), latest());
    }

    #[test]
    fn refuses_a_newer_schema() {
        let mut conn = Connection::open_in_memory().expect("db");
        conn.pragma_update(None, "user_version", latest() + 1)
            .expect("set");
        assert!(matches!(migrate(&mut conn), Err(StoreError::TooNew { .. })));
    }
}

#[cfg(test)]
mod open_migrated_tests {
    use crate::core::store::{Store, StoreError};

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("balcony-open-migrated-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        dir.join("balcony.sqlite")
    }

    #[test]
    fn a_reading_connection_neither_creates_nor_migrates() {
        let missing = scratch("missing");
        assert!(Store::open_migrated(&missing).is_err());
        assert!(!missing.exists(), "no empty database is left behind");

        let old = scratch("old");
        {
            let conn = rusqlite::Connection::open(&old).expect("db");
            conn.pragma_update(None, "user_version", 2).expect("version");
        }
        match Store::open_migrated(&old) {
            Err(StoreError::NotMigrated { found: 2, expected }) => assert_eq!(expected, super::latest()),
            other => panic!("expected NotMigrated, got {other:?}"),
        }

        let current = scratch("current");
        drop(Store::open(&current).expect("worker's connection migrates"));
        let store = Store::open_migrated(&current).expect("reader");
        assert_eq!(store.schema_version().expect("version"), super::latest());
        for p in [missing, old, current] {
            let _ = std::fs::remove_dir_all(p.parent().expect("dir"));
        }
    }
}
