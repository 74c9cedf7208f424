//! Each account's OMEMO keys and sessions, sealed
//! ([`crate::core::omemo::sealed_state`]): the store never holds them
//! readable; and each conversation's choice to encrypt.

use rusqlite::{params, OptionalExtension};
use xmpp_parsers::jid::BareJid;

use super::{Store, StoreError};
use crate::core::omemo::sealed_state::SealedState;

impl Store {
    /// Whether messages to `peer` are to be encrypted; `None` when the
    /// user never chose.
    pub fn conversation_encryption(
        &self,
        account: &BareJid,
        peer: &BareJid,
    ) -> Result<Option<bool>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT enabled FROM conversation_encryption WHERE account = ?1 AND peer = ?2",
                [account.as_str(), peer.as_str()],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Remembers the user's encryption choice for `peer`.
    pub fn set_conversation_encryption(
        &self,
        account: &BareJid,
        peer: &BareJid,
        enabled: bool,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO conversation_encryption (account, peer, enabled) VALUES (?1, ?2, ?3)
             ON CONFLICT (account, peer) DO UPDATE SET enabled = excluded.enabled",
            rusqlite::params![account.as_str(), peer.as_str(), enabled],
        )?;
        Ok(())
    }

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
