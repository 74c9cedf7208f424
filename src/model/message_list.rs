//! A conversation's messages as a `GListModel` that pages from SQLite. It
//! holds a window of at most [`MAX_LOADED`] messages: the newest page on
//! opening, older pages as the view scrolls up (dropping the newest ones
//! beyond the window), newer pages as it scrolls back down. A 100,000-
//! message conversation is never loaded whole.

use std::collections::VecDeque;

use gio::{prelude::*, subclass::prelude::*};
use xmpp_parsers::jid::BareJid;

use super::{MessageObject, StoreReader};
use crate::core::{
    message::{Correction, DeliveryState, StoredMessage},
    store::StoreError,
};

/// Consecutive messages from one sender closer than this are grouped.
const GROUP_WITHIN_MS: i64 = 5 * 60 * 1000;

/// Messages read at a time: about what a window shows. GTK 4.8's list view
/// builds and measures a row for every item it is given (up to 200), so a
/// bigger page costs more where it is shown: 50 new rows took two main-loop
/// iterations of 12-25 ms each (measuring their text). The view reads more
/// while the rows do not fill it.
pub const PAGE: usize = 20;
/// The most messages held at once: what a tall window shows, and a margin
/// on both sides.
pub const MAX_LOADED: usize = 4 * PAGE;

/// How long history arriving in batches settles before the newest page is
/// read again.
const RELOAD_AFTER: std::time::Duration = std::time::Duration::from_millis(250);

mod imp {
    use std::cell::{Cell, RefCell};

    use super::*;

    #[derive(Debug, Default, glib::Properties)]
    #[properties(wrapper_type = super::MessageList)]
    pub struct MessageList {
        pub items: RefCell<VecDeque<MessageObject>>,
        pub source: RefCell<Option<(StoreReader, BareJid, BareJid)>>,
        /// Older messages exist beyond the window (or were never looked for).
        pub has_older: Cell<bool>,
        /// Newer messages were dropped from the window.
        pub has_newer: Cell<bool>,
        pub loading: Cell<bool>,
        /// A reload of the newest page is scheduled.
        pub reload_pending: Cell<bool>,
        /// Bumped by every new message the worker reports: a page read
        /// that started before one may lack it.
        pub added: Cell<u64>,
        /// How many of a new page to show at once (0: all of it).
        pub reveal_step: Cell<usize>,
        /// The oldest messages of `items`, read but not shown yet (a view
        /// shows them a few at a time when this is notified).
        #[property(name = "held", get = |imp: &Self| imp.held.get() as u32, type = u32)]
        pub held: Cell<usize>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for MessageList {
        const NAME: &'static str = "BalconyMessageList";
        type Type = super::MessageList;
        type Interfaces = (gio::ListModel,);
    }

    #[glib::derived_properties]
    impl ObjectImpl for MessageList {}

    impl ListModelImpl for MessageList {
        fn item_type(&self) -> glib::Type {
            MessageObject::static_type()
        }

        fn n_items(&self) -> u32 {
            (self.items.borrow().len() - self.held.get()) as u32
        }

        fn item(&self, position: u32) -> Option<glib::Object> {
            self.items
                .borrow()
                .get(self.held.get() + position as usize)
                .map(|m| m.clone().upcast())
        }
    }
}

glib::wrapper! {
    /// The messages of one conversation, paged.
    pub struct MessageList(ObjectSubclass<imp::MessageList>)
        @implements gio::ListModel;
}

/// Which end of the window to grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Older,
    Newer,
}

impl MessageList {
    /// An empty list for `account`'s conversation with `peer`; call
    /// [`Self::load_latest`] to fill it.
    pub fn new(reader: StoreReader, account: BareJid, peer: BareJid) -> Self {
        let list: Self = glib::Object::new();
        list.imp().source.replace(Some((reader, account, peer)));
        list
    }

    /// The conversation's peer.
    pub fn peer(&self) -> Option<BareJid> {
        self.imp().source.borrow().as_ref().map(|(_, _, p)| p.clone())
    }

