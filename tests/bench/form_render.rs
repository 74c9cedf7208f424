//! `make bench` (under Xvfb): rendering a 200-field data form, from the
//! parsed form to its first drawn frame in a window, with every field type
//! in the mix (and a 100-option list every tenth field).

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

fn render_once(form: &Form) -> (Duration, Duration, Duration) {
    let started = Instant::now();
    let view = FormView::new();
    view.set_form(form, &Bob::new(), true);
    let window = adw::Window::builder()
        .content(&gtk::ScrolledWindow::builder().child(&view).build())
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
    window.close();
    while ctx.pending() {
        ctx.iteration(false);
    }
    (first, whole, longest)
}

fn main() {
    // As the app's own `main` does first.
    balcony::ui::prepare_environment();
    adw::init().expect("libadwaita");
    balcony::ui::init_resources();
    balcony::ui::init_display();
    let form = form();
    let (cold, _, _) = render_once(&form);
    let runs: Vec<(Duration, Duration, Duration)> = (0..5).map(|_| render_once(&form)).collect();
    let stall = runs.iter().map(|r| r.2).max().unwrap_or_default();
    let mut first: Vec<Duration> = runs.iter().map(|r| r.0).collect();
    let mut whole: Vec<Duration> = runs.iter().map(|r| r.1).collect();
    first.sort();
    whole.sort();
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
        "bench: form_whole {built:.1} ms budget <= 400 {} (median of 5: all {FIELDS} fields built and drawn; worst {:.1} ms)",
        verdict(built, 400.0),
        ms(whole[whole.len() - 1]),
    );
}
