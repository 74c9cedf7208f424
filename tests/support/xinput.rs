//! Real input for UI tests: pointer clicks and key presses injected into
//! the X server (XTEST, by `xdotool`), so that they reach widgets the way a
//! person's do: hit-testing, focus, accelerators, popovers and all.
//!
//! The main loop keeps running while `xdotool` works, so nothing waits on
//! a frozen app. Without a window manager nobody gives a window the input
//! focus, so key presses first focus the X window of the toplevel they
//! are for, as a window manager would when that window is raised.

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use gdk4_x11::X11Surface;
use gtk::{glib, graphene, prelude::*};

/// Runs `xdotool` with `args` while the main loop keeps running.
fn xdotool(args: &[String]) {
    let mut child = Command::new("xdotool")
        .args(args)
        .stdin(Stdio::null())
        .spawn()
        .expect("xdotool (the xdotool package; run `make test`)");
    let ctx = glib::MainContext::default();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().expect("xdotool status") {
            assert!(status.success(), "xdotool {args:?} failed");
            break;
        }
        assert!(Instant::now() < deadline, "xdotool {args:?} hung");
        while ctx.pending() {
            ctx.iteration(false);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    // Let the app handle what arrived.
    let until = Instant::now() + Duration::from_millis(60);
    while Instant::now() < until {
        while ctx.pending() {
            ctx.iteration(false);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The X window of `widget`'s surface, and the widget's centre in it.
fn target(widget: &impl IsA<gtk::Widget>) -> (u64, i32, i32) {
    let widget = widget.as_ref();
    assert!(widget.is_mapped(), "{} is not on screen", widget.widget_name());
    gtk::test_widget_wait_for_draw(widget);
    let native = widget.native().expect("a native ancestor");
    let surface = native.surface().expect("a surface");
    let xid = surface
        .downcast_ref::<X11Surface>()
        .expect("UI tests run on X11 (GDK_BACKEND=x11)")
        .xid();
    let centre = graphene::Point::new(widget.width() as f32 / 2.0, widget.height() as f32 / 2.0);
    let at = widget
        .compute_point(&native, &centre)
        .expect("the widget is in its native");
    let (dx, dy) = native.surface_transform();
    (xid, (at.x() as f64 + dx) as i32, (at.y() as f64 + dy) as i32)
}

/// Scrolls the nearest scrolled window around `widget` so that it is in
/// view, as a person would before clicking it. Positions are taken on the
/// scrolled window itself, so that this holds both for content in a
/// viewport and for a list view's rows (which scroll themselves).
fn scroll_into_view(widget: &gtk::Widget) {
    let Some(scrolled) = widget
        .ancestor(gtk::ScrolledWindow::static_type())
        .and_downcast::<gtk::ScrolledWindow>()
    else {
        return;
    };
    // A page still growing (rows filled in as answers come) may not let
    // the adjustment reach the widget at once: tried again a few times.
    for _ in 0..5 {
        let Some(bounds) = widget.compute_bounds(&scrolled) else {
            return;
        };
        let adj = scrolled.vadjustment();
        let (top, bottom) = (bounds.y() as f64, (bounds.y() + bounds.height()) as f64);
        if top >= 0.0 && bottom <= scrolled.height() as f64 {
            return;
        }
        let value =
            (adj.value() + top - 12.0).clamp(adj.lower(), (adj.upper() - adj.page_size()).max(adj.lower()));
        adj.set_value(value);
        let ctx = glib::MainContext::default();
        let until = Instant::now() + Duration::from_millis(150);
        while Instant::now() < until {
            while ctx.pending() {
                ctx.iteration(false);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

thread_local! {
    /// Where the pointer was last sent: `--sync` waits for a motion that
    /// never comes when the pointer is there already.
    static LAST: std::cell::Cell<Option<(u64, i32, i32)>> = const { std::cell::Cell::new(None) };
}

/// Moves the pointer to (`x`, `y`) in X window `xid` (a pixel lower when
/// it is there already).
fn move_to(xid: u64, x: i32, mut y: i32) {
    if LAST.get() == Some((xid, x, y)) {
        y += 1;
    }
    LAST.set(Some((xid, x, y)));
    xdotool(&[
        "mousemove".into(),
        "--sync".into(),
        "--window".into(),
        xid.to_string(),
        x.to_string(),
        y.to_string(),
    ]);
}

/// Clicks the primary button on the middle of `widget`, scrolled into
/// view first.
pub fn click(widget: &impl IsA<gtk::Widget>) {
    scroll_into_view(widget.as_ref());
    let (xid, x, y) = target(widget);
    move_to(xid, x, y);
    xdotool(&["click".into(), "1".into()]);
}

/// Turns the mouse wheel `clicks` notches down with the pointer over the
/// middle of `widget` (X buttons 5: real scroll events).
pub fn scroll_down(widget: &impl IsA<gtk::Widget>, clicks: u32) {
    let (xid, x, y) = target(widget);
    move_to(xid, x, y);
    xdotool(&[
        "click".into(),
        "--repeat".into(),
        clicks.to_string(),
        "--delay".into(),
        "40".into(),
        "5".into(),
    ]);
}

/// Gives the X input focus to `window`, as a window manager would.
pub fn focus(window: &impl IsA<gtk::Window>) {
    let window: &gtk::Window = window.as_ref();
    let (xid, _, _) = target(window);
    xdotool(&["windowfocus".into(), "--sync".into(), xid.to_string()]);
}

/// Presses and releases `keys` (xdotool names: `ctrl+comma`, `Escape`)
/// with the focus on `window`.
pub fn key(window: &impl IsA<gtk::Window>, keys: &str) {
    focus(window);
    xdotool(&["key".into(), "--clearmodifiers".into(), keys.into()]);
}

/// Presses and releases `keys` `times` times over, as a held-down key
/// repeats.
pub fn key_times(window: &impl IsA<gtk::Window>, keys: &str, times: u32) {
    focus(window);
    xdotool(&[
        "key".into(),
        "--clearmodifiers".into(),
        "--repeat".into(),
        times.to_string(),
        "--delay".into(),
        "40".into(),
        keys.into(),
    ]);
}

/// Types `text` into whatever has the focus in `window`.
pub fn type_text(window: &impl IsA<gtk::Window>, text: &str) {
    focus(window);
    xdotool(&["type".into(), "--delay".into(), "20".into(), text.into()]);
}

/// Drags from the middle of `from` to the middle of `to` with the primary
/// button held, moving in steps as a hand does (XDND between windows).
pub fn drag(from: &impl IsA<gtk::Widget>, to: &impl IsA<gtk::Widget>) {
    drag_over(from, to);
    release();
}

/// Starts dragging from the middle of `from` and holds it over the middle
/// of `to`, the button still down; [`release`] drops it.
pub fn drag_over(from: &impl IsA<gtk::Widget>, to: &impl IsA<gtk::Widget>) {
    let (from_xid, fx, fy) = target(from);
    let (to_xid, tx, ty) = target(to);
    move_to(from_xid, fx, fy);
    xdotool(&["mousedown".into(), "1".into()]);
    for step in 1..=4 {
        move_to(from_xid, fx + step * 6, fy + step * 6);
    }
    for step in 0..=6 {
        move_to(to_xid, tx - (6 - step) * 8, ty - (6 - step) * 4);
        std::thread::sleep(Duration::from_millis(30));
    }
}

/// Lets go of the primary button (ending a drag where the pointer is).
pub fn release() {
    xdotool(&["mouseup".into(), "1".into()]);
}
