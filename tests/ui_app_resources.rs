//! The app's stylesheet and icons as the application itself loads them
//! (Xvfb): from its resource base path, once, with nothing a test helper
//! adds (this test does not call `support::ui::init`).

mod support;

use adw::prelude::*;
use balcony::core::profile::Profile;
use support::ui::{app_window, find, pump_for};

#[gtk::test]
fn the_application_loads_its_stylesheet_and_icons_once() {
    balcony::ui::init_resources();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ui-app-resources");
    let _ = std::fs::remove_dir_all(&dir);
    let profile = Profile::open(&dir).expect("profile");
    let (app, window) = app_window(profile);
    pump_for(std::time::Duration::from_millis(200));

    // Only our stylesheet gives the presence dot a size (10 px).
    let dot: gtk::Widget = find(&window, "presence-dot");
    let (width, ..) = dot.measure(gtk::Orientation::Horizontal, -1);
    assert_eq!(width, 10, "the presence dot is sized by style.css");

    // Our icons are found, and their path was added once: a second one
    // made GTK load the whole icon theme again as the window was shown.
    let theme = gtk::IconTheme::for_display(&WidgetExt::display(&window));
    assert!(theme.has_icon("im.balcony.Balcony"), "the app's icon is found");
    let ours = theme
        .resource_path()
        .iter()
        .filter(|p| p.trim_end_matches('/') == "/im/balcony/Balcony/icons")
        .count();
    assert_eq!(
        ours,
        1,
        "our icon path is in the theme once: {:?}",
        theme.resource_path()
    );
    window.close();
    app.quit();
}
