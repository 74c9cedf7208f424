//! The open conversation: its messages (paged from the cache as the view
//! scrolls) and a composer where Enter sends and Shift+Enter starts a new
//! line.

use adw::{prelude::*, subclass::prelude::*};
use gettextrs::gettext;
use gtk::{gdk, glib};

use super::message_row;
use crate::{
    core::message::ChatState,
    model::{Account, Client, MessageList},
};

/// Quiet seconds after which "typing" becomes "paused" (XEP-0085 §5.2).
const PAUSE_AFTER_SECONDS: u32 = 5;

/// How close to an end (px) the view must be to read the next page.
const EDGE: f64 = 300.0;

/// New rows a frame lays out when a page is shown. GTK 4.8 lays a new
/// label's text out 9-17 times while measuring it (about 2 ms a message
/// row here), so a page of 20 at once cost one 12-16 ms main-loop
/// iteration; 2 at a time cost 4-7 ms, and the page is whole in 10 frames.
const ROWS_PER_FRAME: usize = 2;

pub(super) mod imp {
    use std::cell::{Cell, RefCell};

    use super::*;

    #[derive(Debug, Default)]
    pub struct ConversationView {
        pub scroller: gtk::ScrolledWindow,
        pub list_view: gtk::ListView,
        /// Offers to go back to where the unread messages begin.
        pub jump_button: gtk::Button,
        /// The first unread message, when it is outside the loaded window.
        pub first_unread: Cell<Option<i64>>,
        pub composer: gtk::TextView,
        pub send_button: gtk::Button,
        pub conversation: RefCell<Option<(Client, Account, String, MessageList)>>,
        /// Keep the newest message in view as messages arrive.
        pub at_bottom: Cell<bool>,
        /// The open list's `items-changed` and `notify::held` handlers.
        pub list_handlers: RefCell<Vec<glib::SignalHandlerId>>,
        /// Shows the messages of a new page that wait, a few each frame.
        pub revealing: RefCell<Option<gtk::TickCallbackId>>,
        /// The origin-id of our message being corrected, while editing.
        pub editing: RefCell<Option<String>>,
        /// Says that a message is being edited.
        pub editing_label: gtk::Label,
        /// "Message Romeo", over the empty composer.
        pub placeholder: gtk::Label,
        /// We told the contact we are typing.
        pub composing: Cell<bool>,
        /// Turns "typing" into "paused" after a quiet while.
        pub pause_timer: RefCell<Option<glib::SourceId>>,
        /// Sends a file.
        pub attach_button: gtk::Button,
        /// The uploads into this conversation, shown after its messages.
        pub uploads: RefCell<Option<gtk::FilterListModel>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ConversationView {
        const NAME: &'static str = "BalconyConversationView";
        type Type = super::ConversationView;
        type ParentType = gtk::Box;
    }

    impl ObjectImpl for ConversationView {
        fn constructed(&self) {
            self.parent_constructed();
            self.obj().build();
        }

        fn dispose(&self) {
            self.obj().close();
        }
    }

