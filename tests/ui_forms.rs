//! The data-forms renderer under Xvfb: a form with every field type is
//! filled in by driving its widgets and the submission is checked; inline
//! validation, XEP-0141 steps, result tables and a 10,000-option list.

mod support;

use std::{collections::BTreeMap, path::PathBuf, time::Duration};

use adw::prelude::*;
use balcony::{
    core::forms::{self, Form},
    ui::form::{Bob, FormView},
};
use support::{
    ui::{all, find, pump_for, pump_until, screenshot},
    xinput::{click, key, key_times, scroll_down, type_text},
};
use xmpp_parsers::minidom::Element;

fn fixture(path: &str) -> Form {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    let text = std::fs::read_to_string(full).expect("fixture");
    let body = text.split_once("-->").map(|(_, b)| b).unwrap_or(&text);
    let body = body.trim();
    let element: Element = if body.starts_with("<x ") {
        body.parse().expect("xml")
    } else {
        format!("<w xmlns='jabber:client'>{body}</w>")
            .parse()
            .expect("xml")
    };
    let mut found = vec![&element];
    // XEP examples are stanzas; take their first form.
    fn first_form<'a>(e: &'a Element, out: &mut Vec<&'a Element>) {
        for c in e.children() {
            if c.is("x", forms::NS) {
                out.push(c);
            }
            first_form(c, out);
        }
    }
    if !element.is("x", forms::NS) {
        found.clear();
        first_form(&element, &mut found);
    }
    forms::parse(found[0]).expect("form")
}

fn show(form: &Form, editable: bool, size: (i32, i32)) -> (adw::Window, FormView) {
    let view = FormView::new();
    view.set_form(form, &Bob::new(), editable);
    view.set_margin_top(18);
    view.set_margin_bottom(18);
    view.set_margin_start(18);
    view.set_margin_end(18);
    let clamp = adw::Clamp::builder().child(&view).maximum_size(640).build();
    let scrolled = gtk::ScrolledWindow::builder().child(&clamp).build();
    let window = adw::Window::builder()
        .content(&scrolled)
        .default_width(size.0)
        .default_height(size.1)
        .build();
    window.present();
    pump_until("the form is drawn", Duration::from_secs(10), || view.height() > 0);
    (window, view)
}

fn values(form: &Form) -> BTreeMap<String, Vec<String>> {
    form.fields
        .iter()
        .filter_map(|f| Some((f.var.clone()?, f.values.clone())))
        .collect()
}

fn problem_shown(view: &FormView, var: &str) -> Option<String> {
    let label: gtk::Label = find(view, &format!("problem:{var}"));
    let holder_visible = label.is_visible() && label.parent().is_some_and(|p| p.is_visible());
    (holder_visible && label.is_visible()).then(|| label.label().to_string())
}

