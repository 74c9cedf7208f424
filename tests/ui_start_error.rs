//! A profile whose database Balcony cannot open (a file that is not a
//! database): the window says so on its error page, which can still be
//! moved and closed like any window, and the file is left as it was.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::{model::Client, ui::Window};
use support::{
    profiles,
    ui::{all, init, pump_for, pump_until, screenshot},
};

#[gtk::test]
fn a_database_that_cannot_be_read_shows_the_error_page_and_is_kept() {
    init();
    let profile = profiles::fresh("ui-start-error");
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7 + 13) as u8).collect();
    std::fs::write(profile.database_path(), &garbage).expect("write");

    let client = Client::new(profile.clone()).expect("client");
    let window = Window::new(None, &client, None);
    window.set_default_size(900, 640);
    window.present();
    pump_until("the error page", Duration::from_secs(10), || {
        window.visible_page() == "error"
    });
    // The cross-fade from the loading page ends.
    pump_for(Duration::from_millis(400));
    let error = client.start_error().expect("the worker's reason");
    let page = all::<adw::StatusPage>(&window)
        .into_iter()
        .find(|p| p.is_mapped())
        .expect("a status page on screen");
    let description = page.description().unwrap_or_default();
    assert!(description.contains(&error), "{description}");
    assert!(
        description.contains(&profile.database_path().display().to_string()),
        "{description}"
    );
    assert_eq!(page.icon_name().as_deref(), Some("dialog-error-symbolic"));
    let headers: Vec<adw::HeaderBar> = all::<adw::HeaderBar>(&window)
        .into_iter()
        .filter(|h| h.is_mapped())
        .collect();
    assert_eq!(
        headers.len(),
        1,
        "a header bar, so the window can be moved and closed"
    );
    assert!(headers[0].shows_end_title_buttons());
    screenshot(&window, "start-error");
    window.close();
    client.shutdown();
    assert_eq!(
        std::fs::read(profile.database_path()).expect("read"),
        garbage,
        "the unreadable file is left as it was"
    );
}
