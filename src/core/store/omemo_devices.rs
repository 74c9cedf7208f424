//! The OMEMO devices that contacts (and our other devices) list, per
//! version, and when each last wrote to us. Public facts only; the keys
//! are in the sealed state ([`super::omemo_state`]).

use std::collections::HashMap;

use rusqlite::params;
use xmpp_parsers::jid::BareJid;

use super::{Store, StoreError};
use crate::core::omemo::WireVersion;

fn column(version: WireVersion) -> &'static str {
    match version {
        WireVersion::Legacy => "legacy",
        WireVersion::Omemo2 => "omemo2",
    }
}

impl Store {
    /// Records `owner`'s device list in `version`: these devices are on
    /// it, no other is.
    pub fn set_omemo_device_list(
        &mut self,
        account: &BareJid,
        owner: &BareJid,
        version: WireVersion,
        devices: &[u32],
    ) -> Result<(), StoreError> {
        let column = column(version);
        let tx = self.conn.transaction()?;
        tx.execute(
            &format!("UPDATE omemo_devices SET {column} = 0 WHERE account = ?1 AND owner = ?2"),
            [account.as_str(), owner.as_str()],
        )?;
        for device in devices {
            tx.execute(
                &format!(
                    "INSERT INTO omemo_devices (account, owner, device, {column}) VALUES (?1, ?2, ?3, 1)
                     ON CONFLICT (account, owner, device) DO UPDATE SET {column} = 1"
                ),
                params![account.as_str(), owner.as_str(), device],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records that `device` of `owner` wrote to us at `at_ms` (a later
    /// time is kept over an earlier one).
    pub fn note_omemo_device_seen(
        &self,
        account: &BareJid,
        owner: &BareJid,
        device: u32,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO omemo_devices (account, owner, device, last_seen_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account, owner, device)
                 DO UPDATE SET last_seen_ms = max(coalesce(last_seen_ms, 0), excluded.last_seen_ms)",
            )?
            .execute(params![account.as_str(), owner.as_str(), device, at_ms])?;
        Ok(())
    }

    /// When each device of `owner` last wrote to us (those that did).
    pub fn omemo_devices_last_seen(
        &self,
        account: &BareJid,
        owner: &BareJid,
    ) -> Result<HashMap<u32, i64>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT device, last_seen_ms FROM omemo_devices
             WHERE account = ?1 AND owner = ?2 AND last_seen_ms IS NOT NULL",
        )?;
        let rows = statement.query_map([account.as_str(), owner.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The devices `owner` lists, in either version, in id order.
    pub fn listed_omemo_devices(&self, account: &BareJid, owner: &BareJid) -> Result<Vec<u32>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT device FROM omemo_devices
             WHERE account = ?1 AND owner = ?2 AND (legacy = 1 OR omemo2 = 1) ORDER BY device",
        )?;
        let rows = statement.query_map([account.as_str(), owner.as_str()], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether `owner` lists any OMEMO device, in either version.
    pub fn uses_omemo(&self, account: &BareJid, owner: &BareJid) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM omemo_devices
                 WHERE account = ?1 AND owner = ?2 AND (legacy = 1 OR omemo2 = 1))",
            )?
            .query_row([account.as_str(), owner.as_str()], |r| r.get(0))?)
    }

    /// Whether messages to `peer` are encrypted: the user's choice, or
    /// by default when the contact lists OMEMO devices (as Conversations
    /// does).
    pub fn encrypts_to(&self, account: &BareJid, peer: &BareJid) -> Result<bool, StoreError> {
        match self.conversation_encryption(account, peer)? {
            Some(choice) => Ok(choice),
            None => self.uses_omemo(account, peer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jid(s: &str) -> BareJid {
        s.parse().expect("jid")
    }

    #[test]
    fn a_contact_with_devices_is_encrypted_to_until_the_user_says_no() {
        let mut store = Store::open_in_memory().expect("store");
        let (me, romeo, tybalt) = (
            jid("juliet@example.org"),
            jid("romeo@example.org"),
            jid("tybalt@example.org"),
        );
        assert!(!store.encrypts_to(&me, &romeo).expect("read"));
        store
            .set_omemo_device_list(&me, &romeo, WireVersion::Legacy, &[7, 8])
            .expect("list");
        assert!(store.encrypts_to(&me, &romeo).expect("read"));
        assert!(
            !store.encrypts_to(&me, &tybalt).expect("read"),
            "only romeo lists devices"
        );
        store
            .set_conversation_encryption(&me, &romeo, false)
            .expect("choice");
        assert!(
            !store.encrypts_to(&me, &romeo).expect("read"),
            "the user's choice wins"
        );
        // A list emptied in one version leaves the other's devices.
        store
            .set_omemo_device_list(&me, &tybalt, WireVersion::Omemo2, &[1])
            .expect("list");
        store
            .set_omemo_device_list(&me, &tybalt, WireVersion::Legacy, &[])
            .expect("list");
        assert!(store.uses_omemo(&me, &tybalt).expect("read"));
        assert_eq!(store.listed_omemo_devices(&me, &tybalt).expect("read"), vec![1]);
        store
            .set_omemo_device_list(&me, &tybalt, WireVersion::Omemo2, &[])
            .expect("list");
        assert!(!store.uses_omemo(&me, &tybalt).expect("read"));
    }

    #[test]
    fn last_seen_keeps_the_latest_time() {
        let mut store = Store::open_in_memory().expect("store");
        let (me, romeo) = (jid("juliet@example.org"), jid("romeo@example.org"));
        store.note_omemo_device_seen(&me, &romeo, 7, 2_000).expect("seen");
        store.note_omemo_device_seen(&me, &romeo, 7, 1_000).expect("seen");
        store
            .set_omemo_device_list(&me, &romeo, WireVersion::Legacy, &[7, 9])
            .expect("list");
        let seen = store.omemo_devices_last_seen(&me, &romeo).expect("read");
        assert_eq!(seen.get(&7), Some(&2_000));
        assert_eq!(seen.get(&9), None, "never wrote");
        assert!(store.remove_account(&me).is_ok());
        assert!(store
            .omemo_devices_last_seen(&me, &romeo)
            .expect("read")
            .is_empty());
    }
}
