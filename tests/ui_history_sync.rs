//! A wider history choice made in the account's details, by real clicks,
//! downloads the archive in the background while the sidebar shows how
//! far it got; the line goes when it is done, and every message is stored.
//! (The test server holds each archive query a quarter of a second, so
//! that the progress can be watched.)

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::core::{
    history_sync::{now_ms, HistoryChoice, HistoryPolicy},
    store::Store,
};
use support::{
    prosody::Prosody,
    ui::{
        all, click_main_menu_item, dialog_of, find, init, online_app_window, pump_until, screenshot,
        screenshot_styles,
    },
    xinput::click,
};
use xmpp_parsers::jid::BareJid;

const WAIT: Duration = Duration::from_secs(30);
const ARCHIVED: u64 = 3_000;

#[gtk::test]
fn a_history_download_chosen_in_the_details_shows_its_progress() {
    init();
    let server = Prosody::start_with(
        &["balcony_archive_fill"],
        &format!(
            "max_archive_query_results = 100\nmodules_disabled = {{ \"s2s\", \"offline\" }}\n\
             balcony_archive_fill = {{ user = \"juliet\", with = \"romeo@balcony.test\", count = {ARCHIVED}, step = 120, newest = 60 }}\n\
             balcony_archive_delay = 0.25"
        ),
    );
    server.register("juliet", "pw-j");
    let jid: BareJid = "juliet@balcony.test".parse().expect("jid");
    let romeo: BareJid = "romeo@balcony.test".parse().expect("jid");
    // Set up earlier with "nothing" chosen.
    let profile = support::profiles::fresh("ui-history-sync");
    Store::open(&profile.database_path())
        .expect("store")
        .set_history_policy(&jid, &HistoryPolicy::chosen(HistoryChoice::Nothing, now_ms()))
        .expect("policy");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let setup =
            support::accounts::online_at(&server, &server.c2s_addr(), profile.clone(), "juliet", "pw-j")
                .await;
        setup.worker.shutdown();
    });
    let stored = || {
        Store::open(&profile.database_path())
            .expect("store")
            .count_messages(&jid, &romeo)
            .expect("count")
    };
    assert_eq!(stored(), 0, "nothing downloaded");

    let (_app, window) = online_app_window(profile.clone(), 900, 700);
    let win: gtk::Window = window.clone().upcast();
    let progress = find::<gtk::Box>(&window, "history-progress");
    assert!(!progress.is_visible(), "no download runs");

    // Account Details: Download History, Everything.
    click_main_menu_item(&window, "Account Details");
    pump_until("the details", WAIT, || {
        dialog_of::<adw::PreferencesWindow>(&win).is_some()
    });
    let details = dialog_of::<adw::PreferencesWindow>(&win).expect("details");
    let row = find::<adw::ComboRow>(&details, "history-choice");
    pump_until("the stored choice", WAIT, || row.is_sensitive());
    assert_eq!(row.selected(), 4, "Nothing, as chosen at setup");
    click(&row);
    let item = || {
        all::<gtk::Label>(&row)
            .into_iter()
            .find(|l| l.label() == "Everything" && l.is_mapped())
    };
    pump_until("the choices", WAIT, || item().is_some());
    click(&item().expect("Everything"));
    screenshot(&details, "account-details-history");
    details.close();

    // The sidebar says how far the download got, counting up.
    let label = all::<gtk::Label>(&progress).into_iter().next().expect("label");
    let count = |text: &str| -> Option<u64> {
        text.strip_prefix("Downloading history… ")?
            .strip_suffix(" messages")?
            .replace(',', "")
            .parse()
            .ok()
    };
    pump_until("the progress line", WAIT, || {
        progress.is_visible() && count(&label.label()).is_some_and(|n| n >= 300)
    });
    let first = count(&label.label()).expect("a count");
    // The conversation is there while the rest comes.
    let conversations = window.main_view().conversation_list();
    pump_until("the conversation during the download", WAIT, || {
        conversations.model().is_some_and(|m| m.n_items() == 1)
    });
    screenshot_styles(&window, "history-progress");
    window.set_default_size(360, 700);
    pump_until("narrow", WAIT, || window.width() <= 400);
    screenshot(&window, "history-progress-narrow");
    window.set_default_size(900, 700);
    pump_until("a higher count", WAIT, || {
        !progress.is_visible() || count(&label.label()).is_some_and(|n| n > first)
    });
    assert!(first < ARCHIVED, "{first}: seen while under way");

    // Done: the line goes, and the whole archive is stored.
    pump_until("the download's end", Duration::from_secs(60), || {
        !progress.is_visible()
    });
    assert_eq!(stored(), ARCHIVED);
    window.close();
}
