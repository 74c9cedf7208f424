//! The account's blocklist (XEP-0191), as the server last told us.

use std::str::FromStr;

use rusqlite::params;
use xmpp_parsers::jid::{BareJid, Jid};

use super::{Store, StoreError};

impl Store {
    /// Replaces the stored blocklist.
    pub fn replace_blocklist(&mut self, account: &BareJid, jids: &[Jid]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM blocklist WHERE account = ?1", [account.as_str()])?;
        for jid in jids {
            tx.execute(
                "INSERT OR IGNORE INTO blocklist (account, jid) VALUES (?1, ?2)",
                params![account.as_str(), jid.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Adds (`blocked`) or removes JIDs; an empty unblock list clears all.
    pub fn update_blocklist(&self, account: &BareJid, jids: &[Jid], blocked: bool) -> Result<(), StoreError> {
        if !blocked && jids.is_empty() {
            self.conn
                .execute("DELETE FROM blocklist WHERE account = ?1", [account.as_str()])?;
        }
        for jid in jids {
            let sql = if blocked {
                "INSERT OR IGNORE INTO blocklist (account, jid) VALUES (?1, ?2)"
            } else {
                "DELETE FROM blocklist WHERE account = ?1 AND jid = ?2"
            };
            self.conn
                .execute(sql, params![account.as_str(), jid.to_string()])?;
        }
        Ok(())
    }

    /// The stored blocklist, sorted.
    pub fn blocklist(&self, account: &BareJid) -> Result<Vec<Jid>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT jid FROM blocklist WHERE account = ?1 ORDER BY jid")?;
        let rows = stmt.query_map([account.as_str()], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            let text = row?;
            out.push(Jid::from_str(&text).map_err(|e| StoreError::Corrupt {
                table: "blocklist",
                detail: format!("jid {text:?}: {e}"),
            })?);
        }
        Ok(out)
    }
}
