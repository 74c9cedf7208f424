//! Which spans of a MAM archive (XEP-0313) are already stored. Each range
//! is contiguous: every archived message between its ends is in the store.

use rusqlite::params;
use xmpp_parsers::jid::BareJid;

use super::{Store, StoreError};

/// One end of a range: an archive id and its timestamp (ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivePoint {
    /// The archive's id (stanza-id); empty for "the archive was empty then".
    pub id: String,
    /// Milliseconds since the epoch.
    pub ts: i64,
}

/// A fetched span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MamRange {
    /// Row id.
    pub id: i64,
    /// Oldest message in the span.
    pub oldest: ArchivePoint,
    /// Newest message in the span.
    pub newest: ArchivePoint,
    /// True when nothing older exists in the archive.
    pub reaches_start: bool,
}

impl Store {
    /// The ranges of one archive, newest first.
    pub fn mam_ranges(&self, account: &BareJid, archive: &BareJid) -> Result<Vec<MamRange>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, oldest_id, oldest_ts, newest_id, newest_ts, reaches_start FROM mam_ranges
             WHERE account = ?1 AND archive = ?2 ORDER BY newest_ts DESC, id DESC",
        )?;
        let rows = stmt.query_map(params![account.as_str(), archive.as_str()], |r| {
            Ok(MamRange {
                id: r.get(0)?,
                oldest: ArchivePoint {
                    id: r.get(1)?,
                    ts: r.get(2)?,
                },
                newest: ArchivePoint {
                    id: r.get(3)?,
                    ts: r.get(4)?,
                },
                reaches_start: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records a new range; its row id.
    pub fn add_mam_range(
        &self,
        account: &BareJid,
        archive: &BareJid,
        oldest: &ArchivePoint,
        newest: &ArchivePoint,
        reaches_start: bool,
    ) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO mam_ranges (account, archive, oldest_id, oldest_ts, newest_id, newest_ts, reaches_start)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                account.as_str(),
                archive.as_str(),
                oldest.id,
                oldest.ts,
                newest.id,
                newest.ts,
                reaches_start
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Moves a range's older end down (after fetching an older page): only
    /// down, unless `reaches_start` (which is never taken back).
    pub fn extend_mam_range_down(
        &self,
        range: i64,
        oldest: &ArchivePoint,
        reaches_start: bool,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE mam_ranges SET oldest_id = ?2, oldest_ts = ?3, reaches_start = (reaches_start OR ?4)
             WHERE id = ?1 AND (oldest_ts > ?3 OR ?4)",
            params![range, oldest.id, oldest.ts, reaches_start],
        )?;
        Ok(())
    }

    /// Joins `newer` with `older` once the gap between them is filled:
    /// `older` takes `newer`'s newest end and `newer` goes.
    pub fn merge_mam_ranges(&mut self, newer: i64, older: i64) -> Result<(), StoreError> {
        let tx = self.conn.savepoint()?;
        tx.execute(
            "UPDATE mam_ranges SET (newest_id, newest_ts) =
                 (SELECT newest_id, newest_ts FROM mam_ranges WHERE id = ?1)
             WHERE id = ?2",
            params![newer, older],
        )?;
        tx.execute("DELETE FROM mam_ranges WHERE id = ?1", [newer])?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn ranges_extend_and_merge() {
        let mut store = Store::open_in_memory().expect("store");
        let me = BareJid::from_str("juliet@example.org").expect("jid");
        let p = |id: &str, ts| ArchivePoint { id: id.into(), ts };
        let old = store
            .add_mam_range(&me, &me, &p("a", 1), &p("b", 2), true)
            .expect("add");
        let new = store
            .add_mam_range(&me, &me, &p("y", 8), &p("z", 9), false)
            .expect("add");
        let ranges = store.mam_ranges(&me, &me).expect("read");
        assert_eq!(ranges.iter().map(|r| r.id).collect::<Vec<_>>(), vec![new, old]);
        store
            .extend_mam_range_down(new, &p("c", 3), false)
            .expect("extend");
        store.merge_mam_ranges(new, old).expect("merge");
        let ranges = store.mam_ranges(&me, &me).expect("read");
        assert_eq!(ranges.len(), 1);
        assert_eq!(
            (ranges[0].oldest.clone(), ranges[0].newest.clone()),
            (p("a", 1), p("z", 9))
        );
        assert!(ranges[0].reaches_start);
    }

    #[test]
    fn a_range_end_only_moves_down_and_the_start_is_kept() {
        let store = Store::open_in_memory().expect("store");
        let me = BareJid::from_str("juliet@example.org").expect("jid");
        let p = |id: &str, ts| ArchivePoint { id: id.into(), ts };
        let id = store
            .add_mam_range(&me, &me, &p("m", 50), &p("z", 90), false)
            .expect("add");
        store
            .extend_mam_range_down(id, &p("q", 60), false)
            .expect("not lower");
        assert_eq!(store.mam_ranges(&me, &me).expect("read")[0].oldest, p("m", 50));
        store
            .extend_mam_range_down(id, &p("c", 20), false)
            .expect("lower");
        assert_eq!(store.mam_ranges(&me, &me).expect("read")[0].oldest, p("c", 20));
        store.extend_mam_range_down(id, &p("d", 30), true).expect("start");
        store
            .extend_mam_range_down(id, &p("e", 10), false)
            .expect("lower");
        let range = store.mam_ranges(&me, &me).expect("read").remove(0);
        assert_eq!((range.oldest, range.reaches_start), (p("e", 10), true));
    }
}