    impl WidgetImpl for ConversationView {}
    impl BoxImpl for ConversationView {}
}

glib::wrapper! {
    /// Shows one conversation.
    pub struct ConversationView(ObjectSubclass<imp::ConversationView>)
        @extends gtk::Widget, gtk::Box,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Orientable;
}

impl Default for ConversationView {
    fn default() -> Self {
        glib::Object::new()
    }
}

impl ConversationView {
    fn build(&self) {
        let imp = self.imp();
        self.set_orientation(gtk::Orientation::Vertical);
        imp.at_bottom.set(true);
        imp.list_view.set_factory(Some(&message_row::factory()));
        imp.list_view.add_css_class("conversation");
        imp.scroller.set_vexpand(true);
        imp.scroller.set_hscrollbar_policy(gtk::PolicyType::Never);
        imp.scroller.set_child(Some(&imp.list_view));
        imp.scroller.vadjustment().connect_value_changed(glib::clone!(
            #[weak(rename_to = view)]
            self,
            move |adj| view.on_scrolled(adj)
        ));
        imp.scroller.vadjustment().connect_changed(glib::clone!(
            #[weak(rename_to = view)]
            self,
            move |adj| view.fill(adj)
        ));
        imp.composer.set_wrap_mode(gtk::WrapMode::WordChar);
        imp.composer.set_accepts_tab(false);
        imp.composer.set_top_margin(8);
        imp.composer.set_bottom_margin(8);
        imp.composer.set_left_margin(8);
        imp.composer.set_right_margin(8);
        imp.composer.set_tooltip_text(Some(&gettext("Message")));
        let keys = gtk::EventControllerKey::new();
        keys.connect_key_pressed(glib::clone!(
            #[weak(rename_to = view)]
            self,
            #[upgrade_or]
            glib::Propagation::Proceed,
            move |_, key, _, modifiers| view.composer_key(key, modifiers)
        ));
        imp.composer.add_controller(keys);
        let composer_scroller = gtk::ScrolledWindow::builder()
            .child(&imp.composer)
            .hexpand(true)
            .propagate_natural_height(true)
            .max_content_height(160)
            .hscrollbar_policy(gtk::PolicyType::Never)
            .css_classes(["card"])
            .build();
        imp.send_button.set_icon_name("mail-send-symbolic");
        imp.send_button.set_valign(gtk::Align::End);
        imp.send_button.set_tooltip_text(Some(&gettext("Send")));
        imp.send_button.add_css_class("circular");
        imp.send_button.add_css_class("suggested-action");
        imp.send_button.connect_clicked(glib::clone!(
            #[weak(rename_to = view)]
            self,
            move |_| view.send()
        ));
        imp.composer.buffer().connect_changed(glib::clone!(
            #[weak(rename_to = view)]
            self,
            move |buffer| view.on_composer_changed(buffer)
        ));
        // Translators: shown above the composer while correcting a sent message.
        imp.editing_label
            .set_label(&gettext("Editing your last message. Escape cancels."));
        imp.editing_label.set_xalign(0.0);
        imp.editing_label.set_margin_start(18);
        imp.editing_label.add_css_class("dim-label");
        imp.editing_label.add_css_class("caption");
        imp.editing_label.set_visible(false);
        let composer_bar = gtk::Box::builder()
            .spacing(6)
            .margin_start(12)
            .margin_end(12)
            .margin_top(6)
            .margin_bottom(12)
            .build();
        // GTK 4.8's text view has no placeholder: a label over it.
        imp.placeholder.set_halign(gtk::Align::Start);
        imp.placeholder.set_margin_start(10);
        imp.placeholder.set_can_target(false);
        imp.placeholder.add_css_class("dim-label");
        imp.placeholder.set_widget_name("composer-placeholder");
        let composer_overlay = gtk::Overlay::builder()
            .child(&composer_scroller)
            .hexpand(true)
            .build();
        composer_overlay.add_overlay(&imp.placeholder);
        composer_bar.append(&composer_overlay);
        composer_bar.append(&imp.send_button);
        imp.jump_button.set_halign(gtk::Align::Center);
        imp.jump_button.set_valign(gtk::Align::Start);
        imp.jump_button.set_margin_top(12);
        imp.jump_button.add_css_class("osd");
        imp.jump_button.add_css_class("pill");
        imp.jump_button.set_visible(false);
        imp.jump_button.connect_clicked(glib::clone!(
            #[weak(rename_to = view)]
            self,
            move |_| view.jump_to_first_unread()
        ));
        let overlay = gtk::Overlay::new();
        overlay.set_child(Some(&imp.scroller));
        overlay.add_overlay(&imp.jump_button);
        super::conversation_files::install(self, &composer_bar, &overlay);
        self.append(&overlay);
        self.append(&imp.editing_label);
        self.append(&composer_bar);
    }

    /// Shows `account`'s conversation with `peer`.
    pub fn open(&self, client: &Client, account: &Account, peer: &str) {
        self.open_at(client, account, peer, None, 0);
    }

