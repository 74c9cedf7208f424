//! Every shortcut in the shortcuts window works when a person presses it
//! (real key events through the X server), whatever has the focus: nothing,
//! the sidebar, or the composer of an open conversation.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::core::{
    message::{ChatKind, DeliveryState, NewMessage},
    store::{Placement, Store},
};
use gtk::glib;
use support::{
    ui::{app_window, dialog_of, pump_until, screenshot},
    xinput::key,
};
use xmpp_parsers::jid::BareJid;

const WAIT: Duration = Duration::from_secs(10);

/// A shown top-level window of type `T` other than `main`.
fn shown<T: IsA<gtk::Window> + IsA<glib::Object>>(main: &gtk::Window) -> Option<T> {
    gtk::Window::toplevels()
        .iter::<glib::Object>()
        .flatten()
        .filter_map(|o| o.downcast::<gtk::Window>().ok())
        .filter(|w| w.is_visible() && w != main)
        .find_map(|w| w.downcast::<T>().ok())
}

#[gtk::test]
fn every_shortcut_works_from_anywhere() {
    support::ui::init();
    let profile = support::accounts::offline_profile("ui-shortcuts");
    let me: BareJid = "juliet@balcony.test".parse().expect("jid");
    {
        let mut store = Store::open(&profile.database_path()).expect("store");
        let hello = NewMessage {
            peer: "romeo@balcony.test".parse().expect("jid"),
            kind: ChatKind::Chat,
            outgoing: false,
            sender: "romeo@balcony.test".into(),
            body: "Hello".into(),
            origin_id: None,
            stanza_id: None,
            timestamp_ms: 1_763_700_000_000,
            state: DeliveryState::Received,
            encryption: Default::default(),
        };
        // Two hundred unread from tybalt: more than the first page.
        let unread: Vec<NewMessage> = (0..200)
            .map(|i| NewMessage {
                peer: "tybalt@balcony.test".parse().expect("jid"),
                body: format!("t{i}"),
                sender: "tybalt@balcony.test".into(),
                timestamp_ms: 1_763_600_000_000 + i * 1000,
                ..hello.clone()
            })
            .collect();
        store
            .batch(|s| s.insert_messages(&me, &[hello], Placement::Newest))
            .expect("message");
        store
            .batch(|s| s.insert_messages(&me, &unread, Placement::Newest))
            .expect("unread");
    }
    let (_app, window) = app_window(profile);
    window.set_default_size(900, 640);
    let main: gtk::Window = window.clone().upcast();
    let view = window.main_view();
    pump_until("the cached conversations", WAIT, || {
        view.account().is_some_and(|a| a.conversations().n_items() == 2)
    });
    // Replying takes the offer to jump to the first unread message away.
    view.open_conversation("tybalt@balcony.test");
    let conversation = view.conversation_view();
    pump_until("the jump offered", WAIT, || conversation.offers_jump());
    conversation.composer().grab_focus();
    support::xinput::type_text(&main, "Soon.");
    key(&main, "Return");
    pump_until("the offer gone after replying", WAIT, || {
        !conversation.offers_jump()
    });
    view.open_conversation("romeo@balcony.test");
    let composer = view.conversation_view().composer();

    type Check = Box<dyn Fn(&gtk::Window) -> bool>;
    let shortcuts: Vec<(&str, &str, Check)> = vec![
        (
            "ctrl+n",
            "start a conversation",
            Box::new(|m| dialog_of::<adw::MessageDialog>(m).is_some()),
        ),
        (
            "ctrl+shift+n",
            "add a contact",
            Box::new(|m| dialog_of::<adw::MessageDialog>(m).is_some()),
        ),
        (
            "ctrl+j",
            "join a room",
            Box::new(|m| dialog_of::<adw::MessageDialog>(m).is_some()),
        ),
        (
            "ctrl+k",
            "the quick switcher",
            Box::new(|m| dialog_of::<gtk::Window>(m).is_some()),
        ),
        (
            "ctrl+shift+d",
            "your devices",
            Box::new(|m| dialog_of::<adw::Window>(m).is_some_and(|w| w.widget_name() == "devices-window")),
        ),
        (
            "ctrl+comma",
            "preferences",
            Box::new(|m| dialog_of::<adw::PreferencesWindow>(m).is_some()),
        ),
        (
            "ctrl+question",
            "the shortcuts window",
            Box::new(|m| shown::<gtk::ShortcutsWindow>(m).is_some()),
        ),
    ];
    let main_menu = support::ui::all::<gtk::MenuButton>(&main)
        .into_iter()
        .find(|b| b.icon_name().as_deref() == Some("open-menu-symbolic"))
        .expect("the main menu");
    type Focus<'a> = (&'a str, Box<dyn Fn() + 'a>);
    let focus: [Focus; 3] = [
        (
            "nothing",
            Box::new(|| gtk::prelude::GtkWindowExt::set_focus(&main, None::<&gtk::Widget>)),
        ),
        (
            "the sidebar",
            Box::new(|| {
                view.conversation_list().grab_focus();
            }),
        ),
        (
            "the composer",
            Box::new(|| {
                composer.grab_focus();
            }),
        ),
    ];
    for (place, set_focus) in &focus {
        for (keys, what, opened) in &shortcuts {
            set_focus();
            support::ui::pump_for(Duration::from_millis(50));
            key(&main, keys);
            pump_until(
                &format!("{keys} ({what}) with the focus on {place}"),
                WAIT,
                || opened(&main),
            );
            if *place == "the composer" && *keys == "ctrl+question" {
                screenshot(
                    &shown::<gtk::ShortcutsWindow>(&main).expect("shortcuts"),
                    "shortcuts-by-key",
                );
            }
            // Escape closes what opened, as a person would.
            let top = gtk::Window::toplevels()
                .iter::<glib::Object>()
                .flatten()
                .filter_map(|o| o.downcast::<gtk::Window>().ok())
                .find(|w| w.is_visible() && w != &main)
                .expect("the window that opened");
            key(&top, "Escape");
            pump_until(&format!("{what} closed by Escape"), WAIT, || !top.is_visible());
        }
        // Ctrl+F opens the search, Escape in it closes it again.
        set_focus();
        key(&main, "ctrl+f");
        pump_until(&format!("the search with the focus on {place}"), WAIT, || {
            view.is_searching()
        });
        key(&main, "Escape");
        pump_until("the search closed", WAIT, || !view.is_searching());
        // F10 opens the main menu (built as it first opens), Escape closes it.
        set_focus();
        key(&main, "F10");
        pump_until(&format!("the main menu with the focus on {place}"), WAIT, || {
            main_menu.popover().is_some_and(|p| p.is_mapped())
        });
        key(&main, "Escape");
        pump_until("the main menu closed", WAIT, || {
            main_menu.popover().is_some_and(|p| !p.is_visible())
        });
    }
    // Ctrl+W closes the window.
    key(&main, "ctrl+w");
    pump_until("the window closed", WAIT, || !main.is_visible());
}