    /// Whether older messages may exist beyond the window.
    pub fn has_older(&self) -> bool {
        self.imp().has_older.get()
    }

    /// Whether newer messages were dropped from the window.
    pub fn has_newer(&self) -> bool {
        self.imp().has_newer.get()
    }

    /// Replaces the window with the newest page.
    pub async fn load_latest(&self) -> Result<(), StoreError> {
        let Some((reader, account, peer)) = self.imp().source.borrow().clone() else {
            return Ok(());
        };
        let added_before = self.imp().added.get();
        let page = reader
            .read(move |s| s.recent_messages(&account, &peer, PAGE))
            .await?;
        let imp = self.imp();
        // A message reported while the page was read may have been stored
        // after the read began: read again once this page is shown.
        if imp.added.get() != added_before {
            self.schedule_reload();
        }
        imp.has_older.set(page.len() == PAGE);
        // The same page again (history arrived before it): nothing to redo.
        let same = !imp.has_newer.get() && {
            let items = imp.items.borrow();
            items.len() == page.len() && items.iter().zip(&page).all(|(a, b)| a.id() == b.id)
        };
        if same {
            return Ok(());
        }
        imp.has_newer.set(false);
        self.replace(
            page.iter().map(MessageObject::new).collect(),
            imp.reveal_step.get(),
        );
        Ok(())
    }

    /// Shows a replaced page, and each older page read, `step` messages at
    /// a time, newest first: a view calls [`Self::reveal`] once a frame for
    /// the rest, so that no frame lays out a whole page of new rows. 0 (the
    /// default) shows pages whole; a page around a message always is.
    pub fn set_reveal_step(&self, step: usize) {
        self.imp().reveal_step.set(step);
    }

    /// Shows up to `count` more of the messages waiting, above those shown.
    pub fn reveal(&self, count: usize) {
        let imp = self.imp();
        let shown = count.min(imp.held.get());
        if shown > 0 {
            let _after_items_changed = self.freeze_notify();
            self.set_held(imp.held.get() - shown);
            self.items_changed(0, 0, shown as u32);
        }
    }

    /// Sets how many wait to be shown. The change is notified; callers that
    /// also emit `items-changed` freeze notifications first, so that the
    /// notification comes after the rows it concerns.
    fn set_held(&self, held: usize) {
        if self.imp().held.replace(held) != held {
            self.notify_held();
        }
    }

    /// Whether message `id` is in the window (shown or waiting).
    pub fn contains(&self, id: i64) -> bool {
        self.imp().items.borrow().iter().any(|m| m.id() == id)
    }

    /// Replaces the window with `items`, showing the newest `step` of them
    /// (all when 0).
    fn replace(&self, items: VecDeque<MessageObject>, step: usize) {
        let imp = self.imp();
        let _after_items_changed = self.freeze_notify();
        let removed = self.n_items();
        let held = if step == 0 {
            0
        } else {
            items.len().saturating_sub(step)
        };
        imp.items.replace(items);
        self.set_held(held);
        self.refresh_layout();
        self.items_changed(0, removed, self.n_items());
    }

    /// Replaces the window with the messages around message `id`, which is
    /// highlighted; its position in the list.
    pub async fn load_around(&self, id: i64) -> Result<Option<u32>, StoreError> {
        let Some((reader, account, peer)) = self.imp().source.borrow().clone() else {
            return Ok(None);
        };
        let half = PAGE / 2;
        let (older, found, newer) = reader
            .read(move |s| {
                let found = s.message(&account, &peer, id)?;
                let older = s.messages_before(&account, &peer, id, half)?;
                let newer = s.messages_after(&account, &peer, id, half)?;
                Ok((older, found, newer))
            })
            .await?;
        let Some(found) = found else {
            return Ok(None);
        };
        let imp = self.imp();
        imp.has_older.set(older.len() == half);
        imp.has_newer.set(newer.len() == half);
        let position = older.len() as u32;
        let target = MessageObject::new(&found);
        target.set_highlighted(true);
        let mut items: VecDeque<MessageObject> = older.iter().map(MessageObject::new).collect();
        items.push_back(target);
        items.extend(newer.iter().map(MessageObject::new));
        // Shown whole: the view scrolls to the message at once.
        self.replace(items, 0);
        Ok(Some(position))
    }

