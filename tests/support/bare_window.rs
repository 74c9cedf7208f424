//! A bare libadwaita window (a header bar and a status page, the app's
//! default size), in a process of its own: the reference the paint and
//! memory benchmarks compare the app with.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use adw::prelude::*;

/// Set in the bare window's process: `paint` prints the first frame's time
/// and exits; `rss` prints the resident memory after 3 s idle, then exits.
pub const BARE_VAR: &str = "BALCONY_BENCH_BARE_WINDOW";

/// Now, in seconds since the epoch.
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Runs the bare window as [`BARE_VAR`] says.
pub fn bare_window() {
    let rss = std::env::var(BARE_VAR).is_ok_and(|v| v == "rss");
    // The renderer settings the app runs with: no OpenGL under cairo.
    balcony::ui::prepare_environment();
    adw::init().expect("libadwaita");
    let content = gtk::Box::new(gtk::Orientation::Vertical, 0);
    content.append(&adw::HeaderBar::new());
    content.append(
        &adw::StatusPage::builder()
            .icon_name("dialog-information-symbolic")
            .title("Welcome")
            .description("A bare window")
            .vexpand(true)
            .build(),
    );
    let window = adw::Window::builder()
        .content(&content)
        .default_width(960)
        .default_height(680)
        .build();
    window.connect_realize(move |w| {
        if let Some(clock) = w.frame_clock() {
            let done = std::cell::Cell::new(false);
            clock.connect_after_paint(move |_| {
                if done.replace(true) {
                    return;
                }
                if !rss {
                    println!("first-frame {:.4}", unix_now());
                    std::process::exit(0);
                }
                gtk::glib::timeout_add_local_once(Duration::from_secs(3), || {
                    match super::memory::own_rss_mb() {
                        Ok(mb) => println!("rss {mb:.1}"),
                        Err(e) => println!("rss error: {e}"),
                    }
                    std::process::exit(0);
                });
            });
        }
    });
    window.present();
    let ctx = gtk::glib::MainContext::default();
    loop {
        ctx.iteration(true);
    }
}
