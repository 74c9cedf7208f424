//! The sidebar's account switcher: every saved account with its
//! connection state and unread count, the one shown ticked, and "Add
//! Account…".

use adw::prelude::*;
use gettextrs::gettext;
use gtk::glib;

use super::{connection_text::short_state, MainView};
use crate::{
    i18n::gettext_f,
    model::{Account, Client, ConversationObject},
};

/// Incoming messages not read yet in all of `account`'s conversations.
pub fn unread(account: &Account) -> u32 {
    account
        .conversations()
        .iter::<ConversationObject>()
        .flatten()
        .map(|c| c.unread())
        .sum()
}

fn row(view: &MainView, popover: &gtk::Popover, account: &Account, shown: bool) -> adw::ActionRow {
    let row = adw::ActionRow::builder()
        .title(account.jid())
        .subtitle(short_state(&account.connection_state()))
        .activatable(true)
        .name(format!("account-{}", account.jid()))
        .build();
    let avatar = adw::Avatar::new(32, Some(&account.jid()), true);
    row.add_prefix(&avatar);
    let unread = unread(account);
    if unread > 0 {
        let badge = gtk::Label::new(Some(&unread.to_string()));
        badge.set_valign(gtk::Align::Center);
        badge.add_css_class("unread-badge");
        // Translators: for screen readers, on an account's unread count.
        badge.set_tooltip_text(Some(&gettext_f(
            "{count} unread",
            &[("count", &unread.to_string())],
        )));
        row.add_suffix(&badge);
    }
    if shown {
        let tick = gtk::Image::from_icon_name("object-select-symbolic");
        // Translators: tooltip on the tick beside the account on screen.
        tick.set_tooltip_text(Some(&gettext("Shown")));
        row.add_suffix(&tick);
    }
    row.connect_activated(glib::clone!(
        #[weak]
        view,
        #[weak]
        popover,
        #[weak]
        account,
        move |_| {
            popover.popdown();
            view.set_account(&account);
        }
    ));
    row
}

/// Builds the switcher's popover for `client`'s accounts, as they are now.
pub fn popover(view: &MainView, client: &Client) -> gtk::Popover {
    let popover = gtk::Popover::new();
    let list = gtk::ListBox::new();
    list.set_selection_mode(gtk::SelectionMode::None);
    list.add_css_class("navigation-sidebar");
    let shown = view.account();
    for account in client
        .accounts()
        .iter::<Account>()
        .flatten()
        .filter(|a| a.saved())
    {
        list.append(&row(view, &popover, &account, shown.as_ref() == Some(&account)));
    }
    let add = gtk::Button::with_mnemonic(&gettext("_Add Account…"));
    add.set_action_name(Some("win.add-account"));
    add.set_widget_name("add-account");
    add.set_margin_top(6);
    add.connect_clicked(glib::clone!(
        #[weak]
        popover,
        move |_| popover.popdown()
    ));
    let content = gtk::Box::new(gtk::Orientation::Vertical, 0);
    content.set_width_request(280);
    content.append(&list);
    content.append(&add);
    popover.set_child(Some(&content));
    popover
}