    /// Shows a conversation around message `around` (from a search), or at
    /// its newest messages.
    /// With `unread` messages waiting, offers to jump to the first of them
    /// when it is not on the first page.
    pub fn open_at(&self, client: &Client, account: &Account, peer: &str, around: Option<i64>, unread: u32) {
        self.close();
        let Some(list) = client.open_conversation(account, peer) else {
            return;
        };
        let imp = self.imp();
        let name = account
            .conversation(peer)
            .map_or_else(|| peer.to_owned(), |(_, c)| c.title());
        // Translators: over the empty message field; {name} is who it goes to.
        imp.placeholder
            .set_label(&crate::i18n::gettext_f("Message {name}", &[("name", &name)]));
        imp.at_bottom.set(around.is_none());
        list.set_reveal_step(ROWS_PER_FRAME);
        let (client_, account_, peer_, view, opened) = (
            client.clone(),
            account.clone(),
            peer.to_owned(),
            self.clone(),
            list.clone(),
        );
        glib::spawn_future_local(async move {
            let shown = match around {
                // A search result: its neighbours, scrolled into view.
                Some(id) => opened.load_around(id).await,
                None => opened.load_latest().await.map(|()| None),
            };
            match shown {
                Ok(Some(position)) => view.scroll_to_position(&opened, position),
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "cannot read the conversation"),
            }
            if unread > 0 && around.is_none() {
                view.offer_first_unread(&client_, &account_, &peer_, &opened, unread)
                    .await;
            }
        });
        let changed = list.connect_items_changed(glib::clone!(
            #[weak(rename_to = view)]
            self,
            move |_, _, _, _| {
                if view.imp().at_bottom.get() {
                    view.scroll_to_newest();
                }
            }
        ));
        let held = list.connect_held_notify(glib::clone!(
            #[weak(rename_to = view)]
            self,
            move |_| view.reveal_held()
        ));
        imp.list_handlers.replace(vec![changed, held]);
        let shown = super::conversation_files::with_uploads(self, client, &account.jid(), peer, &list);
        imp.list_view.set_model(Some(&gtk::NoSelection::new(Some(shown))));
        imp.conversation
            .replace(Some((client.clone(), account.clone(), peer.to_owned(), list)));
        imp.composer.grab_focus();
    }

    /// Stops showing a conversation.
    pub fn close(&self) {
        let imp = self.imp();
        let handlers = imp.list_handlers.take();
        if let Some((_, _, _, list)) = imp.conversation.take() {
            handlers.into_iter().for_each(|h| list.disconnect(h));
        }
        if let Some(ticking) = imp.revealing.take() {
            ticking.remove();
        }
        imp.list_view.set_model(None::<&gtk::SelectionModel>);
        imp.uploads.replace(None);
        imp.jump_button.set_visible(false);
        imp.first_unread.set(None);
        if let Some(timer) = imp.pause_timer.take() {
            timer.remove();
        }
        imp.composing.set(false);
        self.stop_editing();
        imp.composer.buffer().set_text("");
    }

    /// The messages shown.
    pub fn messages(&self) -> Option<MessageList> {
        self.imp()
            .conversation
            .borrow()
            .as_ref()
            .map(|(_, _, _, l)| l.clone())
    }

    /// The composer's text field.
    pub fn composer(&self) -> gtk::TextView {
        self.imp().composer.clone()
    }

    /// The list of messages.
    pub fn list_view(&self) -> gtk::ListView {
        self.imp().list_view.clone()
    }

    /// A key pressed in the composer: Enter sends, Shift+Enter (and any
    /// other key) goes to the text.
    pub fn composer_key(&self, key: gdk::Key, modifiers: gdk::ModifierType) -> glib::Propagation {
        let enter = matches!(key, gdk::Key::Return | gdk::Key::KP_Enter | gdk::Key::ISO_Enter);
        let empty = self.imp().composer.buffer().char_count() == 0;
        if enter && !modifiers.contains(gdk::ModifierType::SHIFT_MASK) {
            self.send();
            glib::Propagation::Stop
        } else if key == gdk::Key::Up && empty && self.edit_last() {
            glib::Propagation::Stop
        } else if key == gdk::Key::Escape && self.is_editing() {
            self.stop_editing();
            self.imp().composer.buffer().set_text("");
            glib::Propagation::Stop
        } else {
            glib::Propagation::Proceed
        }
    }

