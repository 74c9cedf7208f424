//! The SQLite store: schema and migrations, accounts, pinned certificates,
//! the roster cache, caps, messages, the outbox, MAM ranges and the blocklist.
//!
//! Passwords never enter the store; see [`crate::core::credentials`].

mod accounts;
mod avatars;
mod blocklist;
mod caps_cache;
mod certificate_pins;
mod client_options;
mod conversations;
mod decloak_rules;
mod files;
mod handle;
mod history_sync;
mod mam_ranges;
mod message_pages;
mod messages;
mod omemo_devices;
mod omemo_state;
mod outbox;
mod roster;
mod schema;
mod search;

use std::path::Path;

use rusqlite::Connection;
use thiserror::Error;

/// Errors from the store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database was written by a newer Balcony.
    #[error("the database has schema version {found}, newer than this Balcony understands ({supported})")]
    TooNew {
        /// Version found on disk.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// A reading connection found a database the worker has not brought
    /// to this build's schema yet (or no database at all).
    #[error("the database has schema version {found}, not yet {expected}")]
    NotMigrated {
        /// Version found on disk.
        found: i64,
        /// The version this build writes.
        expected: i64,
    },
    /// A stored row could not be understood.
    #[error("corrupt row in {table}: {detail}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// What was wrong.
        detail: String,
    },
}

/// An open store.
pub struct Store {
    conn: Connection,
    /// Row ids of conversations, by (account, peer); rows are never renumbered.
    conversation_ids: std::collections::HashMap<(String, String), i64>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating and migrating as needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        Self::setup(conn)
    }

    /// Opens an existing database that is already at this build's schema,
    /// without creating or migrating anything: a second connection may
    /// read while the worker's own one is still opening.
    pub fn open_migrated(path: &Path) -> Result<Self, StoreError> {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        let found = schema::version(&conn)?;
        if found != schema::latest() {
            return Err(StoreError::NotMigrated {
                found,
                expected: schema::latest(),
            });
        }
        Self::setup(conn)
    }

    /// An in-memory store, for tests.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "cache_size", -16_000)?;
        // No memory map: a scattered read (the unread count of a long
        // conversation) mapped most of the file into the process's memory,
        // up to 12 MB more than the page cache below holds.
        conn.pragma_update(None, "mmap_size", 0)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        schema::migrate(&mut conn)?;
        Ok(Self {
            conn,
            conversation_ids: Default::default(),
        })
    }

    /// Runs `f` in one transaction: committed if it succeeds, rolled back
    /// if it fails. Used to write several archive pages at once.
    pub fn batch<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        match f(self) {
            Ok(value) => {
                self.conn.execute_batch("COMMIT")?;
                Ok(value)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                self.conversation_ids.clear();
                Err(e)
            }
        }
    }

    /// The schema version on disk.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        schema::version(&self.conn)
    }
}

pub use accounts::StoredAccount;
pub use avatars::{AvatarImage, AvatarRefused, ContactAvatar, MAX_AVATAR_BYTES};
pub use conversations::ConversationSummary;
pub use files::PendingFile;
pub use handle::StoreHandle;
pub use mam_ranges::{ArchivePoint, MamRange};
pub use messages::{Inserted, Placement, SEQ_PAGE_SPAN};
pub use outbox::OutboxEntry;
