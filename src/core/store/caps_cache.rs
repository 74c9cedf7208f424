//! Verified entity capabilities (XEP-0115), keyed by hash: the disco#info
//! of every client that announced `ver` with `hash`.

use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};

impl Store {
    /// The cached disco#info XML for a verified `(hash, ver)`.
    pub fn cached_caps(&self, hash: &str, ver: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT disco_info FROM caps_cache WHERE hash = ?1 AND ver = ?2",
                params![hash, ver],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Caches disco#info that was verified against `(hash, ver)`.
    pub fn cache_caps(&self, hash: &str, ver: &str, disco_info: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO caps_cache (hash, ver, disco_info) VALUES (?1, ?2, ?3)",
            params![hash, ver, disco_info],
        )?;
        Ok(())
    }
}