    /// Whether a sent message is being corrected.
    pub fn is_editing(&self) -> bool {
        self.imp().editing.borrow().is_some()
    }

    /// Puts our newest message in the composer to correct it (XEP-0308).
    fn edit_last(&self) -> bool {
        let Some(list) = self.messages() else { return false };
        let last = (0..list.n_items())
            .rev()
            .filter_map(|i| list.item(i).and_downcast::<crate::model::MessageObject>())
            .find(|m| m.outgoing());
        let Some((message, origin_id)) = last.and_then(|m| m.origin_id().map(|id| (m, id))) else {
            return false;
        };
        let imp = self.imp();
        imp.editing.replace(Some(origin_id));
        imp.composer.buffer().set_text(&message.body());
        imp.editing_label.set_visible(true);
        true
    }

    fn stop_editing(&self) {
        let imp = self.imp();
        imp.editing.replace(None);
        imp.editing_label.set_visible(false);
    }

    fn on_composer_changed(&self, buffer: &gtk::TextBuffer) {
        let imp = self.imp();
        imp.placeholder.set_visible(buffer.char_count() == 0);
        let Some((client, account, peer, _)) = imp.conversation.borrow().clone() else {
            return;
        };
        if let Some(timer) = imp.pause_timer.take() {
            timer.remove();
        }
        if buffer.char_count() == 0 {
            if imp.composing.replace(false) {
                client.send_chat_state(&account, &peer, ChatState::Active);
            }
            return;
        }
        if !imp.composing.replace(true) {
            client.send_chat_state(&account, &peer, ChatState::Composing);
        }
        let timer = glib::timeout_add_seconds_local_once(
            PAUSE_AFTER_SECONDS,
            glib::clone!(
                #[weak(rename_to = view)]
                self,
                move || {
                    let imp = view.imp();
                    imp.pause_timer.replace(None);
                    if imp.composing.replace(false) {
                        if let Some((client, account, peer, _)) = imp.conversation.borrow().clone() {
                            client.send_chat_state(&account, &peer, ChatState::Paused);
                        }
                    }
                }
            ),
        );
        imp.pause_timer.replace(Some(timer));
    }

    fn send(&self) {
        let imp = self.imp();
        let buffer = imp.composer.buffer();
        let text = buffer.text(&buffer.start_iter(), &buffer.end_iter(), false);
        if text.trim().is_empty() {
            return;
        }
        let Some((client, account, peer, _)) = imp.conversation.borrow().clone() else {
            return;
        };
        match imp.editing.take() {
            Some(origin_id) => client.correct_message(&account, &peer, &origin_id, &text),
            None => client.send_message(&account, &peer, &text),
        }
        self.stop_editing();
        // The message itself says we are active again.
        imp.composing.set(false);
        buffer.set_text("");
        imp.at_bottom.set(true);
        // Replying is reading: the offer to jump back goes.
        self.retire_jump();
    }

    /// Scrolls to row `position` of `list` once the rows just shown are
    /// laid out (the list ignores a position it has not laid out yet), if
    /// they are still what the view shows.
    pub(super) fn scroll_to_position(&self, list: &MessageList, position: u32) {
        let of = list.n_items();
        after_layout(
            &self.imp().list_view,
            glib::clone!(
                #[weak(rename_to = view)]
                self,
                #[weak]
                list,
                move || {
                    if view.messages().as_ref() != Some(&list) || list.n_items() != of {
                        return;
                    }
                    let adj = view.imp().scroller.vadjustment();
                    let share = f64::from(position) / f64::from(of.max(1));
                    adj.set_value((adj.upper() * share - adj.page_size() / 3.0).max(0.0));
                }
            ),
        );
    }

