//! The main view's search: in all messages or in the open conversation.

use adw::{prelude::*, subclass::prelude::*};
use gtk::glib;

use super::MainView;

impl MainView {
    /// Opens the message search (Ctrl+F); within the open conversation
    /// when one is open.
    pub fn start_search(&self) {
        let imp = self.imp();
        imp.search_bar.set_search_mode(true);
        imp.search_here
            .set_sensitive(imp.conversation_view.get().and_then(|v| v.messages()).is_some());
        imp.search_entry.grab_focus();
    }

    /// Whether the search bar is open.
    pub fn is_searching(&self) -> bool {
        self.imp().search_bar.is_search_mode()
    }

    /// The search field and the "only this conversation" switch.
    pub fn search_widgets(&self) -> (gtk::SearchEntry, gtk::CheckButton) {
        let imp = self.imp();
        (imp.search_entry.clone(), imp.search_here.clone())
    }

    /// The messages found.
    pub fn search_results(&self) -> gtk::ListView {
        self.imp().search_results.clone()
    }

    pub(super) fn search(&self) {
        let imp = self.imp();
        let text = imp.search_entry.text().to_string();
        let serial = imp.search_serial.get() + 1;
        imp.search_serial.set(serial);
        let Some(found) = imp.found.borrow().clone() else {
            return;
        };
        if text.trim().is_empty() {
            found.remove_all();
            let conversations = self.account().map_or(0, |a| a.conversations().n_items());
            self.show_sidebar_page(conversations);
            return;
        }
        let (Some(client), Some(account)) = (imp.client.borrow().clone(), self.account()) else {
            return;
        };
        let peer = (imp.search_here.is_active() && imp.search_here.is_sensitive())
            .then(|| {
                imp.conversation_view
                    .get()
                    .and_then(|v| v.messages())
                    .and_then(|m| m.peer())
            })
            .flatten()
            .map(|p| p.to_string());
        imp.sidebar_views.set_visible_child_name("chats");
        imp.sidebar_stack.set_visible_child_name("results");
        let view = self.clone();
        glib::spawn_future_local(async move {
            let results = client.search(&account, peer, text).await;
            if view.imp().search_serial.get() != serial {
                return; // a newer search is under way
            }
            let rows: Vec<crate::model::MessageObject> =
                results.iter().map(crate::model::MessageObject::new).collect();
            found.splice(0, found.n_items(), &rows);
        });
    }
}
