//! One editor per field: the widgets that show it, how to read its values
//! back, and where its problem is shown.

use std::rc::Rc;

use adw::prelude::*;

use super::{choice_editors, jid_list, text_editors};
use crate::core::forms::{Field, FieldKind};

/// Called with the field's index when the user changes it.
pub type Changed = Rc<dyn Fn(usize)>;

/// How an editor is placed on its page.
pub enum Placement {
    /// A row in the page's current list.
    Row(gtk::Widget),
    /// A group of its own, titled by the field.
    Group(adw::PreferencesGroup),
}

/// The widgets of one field and how to read them.
pub struct FieldEditor {
    /// Where it goes.
    pub placement: Placement,
    /// The widget to focus when the field needs attention.
    pub focus: gtk::Widget,
    read: Box<dyn Fn() -> Vec<String>>,
}

impl FieldEditor {
    /// An editor of `placement`, focusing `focus`, read by `read`.
    pub fn new(
        placement: Placement,
        focus: &impl IsA<gtk::Widget>,
        read: impl Fn() -> Vec<String> + 'static,
    ) -> Self {
        FieldEditor {
            placement,
            focus: focus.clone().upcast(),
            read: Box::new(read),
        }
    }

    /// The values as the user left them.
    pub fn values(&self) -> Vec<String> {
        (self.read)()
    }
}

/// The title shown for a field, with a marker when it is required.
pub fn title(field: &Field) -> String {
    if field.required {
        format!("{} *", field.title())
    } else {
        field.title().to_owned()
    }
}

/// The widget name tests use to find a field's input.
pub fn widget_name(field: &Field) -> String {
    format!("field:{}", field.var.as_deref().unwrap_or_default())
}

/// A group of its own for `field`, with its label and description.
pub fn own_group(field: &Field) -> adw::PreferencesGroup {
    let group = adw::PreferencesGroup::builder()
        .title(glib::markup_escape_text(&title(field)))
        .build();
    if let Some(desc) = &field.desc {
        group.set_description(Some(&glib::markup_escape_text(desc)));
    }
    group
}

/// The editor for a field of a form to fill in; `None` for hidden fields.
pub fn editor(field: &Field, index: usize, changed: Changed) -> Option<FieldEditor> {
    let notify = move || changed(index);
    Some(match field.kind {
        FieldKind::Hidden => return None,
        FieldKind::Fixed => text_editors::fixed(field),
        FieldKind::Boolean => text_editors::boolean(field, notify),
        FieldKind::TextSingle | FieldKind::JidSingle | FieldKind::TextPrivate => {
            text_editors::line(field, notify)
        }
        FieldKind::TextMulti => text_editors::lines(field, notify),
        FieldKind::ListSingle => choice_editors::single(field, notify),
        FieldKind::ListMulti => choice_editors::multi(field, notify),
        FieldKind::JidMulti => jid_list::editor(field, notify),
    })
}

/// A read-only view of a field of a result or a completed form.
pub fn read_only(field: &Field) -> Option<FieldEditor> {
    if field.kind == FieldKind::Hidden {
        return None;
    }
    if field.kind == FieldKind::Fixed {
        return Some(text_editors::fixed(field));
    }
    let shown: Vec<String> = field
        .values
        .iter()
        .map(|v| match field.kind {
            FieldKind::Boolean if matches!(v.as_str(), "1" | "true") => crate::i18n::gettext("Yes"),
            FieldKind::Boolean => crate::i18n::gettext("No"),
            FieldKind::TextPrivate => "••••••".to_owned(),
            _ => field
                .options
                .iter()
                .find(|o| &o.value == v)
                .map(|o| o.text().to_owned())
                .unwrap_or_else(|| v.clone()),
        })
        .collect();
    let name = gtk::Label::builder()
        .label(field.title())
        .xalign(0.0)
        .wrap(true)
        .css_classes(["dim-label", "caption"])
        .build();
    let value = gtk::Label::builder()
        .label(shown.join("\n"))
        .name(widget_name(field))
        .xalign(0.0)
        .wrap(true)
        .wrap_mode(gtk::pango::WrapMode::WordChar)
        .selectable(true)
        .build();
    let content = gtk::Box::builder()
        .orientation(gtk::Orientation::Vertical)
        .spacing(3)
        .margin_top(8)
        .margin_bottom(8)
        .margin_start(12)
        .margin_end(12)
        .build();
    content.append(&name);
    content.append(&value);
    let row = adw::PreferencesRow::builder()
        .activatable(false)
        .child(&content)
        .build();
    let values = field.values.clone();
    Some(FieldEditor::new(
        Placement::Row(row.upcast()),
        &value,
        move || values.clone(),
    ))
}
