//! The `paint` figure of `ui_start` (under Xvfb): exec to the first drawn
//! frame of the app's main window (`BALCONY_REPORT_FIRST_FRAME`), on a
//! fresh copy of the cached profile, beside a bare libadwaita window (a
//! header bar and a status page, built by this program in another mode)
//! measured the same way in the same run, with the same renderer settings.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Command, Stdio},
};

use super::support::bare_window::unix_now;
pub use super::support::bare_window::{bare_window, BARE_VAR};

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
        command.env(BARE_VAR, "paint");
        bare.push(first_frame(command) * 1000.0);
        let _ = std::fs::remove_dir_all(&dir);
    }
    (app, bare)
}