    /// Reads the page before the window; how many messages came.
    pub async fn load_older(&self) -> Result<usize, StoreError> {
        self.load(End::Older).await
    }

    /// Reads the page after the window; how many messages came.
    pub async fn load_newer(&self) -> Result<usize, StoreError> {
        self.load(End::Newer).await
    }

    async fn load(&self, end: End) -> Result<usize, StoreError> {
        let imp = self.imp();
        let more = match end {
            End::Older => imp.has_older.get(),
            End::Newer => imp.has_newer.get(),
        };
        // Older pages wait until the one being shown is all there.
        if imp.loading.get() || !more || (end == End::Older && imp.held.get() > 0) {
            return Ok(0);
        }
        let Some((reader, account, peer)) = imp.source.borrow().clone() else {
            return Ok(0);
        };
        let anchor = {
            let items = imp.items.borrow();
            match end {
                End::Older => items.front().map(MessageObject::id),
                End::Newer => items.back().map(MessageObject::id),
            }
        };
        let Some(anchor) = anchor else {
            return self.load_latest().await.map(|()| self.n_items() as usize);
        };
        imp.loading.set(true);
        let page = reader
            .read(move |s| match end {
                End::Older => s.messages_before(&account, &peer, anchor, PAGE),
                End::Newer => s.messages_after(&account, &peer, anchor, PAGE),
            })
            .await;
        imp.loading.set(false);
        let page = page?;
        // The window was replaced while the page was read: it no longer fits.
        let still = {
            let items = imp.items.borrow();
            match end {
                End::Older => imp.held.get() == 0 && items.front().map(MessageObject::id) == Some(anchor),
                End::Newer => items.back().map(MessageObject::id) == Some(anchor),
            }
        };
        if !still {
            return Ok(0);
        }
        let count = page.len();
        let _after_items_changed = self.freeze_notify();
        match end {
            End::Older => {
                imp.has_older.set(count == PAGE);
                {
                    let mut items = imp.items.borrow_mut();
                    for m in page.iter().rev() {
                        items.push_front(MessageObject::new(m));
                    }
                }
                self.refresh_layout();
                // Paced like a new page: the older messages wait above.
                if imp.reveal_step.get() == 0 {
                    self.items_changed(0, 0, count as u32);
                } else {
                    self.set_held(count);
                }
                let len = imp.items.borrow().len();
                let excess = len - len.min(MAX_LOADED);
                if excess > 0 {
                    imp.items.borrow_mut().truncate(len - excess);
                    imp.has_newer.set(true);
                    let at = len - excess - imp.held.get();
                    self.items_changed(at as u32, excess as u32, 0);
                }
            }
            End::Newer => {
                imp.has_newer.set(count == PAGE);
                self.append_newest(page.iter().map(MessageObject::new));
            }
        }
        Ok(count)
    }

    /// Marks where days start and which messages continue a group.
    fn refresh_layout(&self) {
        let items = self.imp().items.borrow();
        let mut previous: Option<&MessageObject> = None;
        for m in items.iter() {
            let day_start = previous.is_none_or(|p| p.local_day() != m.local_day());
            let grouped = !day_start
                && previous.is_some_and(|p| {
                    p.outgoing() == m.outgoing()
                        && p.sender() == m.sender()
                        && m.timestamp() - p.timestamp() < GROUP_WITHIN_MS
                });
            if m.day_start() != day_start {
                m.set_day_start(day_start);
            }
            if m.grouped() != grouped {
                m.set_grouped(grouped);
            }
            previous = Some(m);
        }
    }

