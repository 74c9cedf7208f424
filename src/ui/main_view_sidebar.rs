//! The main view's sidebar: the conversation and contact lists, and the
//! account's connection state and status.

use adw::{prelude::*, subclass::prelude::*};
use gtk::glib;

use super::{
    connection_text::{describe_state, history_progress, short_state},
    growing_slice::GrowingSlice,
    status_menu::{INVISIBLE, OFFLINE},
};
use crate::{
    core::bridge::{Availability, ConnectionState, OwnPresence},
    model::{
        account::{INVISIBILITY_NONE, INVISIBILITY_SUPPORTED},
        ConnectionStatus, ConversationObject,
    },
};

use super::MainView;

impl MainView {
    /// Gives the roster view its rows once it is first shown: until then
    /// there is no need to build them.
    pub(super) fn attach_contact_list(&self) {
        let imp = self.imp();
        let shown = imp.sidebar_views.visible_child_name().as_deref() == Some("contacts");
        let Some(account) = self
            .account()
            .filter(|_| shown && imp.contact_slice.borrow().is_none())
        else {
            return;
        };
        let slice = GrowingSlice::new(&imp.contact_list, &account.roster().rows());
        imp.contact_list
            .set_model(Some(&gtk::NoSelection::new(Some(slice.model().clone()))));
        imp.contact_slice.replace(Some(slice));
    }

    pub(super) fn show_sidebar_page(&self, conversations: u32) {
        let page = if conversations == 0 {
            "empty"
        } else {
            "conversations"
        };
        self.imp().sidebar_stack.set_visible_child_name(page);
    }

    pub(super) fn on_conversation_activated(&self, list: &gtk::ListView, position: u32) {
        let Some(conversation) = list
            .model()
            .and_then(|m| m.item(position))
            .and_downcast::<ConversationObject>()
        else {
            return;
        };
        self.open_conversation(&conversation.peer());
    }

    /// Shows the contacts (true) or the conversations.
    pub fn show_contacts(&self, contacts: bool) {
        self.imp()
            .sidebar_views
            .set_visible_child_name(if contacts { "contacts" } else { "chats" });
    }

    /// The roster view's filter field.
    pub fn contact_filter(&self) -> gtk::SearchEntry {
        self.imp().contact_filter.clone()
    }

    /// The roster view.
    pub fn contact_list(&self) -> gtk::ListView {
        self.imp().contact_list.clone()
    }

    /// The sidebar's conversation list.
    pub fn conversation_list(&self) -> gtk::ListView {
        self.imp().conversation_list.clone()
    }

    pub(super) fn refresh(&self) {
        let imp = self.imp();
        let Some(account) = self.account() else { return };
        let state = account.connection_state();
        // The row says it in a word; the line below explains whenever
        // something is not simply online or offline.
        imp.account_row.set_subtitle(&short_state(&state));
        imp.connection_label
            .set_label(&describe_state(&state, account.retry_at()));
        imp.connection_label.set_visible(!matches!(
            state,
            ConnectionState::Online { .. } | ConnectionState::Offline { error: None }
        ));
        let syncing = account.history_syncing();
        imp.history_box.set_visible(syncing);
        imp.history_spinner.set_spinning(syncing);
        if syncing {
            imp.history_label
                .set_label(&history_progress(account.history_messages()));
        }
        let (dot, shown) = match account.status() {
            ConnectionStatus::Online => (account.availability(), account.availability()),
            ConnectionStatus::Connecting => ("connecting".into(), account.availability()),
            ConnectionStatus::Reconnecting => ("reconnecting".into(), account.availability()),
            ConnectionStatus::Failed => ("failed".into(), OFFLINE.to_owned()),
            ConnectionStatus::Offline => (OFFLINE.to_owned(), OFFLINE.to_owned()),
        };
        for class in imp.presence_dot.css_classes() {
            if class != "presence-dot" {
                imp.presence_dot.remove_css_class(&class);
            }
        }
        imp.presence_dot.add_css_class(&dot);
        imp.status_menu.show_status(&shown, &account.status_message());
        imp.status_menu
            .set_invisibility(match account.invisibility().as_str() {
                INVISIBILITY_SUPPORTED => Some(true),
                INVISIBILITY_NONE => Some(false),
                _ => None,
            });
        imp.status_menu
            .set_visible_to(account.invisible(), &account.visible_to());
        self.update_presence_menu();
        if matches!(state, ConnectionState::Reconnecting { .. }) {
            self.start_countdown();
        } else {
            self.stop_countdown();
        }
    }

    pub(super) fn start_countdown(&self) {
        let imp = self.imp();
        if imp.countdown.borrow().is_some() {
            return;
        }
        let id = glib::timeout_add_seconds_local(
            1,
            glib::clone!(
                #[weak(rename_to = view)]
                self,
                #[upgrade_or]
                glib::ControlFlow::Break,
                move || {
                    let Some(account) = view.account() else {
                        return glib::ControlFlow::Break;
                    };
                    let state = account.connection_state();
                    view.imp()
                        .connection_label
                        .set_label(&describe_state(&state, account.retry_at()));
                    glib::ControlFlow::Continue
                }
            ),
        );
        imp.countdown.replace(Some(id));
    }

    pub(super) fn stop_countdown(&self) {
        if let Some(id) = self.imp().countdown.take() {
            id.remove();
        }
    }

    pub(super) fn on_status_chosen(&self, name: &str, message: String) {
        let imp = self.imp();
        let (Some(client), Some(account)) = (imp.client.borrow().clone(), self.account()) else {
            return;
        };
        if name == OFFLINE {
            client.disconnect(&account);
            return;
        }
        let invisible = name == INVISIBLE;
        // Invisible keeps the availability we had, for those who see us.
        let availability = match Availability::from_name(name) {
            Some(a) => a,
            None if invisible => Availability::from_name(&account.availability()).unwrap_or_default(),
            None => return,
        };
        client.set_presence(
            &account,
            OwnPresence {
                availability,
                status: message,
                invisible,
                // The priority stays what it was (a device may have set it).
                priority: account.priority(),
            },
        );
    }
}
