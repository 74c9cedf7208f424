//! Certificates the user chose to trust for an account ("pinning").

use rusqlite::params;
use xmpp_parsers::jid::BareJid;

use super::{Store, StoreError};

impl Store {
    /// Pins a DER certificate for `account`.
    pub fn pin_certificate(&self, account: &BareJid, der: &[u8]) -> Result<(), StoreError> {
        let sha256 = crate::core::xmpp::connection::tls::sha256(der);
        self.conn.execute(
            "INSERT OR REPLACE INTO certificate_pins (account_jid, sha256, der) VALUES (?1, ?2, ?3)",
            params![account.as_str(), &sha256[..], der],
        )?;
        Ok(())
    }

    /// Removes the pin with digest `sha256`; false if there was none.
    pub fn unpin_certificate(&self, account: &BareJid, sha256: &[u8; 32]) -> Result<bool, StoreError> {
        let removed = self.conn.execute(
            "DELETE FROM certificate_pins WHERE account_jid = ?1 AND sha256 = ?2",
            params![account.as_str(), &sha256[..]],
        )?;
        Ok(removed > 0)
    }

    /// SHA-256 digests of the certificates pinned for `account`.
    pub fn pinned_certificates(&self, account: &BareJid) -> Result<Vec<[u8; 32]>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT sha256 FROM certificate_pins WHERE account_jid = ?1")?;
        let rows = stmt.query_map([account.as_str()], |row| row.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for row in rows {
            let bytes = row?;
            let digest: [u8; 32] = bytes.try_into().map_err(|_| StoreError::Corrupt {
                table: "certificate_pins",
                detail: "digest is not 32 bytes".into(),
            })?;
            out.push(digest);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn pins_are_per_account() {
        let store = Store::open_in_memory().expect("store");
        let romeo = BareJid::from_str("romeo@montague.lit").expect("jid");
        let juliet = BareJid::from_str("juliet@capulet.lit").expect("jid");
        store.pin_certificate(&romeo, b"cert").expect("pin");
        store.pin_certificate(&romeo, b"cert").expect("pin twice");
        assert_eq!(
            store.pinned_certificates(&romeo).expect("list"),
            vec![crate::core::xmpp::connection::tls::sha256(b"cert")]
        );
        assert!(store.pinned_certificates(&juliet).expect("list").is_empty());
    }
}