    /// New messages stored by the worker (`live`, or history caught up):
    /// shown when the window is at the newest end (otherwise they come with
    /// the pages).
    pub fn on_added(&self, messages: &[StoredMessage], live: bool) {
        let imp = self.imp();
        let Some(peer) = self.peer() else { return };
        let mine: Vec<&StoredMessage> = messages.iter().filter(|m| m.message.peer == peer).collect();
        if mine.is_empty() {
            return;
        }
        imp.added.set(imp.added.get() + 1);
        if imp.has_newer.get() {
            return;
        }
        // A page read after the worker stored a message, but shown before
        // its report came, holds it already: shown once.
        let shown: std::collections::HashSet<i64> = imp.items.borrow().iter().map(|m| m.id()).collect();
        let mine: Vec<&StoredMessage> = mine.into_iter().filter(|m| !shown.contains(&m.id)).collect();
        if mine.is_empty() {
            return;
        }
        // Live messages after the newest shown are appended at once;
        // anything else (history caught up from the archive in batches, or
        // out of order) is shown by reloading the newest page once the
        // batches have settled.
        let last = imp.items.borrow().back().map(|m| m.timestamp());
        let in_order = mine
            .windows(2)
            .all(|w| w[0].message.timestamp_ms <= w[1].message.timestamp_ms);
        if !live || !in_order || last.is_some_and(|t| mine[0].message.timestamp_ms < t) {
            self.schedule_reload();
            return;
        }
        self.append_newest(mine.into_iter().map(MessageObject::new));
    }

    /// Appends `messages` at the newest end, then drops the oldest beyond
    /// [`MAX_LOADED`] (those waiting to be shown first).
    fn append_newest(&self, messages: impl Iterator<Item = MessageObject>) {
        let imp = self.imp();
        let _after_items_changed = self.freeze_notify();
        let at = self.n_items();
        imp.items.borrow_mut().extend(messages);
        self.refresh_layout();
        self.items_changed(at, 0, self.n_items() - at);
        let len = imp.items.borrow().len();
        let excess = len - len.min(MAX_LOADED);
        if excess > 0 {
            imp.items.borrow_mut().drain(..excess);
            imp.has_older.set(true);
            let unshown = excess.min(imp.held.get());
            self.set_held(imp.held.get() - unshown);
            self.refresh_layout();
            if excess > unshown {
                self.items_changed(0, (excess - unshown) as u32, 0);
            }
        }
    }

    /// Reloads the newest page after a short pause, once for many batches.
    fn schedule_reload(&self) {
        if self.imp().reload_pending.replace(true) {
            return;
        }
        let weak = self.downgrade();
        glib::timeout_add_local_once(RELOAD_AFTER, move || {
            let Some(list) = weak.upgrade() else { return };
            glib::spawn_future_local(async move {
                list.imp().reload_pending.set(false);
                if list.has_newer() {
                    return;
                }
                if let Err(e) = list.load_latest().await {
                    tracing::warn!(error = %e, "reloading the newest messages failed");
                }
            });
        });
    }

    /// The newest loaded message with `origin_id` that `pick` accepts. It is
    /// handed out after the borrow ends, so handlers of its changes may read
    /// the list.
    fn find_by_origin(
        &self,
        origin_id: &str,
        pick: impl Fn(&MessageObject) -> bool,
    ) -> Option<MessageObject> {
        self.imp()
            .items
            .borrow()
            .iter()
            .rev()
            .find(|m| m.origin_id().as_deref() == Some(origin_id) && pick(m))
            .cloned()
    }

    /// A correction replaced a message's text.
    pub fn on_corrected(&self, correction: &Correction) {
        if Some(&correction.peer) != self.peer().as_ref() {
            return;
        }
        if let Some(m) = self.find_by_origin(&correction.replaces, |m| m.outgoing() == correction.outgoing) {
            m.set_body(correction.body.clone());
            m.set_corrected(true);
        }
    }

    /// The loaded message with row id `id`.
    pub fn by_id(&self, id: i64) -> Option<MessageObject> {
        self.imp().items.borrow().iter().find(|m| m.id() == id).cloned()
    }

    /// A delivery state rose.
    pub fn on_state(&self, origin_id: &str, state: DeliveryState) {
        if let Some(m) = self.find_by_origin(origin_id, |_| true) {
            m.raise_state(state);
        }
    }
}
