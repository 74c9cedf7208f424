//! The Devices page: the account's other online resources, each with
//! what it runs, its presence and when it was last active, and the
//! commands it offers. Remote-control commands (XEP-0146) come first, with
//! friendly names and icons; any other command after them. Each runs in
//! the command dialog. The list follows presence as it changes.

use std::{cell::RefCell, collections::HashMap, rc::Rc};

use adw::prelude::*;
use gtk::glib;
use xmpp_parsers::jid::{BareJid, Jid};

use super::command_dialog::CommandDialog;
use crate::{
    core::{remote_control::RcCommand, xmpp::modules::x0050_command_client::CommandItem},
    i18n::{gettext, gettext_f, ngettext_f},
    model::{remote_text, Account, Client, CommandSession, DeviceObject},
};

/// The icon for a device's identity type.
pub fn kind_icon(kind: &str) -> &'static str {
    match kind {
        "phone" | "handheld" => "phone-symbolic",
        "web" => "web-browser-symbolic",
        "bot" => "application-x-executable-symbolic",
        "console" => "utilities-terminal-symbolic",
        _ => "computer-symbolic",
    }
}

/// "active now", "active 5 minutes ago", …
pub fn last_active(ms: i64) -> String {
    let minutes = (chrono::Utc::now().timestamp_millis() - ms).max(0) / 60_000;
    match minutes {
        0 => gettext("active now"),
        m if m < 60 => ngettext_f(
            "active {n} minute ago",
            "active {n} minutes ago",
            m as u32,
            &[("n", &m.to_string())],
        ),
        m if m < 48 * 60 => ngettext_f(
            "active {n} hour ago",
            "active {n} hours ago",
            (m / 60) as u32,
            &[("n", &(m / 60).to_string())],
        ),
        m => ngettext_f(
            "active {n} day ago",
            "active {n} days ago",
            (m / 1440) as u32,
            &[("n", &(m / 1440).to_string())],
        ),
    }
}

fn title(d: &DeviceObject) -> String {
    match (d.client().as_str(), d.version().as_str()) {
        ("", _) => gettext("Unknown App"),
        (client, "") => client.to_owned(),
        (client, version) => format!("{client} {version}"),
    }
}

fn subtitle(d: &DeviceObject) -> String {
    let mut parts = vec![d.resource(), crate::ui::status_menu::status_label(&d.show())];
    if !d.status().is_empty() {
        parts.push(d.status());
    }
    parts.push(last_active(d.last_active()));
    parts.join(" · ")
}

/// The commands in the order shown: remote control first, in the spec's
/// order, then the rest as the device listed them.
pub fn ordered(items: Vec<CommandItem>) -> Vec<(Option<RcCommand>, CommandItem)> {
    let mut rc: Vec<(Option<RcCommand>, CommandItem)> = Vec::new();
    let mut other = Vec::new();
    for item in items {
        match RcCommand::from_node(&item.node) {
            Some(c) => rc.push((Some(c), item)),
            None => other.push((None, item)),
        }
    }
    rc.sort_by_key(|(c, _)| c.and_then(|c| RcCommand::ALL.iter().position(|x| *x == c)));
    rc.extend(other);
    rc
}

struct Page {
    window: adw::Window,
    client: Client,
    account: Account,
    list: gtk::ListBox,
    stack: gtk::Stack,
    rows: RefCell<HashMap<String, adw::ExpanderRow>>,
}

/// Opens the Devices page of `account` over `parent`.
pub fn open(parent: &impl IsA<gtk::Window>, client: &Client, account: &Account) -> adw::Window {
    let window = adw::Window::builder()
        .transient_for(parent)
        .modal(true)
        .title(gettext("Your Devices"))
        .default_width(520)
        .default_height(560)
        .build();
    window.set_widget_name("devices-window");
    // Escape closes it, as it does dialogs.
    let escape = gtk::ShortcutController::new();
    escape.add_shortcut(gtk::Shortcut::new(
        gtk::ShortcutTrigger::parse_string("Escape"),
        Some(gtk::NamedAction::new("window.close")),
    ));
    window.add_controller(escape);
    let header = adw::HeaderBar::new();
    let list = gtk::ListBox::builder()
        .selection_mode(gtk::SelectionMode::None)
        .css_classes(["boxed-list"])
        .valign(gtk::Align::Start)
        .build();
    let clamp = adw::Clamp::builder()
        .child(&list)
        .margin_top(12)
        .margin_bottom(12)
        .margin_start(12)
        .margin_end(12)
        .build();
    let scrolled = gtk::ScrolledWindow::builder()
        .hscrollbar_policy(gtk::PolicyType::Never)
        .vexpand(true)
        .child(&clamp)
        .build();
    let empty = adw::StatusPage::builder()
        .icon_name("computer-symbolic")
        .title(gettext("No Other Device Is Online"))
        .description(gettext_f(
            "Devices signed in to {account} show here, with what you can ask them to do.",
            &[("account", &account.jid())],
        ))
        .build();
    empty.set_widget_name("no-devices");
    let stack = gtk::Stack::new();
    stack.add_named(&scrolled, Some("list"));
    stack.add_named(&empty, Some("empty"));
    let content = gtk::Box::new(gtk::Orientation::Vertical, 0);
    content.append(&header);
    content.append(&stack);
    window.set_content(Some(&content));
    let page = Rc::new(Page {
        window: window.clone(),
        client: client.clone(),
        account: account.clone(),
        list,
        stack,
        rows: RefCell::default(),
    });
    fill(&page);
    let weak = Rc::downgrade(&page);
    let handler = account.devices().connect_items_changed(move |_, _, _, _| {
        if let Some(page) = weak.upgrade() {
            fill(&page);
        }
    });
    let devices = account.devices();
    let handler = RefCell::new(Some(handler));
    let keep = page.clone();
    window.connect_close_request(move |_| {
        if let Some(h) = handler.take() {
            devices.disconnect(h);
        }
        let _ = &keep;
        glib::Propagation::Proceed
    });
    window.present();
    window
}

