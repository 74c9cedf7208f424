//! The XML console of one account (as Gajim and Psi have): the elements
//! on its connection as they pass, secrets masked, filtered by kind and
//! by text; pause, copy and clear; and a field to send raw XML
//! (Ctrl+Enter). The connection is only watched while the window is open.

use adw::{prelude::*, subclass::prelude::*};
use gtk::glib;

use crate::{
    i18n::gettext,
    model::{Account, Client, ConsoleEntryObject},
};

/// The most elements kept in the window (the oldest go first).
pub const MAX_SHOWN: u32 = 5000;

/// The kind filter's choices, by position in its drop-down.
const KINDS: [Option<&str>; 5] = [
    None,
    Some("message"),
    Some("presence"),
    Some("iq"),
    Some("stream"),
];

mod imp {
    use std::cell::{Cell, RefCell};

    use super::*;

    #[derive(Debug, Default)]
    pub struct XmlConsoleWindow {
        pub client: RefCell<Option<Client>>,
        pub account: RefCell<Option<Account>>,
        /// Every element kept.
        pub store: RefCell<Option<gio::ListStore>>,
        /// Filters `store` by kind and text.
        pub filter: RefCell<Option<gtk::CustomFilter>>,
        pub list: gtk::ListView,
        pub scroller: gtk::ScrolledWindow,
        pub kind: RefCell<Option<gtk::DropDown>>,
        pub search: gtk::SearchEntry,
        pub pause: gtk::ToggleButton,
        /// Elements that arrived while paused.
        pub waiting: RefCell<Vec<ConsoleEntryObject>>,
        pub input: gtk::TextView,
        pub error: gtk::Label,
        pub toasts: adw::ToastOverlay,
        /// Keep the newest element in view.
        pub follow: Cell<bool>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for XmlConsoleWindow {
        const NAME: &'static str = "BalconyXmlConsoleWindow";
        type Type = super::XmlConsoleWindow;
        type ParentType = adw::Window;
    }

    impl ObjectImpl for XmlConsoleWindow {}
    impl WidgetImpl for XmlConsoleWindow {}
    impl WindowImpl for XmlConsoleWindow {
        fn close_request(&self) -> glib::Propagation {
            if let (Some(client), Some(account)) = (self.client.take(), self.account.borrow().as_ref()) {
                client.stop_watching_stream(account);
            }
            self.parent_close_request()
        }
    }
    impl AdwWindowImpl for XmlConsoleWindow {}
}

glib::wrapper! {
    /// An account's XML console.
    pub struct XmlConsoleWindow(ObjectSubclass<imp::XmlConsoleWindow>)
        @extends gtk::Widget, gtk::Window, adw::Window,
        @implements gtk::Buildable, gtk::ConstraintTarget, gtk::Native, gtk::Root, gtk::ShortcutManager;
}

fn entry_row() -> gtk::Box {
    let row = gtk::Box::builder()
        .orientation(gtk::Orientation::Vertical)
        .spacing(2)
        .margin_start(12)
        .margin_end(12)
        .margin_top(6)
        .margin_bottom(6)
        .build();
    let header = gtk::Label::builder()
        .xalign(0.0)
        .css_classes(["caption-heading"])
        .build();
    let xml = gtk::Label::builder()
        .xalign(0.0)
        .wrap(true)
        .wrap_mode(gtk::pango::WrapMode::WordChar)
        .selectable(true)
        .css_classes(["monospace", "console-xml"])
        .build();
    row.append(&header);
    row.append(&xml);
    row
}

fn bind_row(row: &gtk::Box, entry: &ConsoleEntryObject) {
    let (Some(header), Some(xml)) = (
        row.first_child().and_downcast::<gtk::Label>(),
        row.last_child().and_downcast::<gtk::Label>(),
    ) else {
        return;
    };
    let way = if entry.incoming() {
        gettext("Received")
    } else {
        gettext("Sent")
    };
    let arrow = if entry.incoming() { "↓" } else { "↑" };
    header.set_label(&format!("{arrow} {} · {way}", entry.time()));
    for class in ["incoming", "outgoing"] {
        header.remove_css_class(class);
    }
    header.add_css_class(if entry.incoming() { "incoming" } else { "outgoing" });
    xml.set_label(&entry.xml());
}

impl super::MainView {
    /// Opens the XML console of the selected account, or brings its open
    /// console to the front.
    pub fn open_xml_console(&self) -> Option<XmlConsoleWindow> {
        let parent = self.root().and_downcast::<gtk::Window>()?;
        let client = self.imp_client()?;
        let account = self.account()?;
        let open = gtk::Window::list_toplevels()
            .into_iter()
            .filter_map(|w| w.downcast::<XmlConsoleWindow>().ok())
            .find(|w| w.account().is_some_and(|a| a.jid() == account.jid()));
        if let Some(console) = open {
            console.present();
            return Some(console);
        }
        Some(XmlConsoleWindow::open(&parent, &client, &account))
    }
}

impl XmlConsoleWindow {
    /// The account whose connection it shows.
    pub fn account(&self) -> Option<Account> {
        self.imp().account.borrow().clone()
    }

