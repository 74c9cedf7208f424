//! Several addresses: an editable list with a row per address and an
//! "Add address" button.

use std::{cell::RefCell, rc::Rc};

use adw::prelude::*;

use super::field_editor::{own_group, widget_name, FieldEditor, Placement};
use crate::{core::forms::Field, i18n::gettext};

type Rows = Rc<RefCell<Vec<adw::EntryRow>>>;

fn add_row(
    group: &adw::PreferencesGroup,
    rows: &Rows,
    text: &str,
    changed: &Rc<dyn Fn()>,
    name: &str,
) -> adw::EntryRow {
    let row = adw::EntryRow::builder()
        .title(gettext("Address"))
        .text(text)
        .name(format!("{name}:{}", rows.borrow().len()))
        .build();
    row.set_input_purpose(gtk::InputPurpose::Email);
    let remove = gtk::Button::builder()
        .icon_name("user-trash-symbolic")
        .tooltip_text(gettext("Remove"))
        .valign(gtk::Align::Center)
        .css_classes(["flat"])
        .build();
    {
        let (group, rows, row, changed) = (group.clone(), rows.clone(), row.clone(), changed.clone());
        remove.connect_clicked(move |_| {
            group.remove(&row);
            rows.borrow_mut().retain(|r| r != &row);
            changed();
        });
    }
    row.add_suffix(&remove);
    {
        let changed = changed.clone();
        row.connect_changed(move |_| changed());
    }
    group.add(&row);
    rows.borrow_mut().push(row.clone());
    row
}

/// The editor of a jid-multi field.
pub fn editor(field: &Field, changed: impl Fn() + 'static) -> FieldEditor {
    let group = own_group(field);
    let changed: Rc<dyn Fn()> = Rc::new(changed);
    let rows: Rows = Rc::default();
    for value in &field.values {
        add_row(&group, &rows, value, &changed, &widget_name(field));
    }
    let add = gtk::Button::builder()
        .icon_name("list-add-symbolic")
        .tooltip_text(gettext("Add Address"))
        .name(format!("{}:add", widget_name(field)))
        .css_classes(["flat"])
        .build();
    {
        let (group, rows, changed, name) = (group.clone(), rows.clone(), changed.clone(), widget_name(field));
        add.connect_clicked(move |_| {
            let row = add_row(&group, &rows, "", &changed, &name);
            row.grab_focus();
        });
    }
    group.set_header_suffix(Some(&add));
    FieldEditor::new(Placement::Group(group), &add, move || {
        rows.borrow()
            .iter()
            .map(|r| r.text().trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect()
    })
}
