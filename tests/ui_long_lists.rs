//! Long sidebar lists: with 300 conversations and 1,000 contacts cached,
//! only the rows near the screen are built (GTK 4.8's list view would
//! otherwise build 200 of each at start), the roster's rows only once it
//! is shown, and scrolling still reaches the end of both.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::{
    core::{
        message::{ChatKind, DeliveryState, NewMessage},
        store::{Placement, Store},
    },
    model::Client,
    ui::{ContactRow, ConversationRow, Window},
};
use support::{
    accounts::numbered_contacts,
    ui::{all, pump_for, pump_until, screenshot},
};
use xmpp_parsers::jid::BareJid;

const CONVERSATIONS: i64 = 300;
const CONTACTS: usize = 1_000;
/// Far fewer rows than GTK 4.8 would build for a long list (200).
const FEW_ROWS: usize = 60;

/// Scrolls `list` to its end until `shown` holds there.
fn scroll_until(list: &gtk::ListView, what: &str, mut shown: impl FnMut() -> bool) {
    let adjustment = list.vadjustment().expect("scrolled");
    pump_until(what, Duration::from_secs(20), || {
        adjustment.set_value(adjustment.upper() - adjustment.page_size());
        pump_for(Duration::from_millis(30));
        let at_end = adjustment.value() + adjustment.page_size() >= adjustment.upper() - 1.0;
        at_end && shown()
    });
}

#[gtk::test]
fn long_lists_build_few_rows_and_still_scroll_to_the_end() {
    support::ui::init();
    let profile = support::accounts::offline_profile("ui-long-lists");
    let me: BareJid = "juliet@balcony.test".parse().expect("jid");
    {
        let mut store = Store::open(&profile.database_path()).expect("store");
        store
            .replace_roster(&me, Some("1"), &numbered_contacts(CONTACTS, "balcony.test"))
            .expect("roster");
        // contact0 wrote last; contact299 is the oldest conversation.
        let messages: Vec<NewMessage> = (0..CONVERSATIONS)
            .map(|i| NewMessage {
                peer: format!("contact{i}@balcony.test").parse().expect("jid"),
                kind: ChatKind::Chat,
                outgoing: false,
                sender: "x".into(),
                body: format!("last words of contact{i}"),
                origin_id: None,
                stanza_id: None,
                timestamp_ms: 1_763_700_000_000 - i * 60_000,
                state: DeliveryState::Received,
                encryption: Default::default(),
            })
            .collect();
        store
            .batch(|s| s.insert_messages(&me, &messages, Placement::Newest))
            .expect("messages");
    }
    let client = Client::new(profile).expect("client");
    let window = Window::new(None, &client, None);
    window.set_default_size(900, 700);
    window.present();
    pump_until("the cached lists", Duration::from_secs(15), || {
        client.primary_account().is_some_and(|a| {
            a.conversations().n_items() as i64 == CONVERSATIONS && a.roster().len() == CONTACTS
        })
    });
    gtk::test_widget_wait_for_draw(&window);
    pump_for(Duration::from_millis(200));
    let main_view = window.main_view();
    let conversations = main_view.conversation_list();
    let rows = all::<ConversationRow>(&conversations);
    assert!(
        !rows.is_empty() && rows.len() <= FEW_ROWS,
        "{} conversation rows built for a 700-pixel window",
        rows.len()
    );
    assert_eq!(rows[0].preview_shown(), "last words of contact0");
    assert!(
        all::<ContactRow>(&main_view.contact_list()).is_empty(),
        "no roster rows before the roster is shown"
    );

    // Scrolling down reaches the oldest conversation.
    scroll_until(&conversations, "the oldest conversation", || {
        all::<ConversationRow>(&conversations)
            .iter()
            .any(|r| r.preview_shown() == "last words of contact299")
    });
    screenshot(&window, "long-list-end");
    assert!(all::<ConversationRow>(&conversations).len() <= 210);

    // Opening one far down selects it.
    main_view.open_conversation("contact250@balcony.test");
    let selection = conversations
        .model()
        .and_downcast::<gtk::SingleSelection>()
        .expect("selection");
    assert_eq!(selection.selected(), 250);

    // The roster builds its rows when shown, and scrolls to its end too.
    main_view.show_contacts(true);
    let contacts = main_view.contact_list();
    pump_until("the roster's rows", Duration::from_secs(5), || {
        !all::<ContactRow>(&contacts).is_empty()
    });
    gtk::test_widget_wait_for_draw(&window);
    let built = all::<ContactRow>(&contacts).len();
    assert!(built <= FEW_ROWS, "{built} roster rows built");
    let last = format!("Contact number {}", CONTACTS - 1);
    scroll_until(&contacts, "the roster's last contact", || {
        all::<ContactRow>(&contacts)
            .iter()
            .any(|r| r.text_shown() == last)
    });
    window.close();
    client.shutdown();
}