    /// Opens the console of `account`, watching its connection.
    pub fn open(parent: &gtk::Window, client: &Client, account: &Account) -> Self {
        let window: Self = glib::Object::builder()
            .property("default-width", 760)
            .property("default-height", 640)
            .property("transient-for", parent)
            .build();
        window.set_widget_name("xml-console");
        let imp = window.imp();
        imp.client.replace(Some(client.clone()));
        imp.account.replace(Some(account.clone()));
        imp.follow.set(true);
        window.build(&account.jid());
        if let Some(rx) = client.watch_stream(account) {
            glib::spawn_future_local(glib::clone!(
                #[weak]
                window,
                async move {
                    while let Ok(first) = rx.recv().await {
                        let mut batch = vec![ConsoleEntryObject::new(&first)];
                        while let Ok(more) = rx.try_recv() {
                            batch.push(ConsoleEntryObject::new(&more));
                        }
                        window.arrived(batch);
                    }
                }
            ));
        }
        window.present();
        window
    }

    fn build(&self, jid: &str) {
        let imp = self.imp();
        let store = gio::ListStore::new::<ConsoleEntryObject>();
        let filter = gtk::CustomFilter::new(glib::clone!(
            #[weak(rename_to = window)]
            self,
            #[upgrade_or]
            true,
            move |item| window.shows(item)
        ));
        let filtered = gtk::FilterListModel::new(Some(store.clone()), Some(filter.clone()));
        imp.store.replace(Some(store));
        imp.filter.replace(Some(filter));

        let factory = gtk::SignalListItemFactory::new();
        factory.connect_setup(|_, item| {
            if let Some(item) = item.downcast_ref::<gtk::ListItem>() {
                item.set_activatable(false);
                item.set_child(Some(&entry_row()));
            }
        });
        factory.connect_bind(|_, item| {
            let Some(item) = item.downcast_ref::<gtk::ListItem>() else {
                return;
            };
            if let (Some(row), Some(entry)) = (
                item.child().and_downcast::<gtk::Box>(),
                item.item().and_downcast::<ConsoleEntryObject>(),
            ) {
                bind_row(&row, &entry);
            }
        });
        imp.list.set_model(Some(&gtk::NoSelection::new(Some(filtered))));
        imp.list.set_factory(Some(&factory));
        imp.list.set_widget_name("console-list");
        imp.list.add_css_class("console");
        imp.scroller.set_child(Some(&imp.list));
        imp.scroller.set_vexpand(true);
        imp.scroller.vadjustment().connect_value_changed(glib::clone!(
            #[weak(rename_to = window)]
            self,
            move |adj| {
                let at_bottom = adj.value() + adj.page_size() >= adj.upper() - 24.0;
                window.imp().follow.set(at_bottom);
            }
        ));

        let header = adw::HeaderBar::builder()
            .title_widget(&adw::WindowTitle::new(&gettext("XML Console"), jid))
            .build();
        imp.pause.set_icon_name("media-playback-pause-symbolic");
        imp.pause.set_tooltip_text(Some(&gettext("Pause")));
        imp.pause.set_widget_name("console-pause");
        imp.pause.connect_toggled(glib::clone!(
            #[weak(rename_to = window)]
            self,
            move |b| window.set_paused(b.is_active())
        ));
        header.pack_start(&imp.pause);
        let copy = gtk::Button::builder()
            .icon_name("edit-copy-symbolic")
            .tooltip_text(gettext("Copy the Shown Elements"))
            .name("console-copy")
            .build();
        copy.connect_clicked(glib::clone!(
            #[weak(rename_to = window)]
            self,
            move |_| window.copy_shown()
        ));
        let clear = gtk::Button::builder()
            .icon_name("edit-clear-all-symbolic")
            .tooltip_text(gettext("Clear"))
            .name("console-clear")
            .build();
        clear.connect_clicked(glib::clone!(
            #[weak(rename_to = window)]
            self,
            move |_| {
                if let Some(store) = window.imp().store.borrow().as_ref() {
                    store.remove_all();
                }
                window.imp().waiting.borrow_mut().clear();
            }
        ));
        header.pack_end(&clear);
        header.pack_end(&copy);

        let kinds = [
            gettext("Everything"),
            gettext("Messages"),
            gettext("Presence"),
            gettext("IQ"),
            gettext("Stream and Login"),
        ];
        let kind = gtk::DropDown::from_strings(&kinds.iter().map(String::as_str).collect::<Vec<_>>());
        kind.set_widget_name("console-kind");
        kind.set_tooltip_text(Some(&gettext("Show Only")));
        kind.connect_selected_notify(glib::clone!(
            #[weak(rename_to = window)]
            self,
            move |_| window.refilter()
        ));
        imp.kind.replace(Some(kind.clone()));
        imp.search.set_placeholder_text(Some(&gettext("Filter by text")));
        imp.search.set_hexpand(true);
        imp.search.set_widget_name("console-search");
        imp.search.connect_search_changed(glib::clone!(
            #[weak(rename_to = window)]
            self,
            move |_| window.refilter()
        ));
        let filters = gtk::Box::builder()
            .spacing(6)
            .margin_start(12)
            .margin_end(12)
            .margin_top(6)
            .margin_bottom(6)
            .build();
        filters.append(&kind);
        filters.append(&imp.search);

        let content = gtk::Box::new(gtk::Orientation::Vertical, 0);
        content.append(&header);
        content.append(&filters);
        content.append(&gtk::Separator::new(gtk::Orientation::Horizontal));
        content.append(&imp.scroller);
        content.append(&gtk::Separator::new(gtk::Orientation::Horizontal));
        content.append(&self.composer());
        imp.toasts.set_child(Some(&content));
        self.set_content(Some(&imp.toasts));
    }

