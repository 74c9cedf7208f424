//! Each account's choice of how much archived history to download
//! ([`crate::core::history_sync`]).

use rusqlite::{params, OptionalExtension};
use xmpp_parsers::jid::BareJid;

use super::{Store, StoreError};
use crate::core::history_sync::{HistoryChoice, HistoryPolicy};

impl Store {
    /// The account's policy, if one was chosen.
    pub fn history_policy(&self, account: &BareJid) -> Result<Option<HistoryPolicy>, StoreError> {
        let row: Option<(String, Option<i64>, i64)> = self
            .conn
            .prepare_cached("SELECT choice, since, chosen_at FROM history_sync WHERE account = ?1")?
            .query_row([account.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((choice, since, chosen_at)) = row else {
            return Ok(None);
        };
        let choice = HistoryChoice::from_stored(&choice).ok_or_else(|| StoreError::Corrupt {
            table: "history_sync",
            detail: format!("unknown choice {choice:?}"),
        })?;
        Ok(Some(HistoryPolicy {
            choice,
            since,
            chosen_at,
        }))
    }

    /// Keeps the account's policy.
    pub fn set_history_policy(&self, account: &BareJid, policy: &HistoryPolicy) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO history_sync (account, choice, since, chosen_at) VALUES (?1, ?2, ?3, ?4)",
            params![
                account.as_str(),
                policy.choice.as_str(),
                policy.since,
                policy.chosen_at
            ],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn policies_round_trip_and_bad_rows_are_errors() {
        let store = Store::open_in_memory().expect("store");
        let me = BareJid::from_str("juliet@capulet.lit").expect("jid");
        assert_eq!(store.history_policy(&me).expect("read"), None);
        let all = HistoryPolicy::chosen(HistoryChoice::Everything, 5);
        store.set_history_policy(&me, &all).expect("write");
        assert_eq!(store.history_policy(&me).expect("read"), Some(all));
        let week = HistoryPolicy::chosen(HistoryChoice::Week, 1_000_000_000_000);
        store.set_history_policy(&me, &week).expect("write");
        assert_eq!(store.history_policy(&me).expect("read"), Some(week));
        store
            .conn
            .execute("UPDATE history_sync SET choice = 'forever'", [])
            .expect("corrupt");
        assert!(matches!(
            store.history_policy(&me),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
