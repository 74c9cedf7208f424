//! The quick switcher (Ctrl+K): type part of a name or address, press
//! Enter, and the conversation opens.

use adw::prelude::*;
use gtk::glib;

use crate::{
    i18n::gettext,
    model::{Account, ContactObject, ConversationObject, RosterRow},
};

/// Most matches listed.
const SHOWN: usize = 20;

/// Everyone one can switch to: conversations first (most recent first),
/// then the other contacts, each once, as (title, address).
pub fn candidates(account: &Account) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = account
        .conversations()
        .iter::<ConversationObject>()
        .flatten()
        .map(|c| (c.title(), c.peer()))
        .collect();
    let rows = account.roster().rows();
    for contact in rows
        .iter::<RosterRow>()
        .flatten()
        .filter_map(|r| r.contact())
        .collect::<Vec<ContactObject>>()
    {
        if !out.iter().any(|(_, peer)| *peer == contact.jid()) {
            out.push((contact.name(), contact.jid()));
        }
    }
    out
}

/// The candidates whose title or address contains `text`.
pub fn matches(candidates: &[(String, String)], text: &str) -> Vec<(String, String)> {
    let text = text.trim().to_lowercase();
    candidates
        .iter()
        .filter(|(title, peer)| {
            text.is_empty() || title.to_lowercase().contains(&text) || peer.contains(&text)
        })
        .take(SHOWN)
        .cloned()
        .collect()
}

/// Builds the switcher; `open` gets the chosen address.
pub fn build(
    parent: &impl IsA<gtk::Window>,
    account: &Account,
    open: impl Fn(&str) + 'static,
) -> gtk::Window {
    let window = gtk::Window::builder()
        .transient_for(parent)
        .modal(true)
        .title(gettext("Switch to Conversation"))
        .default_width(420)
        .default_height(420)
        .build();
    let entry = gtk::SearchEntry::builder()
        .name("switcher-entry")
        .placeholder_text(gettext("Name or address"))
        .build();
    let list = gtk::ListBox::builder()
        .name("switcher-list")
        .selection_mode(gtk::SelectionMode::Browse)
        .css_classes(["navigation-sidebar"])
        .build();
    let scroller = gtk::ScrolledWindow::builder()
        .child(&list)
        .vexpand(true)
        .hscrollbar_policy(gtk::PolicyType::Never)
        .build();
    let content = gtk::Box::builder()
        .orientation(gtk::Orientation::Vertical)
        .spacing(6)
        .margin_top(12)
        .margin_bottom(12)
        .margin_start(12)
        .margin_end(12)
        .build();
    content.append(&entry);
    content.append(&scroller);
    window.set_child(Some(&content));
    let all = candidates(account);
    let fill = glib::clone!(
        #[weak]
        list,
        move |text: &str| {
            while let Some(row) = list.row_at_index(0) {
                list.remove(&row);
            }
            for (title, peer) in matches(&all, text) {
                let row = adw::ActionRow::builder()
                    .title(title)
                    .subtitle(peer.as_str())
                    .activatable(true)
                    .build();
                row.set_widget_name(&peer);
                list.append(&row);
            }
            if let Some(first) = list.row_at_index(0) {
                list.select_row(Some(&first));
            }
        }
    );
    fill("");
    entry.connect_search_changed(move |e| fill(&e.text()));
    let open = std::rc::Rc::new(open);
    let choose = {
        let open = open.clone();
        glib::clone!(
            #[weak]
            window,
            move |row: &gtk::ListBoxRow| {
                open(&row.widget_name());
                window.close();
            }
        )
    };
    list.connect_row_activated(glib::clone!(
        #[strong]
        choose,
        move |_, row| choose(row)
    ));
    entry.connect_activate(glib::clone!(
        #[weak]
        list,
        move |_| {
            if let Some(row) = list.selected_row().or_else(|| list.row_at_index(0)) {
                choose(&row);
            }
        }
    ));
    entry.connect_stop_search(glib::clone!(
        #[weak]
        window,
        move |_| window.close()
    ));
    window
}
