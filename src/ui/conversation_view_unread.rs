//! The conversation's offer to jump to its first unread message: shown
//! when that message is not on the page that opened, and gone once it was
//! scrolled to or the user replied.

use adw::subclass::prelude::*;
use gtk::{glib, prelude::*};

use super::ConversationView;
use crate::{
    i18n::ngettext_f,
    model::{Account, Client, MessageList},
};

impl ConversationView {
    /// Offers to jump to where the last `unread` messages begin, when that is
    /// not in the loaded page of `opened`.
    pub(super) async fn offer_first_unread(
        &self,
        client: &Client,
        account: &Account,
        peer: &str,
        opened: &MessageList,
        unread: u32,
    ) {
        let Some(first) = client.first_unread(account, peer, unread).await else {
            return;
        };
        // Still this conversation, and the first unread not loaded?
        if self.messages().as_ref() != Some(opened) || opened.contains(first) {
            return;
        }
        let imp = self.imp();
        imp.first_unread.set(Some(first));
        imp.jump_button.set_label(&ngettext_f(
            "Jump to the first unread message",
            "Jump to the first of {n} unread messages",
            unread,
            &[("n", &unread.to_string())],
        ));
        imp.jump_button.set_visible(true);
    }

    /// Loads the messages around the first unread one and shows it.
    pub fn jump_to_first_unread(&self) {
        let imp = self.imp();
        imp.jump_button.set_visible(false);
        let (Some(first), Some(list)) = (imp.first_unread.take(), self.messages()) else {
            return;
        };
        imp.at_bottom.set(false);
        let view = self.clone();
        glib::spawn_future_local(async move {
            if let Ok(Some(position)) = list.load_around(first).await {
                view.scroll_to_position(&list, position);
            }
        });
    }

    /// Whether the jump to the first unread message is offered.
    pub fn offers_jump(&self) -> bool {
        self.imp().jump_button.is_visible()
    }

    /// Takes the offer to jump away: its messages were read.
    pub(super) fn retire_jump(&self) {
        let imp = self.imp();
        imp.first_unread.set(None);
        imp.jump_button.set_visible(false);
    }
}