    /// The field for raw XML, its Send button and its error line.
    fn composer(&self) -> gtk::Box {
        let imp = self.imp();
        imp.input.set_monospace(true);
        imp.input.set_wrap_mode(gtk::WrapMode::WordChar);
        imp.input.set_top_margin(6);
        imp.input.set_bottom_margin(6);
        imp.input.set_left_margin(6);
        imp.input.set_right_margin(6);
        imp.input.set_widget_name("console-input");
        let scroller = gtk::ScrolledWindow::builder()
            .child(&imp.input)
            .min_content_height(72)
            .max_content_height(160)
            .propagate_natural_height(true)
            .hexpand(true)
            .css_classes(["card"])
            .build();
        let send = gtk::Button::builder()
            .label(gettext("_Send"))
            .use_underline(true)
            .tooltip_text(gettext("Send (Ctrl+Enter)"))
            .valign(gtk::Align::End)
            .css_classes(["suggested-action"])
            .name("console-send")
            .build();
        send.connect_clicked(glib::clone!(
            #[weak(rename_to = window)]
            self,
            move |_| window.send_typed()
        ));
        let keys = gtk::ShortcutController::new();
        keys.add_shortcut(gtk::Shortcut::new(
            gtk::ShortcutTrigger::parse_string("<Control>Return"),
            Some(gtk::CallbackAction::new(glib::clone!(
                #[weak(rename_to = window)]
                self,
                #[upgrade_or]
                glib::Propagation::Proceed,
                move |_, _| {
                    window.send_typed();
                    glib::Propagation::Stop
                }
            ))),
        ));
        imp.input.add_controller(keys);
        imp.error.set_xalign(0.0);
        imp.error.set_wrap(true);
        imp.error.add_css_class("error");
        imp.error.set_visible(false);
        imp.error.set_widget_name("console-error");
        let row = gtk::Box::builder().spacing(6).build();
        row.append(&scroller);
        row.append(&send);
        let composer = gtk::Box::builder()
            .orientation(gtk::Orientation::Vertical)
            .spacing(6)
            .margin_start(12)
            .margin_end(12)
            .margin_top(6)
            .margin_bottom(12)
            .build();
        composer.append(&row);
        composer.append(&imp.error);
        composer
    }

