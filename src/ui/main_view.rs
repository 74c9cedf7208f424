//! The main view: an AdwLeaflet with the account, its connection state and
//! status menu in the sidebar, and the conversation area.

use adw::{prelude::*, subclass::prelude::*};
use gettextrs::gettext;
use gtk::{gio, glib};

use super::{contact_row, conversation_row, growing_slice::GrowingSlice, ConversationView, StatusMenu};
use crate::model::{Account, Client, RosterRow};

mod imp {
    use std::cell::RefCell;

    use super::*;

    #[derive(Debug, Default, gtk::CompositeTemplate)]
    #[template(resource = "/im/balcony/Balcony/ui/main_view.ui")]
    pub struct MainView {
        /// The client.
        pub client: RefCell<Option<Client>>,
        /// The account shown and its handlers.
        pub account: RefCell<Option<(Account, Vec<glib::SignalHandlerId>)>>,
        /// Ticks the reconnection countdown.
        pub countdown: RefCell<Option<glib::SourceId>>,
        #[template_child]
        pub leaflet: TemplateChild<adw::Leaflet>,
        #[template_child]
        pub account_row: TemplateChild<adw::ActionRow>,
        #[template_child]
        pub avatar: TemplateChild<adw::Avatar>,
        #[template_child]
        pub presence_dot: TemplateChild<gtk::Box>,
        #[template_child]
        pub status_menu: TemplateChild<StatusMenu>,
        #[template_child]
        pub account_switcher: TemplateChild<gtk::MenuButton>,
        #[template_child]
        pub connection_label: TemplateChild<gtk::Label>,
        #[template_child]
        pub history_box: TemplateChild<gtk::Box>,
        #[template_child]
        pub history_spinner: TemplateChild<gtk::Spinner>,
        #[template_child]
        pub history_label: TemplateChild<gtk::Label>,
        #[template_child]
        pub welcome_page: TemplateChild<adw::StatusPage>,
        #[template_child]
        pub sidebar_stack: TemplateChild<gtk::Stack>,
        #[template_child]
        pub conversation_list: TemplateChild<gtk::ListView>,
        #[template_child]
        pub content_stack: TemplateChild<gtk::Stack>,
        #[template_child]
        pub content_title: TemplateChild<adw::WindowTitle>,
        #[template_child]
        pub back_button: TemplateChild<gtk::Button>,
        #[template_child]
        pub sidebar_views: TemplateChild<adw::ViewStack>,
        #[template_child]
        pub contact_filter: TemplateChild<gtk::SearchEntry>,
        #[template_child]
        pub contact_list: TemplateChild<gtk::ListView>,
        #[template_child]
        pub leave_button: TemplateChild<gtk::Button>,
        #[template_child]
        pub commands_button: TemplateChild<gtk::Button>,
        #[template_child]
        pub encryption_button: TemplateChild<gtk::ToggleButton>,
        #[template_child]
        pub keys_button: TemplateChild<gtk::Button>,
        /// Counts conversations opened, so that a slow read of an old
        /// one's encryption choice is dropped.
        pub encryption_serial: std::cell::Cell<u64>,
        #[template_child]
        pub presence_button: TemplateChild<gtk::MenuButton>,
        #[template_child]
        pub presence_menu: TemplateChild<gio::MenuModel>,
        #[template_child]
        pub main_menu_button: TemplateChild<gtk::MenuButton>,
        #[template_child]
        pub primary_menu: TemplateChild<gio::MenuModel>,
        #[template_child]
        pub settings_button: TemplateChild<gtk::Button>,
        #[template_child]
        pub occupants_button: TemplateChild<gtk::MenuButton>,
        #[template_child]
        pub occupants_label: TemplateChild<gtk::Label>,
        /// The open room's handlers (subject, occupants).
        pub room_handlers: RefCell<Option<(crate::model::RoomObject, Vec<glib::SignalHandlerId>)>>,
        /// A room the user asked to join, opened once joined.
        pub pending_room: RefCell<Option<String>>,
        /// A room password an `xmpp:…?join` link gave, for the next join.
        pub pending_room_password: RefCell<Option<String>>,
        #[template_child]
        pub search_bar: TemplateChild<gtk::SearchBar>,
        #[template_child]
        pub search_entry: TemplateChild<gtk::SearchEntry>,
        #[template_child]
        pub search_here: TemplateChild<gtk::CheckButton>,
        #[template_child]
        pub search_results: TemplateChild<gtk::ListView>,
        /// The messages found.
        pub found: RefCell<Option<gio::ListStore>>,
        /// Counts searches, so that a slow answer to an old one is dropped.
        pub search_serial: std::cell::Cell<u64>,
        #[template_child]
        pub conversation_slot: TemplateChild<adw::Bin>,
        /// The conversation pane, made when the first conversation opens.
        pub conversation_view: std::cell::OnceCell<ConversationView>,
        /// Shows "typing…" under the open conversation's title.
        pub typing_binding: RefCell<Option<glib::Binding>>,
        /// Watches the account's conversation list to pick the sidebar page.
        pub conversations_handler: RefCell<Option<(gio::ListStore, glib::SignalHandlerId)>>,
        /// What the conversation list and the roster show of their models.
        pub conversation_slice: RefCell<Option<GrowingSlice>>,
        pub contact_slice: RefCell<Option<GrowingSlice>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for MainView {
        const NAME: &'static str = "BalconyMainView";
        type Type = super::MainView;
        type ParentType = adw::Bin;

        fn class_init(klass: &mut Self::Class) {
            StatusMenu::ensure_type();
            klass.bind_template();
            klass.install_action("main.start-conversation", None, |view, _, _| {
                view.ask_for_conversation();
            });
            klass.install_action("main.add-contact", None, |view, _, _| {
                view.ask_for_contact();
            });
            klass.install_action("main.search", None, |view, _, _| {
                view.start_search();
            });
            klass.install_action("main.quick-switch", None, |view, _, _| {
                view.quick_switch();
            });
            klass.install_action("main.join-room", None, |view, _, _| {
                view.ask_for_room();
            });
            klass.install_action("main.room-settings", None, |view, _, _| {
                view.open_room_settings();
            });
            klass.install_action("main.account-details", None, |view, _, _| {
                view.open_account_details();
            });
            klass.install_action("main.xml-console", None, |view, _, _| {
                view.open_xml_console();
            });
            klass.install_action("main.server-commands", None, |view, _, _| {
                view.open_server_commands();
            });
            klass.install_action("main.run-command", None, |view, _, _| {
                view.ask_for_command_target();
            });
            klass.install_action("main.devices", None, |view, _, _| {
                view.open_devices();
            });
            klass.install_action("main.show-presence", None, |view, _, _| {
                view.set_visible_to_open_peer(true);
            });
            klass.install_action("main.hide-presence", None, |view, _, _| {
                view.set_visible_to_open_peer(false);
            });
            klass.install_action("main.request-presence", None, |view, _, _| {
                view.request_open_peer_presence();
            });
            klass.install_action("main.contact-commands", None, |view, _, _| {
                if let Some(peer) = view.open_peer() {
                    view.open_contact_commands(&peer);
                }
            });
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for MainView {
        fn constructed(&self) {
            self.parent_constructed();
            self.welcome_page
                .set_icon_name(Some("im.balcony.Balcony-symbolic"));
            let obj = self.obj();
            self.conversation_list
                .set_factory(Some(&conversation_row::factory()));
            // Menus are built when they first open, not with the window.
            for (button, menu) in [
                (&*self.main_menu_button, self.primary_menu.get()),
                (&*self.presence_button, self.presence_menu.get()),
            ] {
                button.set_create_popup_func(move |button| {
                    if button.popover().is_none() {
                        button.set_menu_model(Some(&menu));
                    }
                });
            }
            self.account_switcher.set_create_popup_func(|button| {
                let view = button
                    .ancestor(super::MainView::static_type())
                    .and_downcast::<super::MainView>();
                let client = view.as_ref().and_then(|v| v.imp().client.borrow().clone());
                if let (Some(view), Some(client)) = (view, client) {
                    button.set_popover(Some(&crate::ui::account_switcher::popover(&view, &client)));
                }
            });
            self.sidebar_views.connect_visible_child_name_notify(glib::clone!(
                #[weak]
                obj,
                move |_| obj.attach_contact_list()
            ));
            obj.watch_encryption_button();
            self.leave_button.connect_clicked(glib::clone!(
                #[weak]
                obj,
                move |_| obj.leave_open_room()
            ));
            self.back_button.connect_clicked(glib::clone!(
                #[weak]
                obj,
                move |_| {
                    obj.imp().leaflet.navigate(adw::NavigationDirection::Back);
                }
            ));
            let found = gio::ListStore::new::<crate::model::MessageObject>();
            self.search_results
                .set_factory(Some(&crate::ui::search_result_row::factory()));
            self.search_results
                .set_model(Some(&gtk::NoSelection::new(Some(found.clone()))));
            self.found.replace(Some(found));
            self.search_bar.connect_entry(&*self.search_entry);
            self.search_entry.connect_search_changed(glib::clone!(
                #[weak]
                obj,
                move |_| obj.search()
            ));
            self.search_here.connect_toggled(glib::clone!(
                #[weak]
                obj,
                move |_| obj.search()
            ));
            self.search_bar.connect_search_mode_enabled_notify(glib::clone!(
                #[weak]
                obj,
                move |bar| {
                    if !bar.is_search_mode() {
                        obj.imp().search_entry.set_text("");
                    }
                }
            ));
            self.search_results.connect_activate(glib::clone!(
                #[weak]
                obj,
                move |list, position| {
                    if let Some(m) = list
                        .model()
                        .and_then(|m| m.item(position))
                        .and_downcast::<crate::model::MessageObject>()
                    {
                        obj.open_conversation_at(&m.peer(), Some(m.id()));
                    }
                }
            ));
            self.contact_list.set_factory(Some(&contact_row::factory()));
            self.contact_list.connect_activate(glib::clone!(
                #[weak]
                obj,
                move |list, position| {
                    let contact = list
                        .model()
                        .and_then(|m| m.item(position))
                        .and_downcast::<RosterRow>()
                        .and_then(|r| r.contact());
                    if let Some(contact) = contact {
                        obj.open_conversation(&contact.jid());
                    }
                }
            ));
            self.contact_filter.connect_search_changed(glib::clone!(
                #[weak]
                obj,
                move |entry| {
                    if let Some(account) = obj.account() {
                        account.roster().set_filter(&entry.text());
                    }
                }
            ));
            self.conversation_list.connect_activate(glib::clone!(
                #[weak]
                obj,
                move |list, position| obj.on_conversation_activated(list, position)
            ));
            self.status_menu.connect_status_chosen(glib::clone!(
                #[weak]
                obj,
                move |_, name, message| obj.on_status_chosen(&name, message)
            ));
        }

        fn dispose(&self) {
            self.obj().stop_countdown();
            if let Some((store, h)) = self.conversations_handler.take() {
                store.disconnect(h);
            }
            if let Some((account, handlers)) = self.account.take() {
                for h in handlers {
                    account.disconnect(h);
                }
            }
        }
    }

    impl WidgetImpl for MainView {}
    impl BinImpl for MainView {}
}

glib::wrapper! {
    /// The main view of the window.
    pub struct MainView(ObjectSubclass<imp::MainView>)
        @extends gtk::Widget, adw::Bin,
        @implements gtk::Buildable, gtk::ConstraintTarget;
}

impl MainView {
    /// Uses `client` for status changes.
    pub fn set_client(&self, client: &Client) {
        self.imp().client.replace(Some(client.clone()));
        self.follow_encryption_defaults(client);
    }

    /// Shows `account`.
    pub fn set_account(&self, account: &Account) {
        let imp = self.imp();
        if self.account().as_ref() == Some(account) {
            return;
        }
        if let Some((old, handlers)) = imp.account.take() {
            for h in handlers {
                old.disconnect(h);
            }
            // The other account's conversation is not this one's.
            self.close_conversation();
        }
        imp.account_row.set_title(&account.jid());
        // Shortened when narrow: the whole address on hover.
        imp.account_row.set_tooltip_text(Some(&account.jid()));
        imp.avatar.set_text(Some(&account.jid()));
        let refresh = glib::clone!(
            #[weak(rename_to = view)]
            self,
            #[upgrade_or]
            None,
            move |_: &[glib::Value]| {
                view.refresh();
                None
            }
        );
        let handlers = vec![
            account.connect_local("connection-changed", false, refresh.clone()),
            account.connect_local("notify::availability", false, refresh.clone()),
            account.connect_local("notify::status-message", false, refresh.clone()),
            account.connect_local("notify::invisibility", false, refresh.clone()),
            account.connect_local("notify::invisible", false, refresh.clone()),
            account.connect_local("visible-to-changed", false, refresh.clone()),
            account.connect_local("notify::history-syncing", false, refresh.clone()),
            account.connect_local("notify::history-messages", false, refresh),
        ];
        imp.account.replace(Some((account.clone(), handlers)));
        let conversations = account.conversations();
        if let Some((store, h)) = imp.conversations_handler.take() {
            store.disconnect(h);
        }
        let handler = conversations.connect_items_changed(glib::clone!(
            #[weak(rename_to = view)]
            self,
            move |store, _, _, _| view.show_sidebar_page(store.n_items())
        ));
        imp.conversations_handler
            .replace(Some((conversations.clone(), handler)));
        self.show_sidebar_page(conversations.n_items());
        let conversation_slice = GrowingSlice::new(&imp.conversation_list, &conversations);
        let selection = gtk::SingleSelection::new(Some(conversation_slice.model().clone()));
        selection.set_autoselect(false);
        selection.set_can_unselect(true);
        selection.set_selected(gtk::INVALID_LIST_POSITION);
        imp.conversation_list.set_model(Some(&selection));
        imp.conversation_slice.replace(Some(conversation_slice));
        imp.contact_list.set_model(None::<&gtk::SelectionModel>);
        imp.contact_slice.replace(None);
        self.attach_contact_list();
        self.refresh();
    }

    /// Opens the conversation with `peer` in the content pane.
    pub fn open_conversation(&self, peer: &str) {
        self.open_conversation_at(peer, None);
    }

    /// Opens a conversation around message `around` (a search result).
    pub fn open_conversation_at(&self, peer: &str, around: Option<i64>) {
        let imp = self.imp();
        let (Some(client), Some(account)) = (imp.client.borrow().clone(), self.account()) else {
            return;
        };
        if self.open_peer().is_some_and(|open| open != peer) {
            self.withdraw_from_open_peer();
        }
        let unread = account.conversation(peer).map_or(0, |(_, c)| c.unread());
        self.conversation_view()
            .open_at(&client, &account, peer, around, unread);
        let selection = imp
            .conversation_list
            .model()
            .and_downcast::<gtk::SingleSelection>();
        if let (Some(selection), Some((position, _))) = (selection, account.conversation(peer)) {
            if let Some(slice) = imp.conversation_slice.borrow().as_ref() {
                slice.reveal(position);
            }
            selection.set_selected(position);
        }
        // The contact's name when there is one (the address shows in the list).
        let title = account
            .conversation(peer)
            .map(|(_, c)| c.title())
            .unwrap_or_else(|| peer.to_owned());
        imp.content_title.set_title(&title);
        if let Some(b) = imp.typing_binding.take() {
            b.unbind();
        }
        imp.content_title.set_subtitle("");
        self.show_room(account.room(peer));
        self.show_encryption(&client, &account, peer);
        if account.room(peer).is_some() {
            // A room's subject goes under its name (below).
        } else if let Some((_, conversation)) = account.conversation(peer) {
            let binding = conversation
                .bind_property("typing", &*imp.content_title, "subtitle")
                // Translators: under a contact's name while they write to us.
                .transform_to(|_, typing: bool| {
                    Some(if typing {
                        gettext("typing…")
                    } else {
                        String::new()
                    })
                })
                .sync_create()
                .build();
            imp.typing_binding.replace(Some(binding));
        }
        imp.content_stack.set_visible_child_name("conversation");
        imp.leaflet.navigate(adw::NavigationDirection::Forward);
        self.update_presence_menu();
    }

    /// The conversation pane (made now if no conversation opened yet).
    pub fn conversation_view(&self) -> ConversationView {
        let imp = self.imp();
        imp.conversation_view
            .get_or_init(|| {
                let view = ConversationView::default();
                imp.conversation_slot.set_child(Some(&view));
                view
            })
            .clone()
    }

    /// Asks for an address and opens the conversation with it.
    pub fn ask_for_conversation(&self) -> Option<adw::MessageDialog> {
        let window = self.root().and_downcast::<gtk::Window>()?;
        let dialog = super::start_conversation_dialog::build(
            &window,
            glib::clone!(
                #[weak(rename_to = view)]
                self,
                move |jid| view.open_conversation(jid.as_str())
            ),
        );
        dialog.present();
        Some(dialog)
    }

    /// Closes the open conversation or room: the welcome page shows.
    pub(super) fn close_conversation(&self) {
        let imp = self.imp();
        self.withdraw_from_open_peer();
        self.show_room(None);
        if let Some(view) = imp.conversation_view.get() {
            view.close();
        }
        imp.commands_button.set_visible(false);
        imp.encryption_button.set_visible(false);
        imp.keys_button.set_visible(false);
        self.update_presence_menu();
        imp.content_title.set_title("");
        imp.content_title.set_subtitle("");
        imp.content_stack.set_visible_child_name("welcome");
    }

    /// Opens the quick switcher (Ctrl+K).
    pub fn quick_switch(&self) -> Option<gtk::Window> {
        let window = self.root().and_downcast::<gtk::Window>()?;
        let account = self.account()?;
        let switcher = crate::ui::quick_switcher::build(
            &window,
            &account,
            glib::clone!(
                #[weak(rename_to = view)]
                self,
                move |peer| view.open_conversation(peer)
            ),
        );
        switcher.present();
        Some(switcher)
    }

    /// Asks for a contact to add.
    pub fn ask_for_contact(&self) -> Option<adw::MessageDialog> {
        let window = self.root().and_downcast::<gtk::Window>()?;
        let dialog = super::add_contact_dialog::build(
            &window,
            glib::clone!(
                #[weak(rename_to = view)]
                self,
                move |jid, name| {
                    let (Some(client), Some(account)) = (view.imp().client.borrow().clone(), view.account())
                    else {
                        return;
                    };
                    client.add_contact(&account, &jid, name);
                    view.show_contacts(true);
                }
            ),
        );
        dialog.present();
        Some(dialog)
    }

    /// The open conversation's title (the contact's name, else address).
    pub fn conversation_title(&self) -> String {
        self.imp().content_title.title().to_string()
    }

    /// The line under the open conversation's title ("typing…").
    pub fn conversation_subtitle(&self) -> String {
        self.imp().content_title.subtitle().to_string()
    }

    /// The client, once set.
    pub(super) fn imp_client(&self) -> Option<Client> {
        self.imp().client.borrow().clone()
    }

    /// The peer of the open one-to-one conversation, if any.
    pub fn open_peer(&self) -> Option<String> {
        let imp = self.imp();
        if imp.room_handlers.borrow().is_some() {
            return None;
        }
        imp.conversation_view
            .get()?
            .messages()?
            .peer()
            .map(|p| p.to_string())
    }

    /// The account shown.
    pub fn account(&self) -> Option<Account> {
        self.imp().account.borrow().as_ref().map(|(a, _)| a.clone())
    }
}
