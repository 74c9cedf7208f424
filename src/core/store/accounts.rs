//! Stored accounts (never their passwords).

use std::str::FromStr;

use rusqlite::{params, OptionalExtension, Row};
use xmpp_parsers::jid::BareJid;

use super::{Store, StoreError};
use crate::core::{
    account::{AccountConfig, ServerAddress, TlsMode},
    credentials::PasswordStorage,
};

/// An account row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAccount {
    /// How to connect.
    pub config: AccountConfig,
    /// Whether to connect at start.
    pub enabled: bool,
    /// Where its password lives.
    pub password_storage: PasswordStorage,
}

const COLUMNS: &str = "jid, server_host, server_port, tls_mode, extra_ca_pem, enabled, password_storage";

fn corrupt(detail: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        table: "accounts",
        detail: detail.into(),
    }
}

fn from_row(row: &Row<'_>) -> Result<Result<StoredAccount, StoreError>, rusqlite::Error> {
    let jid: String = row.get(0)?;
    let host: Option<String> = row.get(1)?;
    let port: Option<i64> = row.get(2)?;
    let tls: String = row.get(3)?;
    let extra_ca_pem: Option<String> = row.get(4)?;
    let enabled: bool = row.get(5)?;
    let storage: String = row.get(6)?;
    Ok((|| {
        let jid = BareJid::from_str(&jid).map_err(|e| corrupt(format!("jid {jid:?}: {e}")))?;
        let server = match (host, port) {
            (Some(host), Some(port)) => Some(ServerAddress {
                host,
                port: u16::try_from(port).map_err(|_| corrupt(format!("port {port}")))?,
            }),
            _ => None,
        };
        let tls = TlsMode::from_stored(&tls).ok_or_else(|| corrupt(format!("tls mode {tls:?}")))?;
        let password_storage = PasswordStorage::from_stored(&storage)
            .ok_or_else(|| corrupt(format!("password storage {storage:?}")))?;
        Ok(StoredAccount {
            config: AccountConfig {
                jid,
                server,
                tls,
                extra_ca_pem,
            },
            enabled,
            password_storage,
        })
    })())
}

impl Store {
    /// Inserts or replaces the account with the same JID.
    pub fn save_account(&self, account: &StoredAccount) -> Result<(), StoreError> {
        let c = &account.config;
        self.conn.execute(
            "INSERT INTO accounts (jid, server_host, server_port, tls_mode, extra_ca_pem, enabled, password_storage)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(jid) DO UPDATE SET server_host = ?2, server_port = ?3, tls_mode = ?4,
                 extra_ca_pem = ?5, enabled = ?6, password_storage = ?7",
            params![
                c.jid.as_str(),
                c.server.as_ref().map(|s| s.host.as_str()),
                c.server.as_ref().map(|s| s.port),
                c.tls.as_str(),
                c.extra_ca_pem,
                account.enabled,
                account.password_storage.as_str(),
            ],
        )?;
        Ok(())
    }

    /// All accounts, oldest first.
    pub fn accounts(&self) -> Result<Vec<StoredAccount>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM accounts ORDER BY id"))?;
        let rows = stmt.query_map([], from_row)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row??);
        }
        Ok(out)
    }

    /// One account by JID.
    pub fn account(&self, jid: &BareJid) -> Result<Option<StoredAccount>, StoreError> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM accounts WHERE jid = ?1"),
                [jid.as_str()],
                from_row,
            )
            .optional()?;
        row.transpose()
    }

    /// Removes an account with everything stored for it: pins, roster,
    /// conversations and their messages, outbox, archive ranges, blocklist,
    /// OMEMO keys, devices and encryption choices.
    pub fn remove_account(&mut self, jid: &BareJid) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        for sql in [
            "DELETE FROM certificate_pins WHERE account_jid = ?1",
            "DELETE FROM roster WHERE account = ?1",
            "DELETE FROM roster_versions WHERE account = ?1",
            "DELETE FROM conversations WHERE account = ?1",
            "DELETE FROM outbox WHERE account = ?1",
            "DELETE FROM mam_ranges WHERE account = ?1",
            "DELETE FROM history_sync WHERE account = ?1",
            "DELETE FROM blocklist WHERE account = ?1",
            "DELETE FROM omemo_state WHERE account = ?1",
            "DELETE FROM omemo_devices WHERE account = ?1",
            "DELETE FROM conversation_encryption WHERE account = ?1",
        ] {
            tx.execute(sql, [jid.as_str()])?;
        }
        let removed = tx.execute("DELETE FROM accounts WHERE jid = ?1", [jid.as_str()])? > 0;
        tx.commit()?;
        self.conversation_ids.clear();
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StoredAccount {
        StoredAccount {
            config: AccountConfig {
                jid: BareJid::from_str("juliet@capulet.lit").expect("jid"),
                server: Some(ServerAddress {
                    host: "127.0.0.1".into(),
                    port: 15222,
                }),
                tls: TlsMode::DirectTls,
                extra_ca_pem: Some("-----BEGIN CERTIFICATE-----".into()),
            },
            enabled: true,
            password_storage: PasswordStorage::ProfileFile,
        }
    }

    #[test]
    fn accounts_round_trip_and_upsert() {
        let mut store = Store::open_in_memory().expect("store");
        let mut a = sample();
        store.save_account(&a).expect("save");
        assert_eq!(store.accounts().expect("list"), vec![a.clone()]);
        a.enabled = false;
        a.config.server = None;
        store.save_account(&a).expect("upsert");
        assert_eq!(store.account(&a.config.jid).expect("get"), Some(a.clone()));
        assert!(store.remove_account(&a.config.jid).expect("rm"));
        assert!(store.accounts().expect("list").is_empty());
    }

    #[test]
    fn corrupt_rows_are_errors_not_panics() {
        let store = Store::open_in_memory().expect("store");
        store
            .conn
            .execute(
                "INSERT INTO accounts (jid, tls_mode) VALUES ('not a jid@@', 'starttls')",
                [],
            )
            .expect("insert");
        assert!(matches!(store.accounts(), Err(StoreError::Corrupt { .. })));
    }
}
