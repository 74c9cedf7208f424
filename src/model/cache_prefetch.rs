//! Reads what the sidebar shows first (each account's cached roster and
//! conversation list) while the window is still being built, so that
//! start-up does not wait for the worker to open the profile first.
//!
//! Only a database already at this build's schema is read; otherwise (a
//! new profile, or one the worker must migrate) nothing is prefetched and
//! the lists load once the worker has started, as before.

use std::path::PathBuf;

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

/// Starts reading on a blocking thread.
pub fn start(database: PathBuf) -> gio::JoinHandle<Result<Prefetched, StoreError>> {
    gio::spawn_blocking(move || read(&database))
}

fn read(database: &std::path::Path) -> Result<Prefetched, StoreError> {
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
