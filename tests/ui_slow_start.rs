//! A start where the profile's database is slow to open (another process
//! holds it): the window shows its loading page, with a spinner only once
//! the wait has lasted half a second, and goes on when the database frees.

mod support;

use std::time::{Duration, Instant};

use adw::prelude::*;

use balcony::{model::Client, ui::Window};
use support::{
    profiles,
    ui::{all, find, init, pump_until, screenshot},
};

#[gtk::test]
fn a_slow_database_shows_the_loading_spinner_late_then_goes_on() {
    init();
    let profile = profiles::fresh("ui-slow-start");
    // An empty database, locked the way a writer in another process would.
    let holder = rusqlite::Connection::open(profile.database_path()).expect("database");
    holder
        .execute_batch("CREATE TABLE held(x); BEGIN EXCLUSIVE; INSERT INTO held VALUES (1);")
        .expect("lock");

    let started = Instant::now();
    let client = Client::new(profile).expect("client");
    let window = Window::new(None, &client, None);
    window.set_default_size(900, 640);
    window.present();
    let spinner = find::<gtk::Spinner>(&window, "loading-spinner");
    pump_until("a quarter second", Duration::from_secs(5), || {
        started.elapsed() > Duration::from_millis(250)
    });
    assert_eq!(window.visible_page(), "loading");
    assert!(!spinner.is_visible(), "no spinner for a short wait");
    assert!(
        all::<adw::HeaderBar>(&window).iter().any(|h| h.is_mapped()),
        "a header bar, so the window can be moved and closed while it waits"
    );
    pump_until("the spinner", Duration::from_secs(5), || {
        spinner.is_visible() && spinner.is_spinning()
    });
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert_eq!(window.visible_page(), "loading");
    screenshot(&window, "slow-start");

    holder.execute_batch("COMMIT").expect("unlock");
    pump_until("the setup page", Duration::from_secs(10), || {
        window.visible_page() == "setup"
    });
    assert!(client.start_error().is_none());
    window.close();
    client.shutdown();
}
