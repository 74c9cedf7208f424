//! A long list shown a slice at a time.
//!
//! GTK 4.8's `GtkListView` keeps a row widget for up to 200 items, however
//! few fit on screen, and builds them all as soon as its model fills. For
//! the sidebar's lists (hundreds of conversations, thousands of contacts)
//! that costs most of the start-up time and memory. So the view is given
//! the first rows only, and the slice grows as the list is scrolled
//! towards its end, or when the rows do not fill the view.

use gtk::{gio, glib, prelude::*};

/// Rows shown at first: what a maximised window holds on a 1080p screen.
pub const FIRST_ROWS: u32 = 16;
/// Rows added each time the end comes near.
const MORE_ROWS: u32 = 40;

/// The first rows of a model, growing as they are scrolled through.
#[derive(Debug)]
pub struct GrowingSlice {
    slice: gtk::SliceListModel,
    adjustment: Option<(gtk::Adjustment, [glib::SignalHandlerId; 2])>,
}

impl GrowingSlice {
    /// The first [`FIRST_ROWS`] items of `model`, for `view` (which must be
    /// inside its scrolled window already).
    pub fn new(view: &gtk::ListView, model: &impl IsA<gio::ListModel>) -> Self {
        let slice = gtk::SliceListModel::new(Some(model.clone()), 0, FIRST_ROWS);
        let adjustment = view.vadjustment().map(|adjustment| {
            let near_end = glib::clone!(
                #[weak]
                slice,
                move |a: &gtk::Adjustment| {
                    // Less than half a screenful left below what is shown.
                    if a.value() + 1.5 * a.page_size() >= a.upper() {
                        // Not while the view is being laid out.
                        let size = slice.size().saturating_add(MORE_ROWS);
                        glib::idle_add_local_once(glib::clone!(
                            #[weak]
                            slice,
                            move || grow(&slice, size)
                        ));
                    }
                }
            );
            let handlers = [
                adjustment.connect_value_changed(near_end.clone()),
                adjustment.connect_changed(near_end),
            ];
            (adjustment, handlers)
        });
        Self { slice, adjustment }
    }

    /// The model to show.
    pub fn model(&self) -> &gtk::SliceListModel {
        &self.slice
    }

    /// Grows the slice so that it holds `position`.
    pub fn reveal(&self, position: u32) {
        grow(&self.slice, position.saturating_add(MORE_ROWS));
    }
}

fn grow(slice: &gtk::SliceListModel, size: u32) {
    let all = slice.model().map_or(0, |m| m.n_items());
    let size = size.min(all.max(FIRST_ROWS));
    if size > slice.size() {
        slice.set_size(size);
    }
}

impl Drop for GrowingSlice {
    fn drop(&mut self) {
        if let Some((adjustment, handlers)) = self.adjustment.take() {
            for h in handlers {
                adjustment.disconnect(h);
            }
        }
    }
}
