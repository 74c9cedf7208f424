//! Each account's OMEMO keys and sessions, sealed
//! ([`crate::core::omemo::sealed_state`]): the store never holds them
//! readable.

use rusqlite::{params, OptionalExtension};
use xmpp_parsers::jid::BareJid;

use super::{Store, StoreError};
use crate::core::omemo::sealed_state::SealedState;

impl Store {
    /// The account's sealed OMEMO state, if one was saved.
    pub fn omemo_state(&self, account: &BareJid) -> Result<Option<SealedState>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT nonce, sealed FROM omemo_state WHERE account = ?1")?
            .query_row([account.as_str()], |r| {
                Ok(SealedState {
                    nonce: r.get(0)?,
                    sealed: r.get(1)?,
                })
            })
            .optional()?)
    }

    /// Keeps the account's sealed OMEMO state (replacing the last one).
    pub fn set_omemo_state(&self, account: &BareJid, state: &SealedState) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO omemo_state (account, nonce, sealed) VALUES (?1, ?2, ?3)",
            params![account.as_str(), state.nonce, state.sealed],
        )?;
        Ok(())
    }

    /// Forgets the account's OMEMO state.
    pub fn forget_omemo_state(&self, account: &BareJid) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM omemo_state WHERE account = ?1", [account.as_str()])?;
        Ok(())
    }
}