#[gtk::test]
fn every_field_type_is_rendered_filled_in_and_submitted() {
    support::ui::init();
    let form = fixture("forms/every-field.xml");
    let (window, view) = show(&form, true, (720, 1000));

    // Required marker, and the hidden FORM_TYPE is not shown at all.
    let name: adw::EntryRow = find(&view, "field:name");
    assert_eq!(name.title(), "Name *");
    assert!(all::<gtk::Widget>(&view)
        .iter()
        .all(|w| w.widget_name() != "field:FORM_TYPE"));
    screenshot(&window, "form-every-field-empty");

    // Submitting empty: the required field is named, inline, and focused.
    assert!(!view.check());
    assert_eq!(
        problem_shown(&view, "name").as_deref(),
        Some("This field is required")
    );
    screenshot(&window, "form-every-field-required");

    name.set_text("Balcony bot");
    assert_eq!(problem_shown(&view, "name"), None, "fixed as soon as typed");
    find::<adw::PasswordEntryRow>(&view, "field:secret").set_text("s3cret");
    let owner: adw::EntryRow = find(&view, "field:owner");
    owner.set_text("not an address@");
    assert_eq!(
        problem_shown(&view, "owner").as_deref(),
        Some("“not an address@” is not a valid address")
    );
    owner.set_text("juliet@capulet.lit");
    find::<gtk::TextView>(&view, "field:notes")
        .buffer()
        .set_text("first line\nsecond line");
    find::<gtk::Switch>(&view, "field:public").set_active(true);
    find::<gtk::CheckButton>(&view, "option:blue").set_active(true);
    let weekday: adw::ComboRow = find(&view, "field:weekday");
    let names = weekday.model().expect("model");
    let friday = (0..names.n_items())
        .find(|i| {
            names
                .item(*i)
                .and_downcast::<gtk::StringObject>()
                .is_some_and(|s| s.string() == "Friday")
        })
        .expect("Friday is offered");
    weekday.set_selected(friday);
    find::<gtk::CheckButton>(&view, "option:weather").set_active(true);
    find::<gtk::CheckButton>(&view, "option:news").set_active(false);
    let add: gtk::Button = find(&view, "field:invite:add");
    add.emit_clicked();
    add.emit_clicked();
    find::<adw::EntryRow>(&view, "field:invite:0").set_text("romeo@montague.lit");
    find::<adw::EntryRow>(&view, "field:invite:1").set_text("nurse@capulet.lit");
    let age: adw::EntryRow = find(&view, "field:age");
    age.set_text("12");
    assert_eq!(
        problem_shown(&view, "age").as_deref(),
        Some("The lowest allowed value is 18")
    );
    age.set_text("thirty");
    assert_eq!(
        problem_shown(&view, "age").as_deref(),
        Some("Enter a whole number")
    );
    age.set_text("30");
    find::<adw::EntryRow>(&view, "field:mood").set_text("cheerful");
    assert!(view.check(), "{:?}", view.form().map(|f| f.validate()));
    screenshot(&window, "form-every-field-filled");
    let scrolled = all::<gtk::ScrolledWindow>(&window)[0].clone();
    let adj = scrolled.vadjustment();
    adj.set_value(adj.upper() - adj.page_size());
    screenshot(&window, "form-every-field-bottom");

    let submission = forms::parse(&view.form().expect("form").submission()).expect("submission");
    let got = values(&submission);
    let expected: BTreeMap<String, Vec<String>> = [
        ("FORM_TYPE", vec!["urn:balcony:test"]),
        ("name", vec!["Balcony bot"]),
        ("secret", vec!["s3cret"]),
        ("owner", vec!["juliet@capulet.lit"]),
        ("notes", vec!["first line", "second line"]),
        ("public", vec!["1"]),
        ("colour", vec!["blue"]),
        ("weekday", vec!["fri"]),
        ("features", vec!["weather"]),
        ("invite", vec!["romeo@montague.lit", "nurse@capulet.lit"]),
        ("age", vec!["30"]),
        ("mood", vec!["cheerful"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(got, expected);
    // Types as the form declared them, the unknown one included.
    let declared: BTreeMap<String, Option<String>> = submission
        .fields
        .iter()
        .filter_map(|f| Some((f.var.clone()?, f.declared_type.clone())))
        .collect();
    assert_eq!(declared["mood"].as_deref(), Some("colour-picker"));
    assert_eq!(declared["invite"].as_deref(), Some("jid-multi"));

    adw::StyleManager::default().set_color_scheme(adw::ColorScheme::ForceDark);
    screenshot(&window, "form-every-field-dark");
    adw::StyleManager::default().set_color_scheme(adw::ColorScheme::Default);
    window.set_default_size(360, 1000);
    pump_for(Duration::from_millis(200));
    screenshot(&window, "form-every-field-360");
    window.close();

    // Pages (XEP-0141) render as steps.
    let paged = fixture("xep/xep-0141-02.xml");
    let (window, view) = show(&paged, true, (720, 900));
    assert_eq!(view.page_count(), 3);
    let step: gtk::Label = find(&view, "form-step");
    assert_eq!(step.label(), "Step 1 of 3: Personal Information");
    find::<gtk::Button>(&view, "form-next").emit_clicked();
    assert_eq!(view.page(), 1);
    assert_eq!(step.label(), "Step 2 of 3: Community Activity");
    screenshot(&window, "form-pages-step-2");
    window.close();

    // A result table.
    let result = fixture("xep/xep-0004-08.xml");
    let (window, view) = show(&result, false, (720, 600));
    let table: gtk::ColumnView = find(&view, "result-table");
    assert_eq!(table.columns().n_items(), 2);
    assert_eq!(table.model().map(|m| m.n_items()), Some(5));
    screenshot(&window, "form-result-table");
    window.close();
}

#[gtk::test]
fn ten_thousand_options_are_searchable() {
    support::ui::init();
    let mut xml = String::from(
        "<x xmlns='jabber:x:data' type='form'><field var='language' type='list-single' label='Language'><required/>",
    );
    for i in 0..10_000 {
        xml.push_str(&format!(
            "<option label='Language {i}'><value>l{i}</value></option>"
        ));
    }
    xml.push_str("</field><field var='region' type='list-multi' label='Region'>");
    for i in 0..300 {
        xml.push_str(&format!(
            "<option label='Region {i}'><value>r{i}</value></option>"
        ));
    }
    xml.push_str("</field></x>");
    let form = forms::parse(&xml.parse::<Element>().expect("xml")).expect("form");
    let started = std::time::Instant::now();
    let (window, view) = show(&form, true, (720, 700));
    let shown_after = started.elapsed();
    assert!(shown_after < Duration::from_secs(3), "{shown_after:?}");

    let list: gtk::ListView = find(&view, "field:language");
    let model = list.model().expect("model");
    let region_list: gtk::ListView = find(&view, "field:region");
    let regions = region_list.model().expect("model");
    // The first screenful at once; the rest only once the user turns to
    // a list, so that a long form makes no rows nobody looks at.
    assert_eq!((model.n_items(), regions.n_items()), (12, 12));
    pump_for(Duration::from_millis(300));
    assert_eq!(
        (model.n_items(), regions.n_items()),
        (12, 12),
        "options listed unasked"
    );
    // Moving the focus into a list (a click on its search, which lists
    // nothing by itself, then Tab) lists the rest of it, a chunk per
    // main-loop turn; the other list stays as it was.
    click(&find::<gtk::SearchEntry>(&view, "field:region:search"));
    pump_for(Duration::from_millis(200));
    assert_eq!(regions.n_items(), 12);
    key(&window, "Tab");
    pump_until("all regions listed", Duration::from_secs(5), || {
        regions.n_items() == 300
    });
    assert_eq!(model.n_items(), 12);
    // So does the mouse wheel over a list (real scroll events), once a
    // click on its search has brought it into the window's view.
    click(&find::<gtk::SearchEntry>(&view, "field:language:search"));
    assert_eq!(model.n_items(), 12);
    scroll_down(&list, 3);
    pump_until("all options listed", Duration::from_secs(5), || {
        model.n_items() == 10_000
    });
    // An option beyond the first screenful, scrolled to, is shown and
    // can be chosen.
    let viewport = region_list.parent().expect("the list's scrolled window");
    let shown_beyond = || {
        all::<gtk::CheckButton>(&region_list)
            .into_iter()
            .filter(|c| c.is_mapped())
            .filter(|c| {
                c.compute_bounds(&viewport)
                    .is_some_and(|b| b.y() >= 0.0 && b.y() + b.height() <= viewport.height() as f32)
            })
            .filter_map(|c| {
                let n: usize = c.label()?.strip_prefix("Region ")?.parse().ok()?;
                (n >= 12).then_some((n, c))
            })
            .min_by_key(|(n, _)| *n)
    };
    let mut beyond = None;
    pump_until(
        "an option beyond the first screenful",
        Duration::from_secs(8),
        || {
            beyond = shown_beyond();
            if beyond.is_none() {
                scroll_down(&region_list, 3);
            }
            beyond.is_some()
        },
    );
    let (n, region) = beyond.expect("shown");
    click(&region);
    pump_until("the region is chosen", Duration::from_secs(5), || {
        region.is_active()
    });
    // As a person does: click the search, type, click the option found.
    let search: gtk::SearchEntry = find(&view, "field:language:search");
    click(&search);
    pump_until("the search has the focus", Duration::from_secs(5), || {
        gtk::prelude::RootExt::focus(&window).is_some_and(|f| f.is_ancestor(&search))
    });
    // Typing lists every option and searches them all.
    type_text(&window, "language 9876");
    pump_until("the search filters", Duration::from_secs(5), || {
        model.n_items() == 1
    });
    let check = pump_until_found(&list, "Language 9876");
    click(&check);
    pump_until("the option is chosen", Duration::from_secs(5), || {
        check.is_active()
    });
    screenshot(&window, "form-ten-thousand-options");
    let submission = view.form().expect("form");
    assert_eq!(
        submission.field("language").map(|f| f.values.clone()),
        Some(vec!["l9876".to_owned()])
    );
    assert_eq!(
        submission.field("region").map(|f| f.values.clone()),
        Some(vec![format!("r{n}")])
    );
    assert!(view.check());
    window.close();
}

/// `fields` text fields `f0`… and a required one after them, `last`.
fn long_form(fields: usize) -> Form {
    let mut xml = String::from("<x xmlns='jabber:x:data' type='form'>");
    for i in 0..fields {
        xml.push_str(&format!(
            "<field var='f{i}' type='text-single' label='Field {i}'/>"
        ));
    }
    xml.push_str("<field var='last' type='text-single' label='Last field'><required/></field></x>");
    forms::parse(&xml.parse::<Element>().expect("xml")).expect("form")
}

/// The `field:` name of the field around the focus in `window`.
fn focused_field(window: &adw::Window) -> Option<String> {
    let mut widget = gtk::prelude::GtkWindowExt::focus(window)?;
    loop {
        let name = widget.widget_name();
        if name.starts_with("field:") {
            return Some(name.to_string());
        }
        widget = widget.parent()?;
    }
}

#[gtk::test]
fn a_long_form_shows_its_rows_as_the_user_comes_near() {
    support::ui::init();
    let (window, view) = show(&long_form(150), true, (720, 700));
    pump_until("the form is built", Duration::from_secs(10), || {
        view.is_complete()
    });
    pump_for(Duration::from_millis(300));
    // Two screens of rows below the view, no more: the rest waits hidden,
    // its values already there.
    let last: adw::EntryRow = find(&view, "field:last");
    assert!(view.held_back() > 0, "every row was shown at once");
    assert!(!last.is_visible(), "the last row is shown before anyone scrolls");
    let held = view.held_back();
    let first_hidden = (0..150)
        .find(|i| !find::<adw::EntryRow>(&view, &format!("field:f{i}")).is_visible())
        .expect("a hidden row");
    assert_eq!(
        view.form().map(|f| f.fields.len()),
        Some(151),
        "every field can be read back"
    );

    // The keyboard: Tab from the first field moves down the form, past
    // the rows shown at first, and the rows it comes to are shown in time.
    click(&find::<adw::EntryRow>(&view, "field:f0"));
    key_times(&window, "Tab", first_hidden as u32 + 10);
    pump_for(Duration::from_millis(300));
    let focused = focused_field(&window).expect("a field has the focus");
    let reached: usize = focused
        .trim_start_matches("field:f")
        .parse()
        .unwrap_or_else(|_| panic!("focus left the fields: {focused}"));
    eprintln!("first hidden row f{first_hidden}, Tab reached {focused}");
    assert!(reached >= first_hidden + 10, "Tab reached only {focused}");
    assert!(view.held_back() < held, "rows were shown as the focus came near");

    // The mouse wheel, as a person scrolls to the end: the last row comes
    // into view, is filled in and submitted.
    let scrolled: gtk::ScrolledWindow = view
        .ancestor(gtk::ScrolledWindow::static_type())
        .and_downcast()
        .expect("scrolled");
    for _ in 0..80 {
        if last.is_mapped() {
            break;
        }
        scroll_down(&scrolled, 10);
    }
    assert!(last.is_mapped(), "the wheel never reached the last row");
    assert_eq!(view.held_back(), 0);
    click(&last);
    type_text(&window, "at the end");
    pump_for(Duration::from_millis(100));
    screenshot(&window, "form-long-end");
    assert!(view.check(), "the form is complete");
    let filled = values(&view.form().expect("form"));
    assert_eq!(filled["last"], vec!["at the end".to_string()]);
    window.close();
}

#[gtk::test]
fn a_check_shows_the_hidden_rows_it_finds_wrong() {
    support::ui::init();
    let (window, view) = show(&long_form(120), true, (720, 700));
    pump_until("the form is built", Duration::from_secs(10), || {
        view.is_complete()
    });
    pump_for(Duration::from_millis(300));
    let last: adw::EntryRow = find(&view, "field:last");
    assert!(!last.is_visible());
    // Submitting with the last (hidden, required) field empty: its row is
    // shown, focused and scrolled to, with the problem under it.
    assert!(!view.check());
    pump_for(Duration::from_millis(300));
    assert!(last.is_mapped(), "the wrong field is not on screen");
    assert_eq!(
        problem_shown(&view, "last").as_deref(),
        Some("This field is required")
    );
    assert_eq!(focused_field(&window).as_deref(), Some("field:last"));
    window.close();
}

#[gtk::test]
fn malformed_forms_render_or_are_refused_clearly() {
    support::ui::init();
    let parse = |xml: &str| forms::parse(&xml.parse::<Element>().expect("xml"));
    // Two fields with one name cannot be submitted unambiguously: refused,
    // with the name in the message the dialog shows.
    let duplicate = parse("<x xmlns='jabber:x:data' type='form'><field var='a'/><field var='a'/></x>");
    assert_eq!(
        duplicate.map_err(|e| e.to_string()),
        Err("two fields are named “a”".to_owned())
    );
    // Usable despite their faults: an unknown type, an option without a
    // value, no FORM_TYPE, a field without a name.
    let form = parse(
        "<x xmlns='jabber:x:data' type='form'>\
         <field var='dial' type='rotary-dial' label='Dial'/>\
         <field var='pick' type='list-single' label='Pick'><option label='Broken'/><option label='Fine'><value>fine</value></option></field>\
         <field label='Nameless' type='text-single'/></x>",
    )
    .expect("usable");
    let (window, view) = show(&form, true, (600, 500));
    find::<adw::EntryRow>(&view, "field:dial").set_text("7");
    find::<gtk::CheckButton>(&view, "option:fine").set_active(true);
    assert!(view.check());
    let submitted = forms::parse(&view.form().expect("form").submission()).expect("submission");
    let vars: Vec<&str> = submitted.fields.iter().filter_map(|f| f.var.as_deref()).collect();
    assert_eq!(vars, ["dial", "pick"]);
    assert_eq!(submitted.form_type(), None);
    assert_eq!(
        submitted.field("pick").map(|f| f.values.clone()),
        Some(vec!["fine".to_owned()])
    );
    screenshot(&window, "form-malformed");
    window.close();
}

/// The check button labelled `label` in `list`, once it is shown.
fn pump_until_found(list: &gtk::ListView, label: &str) -> gtk::CheckButton {
    let mut found = None;
    pump_until("the found option is shown", Duration::from_secs(5), || {
        found = all::<gtk::CheckButton>(list)
            .into_iter()
            .find(|c| c.label().as_deref() == Some(label) && c.is_mapped());
        found.is_some()
    });
    found.expect("shown")
}
