//! Reads what the sidebar shows first (each account's cached roster and
//! conversation list) while the window is still being built, so that the
//! window's first frame can show them without waiting for the worker to
//! open the profile.
//!
//! Only a database already at this build's schema is read; otherwise (a
//! new profile, or one the worker must migrate) nothing is prefetched and
//! the lists load once the worker has started, as before.

use std::{
    path::{Path, PathBuf},
    sync::mpsc,
    time::Duration,
};

use xmpp_parsers::jid::BareJid;

use crate::core::{
    contacts::RosterItem,
    store::{ConversationSummary, Store, StoreError},
};

/// One account's cached lists.
#[derive(Debug)]
pub struct CachedLists {
    pub account: BareJid,
    pub roster: Vec<RosterItem>,
    pub conversations: Vec<ConversationSummary>,
}

/// The read connection the prefetch opened, and what it read.
#[derive(Debug)]
pub struct Prefetched {
    pub store: Store,
    pub lists: Vec<CachedLists>,
}

/// A read under way on a blocking thread.
#[derive(Debug)]
pub struct Pending(mpsc::Receiver<Result<Prefetched, StoreError>>);

/// Starts reading on a blocking thread.
pub fn start(database: PathBuf) -> Pending {
    let (tx, rx) = mpsc::sync_channel(1);
    gio::spawn_blocking(move || {
        let _ = tx.send(read(&database));
    });
    Pending(rx)
}

impl Pending {
    /// What was read, if it is done within `timeout` (this thread waits);
    /// the error says why nothing was.
    pub fn wait(&self, timeout: Duration) -> Option<Result<Prefetched, String>> {
        match self.0.recv_timeout(timeout) {
            Ok(read) => Some(read.map_err(|e| e.to_string())),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => Some(Err(GONE.into())),
        }
    }

    /// What was read, without blocking this thread.
    pub async fn finish(self) -> Result<Prefetched, String> {
        match gio::spawn_blocking(move || self.0.recv()).await {
            Ok(Ok(read)) => read.map_err(|e| e.to_string()),
            _ => Err(GONE.into()),
        }
    }
}

/// Why there is no answer when the reading thread ended without one.
const GONE: &str = "the cache read ended without a result";

fn read(database: &Path) -> Result<Prefetched, StoreError> {
    let store = Store::open_migrated(database)?;
    let mut lists = Vec::new();
    for stored in store.accounts()? {
        let account = stored.config.jid;
        let (_, roster) = store.roster(&account)?;
        let conversations = store.conversation_summaries(&account)?;
        lists.push(CachedLists {
            account,
            roster,
            conversations,
        });
    }
    Ok(Prefetched { store, lists })
}
