//! Editors for lists: a radio group for a few options, a combo row for
//! more, and a searchable list for many; check rows for several choices,
//! searchable when long.

use std::{cell::RefCell, collections::BTreeSet, rc::Rc};

use adw::prelude::*;

use super::{
    field_editor::{own_group, title, widget_name, FieldEditor, Placement},
    option_picker,
};
use crate::core::forms::{Field, FieldOption};

/// Up to this many options show as radio buttons.
const RADIO_MAX: usize = 5;
/// Beyond this many options a list gets a search.
const SEARCH_FROM: usize = 30;

/// The options, plus the current values that are not among them (an
/// open list, or a value the entity sent anyway), so nothing is lost.
fn choices(field: &Field) -> Vec<FieldOption> {
    let mut options = field.options.clone();
    for v in &field.values {
        if !v.is_empty() && !options.iter().any(|o| &o.value == v) {
            options.push(FieldOption {
                label: None,
                value: v.clone(),
            });
        }
    }
    options
}

/// A row holding one option: a check (or radio) button with the option as
/// its label, filling the row so that a click anywhere on it chooses. Not
/// an action row: a form may hold hundreds of options,
/// and an action row costs several times the widgets to build and lay out.
fn check_row(
    option: &FieldOption,
    group: Option<&gtk::CheckButton>,
    active: bool,
) -> (adw::PreferencesRow, gtk::CheckButton) {
    let check = gtk::CheckButton::builder()
        .label(option.text())
        .active(active)
        .hexpand(true)
        .margin_start(12)
        .margin_end(12)
        .margin_top(8)
        .margin_bottom(8)
        .build();
    if let Some(g) = group {
        check.set_group(Some(g));
    }
    check.set_widget_name(&format!("option:{}", option.value));
    // A preferences row (the group's list takes only those), but not an
    // action row.
    let row = adw::PreferencesRow::builder()
        .child(&check)
        .title(option.text())
        .activatable(false)
        .build();
    (row, check)
}

/// One of the options.
pub fn single(field: &Field, changed: impl Fn() + 'static) -> FieldEditor {
    let options = choices(field);
    if options.len() > SEARCH_FROM {
        return option_picker::editor(field, options, false, changed);
    }
    if options.len() <= RADIO_MAX && !options.is_empty() {
        let group = own_group(field);
        let changed = Rc::new(changed);
        let mut checks: Vec<(gtk::CheckButton, String)> = Vec::new();
        for option in &options {
            let leader = checks.first().map(|(c, _)| c);
            let (row, check) = check_row(option, leader, field.value() == option.value);
            let changed = changed.clone();
            check.connect_toggled(move |c| {
                if c.is_active() {
                    changed()
                }
            });
            group.add(&row);
            checks.push((check, option.value.clone()));
        }
        let focus = checks[0].0.clone();
        return FieldEditor::new(Placement::Group(group), &focus, move || {
            checks
                .iter()
                .filter(|(c, _)| c.is_active())
                .map(|(_, v)| v.clone())
                .collect()
        });
    }
    // A combo row; "nothing chosen" first unless a value is required.
    let mut texts: Vec<String> = Vec::new();
    let offset = usize::from(!field.required || field.value().is_empty());
    if offset == 1 {
        texts.push(crate::i18n::gettext("(none)"));
    }
    texts.extend(options.iter().map(|o| o.text().to_owned()));
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let row = adw::ComboRow::builder()
        .title(glib::markup_escape_text(&title(field)))
        .model(&gtk::StringList::new(&refs))
        .name(widget_name(field))
        .build();
    if let Some(desc) = &field.desc {
        row.set_subtitle(&glib::markup_escape_text(desc));
    }
    let selected = options
        .iter()
        .position(|o| o.value == field.value())
        .map(|i| i + offset)
        .unwrap_or(0);
    row.set_selected(selected as u32);
    row.connect_selected_notify(move |_| changed());
    let reader = row.clone();
    FieldEditor::new(Placement::Row(row.clone().upcast()), &row, move || {
        let i = reader.selected() as usize;
        i.checked_sub(offset)
            .and_then(|i| options.get(i))
            .map(|o| vec![o.value.clone()])
            .unwrap_or_default()
    })
}

/// Several of the options.
pub fn multi(field: &Field, changed: impl Fn() + 'static) -> FieldEditor {
    let options = choices(field);
    if options.len() > SEARCH_FROM {
        return option_picker::editor(field, options, true, changed);
    }
    let group = own_group(field);
    let changed = Rc::new(changed);
    let chosen: Rc<RefCell<BTreeSet<String>>> = Rc::new(RefCell::new(field.values.iter().cloned().collect()));
    let mut first = None;
    for option in &options {
        let (row, check) = check_row(option, None, chosen.borrow().contains(&option.value));
        let (changed, chosen, value) = (changed.clone(), chosen.clone(), option.value.clone());
        check.connect_toggled(move |c| {
            if c.is_active() {
                chosen.borrow_mut().insert(value.clone());
            } else {
                chosen.borrow_mut().remove(&value);
            }
            changed();
        });
        first.get_or_insert(check);
        group.add(&row);
    }
    let focus: gtk::Widget = first
        .map(|c| c.upcast())
        .unwrap_or_else(|| group.clone().upcast());
    FieldEditor::new(Placement::Group(group), &focus, move || {
        // In the options' order, as the form listed them.
        let chosen = chosen.borrow();
        options
            .iter()
            .filter(|o| chosen.contains(&o.value))
            .map(|o| o.value.clone())
            .collect()
    })
}