    /// Shows the messages of a new page that wait, [`ROWS_PER_FRAME`] a
    /// frame, each batch after the previous one is laid out.
    fn reveal_held(&self) {
        let imp = self.imp();
        let Some(list) = self.messages() else { return };
        if list.held() == 0 || imp.revealing.borrow().is_some() {
            return;
        }
        // The rows shown last are laid out in the next frame.
        let laid_out = std::cell::Cell::new(false);
        let ticking = imp.list_view.add_tick_callback(glib::clone!(
            #[weak(rename_to = view)]
            self,
            #[upgrade_or]
            glib::ControlFlow::Break,
            move |_, _| {
                if !laid_out.replace(true) {
                    return glib::ControlFlow::Continue;
                }
                let showing = view.messages();
                if let Some(list) = showing.as_ref().filter(|l| l.held() > 0) {
                    list.reveal(ROWS_PER_FRAME);
                    if list.held() > 0 {
                        return glib::ControlFlow::Continue;
                    }
                }
                // Done (or another conversation): the callback goes with this.
                drop(view.imp().revealing.take());
                // Rows that do not fill the view leave its size unchanged,
                // so nothing else asks for older messages now.
                after_layout(
                    &view.imp().list_view,
                    glib::clone!(
                        #[weak]
                        view,
                        move || view.fill(&view.imp().scroller.vadjustment())
                    ),
                );
                glib::ControlFlow::Break
            }
        ));
        imp.revealing.replace(Some(ticking));
    }

    /// Keeps the newest message in view. The list view scrolls to it by
    /// itself, from the rows it has laid out (a value computed from the
    /// adjustment before the new rows are laid out could point past them).
    pub(super) fn scroll_to_newest(&self) {
        glib::idle_add_local_once(glib::clone!(
            #[weak(rename_to = view)]
            self,
            move || {
                let list_view = &view.imp().list_view;
                // The newest row: the last message, or a file being sent.
                let n = list_view.model().map_or(0, |m| m.n_items());
                if n > 0 {
                    let _ = list_view.activate_action("list.scroll-to-item", Some(&(n - 1).to_variant()));
                }
            }
        ));
    }

    /// Rows that do not fill the view (a tall window, short messages) cannot
    /// be scrolled up to read older ones: treated as scrolled to the top.
    fn fill(&self, adj: &gtk::Adjustment) {
        if adj.page_size() > 0.0 && adj.upper() <= adj.page_size() + EDGE {
            self.on_scrolled(adj);
        }
    }

    fn on_scrolled(&self, adj: &gtk::Adjustment) {
        let imp = self.imp();
        let from_bottom = adj.upper() - adj.page_size() - adj.value();
        let Some(list) = self.messages() else { return };
        imp.at_bottom.set(from_bottom < 24.0 && !list.has_newer());
        // Scrolled back as far as the first unread message: it is read.
        if imp.first_unread.get().is_some_and(|first| list.contains(first)) {
            self.retire_jump();
        }
        if adj.value() < EDGE && list.has_older() {
            glib::spawn_future_local(async move {
                // The list holds them (and notifies `held`): they are shown
                // a few a frame above what is on screen, which the list view
                // keeps in place.
                if let Err(e) = list.load_older().await {
                    tracing::error!(error = %e, "cannot read older messages");
                }
            });
        } else if from_bottom < EDGE && list.has_newer() {
            glib::spawn_future_local(async move {
                if let Err(e) = list.load_newer().await {
                    tracing::error!(error = %e, "cannot read newer messages");
                }
            });
        }
    }
}

/// Runs `f` once what changed now is laid out: at the frame after next (the
/// next frame lays it out).
fn after_layout(widget: &impl IsA<gtk::Widget>, f: impl FnOnce() + 'static) {
    let f = std::cell::RefCell::new(Some(f));
    let laid_out = std::cell::Cell::new(false);
    widget.add_tick_callback(move |_, _| {
        if !laid_out.replace(true) {
            return glib::ControlFlow::Continue;
        }
        if let Some(f) = f.take() {
            f();
        }
        glib::ControlFlow::Break
    });
}
