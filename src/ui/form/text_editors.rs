//! Editors for text, secrets, addresses, several lines, yes/no and fixed
//! text.

use adw::prelude::*;

use super::field_editor::{title, widget_name, FieldEditor, Placement};
use crate::core::forms::{Field, FieldKind};

/// Fixed text: a wrapped label.
pub fn fixed(field: &Field) -> FieldEditor {
    let text: Vec<&str> = field
        .label
        .as_deref()
        .into_iter()
        .chain(field.values.iter().map(String::as_str))
        .collect();
    let label = gtk::Label::builder()
        .label(text.join("\n"))
        .xalign(0.0)
        .wrap(true)
        .selectable(true)
        .margin_top(10)
        .margin_bottom(10)
        .margin_start(12)
        .margin_end(12)
        .build();
    let row = adw::PreferencesRow::builder()
        .activatable(false)
        .child(&label)
        .build();
    let values = field.values.clone();
    FieldEditor::new(Placement::Row(row.upcast()), &label, move || values.clone())
}

/// One line: text, an address, or a secret.
pub fn line(field: &Field, changed: impl Fn() + 'static) -> FieldEditor {
    let row: adw::EntryRow = if field.kind == FieldKind::TextPrivate {
        adw::PasswordEntryRow::new().upcast()
    } else {
        adw::EntryRow::new()
    };
    row.set_title(&title(field));
    row.set_widget_name(&widget_name(field));
    row.set_text(field.value());
    row.set_activates_default(true);
    if let Some(desc) = &field.desc {
        row.set_tooltip_text(Some(desc));
    }
    if field.kind == FieldKind::JidSingle {
        row.set_input_purpose(gtk::InputPurpose::Email);
    }
    row.connect_changed(move |_| changed());
    let reader = row.clone();
    FieldEditor::new(Placement::Row(row.clone().upcast()), &row, move || {
        let text = reader.text().trim().to_owned();
        if text.is_empty() {
            Vec::new()
        } else {
            vec![text]
        }
    })
}

/// Several lines, one value per line.
pub fn lines(field: &Field, changed: impl Fn() + 'static) -> FieldEditor {
    let group = super::field_editor::own_group(field);
    let view = gtk::TextView::builder()
        .name(widget_name(field))
        .wrap_mode(gtk::WrapMode::WordChar)
        .top_margin(8)
        .bottom_margin(8)
        .left_margin(8)
        .right_margin(8)
        .accepts_tab(false)
        .build();
    view.buffer().set_text(&field.values.join("\n"));
    view.buffer().connect_changed(move |_| changed());
    let scrolled = gtk::ScrolledWindow::builder()
        .child(&view)
        .min_content_height(96)
        .hscrollbar_policy(gtk::PolicyType::Never)
        .build();
    let frame = gtk::Frame::builder().child(&scrolled).build();
    group.add(&frame);
    let buffer = view.buffer();
    FieldEditor::new(Placement::Group(group), &view, move || {
        let text = buffer.text(&buffer.start_iter(), &buffer.end_iter(), false);
        let text = text.trim_end_matches('\n');
        if text.is_empty() {
            Vec::new()
        } else {
            text.split('\n').map(str::to_owned).collect()
        }
    })
}

/// Yes or no: a switch row.
pub fn boolean(field: &Field, changed: impl Fn() + 'static) -> FieldEditor {
    let switch = gtk::Switch::builder()
        .name(widget_name(field))
        .active(field.is_true())
        .valign(gtk::Align::Center)
        .build();
    // A plain row (title, description, switch) rather than an action row:
    // a long form has many, and this one is a third of the widgets.
    let text = gtk::Box::builder()
        .orientation(gtk::Orientation::Vertical)
        .valign(gtk::Align::Center)
        .hexpand(true)
        .spacing(2)
        .build();
    text.append(
        &gtk::Label::builder()
            .label(title(field))
            .xalign(0.0)
            .wrap(true)
            .build(),
    );
    if let Some(desc) = &field.desc {
        text.append(
            &gtk::Label::builder()
                .label(desc.as_str())
                .xalign(0.0)
                .wrap(true)
                .css_classes(["dim-label", "caption"])
                .build(),
        );
    }
    let line = gtk::Box::builder()
        .spacing(12)
        .margin_start(12)
        .margin_end(12)
        .margin_top(8)
        .margin_bottom(8)
        .build();
    line.append(&text);
    line.append(&switch);
    // A click on the text flips the switch, as on an action row.
    let flip = gtk::GestureClick::new();
    let target = switch.clone();
    flip.connect_released(move |_, _, _, _| target.set_active(!target.is_active()));
    text.add_controller(flip);
    let row = adw::PreferencesRow::builder()
        .child(&line)
        .title(title(field))
        .activatable(false)
        .build();
    switch.connect_active_notify(move |_| changed());
    let reader = switch.clone();
    FieldEditor::new(Placement::Row(row.upcast()), &switch, move || {
        vec![if reader.is_active() { "1" } else { "0" }.to_owned()]
    })
}
