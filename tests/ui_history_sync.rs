//! A wider history choice made in the account's details, by real clicks,
//! downloads the archive in the background while the sidebar shows how
//! far it got; the line goes when it is done, and every message is stored.
//! (The test server holds each archive query a quarter of a second, so
//! that the progress can be watched.)

mod support;

use std::time::Duration;

use adw::prelude::*;
use support::{
    history_download::{choose_in_details, progress_count, set_up_with_nothing, slow_archive, stored},
    ui::{all, find, init, online_app_window, pump_until, screenshot, screenshot_styles},
};

const WAIT: Duration = Duration::from_secs(30);
const ARCHIVED: u64 = 3_000;

#[gtk::test]
fn a_history_download_chosen_in_the_details_shows_its_progress() {
    init();
    let server = slow_archive(ARCHIVED);
    let profile = set_up_with_nothing(&server, "ui-history-sync");
    assert_eq!(stored(&profile), 0, "nothing downloaded");

    let (_app, window) = online_app_window(profile.clone(), 900, 700);
    let progress = find::<gtk::Box>(&window, "history-progress");
    assert!(!progress.is_visible(), "no download runs");

    // Account Details: Download History, Everything.
    let (details, row) = choose_in_details(&window, "Account Details", "Everything");
    assert_eq!(row.selected(), 3);
    screenshot(&details, "account-details-history");
    details.close();

    // The sidebar says how far the download got, counting up.
    let label = all::<gtk::Label>(&progress).into_iter().next().expect("label");
    let count = || progress_count(&label, "Downloading history… ", " messages");
    pump_until("the progress line", WAIT, || {
        progress.is_visible() && count().is_some_and(|n| n >= 300)
    });
    let first = count().expect("a count");
    // The conversation is there while the rest comes.
    let conversations = window.main_view().conversation_list();
    pump_until("the conversation during the download", WAIT, || {
        conversations.model().is_some_and(|m| m.n_items() == 1)
    });
    // History from before the choice, not unread messages.
    let row = conversations
        .model()
        .and_then(|m| m.item(0))
        .and_downcast::<balcony::model::ConversationObject>()
        .expect("the conversation");
    assert_eq!(row.unread(), 0);
    screenshot_styles(&window, "history-progress");
    window.set_default_size(360, 700);
    pump_until("narrow", WAIT, || window.width() <= 400);
    screenshot(&window, "history-progress-narrow");
    window.set_default_size(900, 700);
    pump_until("a higher count", WAIT, || {
        !progress.is_visible() || count().is_some_and(|n| n > first)
    });
    assert!(first < ARCHIVED, "{first}: seen while under way");

    // Done: the line goes, and the whole archive is stored.
    pump_until("the download's end", Duration::from_secs(60), || {
        !progress.is_visible()
    });
    assert_eq!(stored(&profile), ARCHIVED);
    window.close();
}
