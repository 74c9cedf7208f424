//! Files shared in messages: one row per message that carries one, with
//! where its download stands.

use std::{path::PathBuf, str::FromStr};

use rusqlite::{params, OptionalExtension, Row};
use xmpp_parsers::jid::BareJid;

use super::{Store, StoreError};
use crate::core::files::{FileAttachment, FileState};

/// A file offered to us and not downloaded yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingFile {
    /// The message's row id.
    pub message: i64,
    /// The conversation.
    pub peer: BareJid,
    /// Who sent it (a full JID, or a nickname in rooms).
    pub sender: String,
    /// The file.
    pub file: FileAttachment,
}

fn corrupt(detail: String) -> StoreError {
    StoreError::Corrupt {
        table: "files",
        detail,
    }
}

/// The file in the seven columns from `first` on (url, name, mime, size,
/// encrypted, state, path), `None` when the message has none. A row with
/// an unknown state reads as offered.
pub(super) fn from_columns(row: &Row<'_>, first: usize) -> rusqlite::Result<Option<FileAttachment>> {
    let Some(url) = row.get::<_, Option<String>>(first)? else {
        return Ok(None);
    };
    let size: Option<i64> = row.get(first + 3)?;
    let state: i64 = row.get(first + 5)?;
    Ok(Some(FileAttachment {
        url,
        name: row.get(first + 1)?,
        mime: row.get(first + 2)?,
        size: size.and_then(|s| u64::try_from(s).ok()),
        encrypted: row.get(first + 4)?,
        state: FileState::from_stored(state).unwrap_or(FileState::Offered),
        path: row.get::<_, Option<String>>(first + 6)?.map(PathBuf::from),
    }))
}

const FILE_COLUMNS: &str =
    "files.url, files.name, files.mime, files.size, files.encrypted, files.state, files.path";

impl Store {
    /// Records that our device `device` forwarded message `message` to us.
    pub fn mark_forwarded(&self, message: i64, device: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("INSERT OR REPLACE INTO forwarded (message, device) VALUES (?1, ?2)")?
            .execute(params![message, device])?;
        Ok(())
    }

    /// Records the file message `message` shares.
    pub fn attach_file(&self, message: i64, file: &FileAttachment) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO files (message, url, name, mime, size, encrypted, state, path)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                message,
                file.url,
                file.name,
                file.mime,
                file.size.and_then(|s| i64::try_from(s).ok()),
                file.encrypted,
                file.state as i64,
                file.path.as_ref().map(|p| p.to_string_lossy().into_owned()),
            ])?;
        Ok(())
    }

    /// The file of message `message`, with the message's account,
    /// conversation and sender.
    pub fn file_of(&self, message: i64) -> Result<Option<(BareJid, PendingFile)>, StoreError> {
        let row = self
            .conn
            .prepare_cached(&format!(
                "SELECT c.account, c.peer, m.sender, {FILE_COLUMNS} FROM files
                 JOIN messages m ON m.id = files.message JOIN conversations c ON c.id = m.conversation
                 WHERE files.message = ?1"
            ))?
            .query_row([message], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    from_columns(r, 3)?,
                ))
            })
            .optional()?;
        let Some((account, peer, sender, Some(file))) = row else {
            return Ok(None);
        };
        let jid = |s: &str| BareJid::from_str(s).map_err(|e| corrupt(format!("{s:?}: {e}")));
        Ok(Some((
            jid(&account)?,
            PendingFile {
                message,
                peer: jid(&peer)?,
                sender,
                file,
            },
        )))
    }

    /// Sets where message `message`'s file stands, and its local path.
    pub fn set_file_state(
        &self,
        message: i64,
        state: FileState,
        path: Option<&std::path::Path>,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE files SET state = ?2, path = coalesce(?3, path) WHERE message = ?1")?
            .execute(params![
                message,
                state as i64,
                path.map(|p| p.to_string_lossy().into_owned())
            ])?;
        Ok(())
    }

    /// Files offered to `account` and not downloaded (or whose download
    /// failed), oldest first, at most `limit`. Bad rows are skipped.
    pub fn pending_files(&self, account: &BareJid, limit: usize) -> Result<Vec<PendingFile>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT files.message, c.peer, m.sender, {FILE_COLUMNS} FROM files
             JOIN messages m ON m.id = files.message JOIN conversations c ON c.id = m.conversation
             WHERE files.state IN (0, 2) AND m.outgoing = 0 AND c.account = ?1
             ORDER BY files.message LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![account.as_str(), limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                from_columns(r, 3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            match row {
                Ok((message, peer, sender, Some(file))) => match BareJid::from_str(&peer) {
                    Ok(peer) => out.push(PendingFile {
                        message,
                        peer,
                        sender,
                        file,
                    }),
                    Err(e) => tracing::warn!(message, error = %e, "skipping a file row with a bad peer"),
                },
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "skipping a bad file row"),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{
        message::{ChatKind, DeliveryState, NewMessage},
        store::{Inserted, Placement},
    };

    fn jid(s: &str) -> BareJid {
        BareJid::from_str(s).expect("jid")
    }

    fn incoming(store: &mut Store, body: &str) -> i64 {
        let m = NewMessage {
            peer: jid("romeo@montague.lit"),
            kind: ChatKind::Chat,
            outgoing: false,
            sender: "romeo@montague.lit/orchard".into(),
            body: body.into(),
            origin_id: Some(body.into()),
            stanza_id: None,
            timestamp_ms: 1,
            state: DeliveryState::Received,
            encryption: Default::default(),
        };
        match store
            .insert_messages(&jid("juliet@capulet.lit"), &[m], Placement::Newest)
            .expect("insert")[0]
        {
            Inserted::New(id) => id,
            Inserted::Duplicate => panic!("duplicate"),
        }
    }

    #[test]
    fn a_file_is_pending_until_downloaded_and_pages_carry_it() {
        let mut store = Store::open_in_memory().expect("store");
        let plain = incoming(&mut store, "hello");
        let id = incoming(&mut store, "https://h/a.png");
        let file = FileAttachment::offered("https://h/a.png", Some("image/png".into()), Some(42), false);
        store.attach_file(id, &file).expect("attach");
        let account = jid("juliet@capulet.lit");
        let pending = store.pending_files(&account, 10).expect("pending");
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].message, id);
        assert_eq!(pending[0].file, file);
        let page = store
            .recent_messages(&account, &jid("romeo@montague.lit"), 10)
            .expect("page");
        assert_eq!(
            page.iter().find(|m| m.id == plain).and_then(|m| m.file.clone()),
            None
        );
        assert_eq!(
            page.iter().find(|m| m.id == id).and_then(|m| m.file.clone()),
            Some(file)
        );
        store
            .set_file_state(
                id,
                FileState::Downloaded,
                Some(std::path::Path::new("/tmp/a.png")),
            )
            .expect("state");
        assert!(store.pending_files(&account, 10).expect("pending").is_empty());
        let (acc, found) = store.file_of(id).expect("read").expect("file");
        assert_eq!(acc, account);
        assert_eq!(found.file.state, FileState::Downloaded);
        assert_eq!(
            found.file.path.as_deref(),
            Some(std::path::Path::new("/tmp/a.png"))
        );
        assert!(store.file_of(plain).expect("read").is_none());
    }
}
