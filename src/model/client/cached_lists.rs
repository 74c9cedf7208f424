//! Loading the cached roster and conversation lists at start (the stored
//! accounts connect meanwhile).

use gio::prelude::*;
use glib::subclass::prelude::*;
use xmpp_parsers::jid::BareJid;

use crate::core::{contacts::RosterItem, store::ConversationSummary};
use crate::model::{cache_prefetch::Prefetched, conversation_list, Account, StoreReader};

use super::{CachedListsState, Client};

/// Reads `account`'s stored avatars once its lists are on screen.
fn load_avatars(reader: StoreReader, account: &Account) {
    let (Ok(jid), account) = (account.jid().parse::<BareJid>(), account.clone()) else {
        return;
    };
    glib::spawn_future_local(async move {
        match reader.read(move |s| s.contact_avatars(&jid)).await {
            Ok(avatars) => {
                for a in avatars {
                    if account.roster().avatar(a.jid.as_str()).is_none() {
                        account.set_avatar(a.jid.as_str(), Some(glib::Bytes::from_owned(a.image.data)));
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read the stored avatars"),
        }
    });
}

/// Shows cached lists in an account whose lists are still empty (a login
/// or live message may have filled them meanwhile; those win). The
/// conversations come at once, named from the stored roster; the contacts,
/// a GObject each, are built in an idle turn after that (the first frame
/// shows only the conversations).
fn fill_from_cache(account: &Account, roster: Vec<RosterItem>, conversations: &[ConversationSummary]) {
    if account.conversations().n_items() == 0 {
        conversation_list::replace(&account.conversations(), conversations);
        if account.roster().is_empty() {
            account.name_conversations_from(&roster);
        } else {
            account.name_conversations();
        }
    }
    if !account.roster().is_empty() {
        return;
    }
    let account = account.clone();
    glib::idle_add_local_once(move || {
        if account.roster().is_empty() {
            account.roster().replace(&roster);
            account.name_conversations();
        }
    });
}

impl Client {
    fn open_reader(&self) {
        let Some(path) = self.imp().database.borrow().clone() else {
            return;
        };
        match StoreReader::open(&path) {
            Ok(reader) => {
                self.imp().reader.replace(Some(reader));
            }
            Err(e) => tracing::error!(error = %e, "cannot read the message cache"),
        }
    }

    /// Fills `account`'s roster and conversation list from the store.
    pub(super) fn load_conversations(&self, account: &Account) {
        let (Some(reader), Ok(jid)) = (self.reader(), account.jid().parse::<BareJid>()) else {
            return;
        };
        let account = account.clone();
        glib::spawn_future_local(async move {
            let read = reader
                .read(move |s| Ok((s.roster(&jid)?.1, s.conversation_summaries(&jid)?)))
                .await;
            match read {
                Ok((roster, conversations)) => {
                    fill_from_cache(&account, roster, &conversations);
                    load_avatars(reader, &account);
                }
                Err(e) => tracing::error!(error = %e, "cannot read the cached roster and conversations"),
            }
        });
    }

    /// Shows the stored accounts' cached lists now, if the read that
    /// [`Client::new`] started ends within `timeout` (this thread waits for
    /// it). A window calls this before its first frame, so that the frame
    /// has them; otherwise they come once the worker has started. True if
    /// they are shown.
    pub fn show_cached_lists(&self, timeout: std::time::Duration) -> bool {
        let imp = self.imp();
        let read = match &*imp.prefetch.borrow() {
            CachedListsState::Reading(pending) => pending.wait(timeout),
            _ => return false,
        };
        match read {
            None => false,
            Some(Ok(prefetched)) => {
                let shown = self.fill_prefetched(prefetched);
                imp.prefetch.replace(CachedListsState::Shown(shown));
                true
            }
            Some(Err(e)) => {
                tracing::debug!(error = %e, "nothing prefetched");
                imp.prefetch.replace(CachedListsState::NotRead);
                false
            }
        }
    }

    /// Adopts the prefetch's read connection and fills the accounts it
    /// read (creating them); returns those accounts.
    fn fill_prefetched(&self, prefetched: Prefetched) -> Vec<BareJid> {
        let reader = StoreReader::from_store(prefetched.store);
        self.imp().reader.replace(Some(reader.clone()));
        let mut filled = Vec::new();
        for lists in prefetched.lists {
            let account = self.account_or_insert(&lists.account, true);
            fill_from_cache(&account, lists.roster, &lists.conversations);
            load_avatars(reader.clone(), &account);
            filled.push(lists.account);
        }
        filled
    }

    /// Fills the started `accounts` that are not on screen yet: from the
    /// prefetch when it could read them, and from the store otherwise.
    pub(super) fn load_cached_lists(&self, accounts: Vec<Account>) {
        match self.imp().prefetch.take() {
            CachedListsState::Shown(shown) => {
                self.load_others(&accounts, &shown);
                self.mark_lists_loaded();
            }
            CachedListsState::NotRead => {
                self.open_reader();
                self.load_others(&accounts, &[]);
                self.mark_lists_loaded();
            }
            CachedListsState::Reading(pending) => {
                glib::spawn_future_local(glib::clone!(
                    #[weak(rename_to = client)]
                    self,
                    async move {
                        let shown = match pending.finish().await {
                            Ok(prefetched) => client.fill_prefetched(prefetched),
                            Err(e) => {
                                tracing::debug!(error = %e, "nothing prefetched");
                                client.open_reader();
                                Vec::new()
                            }
                        };
                        client.load_others(&accounts, &shown);
                        client.mark_lists_loaded();
                    }
                ));
            }
        }
    }

    /// Loads the lists of those `accounts` that are not `shown` already.
    fn load_others(&self, accounts: &[Account], shown: &[BareJid]) {
        accounts
            .iter()
            .filter(|a| !shown.iter().any(|j| j.as_str() == a.jid()))
            .for_each(|a| self.load_conversations(a));
    }

    /// The cached lists are filled. (The enabled stored accounts are
    /// connecting already: the worker starts them at once.)
    fn mark_lists_loaded(&self) {
        self.imp().lists_loaded.set(true);
    }

    /// Whether the stored accounts' cached lists are filled.
    pub fn lists_loaded(&self) -> bool {
        self.imp().lists_loaded.get()
    }
}
