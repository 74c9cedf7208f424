//! The forms renderer and the command dialog speak German with
//! LANGUAGE=de: inline validation, steps and buttons.

mod support;

use std::{path::PathBuf, time::Duration};

use adw::prelude::*;
use balcony::{
    core::forms,
    ui::form::{Bob, FormView},
};
use support::ui::{find, pump_until, screenshot};
use xmpp_parsers::minidom::Element;

#[gtk::test]
fn form_problems_and_steps_are_german() {
    // Only test in this binary, so the process-wide locale is ours to set.
    std::env::set_var("LANGUAGE", "de");
    std::env::set_var("LC_ALL", "de_DE.UTF-8");
    support::ui::init();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let xml = std::fs::read_to_string(dir.join("forms/every-field.xml")).expect("fixture");
    let form = forms::parse(&xml.parse::<Element>().expect("xml")).expect("form");

    let view = FormView::new();
    view.set_form(&form, &Bob::new(), true);
    let scrolled = gtk::ScrolledWindow::builder()
        .child(&adw::Clamp::builder().child(&view).maximum_size(640).build())
        .build();
    let window = adw::Window::builder()
        .content(&scrolled)
        .default_width(720)
        .default_height(900)
        .build();
    window.present();
    pump_until("drawn", Duration::from_secs(10), || view.height() > 0);

    assert!(!view.check());
    let problem: gtk::Label = find(&view, "problem:name");
    assert_eq!(problem.label(), "Dieses Feld ist erforderlich");
    let age: adw::EntryRow = find(&view, "field:age");
    age.set_text("7");
    let problem: gtk::Label = find(&view, "problem:age");
    assert_eq!(problem.label(), "Der kleinste erlaubte Wert ist 18");
    let owner: adw::EntryRow = find(&view, "field:owner");
    owner.set_text("kein@");
    let problem: gtk::Label = find(&view, "problem:owner");
    assert_eq!(problem.label(), "„kein@“ ist keine gültige Adresse");
    screenshot(&window, "form-german");

    let paged = std::fs::read_to_string(dir.join("xep/xep-0141-02.xml")).expect("fixture");
    let body = paged.split_once("-->").map(|(_, b)| b).unwrap_or(&paged);
    let wrapped: Element = format!("<w xmlns='jabber:client'>{body}</w>")
        .parse()
        .expect("xml");
    let x = wrapped
        .children()
        .flat_map(|c| std::iter::once(c).chain(c.children()))
        .find(|c| c.is("x", forms::NS))
        .expect("form");
    view.set_form(&forms::parse(x).expect("form"), &Bob::new(), true);
    let step: gtk::Label = find(&view, "form-step");
    assert_eq!(step.label(), "Schritt 1 von 3: Personal Information");
    let next: gtk::Button = find(&view, "form-next");
    assert_eq!(
        next.label().map(|l| l.replace('_', "")).as_deref(),
        Some("Weiter")
    );
    window.close();
}