    fn shows(&self, item: &glib::Object) -> bool {
        let Some(entry) = item.downcast_ref::<ConsoleEntryObject>() else {
            return false;
        };
        let imp = self.imp();
        let selected = imp.kind.borrow().as_ref().map_or(0, |k| k.selected()) as usize;
        if let Some(Some(kind)) = KINDS.get(selected) {
            if entry.kind() != *kind {
                return false;
            }
        }
        let text = imp.search.text();
        text.is_empty() || entry.xml().to_lowercase().contains(&text.to_lowercase())
    }

    fn refilter(&self) {
        if let Some(filter) = self.imp().filter.borrow().as_ref() {
            filter.changed(gtk::FilterChange::Different);
        }
    }

    fn arrived(&self, batch: Vec<ConsoleEntryObject>) {
        let imp = self.imp();
        if imp.pause.is_active() {
            let mut waiting = imp.waiting.borrow_mut();
            waiting.extend(batch);
            let over = waiting.len().saturating_sub(MAX_SHOWN as usize);
            waiting.drain(..over);
            return;
        }
        self.append(batch);
    }

    fn append(&self, batch: Vec<ConsoleEntryObject>) {
        let imp = self.imp();
        let Some(store) = imp.store.borrow().clone() else {
            return;
        };
        store.extend_from_slice(&batch);
        let over = store.n_items().saturating_sub(MAX_SHOWN);
        if over > 0 {
            store.splice(0, over, &[] as &[glib::Object]);
        }
        if imp.follow.get() {
            glib::idle_add_local_once(glib::clone!(
                #[weak(rename_to = window)]
                self,
                move || {
                    let adj = window.imp().scroller.vadjustment();
                    adj.set_value(adj.upper() - adj.page_size());
                }
            ));
        }
    }

    fn set_paused(&self, paused: bool) {
        let imp = self.imp();
        if paused {
            imp.pause.set_icon_name("media-playback-start-symbolic");
            imp.pause.set_tooltip_text(Some(&gettext("Resume")));
        } else {
            imp.pause.set_icon_name("media-playback-pause-symbolic");
            imp.pause.set_tooltip_text(Some(&gettext("Pause")));
            let waiting = imp.waiting.take();
            if !waiting.is_empty() {
                self.append(waiting);
            }
        }
    }

    /// The shown (filtered) elements' XML, one after another.
    pub fn shown_text(&self) -> String {
        let Some(model) = self.imp().list.model() else {
            return String::new();
        };
        (0..model.n_items())
            .filter_map(|i| model.item(i).and_downcast::<ConsoleEntryObject>())
            .map(|e| e.xml())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn copy_shown(&self) {
        self.clipboard().set_text(&self.shown_text());
        self.imp()
            .toasts
            .add_toast(adw::Toast::new(&gettext("Copied to the clipboard")));
    }

    fn send_typed(&self) {
        let imp = self.imp();
        let (Some(client), Some(account)) = (imp.client.borrow().clone(), imp.account.borrow().clone())
        else {
            return;
        };
        let buffer = imp.input.buffer();
        let text = buffer.text(&buffer.start_iter(), &buffer.end_iter(), false);
        match client.send_raw_xml(&account, &text) {
            Ok(()) => {
                imp.error.set_visible(false);
                buffer.set_text("");
            }
            Err(why) => {
                // What was typed stays, to be mended.
                imp.error.set_label(&why);
                imp.error.set_visible(true);
            }
        }
    }
}
