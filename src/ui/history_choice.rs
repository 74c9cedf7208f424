//! The "Download History" choice, offered when an account is added and in
//! its details.

use adw::prelude::*;
use gtk::glib;

use crate::{core::history_sync::HistoryChoice, i18n::gettext};

/// The label of each choice, in [`HistoryChoice::ALL`]'s order.
fn label(choice: HistoryChoice) -> String {
    match choice {
        HistoryChoice::Week => gettext("Last Week"),
        HistoryChoice::Month => gettext("Last Month"),
        HistoryChoice::Year => gettext("Last Year"),
        HistoryChoice::Everything => gettext("Everything"),
        HistoryChoice::Nothing => gettext("Nothing"),
    }
}

/// Fills `row` with the choices and selects `current`.
pub fn fill(row: &adw::ComboRow, current: HistoryChoice) {
    let labels: Vec<String> = HistoryChoice::ALL.into_iter().map(label).collect();
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    row.set_model(Some(&gtk::StringList::new(&refs)));
    select(row, current);
}

/// Selects `choice` in a filled row.
pub fn select(row: &adw::ComboRow, choice: HistoryChoice) {
    let index = HistoryChoice::ALL.iter().position(|c| *c == choice).unwrap_or(1);
    row.set_selected(index as u32);
}

/// The choice selected in `row`.
pub fn selected(row: &adw::ComboRow) -> HistoryChoice {
    HistoryChoice::ALL
        .get(row.selected() as usize)
        .copied()
        .unwrap_or_default()
}

/// Calls `f` with each choice the user makes in `row`.
pub fn on_changed(row: &adw::ComboRow, f: impl Fn(HistoryChoice) + 'static) -> glib::SignalHandlerId {
    row.connect_selected_notify(move |row| f(selected(row)))
}
