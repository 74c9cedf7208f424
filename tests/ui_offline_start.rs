//! Offline start, in German: with the server unreachable, the cached
//! conversations show at once with their unread counts, and a conversation
//! opens from the cache with its delivery states.

mod support;

use std::time::{Duration, Instant};

use adw::prelude::*;
use balcony::{
    core::{
        contacts::{RosterItem, Subscription},
        message::{ChatKind, DeliveryState, NewMessage},
        store::{Placement, Store},
    },
    model::{Client, ConversationObject, PAGE},
    ui::{day_text, state_text, AccountSetup, ContactRow, ConversationRow, MessageRow, Window},
};
use support::ui::{all, find, pump_until, screenshot};
use xmpp_parsers::jid::BareJid;

fn message(peer: &str, body: &str, outgoing: bool, minute: i64, state: DeliveryState) -> NewMessage {
    NewMessage {
        peer: peer.parse().expect("jid"),
        kind: ChatKind::Chat,
        outgoing,
        sender: peer.into(),
        body: body.into(),
        origin_id: None,
        stanza_id: None,
        timestamp_ms: 1_763_700_000_000 + minute * 60_000,
        state,
        encryption: Default::default(),
    }
}

#[gtk::test]
fn cached_conversations_show_at_once_without_a_network() {
    // Only test in this binary, so the process-wide locale is ours to set.
    std::env::set_var("LANGUAGE", "de");
    std::env::set_var("LC_ALL", "de_DE.UTF-8");
    support::ui::init();
    let profile = support::accounts::offline_profile("ui-offline");
    let me: BareJid = "juliet@balcony.test".parse().expect("jid");
    {
        let mut store = Store::open(&profile.database_path()).expect("store");
        let cached = [
            message(
                "romeo@balcony.test",
                "Did my heart love till now?",
                false,
                -1438,
                DeliveryState::Received,
            ),
            message(
                "nurse@balcony.test",
                "Madam, your mother craves a word with you.",
                false,
                1,
                DeliveryState::Received,
            ),
            message(
                "romeo@balcony.test",
                "Good night, good night! https://verona.example/balcony",
                false,
                2,
                DeliveryState::Received,
            ),
            message(
                "romeo@balcony.test",
                "Parting is such sweet sorrow",
                true,
                3,
                DeliveryState::Displayed,
            ),
            message(
                "romeo@balcony.test",
                "That I shall say good night till it be morrow.",
                true,
                4,
                DeliveryState::Received,
            ),
            message(
                "nurse@balcony.test",
                "Anon, good nurse!",
                false,
                5,
                DeliveryState::Received,
            ),
            message("nurse@balcony.test", "Juliet!", false, 6, DeliveryState::Received),
        ];
        store
            .insert_messages(&me, &cached, Placement::Newest)
            .expect("messages");
        // Seventy unread from benvolio, days ago: more than a page.
        let many: Vec<NewMessage> = (0..70)
            .map(|i| {
                message(
                    "benvolio@balcony.test",
                    &format!("b{i}"),
                    false,
                    -5000 + i,
                    DeliveryState::Received,
                )
            })
            .collect();
        store
            .insert_messages(&me, &many, Placement::Newest)
            .expect("many");
        store
            .mark_read(&me, &"romeo@balcony.test".parse().expect("jid"))
            .expect("read");
        let contact = |jid: &str, name: Option<&str>, groups: &[&str]| RosterItem {
            jid: jid.parse().expect("jid"),
            name: name.map(str::to_owned),
            subscription: Subscription::Both,
            ask: false,
            approved: false,
            groups: groups.iter().map(|g| g.to_string()).collect(),
        };
        store
            .replace_roster(
                &me,
                Some("1"),
                &[
                    contact(
                        "romeo@balcony.test",
                        Some("Romeo Montague"),
                        &["Montagues", "Verona"],
                    ),
                    contact("nurse@balcony.test", Some("Nurse"), &["Capulets"]),
                    contact("tybalt@balcony.test", Some("Tybalt"), &["Capulets"]),
                    contact("friar@balcony.test", None, &[]),
                ],
            )
            .expect("roster");
    }
    let started = Instant::now();
    let client = Client::new(profile).expect("client");
    let window = Window::new(None, &client, None);
    // Before the main loop has run once, so before the first frame: the
    // window already shows the cached lists (read while it was built),
    // not a loading page, and has not built the setup page it does not need.
    assert_eq!(window.visible_page(), "main");
    let cached = client.primary_account().expect("the cached account");
    assert_eq!(cached.conversations().n_items(), 3);
    // Named from the cached roster, whose contacts (a GObject each) are
    // built only after the first frame, which does not show them.
    let titles: Vec<String> = (0..3)
        .filter_map(|i| {
            cached
                .conversations()
                .item(i)
                .and_downcast::<ConversationObject>()
        })
        .map(|c| c.title())
        .collect();
    assert!(titles.contains(&"Nurse".to_owned()), "{titles:?}");
    assert_eq!(cached.roster().len(), 0);
    assert!(all::<AccountSetup>(&window).is_empty(), "no setup page yet");
    window.set_default_size(900, 640);
    window.present();
    gtk::test_widget_wait_for_draw(&window);
    pump_until("the cached roster", Duration::from_secs(5), || {
        cached.roster().len() == 4
    });
    pump_until("cached conversations", Duration::from_secs(5), || {
        client
            .primary_account()
            .is_some_and(|a| a.conversations().n_items() == 3)
    });
    eprintln!("cached conversations listed {:?} after start", started.elapsed());
    let account = client.primary_account().expect("account");
    let first = account
        .conversations()
        .item(0)
        .and_downcast::<ConversationObject>()
        .expect("row");
    assert_eq!(first.peer(), "nurse@balcony.test", "the most recent first");
    let main_view = window.main_view();
    pump_until("rows drawn", Duration::from_secs(5), || {
        all::<ConversationRow>(&main_view.conversation_list()).len() == 3
    });
    let rows = all::<ConversationRow>(&main_view.conversation_list());
    assert_eq!(rows[0].unread_shown().as_deref(), Some("3"));
    assert_eq!(rows[1].unread_shown(), None);
    assert_eq!(
        rows[1].preview_shown(),
        balcony::i18n::gettext("You: {message}")
            .replace("{message}", "That I shall say good night till it be morrow.")
    );
    assert!(
        rows[1].preview_shown().starts_with("Sie: "),
        "German: {}",
        rows[1].preview_shown()
    );
    screenshot(&window, "offline-conversations-de");
    // Conversations carry the roster's names, and contacts a presence dot.
    assert_eq!(first.title(), "Nurse");
    pump_until("presence dots", Duration::from_secs(5), || {
        all::<ConversationRow>(&main_view.conversation_list())[0]
            .presence_shown()
            .as_deref()
            == Some("offline")
    });

    // The cached roster, grouped, then filtered.
    main_view.show_contacts(true);
    let shown_roster = || -> Vec<String> {
        all::<ContactRow>(&main_view.contact_list())
            .iter()
            .map(|r| r.text_shown())
            .collect()
    };
    pump_until("the roster", Duration::from_secs(5), || shown_roster().len() == 9);
    assert_eq!(
        shown_roster(),
        [
            "Capulets",
            "Nurse",
            "Tybalt",
            "Montagues",
            "Romeo Montague",
            "Verona",
            "Romeo Montague",
            &balcony::i18n::gettext("Other Contacts"),
            "friar@balcony.test",
        ]
    );
    screenshot(&window, "roster-de");
    main_view.contact_filter().set_text("rom");
    pump_until("the filtered roster", Duration::from_secs(5), || {
        shown_roster().len() == 4
    });
    assert_eq!(
        shown_roster(),
        ["Montagues", "Romeo Montague", "Verona", "Romeo Montague"]
    );
    screenshot(&window, "roster-filtered-de");
    main_view.contact_filter().set_text("");
    main_view.show_contacts(false);

    main_view.open_conversation("romeo@balcony.test");
    let view = main_view.conversation_view();
    pump_until("cached messages", Duration::from_secs(5), || {
        all::<MessageRow>(&view.list_view()).len() == 4
    });
    let shown = all::<MessageRow>(&view.list_view());
    assert!(shown[2]
        .meta_shown()
        .ends_with(&state_text(DeliveryState::Displayed)));
    assert!(
        shown[3].meta_shown().ends_with("Zugestellt"),
        "{}",
        shown[3].meta_shown()
    );
    assert_eq!(shown[1].links_shown(), ["https://verona.example/balcony"]);
    assert_eq!(
        shown[1].body_shown(),
        "Good night, good night! https://verona.example/balcony"
    );
    // A date above the first message of each day, and only there.
    let days: Vec<Option<String>> = shown.iter().map(|r| r.day_shown()).collect();
    assert!(days[0].is_some() && days[1].is_some(), "{days:?}");
    assert_ne!(days[0], days[1]);
    assert_eq!(days[2], None);
    assert_eq!(days[3], None);
    assert_eq!(
        days[1].as_deref(),
        Some(day_text(1_763_700_000_000 + 2 * 60_000).as_str())
    );
    assert!(
        days[1].as_deref().is_some_and(|d| d.contains("November 2025")),
        "{days:?}"
    );
    screenshot(&window, "offline-conversation-de");
    adw::StyleManager::default().set_color_scheme(adw::ColorScheme::ForceDark);
    screenshot(&window, "offline-conversation-de-dark");
    adw::StyleManager::default().set_color_scheme(adw::ColorScheme::Default);

    // Ctrl+F: search across conversations, or only in the open one.
    main_view.start_search();
    let (entry, here) = main_view.search_widgets();
    let results = main_view.search_results();
    let found = || -> Vec<String> {
        let model = results.model().expect("model");
        (0..model.n_items())
            .filter_map(|i| model.item(i).and_downcast::<balcony::model::MessageObject>())
            .map(|m| m.body())
            .collect()
    };
    entry.set_text("night");
    pump_until("night found", Duration::from_secs(5), || found().len() == 2);
    assert_eq!(
        found(),
        [
            "That I shall say good night till it be morrow.",
            "Good night, good night! https://verona.example/balcony"
        ]
    );
    entry.set_text("juliet");
    pump_until("juliet found", Duration::from_secs(5), || found() == ["Juliet!"]);
    screenshot(&window, "search-de");
    here.set_active(true);
    pump_until("nothing in romeo's conversation", Duration::from_secs(5), || {
        found().is_empty()
    });
    here.set_active(false);
    pump_until("juliet found again", Duration::from_secs(5), || {
        found().len() == 1
    });
    // A result opens its conversation there, the message marked.
    results.emit_by_name::<()>("activate", &[&0u32]);
    pump_until(
        "the nurse's conversation at the result",
        Duration::from_secs(5),
        || {
            view.messages().is_some_and(|m| {
                m.peer().is_some_and(|p| p.as_str() == "nurse@balcony.test")
                    && (0..m.n_items()).any(|i| {
                        m.item(i)
                            .and_downcast::<balcony::model::MessageObject>()
                            .is_some_and(|o| o.highlighted() && o.body() == "Juliet!")
                    })
            })
        },
    );
    screenshot(&window, "search-result-de");
    entry.set_text("");

    // Seventy unread: the view opens at the newest and offers the first unread.
    main_view.open_conversation("benvolio@balcony.test");
    pump_until("the jump offered", Duration::from_secs(5), || view.offers_jump());
    screenshot(&window, "jump-to-unread-de");
    view.jump_to_first_unread();
    pump_until("the first unread shown", Duration::from_secs(5), || {
        view.messages().is_some_and(|m| {
            (0..m.n_items()).any(|i| {
                m.item(i)
                    .and_downcast::<balcony::model::MessageObject>()
                    .is_some_and(|o| o.highlighted() && o.body() == "b0")
            })
        })
    });
    assert!(!view.offers_jump());

    // A view taller than a page of messages (here: a tiny font, as on a
    // tall portrait screen). Nothing can be scrolled, so the view reads
    // older messages by itself until it can be.
    let settings = gtk::Settings::default().expect("settings");
    let font = settings.gtk_font_name();
    settings.set_gtk_font_name(Some("Sans 3"));
    window.set_default_size(900, 1000);
    main_view.open_conversation("benvolio@balcony.test");
    let adjustment = view.list_view().vadjustment().expect("adjustment");
    pump_until("the tall view filled", Duration::from_secs(5), || {
        view.messages().is_some_and(|m| m.n_items() as usize > PAGE)
            && adjustment.upper() > adjustment.page_size()
    });
    settings.set_gtk_font_name(font.as_deref());
    window.set_default_size(900, 640);

    // Scrolled to the top, the view reads the page before, a few rows a
    // frame; what was on screen stays there while they come in above.
    main_view.open_conversation("benvolio@balcony.test");
    pump_until("the newest page, whole", Duration::from_secs(5), || {
        view.messages()
            .is_some_and(|m| m.n_items() as usize == PAGE && m.held() == 0)
            && adjustment.upper() > adjustment.page_size()
    });
    pump_until("scrolled to the newest", Duration::from_secs(5), || {
        adjustment.value() > 0.0
            && (adjustment.upper() - adjustment.page_size() - adjustment.value()).abs() < 2.0
    });
    let oldest_shown = format!("b{}", 70 - PAGE);
    let scroller = view.list_view().parent().expect("scrolled window");
    let row_y = |body: &str| {
        all::<balcony::ui::MessageRow>(&view.list_view())
            .into_iter()
            .find(|r| r.is_mapped() && r.body_shown() == body)
            .and_then(|r| r.compute_bounds(&scroller))
            .map(|b| b.y())
    };
    adjustment.set_value(0.0);
    pump_until("the page before, all shown", Duration::from_secs(5), || {
        view.messages()
            .is_some_and(|m| m.n_items() as usize == 2 * PAGE && m.held() == 0)
    });
    let settled = Instant::now();
    pump_until("a few frames", Duration::from_secs(1), || {
        settled.elapsed() > Duration::from_millis(200)
    });
    let y = row_y(&oldest_shown);
    assert!(
        y.is_some_and(|y| (-60.0..200.0).contains(&y)),
        "{oldest_shown} stays near the top where it was, at {y:?}"
    );
    let above = format!("b{}", 70 - PAGE - 1);
    assert!(row_y(&above).is_none_or(|a| a < y.unwrap_or_default()));
    screenshot(&window, "older-page-de");
    // Sending from up there (queued while offline) goes back to the newest.
    view.composer().buffer().set_text("wherefore");
    view.composer_key(gtk::gdk::Key::Return, gtk::gdk::ModifierType::empty());
    pump_until("our message in view", Duration::from_secs(5), || {
        row_y("wherefore").is_some()
            && (adjustment.upper() - adjustment.page_size() - adjustment.value()).abs() < 2.0
    });

    // Ctrl+K: a few letters and Enter switch conversations.
    let switcher = main_view.quick_switch().expect("switcher");
    let switch_entry = find::<gtk::SearchEntry>(&switcher, "switcher-entry");
    switch_entry.set_text("tyb");
    pump_until("one match", Duration::from_secs(5), || {
        find::<gtk::ListBox>(&switcher, "switcher-list")
            .row_at_index(1)
            .is_none()
    });
    screenshot(&switcher, "quick-switcher-de");
    switch_entry.emit_by_name::<()>("activate", &[]);
    pump_until("tybalt's conversation", Duration::from_secs(5), || {
        view.messages()
            .and_then(|m| m.peer())
            .is_some_and(|p| p.as_str() == "tybalt@balcony.test")
    });
    assert!(!switcher.is_visible(), "the switcher closes");
    main_view.open_conversation("romeo@balcony.test");

    // Ctrl+N: a new conversation, only with a full address.
    let dialog = main_view.ask_for_conversation().expect("dialog");
    let address = find::<adw::EntryRow>(&dialog, "address");
    address.set_text("tybalt");
    assert!(!dialog.is_response_enabled("start"));
    address.set_text("tybalt@balcony.test");
    assert!(dialog.is_response_enabled("start"));
    screenshot(&dialog, "start-conversation-de");
    dialog.response("start");
    pump_until("the new conversation", Duration::from_secs(5), || {
        view.messages()
            .and_then(|m| m.peer())
            .is_some_and(|p| p.as_str() == "tybalt@balcony.test")
    });
    window.close();
    client.shutdown();
}
