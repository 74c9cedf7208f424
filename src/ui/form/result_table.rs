//! A result table (`<reported/>` and `<item/>`) as a column view.

use adw::prelude::*;

use crate::core::forms::{Field, Form};

fn cell_text(item: &[Field], column: &Field) -> String {
    item.iter()
        .find(|f| f.var.is_some() && f.var == column.var)
        .map(|f| f.values.join(", "))
        .unwrap_or_default()
}

/// The table of `form`'s items, one column per reported field.
pub fn table(form: &Form) -> gtk::Widget {
    let store = gtk::gio::ListStore::new::<glib::BoxedAnyObject>();
    for item in &form.items {
        let cells: Vec<String> = form.reported.iter().map(|c| cell_text(item, c)).collect();
        store.append(&glib::BoxedAnyObject::new(cells));
    }
    let view = gtk::ColumnView::builder()
        .model(&gtk::NoSelection::new(Some(store)))
        .name("result-table")
        .show_row_separators(true)
        .reorderable(false)
        .css_classes(["data-table"])
        .build();
    for (i, column) in form.reported.iter().enumerate() {
        let factory = gtk::SignalListItemFactory::new();
        factory.connect_setup(|_, item| {
            if let Some(item) = item.downcast_ref::<gtk::ListItem>() {
                let label = gtk::Label::builder()
                    .xalign(0.0)
                    .wrap(true)
                    .margin_top(4)
                    .margin_bottom(4)
                    .build();
                item.set_child(Some(&label));
            }
        });
        factory.connect_bind(move |_, item| {
            let Some(item) = item.downcast_ref::<gtk::ListItem>() else {
                return;
            };
            let (Some(label), Some(row)) = (
                item.child().and_downcast::<gtk::Label>(),
                item.item().and_downcast::<glib::BoxedAnyObject>(),
            ) else {
                return;
            };
            let cells = row.borrow::<Vec<String>>();
            label.set_label(cells.get(i).map(String::as_str).unwrap_or_default());
        });
        let col = gtk::ColumnViewColumn::new(Some(column.title()), Some(factory));
        col.set_expand(true);
        col.set_resizable(true);
        view.append_column(&col);
    }
    let scrolled = gtk::ScrolledWindow::builder()
        .child(&view)
        .min_content_height(160)
        .propagate_natural_height(true)
        .max_content_height(480)
        .css_classes(["card"])
        .build();
    scrolled.upcast()
}
