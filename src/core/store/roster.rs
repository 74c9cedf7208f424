//! The roster cache and its version (XEP-0237), per account.

use std::{collections::BTreeMap, str::FromStr};

use rusqlite::{params, OptionalExtension, Transaction};
use xmpp_parsers::jid::BareJid;

use super::{Store, StoreError};
use crate::core::contacts::{RosterItem, Subscription};

fn corrupt(detail: String) -> StoreError {
    StoreError::Corrupt {
        table: "roster",
        detail,
    }
}

fn insert_item(tx: &Transaction<'_>, account: &BareJid, item: &RosterItem) -> Result<(), StoreError> {
    tx.execute(
        "INSERT OR REPLACE INTO roster (account, jid, name, subscription, ask, approved)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            account.as_str(),
            item.jid.as_str(),
            item.name,
            item.subscription.as_str(),
            item.ask,
            item.approved
        ],
    )?;
    tx.execute(
        "DELETE FROM roster_groups WHERE account = ?1 AND jid = ?2",
        params![account.as_str(), item.jid.as_str()],
    )?;
    let mut add =
        tx.prepare_cached("INSERT OR IGNORE INTO roster_groups (account, jid, name) VALUES (?1, ?2, ?3)")?;
    for group in &item.groups {
        add.execute(params![account.as_str(), item.jid.as_str(), group])?;
    }
    Ok(())
}

fn set_version(tx: &Transaction<'_>, account: &BareJid, version: Option<&str>) -> Result<(), StoreError> {
    match version {
        Some(v) => tx.execute(
            "INSERT OR REPLACE INTO roster_versions (account, version) VALUES (?1, ?2)",
            params![account.as_str(), v],
        )?,
        None => tx.execute(
            "DELETE FROM roster_versions WHERE account = ?1",
            params![account.as_str()],
        )?,
    };
    Ok(())
}

impl Store {
    /// The cached roster and its version.
    pub fn roster(&self, account: &BareJid) -> Result<(Option<String>, Vec<RosterItem>), StoreError> {
        let version = self
            .conn
            .query_row(
                "SELECT version FROM roster_versions WHERE account = ?1",
                [account.as_str()],
                |r| r.get::<_, String>(0),
            )
            .optional()?;
        let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT jid, name FROM roster_groups WHERE account = ?1 ORDER BY name")?;
        let rows = stmt.query_map([account.as_str()], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
        for row in rows {
            match row {
                Ok((jid, name)) => groups.entry(jid).or_default().push(name),
                Err(e) => tracing::warn!(error = %e, "a roster group row is unreadable; skipped"),
            }
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT jid, name, subscription, ask, approved FROM roster WHERE account = ?1 ORDER BY jid",
        )?;
        let rows = stmt.query_map([account.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, bool>(4)?,
            ))
        })?;
        let mut items = Vec::new();
        // One bad row (a damaged file, a hand edit) must not blank the
        // roster: it is logged and skipped, and the rest is shown.
        for row in rows {
            let parsed =
                row.map_err(StoreError::from)
                    .and_then(|(jid_text, name, subscription, ask, approved)| {
                        let jid = BareJid::from_str(&jid_text)
                            .map_err(|e| corrupt(format!("jid {jid_text:?}: {e}")))?;
                        let subscription = Subscription::from_name(&subscription)
                            .ok_or_else(|| corrupt(format!("subscription {subscription:?}")))?;
                        Ok((jid_text, jid, name, subscription, ask, approved))
                    });
            let (jid_text, jid, name, subscription, ask, approved) = match parsed {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "a roster row is unreadable; skipped");
                    continue;
                }
            };
            items.push(RosterItem {
                groups: groups.remove(&jid_text).unwrap_or_default(),
                jid,
                name,
                subscription,
                ask,
                approved,
            });
        }
        Ok((version, items))
    }

    /// Whether `jid` is in the cached roster.
    pub fn in_roster(&self, account: &BareJid, jid: &BareJid) -> Result<bool, StoreError> {
        let found: Option<i64> = self
            .conn
            .prepare_cached("SELECT 1 FROM roster WHERE account = ?1 AND jid = ?2")?
            .query_row([account.as_str(), jid.as_str()], |r| r.get(0))
            .optional()?;
        Ok(found.is_some())
    }

    /// Replaces the whole cached roster (a full roster result).
    pub fn replace_roster(
        &mut self,
        account: &BareJid,
        version: Option<&str>,
        items: &[RosterItem],
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM roster WHERE account = ?1", [account.as_str()])?;
        for item in items {
            insert_item(&tx, account, item)?;
        }
        set_version(&tx, account, version)?;
        tx.commit()?;
        Ok(())
    }

    /// Applies one roster push: `None` removes the item.
    pub fn apply_roster_push(
        &mut self,
        account: &BareJid,
        version: Option<&str>,
        jid: &BareJid,
        item: Option<&RosterItem>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        match item {
            Some(item) => insert_item(&tx, account, item)?,
            None => {
                tx.execute(
                    "DELETE FROM roster WHERE account = ?1 AND jid = ?2",
                    params![account.as_str(), jid.as_str()],
                )?;
            }
        }
        if version.is_some() {
            set_version(&tx, account, version)?;
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(jid: &str, groups: &[&str]) -> RosterItem {
        RosterItem {
            jid: BareJid::from_str(jid).expect("jid"),
            name: Some(jid.to_uppercase()),
            subscription: Subscription::Both,
            ask: false,
            approved: false,
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        }
    }

    #[test]
    fn a_corrupt_row_is_skipped_and_the_rest_shown() {
        let mut store = Store::open_in_memory().expect("store");
        let me = BareJid::from_str("me@example.org").expect("jid");
        let good = item("a@example.org", &["Family"]);
        let bad = item("b@example.org", &[]);
        let also_bad = item("c@example.org", &[]);
        store
            .replace_roster(&me, Some("v1"), &[good.clone(), bad, also_bad])
            .expect("replace");
        store
            .conn
            .execute_batch(
                "UPDATE roster SET subscription = 'bogus' WHERE jid = 'b@example.org';
                 UPDATE roster SET jid = '@@not a jid' WHERE jid = 'c@example.org';",
            )
            .expect("corrupt");
        assert_eq!(store.roster(&me).expect("read").1, vec![good]);
    }

    #[test]
    fn full_roster_then_pushes_round_trip_with_version() {
        let mut store = Store::open_in_memory().expect("store");
        let me = BareJid::from_str("me@example.org").expect("jid");
        let a = item("a@example.org", &["Family", "Work"]);
        let b = item("b@example.org", &[]);
        store
            .replace_roster(&me, Some("v1"), &[a.clone(), b.clone()])
            .expect("replace");
        assert_eq!(
            store.roster(&me).expect("read"),
            (Some("v1".into()), vec![a.clone(), b.clone()])
        );

        let mut renamed = b.clone();
        renamed.name = Some("Bee".into());
        renamed.groups = vec!["Friends".into()];
        store
            .apply_roster_push(&me, Some("v2"), &renamed.jid, Some(&renamed))
            .expect("push");
        store
            .apply_roster_push(&me, Some("v3"), &a.jid, None)
            .expect("remove");
        assert_eq!(
            store.roster(&me).expect("read"),
            (Some("v3".into()), vec![renamed])
        );

        let other = BareJid::from_str("other@example.org").expect("jid");
        assert_eq!(store.roster(&other).expect("read"), (None, vec![]));
    }
}
