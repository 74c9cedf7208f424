//! The `paint` figure of `ui_start` (under Xvfb): exec to the first drawn
//! frame of the app's main window (`BALCONY_REPORT_FIRST_FRAME`), on a
//! fresh copy of the cached profile, beside a bare libadwaita window (a
//! header bar and a status page, built by this program in another mode)
//! measured the same way in the same run, with the same renderer settings.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Command, Stdio},
    time::{SystemTime, UNIX_EPOCH},
};

use adw::prelude::*;

/// Set in the bare window's process.
pub const BARE_VAR: &str = "BALCONY_BENCH_BARE_WINDOW";

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// In its own process: the bare window, the app's default size; prints
/// `first-frame <s>` when its first frame is drawn, then exits.
pub fn bare_window() {
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
    window.connect_realize(|w| {
        if let Some(clock) = w.frame_clock() {
            clock.connect_after_paint(|_| {
                println!("first-frame {:.4}", unix_now());
                std::process::exit(0);
            });
        }
    });
    window.present();
    let ctx = gtk::glib::MainContext::default();
    loop {
        ctx.iteration(true);
    }
}

/// Runs `command` and waits for its `first-frame` line; seconds from
/// exec, and the process (to end).
fn first_frame(mut command: Command) -> f64 {
    let started = unix_now();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("a start");
    let stdout = child.stdout.take().expect("stdout");
    let at = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            l.strip_prefix("first-frame ")
                .and_then(|t| t.trim().parse::<f64>().ok())
        })
        .expect("a first frame");
    let _ = child.kill();
    let _ = child.wait();
    at - started
}

/// `runs` alternating starts of the app on copies of `profile` and of the
/// bare window; milliseconds each.
pub fn measure(profile: &Path, scratch: &Path, runs: usize) -> (Vec<f64>, Vec<f64>) {
    let (mut app, mut bare) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let dir = scratch.join(format!("paint-{run}"));
        super::support::profiles::copy_profile(profile, &dir);
        let mut command = Command::new(env!("CARGO_BIN_EXE_balcony"));
        command
            .arg("--profile")
            .arg(&dir)
            .env("BALCONY_REPORT_FIRST_FRAME", "1");
        app.push(first_frame(command) * 1000.0);
        let mut command = Command::new(std::env::current_exe().expect("exe"));
        command.env(BARE_VAR, "1");
        bare.push(first_frame(command) * 1000.0);
        let _ = std::fs::remove_dir_all(&dir);
    }
    (app, bare)
}