fn fill(page: &Rc<Page>) {
    while let Some(child) = page.list.first_child() {
        page.list.remove(&child);
    }
    page.rows.borrow_mut().clear();
    let devices: Vec<DeviceObject> = page.account.devices().iter::<DeviceObject>().flatten().collect();
    page.stack
        .set_visible_child_name(if devices.is_empty() { "empty" } else { "list" });
    for device in devices {
        let row = adw::ExpanderRow::builder()
            .title(title(&device))
            .subtitle(subtitle(&device))
            .build();
        row.set_widget_name(&format!("device-{}", device.resource()));
        row.add_prefix(&gtk::Image::from_icon_name(kind_icon(&device.kind())));
        let weak_row = row.downgrade();
        device.connect_local("changed", false, move |args| {
            let d = args.first()?.get::<DeviceObject>().ok()?;
            if let Some(row) = weak_row.upgrade() {
                row.set_title(&title(&d));
                row.set_subtitle(&subtitle(&d));
            }
            None
        });
        let loaded = std::cell::Cell::new(false);
        let weak = Rc::downgrade(page);
        let jid = device.jid();
        row.connect_expanded_notify(move |row| {
            if row.is_expanded() && !loaded.replace(true) {
                if let Some(page) = weak.upgrade() {
                    load_commands(&page, row, &jid);
                }
            }
        });
        page.rows.borrow_mut().insert(device.jid(), row.clone());
        page.list.append(&row);
    }
}

fn load_commands(page: &Rc<Page>, row: &adw::ExpanderRow, jid: &str) {
    let (Ok(account), Ok(entity)) = (page.account.jid().parse::<BareJid>(), jid.parse::<Jid>()) else {
        return;
    };
    let waiting = adw::ActionRow::builder()
        .title(gettext("Asking what it offers…"))
        .build();
    waiting.add_prefix(&gtk::Spinner::builder().spinning(true).build());
    row.add_row(&waiting);
    let session = CommandSession::new(&page.client, account.clone(), entity.clone());
    let (page, row) = (page.clone(), row.clone());
    glib::spawn_future_local(async move {
        let listed = session.list().await;
        row.remove(&waiting);
        let items = match listed {
            Ok(items) if !items.is_empty() => items,
            Ok(_) => {
                row.add_row(
                    &adw::ActionRow::builder()
                        .title(gettext("It offers no commands"))
                        .build(),
                );
                return;
            }
            Err(e) => {
                let text = crate::ui::command_dialog::error_text::error_text(&e);
                row.add_row(&adw::ActionRow::builder().title(text).build());
                return;
            }
        };
        for (rc, item) in ordered(items) {
            let name = rc
                .map(remote_text::command_name)
                .unwrap_or_else(|| item.name.clone());
            let command = adw::ActionRow::builder().title(&name).activatable(true).build();
            command.set_widget_name(&match rc {
                Some(c) => format!("rc-{}", c.short_name()),
                None => format!("command-{}", item.node),
            });
            command.add_prefix(&gtk::Image::from_icon_name(
                rc.map(remote_text::command_icon).unwrap_or("system-run-symbolic"),
            ));
            command.add_suffix(&gtk::Image::from_icon_name("go-next-symbolic"));
            let (window, client, account, entity) = (
                page.window.clone(),
                page.client.clone(),
                account.clone(),
                entity.clone(),
            );
            command.connect_activated(move |_| {
                CommandDialog::open_command(
                    &window,
                    &client,
                    account.clone(),
                    entity.clone(),
                    &item.node,
                    &name,
                );
            });
            row.add_row(&command);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_control_commands_come_first_in_the_specs_order() {
        let item = |node: &str| CommandItem {
            jid: "juliet@capulet.lit/balcony".parse().expect("jid"),
            node: node.into(),
            name: node.into(),
        };
        let shown = ordered(vec![
            item("ping"),
            item("http://jabber.org/protocol/rc#leave-muc"),
            item("http://jabber.org/protocol/rc#set-status"),
        ]);
        let nodes: Vec<&str> = shown.iter().map(|(_, i)| i.node.as_str()).collect();
        assert_eq!(
            nodes,
            [
                "http://jabber.org/protocol/rc#set-status",
                "http://jabber.org/protocol/rc#leave-muc",
                "ping"
            ]
        );
        assert_eq!(kind_icon("phone"), "phone-symbolic");
        assert_eq!(kind_icon(""), "computer-symbolic");
    }
}
