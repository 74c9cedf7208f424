//! `make bench` (under Xvfb): rendering a 200-field data form, from the
//! parsed form to its first drawn frame in a window, with every field type
//! in the mix (and a 100-option list every tenth field), then scrolled from
//! top to bottom as its hidden rows are shown on approach.

use std::time::{Duration, Instant};

use adw::prelude::*;
use balcony::{
    core::forms::{Field, FieldKind, FieldOption, Form, FormKind},
    ui::form::{Bob, FormView},
};

const FIELDS: usize = 200;

fn form() -> Form {
    let kinds = [
        FieldKind::TextSingle,
        FieldKind::TextPrivate,
        FieldKind::JidSingle,
        FieldKind::Boolean,
        FieldKind::ListSingle,
        FieldKind::TextMulti,
        FieldKind::ListMulti,
        FieldKind::JidMulti,
        FieldKind::Fixed,
        FieldKind::ListSingle,
    ];
    let mut form = Form::new(FormKind::Form);
    form.title = Some("Two hundred fields".into());
    for i in 0..FIELDS {
        let kind = kinds[i % kinds.len()];
        let mut field = Field::new(&format!("field{i}"), kind);
        field.label = Some(format!("Field number {i}"));
        field.required = i % 3 == 0;
        let options = match (kind, i % 10) {
            (FieldKind::ListSingle, 9) => 100,
            (FieldKind::ListSingle | FieldKind::ListMulti, _) => 4,
            _ => 0,
        };
        field.options = (0..options)
            .map(|o| FieldOption {
                label: Some(format!("Option {o}")),
                value: format!("o{o}"),
            })
            .collect();
        form.fields.push(field);
    }
    form
}

struct Run {
    first: Duration,
    whole: Duration,
    longest_fill: Duration,
    longest_scroll: Duration,
    scroll: Duration,
}

/// Runs the main loop without blocking until `done`, and returns the
/// longest iteration (time spent waiting for the next frame not counted).
fn busy_until(what: &str, mut step: impl FnMut() -> bool) -> Duration {
    let ctx = glib::MainContext::default();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut longest = Duration::ZERO;
    while !step() {
        assert!(Instant::now() < deadline, "{what} took over 30 s");
        let t = Instant::now();
        if ctx.iteration(false) {
            longest = longest.max(t.elapsed());
        } else {
            std::thread::sleep(Duration::from_micros(500));
        }
    }
    longest
}

fn render_once(form: &Form) -> Run {
    let started = Instant::now();
    let view = FormView::new();
    view.set_form(form, &Bob::new(), true);
    let scrolled = gtk::ScrolledWindow::builder().child(&view).build();
    let window = adw::Window::builder()
        .content(&scrolled)
        .default_width(720)
        .default_height(900)
        .build();
    window.present();
    gtk::test_widget_wait_for_draw(&window);
    let first = started.elapsed();
    let ctx = glib::MainContext::default();
    let mut longest = Duration::ZERO;
    while !view.is_complete() {
        let t = Instant::now();
        ctx.iteration(true);
        longest = longest.max(t.elapsed());
    }
    gtk::test_widget_wait_for_draw(&window);
    let whole = started.elapsed();
    assert_eq!(view.form().map(|f| f.fields.len()), Some(FIELDS));
    assert!(view.held_back() > 0, "rows far below the view wait hidden");
    // A person scrolling down the whole form, 200 px a frame (a fast
    // fling): the hidden rows are shown as they come near.
    let adj = scrolled.vadjustment();
    let clock = window.frame_clock().expect("a frame clock");
    let scrolling = Instant::now();
    let mut frame = clock.frame_counter();
    let longest_scroll = busy_until("scrolling to the end", || {
        let end = adj.upper() - adj.page_size();
        if view.held_back() == 0 && adj.value() >= end {
            return true;
        }
        if clock.frame_counter() != frame {
            frame = clock.frame_counter();
            adj.set_value((adj.value() + 200.0).min(end));
        }
        false
    });
    let scroll = scrolling.elapsed();
    window.close();
    while ctx.pending() {
        ctx.iteration(false);
    }
    Run {
        first,
        whole,
        longest_fill: longest,
        longest_scroll,
        scroll,
    }
}

fn main() {
    // As the app's own `main` does first.
    balcony::ui::prepare_environment();
    adw::init().expect("libadwaita");
    balcony::ui::init_resources();
    balcony::ui::init_display();
    let form = form();
    let cold = render_once(&form).first;
    let runs: Vec<Run> = (0..5).map(|_| render_once(&form)).collect();
    let stall = runs.iter().map(|r| r.longest_fill).max().unwrap_or_default();
    let scroll_stall = runs.iter().map(|r| r.longest_scroll).max().unwrap_or_default();
    let mut first: Vec<Duration> = runs.iter().map(|r| r.first).collect();
    let mut whole: Vec<Duration> = runs.iter().map(|r| r.whole).collect();
    let mut scroll: Vec<Duration> = runs.iter().map(|r| r.scroll).collect();
    first.sort();
    whole.sort();
    scroll.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let verdict = |value: f64, budget: f64| if value <= budget { "ok" } else { "over" };
    let worst = ms(first[first.len() - 1]);
    println!(
        "bench: form_render {worst:.1} ms budget <= 100 {} (worst of 5: a {FIELDS}-field form in a new window to its first frame, which shows the first 12 fields; median {:.1} ms; cold {:.1} ms)",
        verdict(worst, 100.0),
        ms(first[2]),
        ms(cold),
    );
    let longest = ms(stall);
    println!(
        "bench: form_fill_iteration {longest:.1} ms budget <= 16 {} (the longest main-loop iteration while the rest of the form is built in idle batches of 4 fields, over 5 runs)",
        verdict(longest, 16.0),
    );
    let built = ms(whole[2]);
    println!(
        "bench: form_whole {built:.1} ms budget <= 400 {} (median of 5: all {FIELDS} fields' editors built, the first screens drawn, the rest waiting hidden until scrolled near; worst {:.1} ms)",
        verdict(built, 400.0),
        ms(whole[whole.len() - 1]),
    );
    let longest = ms(scroll_stall);
    println!(
        "bench: form_scroll_iteration {longest:.1} ms budget <= 16 {} (the longest main-loop iteration while scrolling from the top to the end of the built form at 200 px a frame, its hidden rows shown as they come near, over 5 runs; the whole scroll took {:.0} ms, median)",
        verdict(longest, 16.0),
        ms(scroll[2]),
    );
}
