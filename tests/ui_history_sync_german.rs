//! The history download in German (LANGUAGE=de, Xvfb), by real clicks:
//! "Verlauf herunterladen" in the account's details, and the sidebar's
//! "Verlauf wird heruntergeladen … N Nachrichten" while it runs
//! (screenshots light and dark).

mod support;

use std::time::Duration;

use adw::prelude::*;
use support::{
    history_download::{choose_in_details, progress_count, set_up_with_nothing, slow_archive},
    ui::{all, find, init, online_app_window, pump_until, screenshot, screenshot_styles},
};

const WAIT: Duration = Duration::from_secs(30);

#[gtk::test]
fn the_history_download_speaks_german() {
    // Before anything reads the locale.
    std::env::set_var("LANGUAGE", "de");
    init();
    let server = slow_archive(2_000);
    let profile = set_up_with_nothing(&server, "ui-history-sync-de");
    let (_app, window) = online_app_window(profile, 900, 700);
    let (details, row) = choose_in_details(&window, "Kontodetails", "Alles");
    assert_eq!(row.title(), "Verlauf herunterladen");
    assert!(
        row.subtitle().is_some_and(|s| s.starts_with("Wie weit zurück")),
        "{:?}",
        row.subtitle()
    );
    screenshot(&details, "account-details-history-de");
    details.close();
    let progress = find::<gtk::Box>(&window, "history-progress");
    let label = all::<gtk::Label>(&progress).into_iter().next().expect("label");
    pump_until("the German progress line", WAIT, || {
        progress.is_visible()
            && progress_count(&label, "Verlauf wird heruntergeladen … ", " Nachrichten")
                .is_some_and(|n| n >= 200)
    });
    screenshot_styles(&window, "history-progress-de");
    pump_until("the download's end", Duration::from_secs(60), || {
        !progress.is_visible()
    });
    window.close();
}
