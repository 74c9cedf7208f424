//! The small dot on an avatar that shows someone's availability.

use gtk::prelude::*;

use crate::model::SHOW_NAMES;

/// `avatar` with `dot` on its bottom-right corner, styled as a presence dot.
pub fn overlay(avatar: &adw::Avatar, dot: &gtk::Box) -> gtk::Overlay {
    dot.add_css_class("presence-dot");
    dot.set_halign(gtk::Align::End);
    dot.set_valign(gtk::Align::End);
    let overlay = gtk::Overlay::new();
    overlay.set_child(Some(avatar));
    overlay.add_overlay(dot);
    overlay
}

/// Shows `show` (`available`, …), or hides the dot when it is empty.
pub fn show(dot: &gtk::Box, show: &str) {
    for class in SHOW_NAMES {
        dot.remove_css_class(class);
    }
    dot.set_visible(!show.is_empty());
    if !show.is_empty() {
        dot.add_css_class(show);
    }
}

/// What the dot shows, if it is visible.
pub fn shown(dot: &gtk::Box) -> Option<String> {
    dot.is_visible()
        .then(|| {
            dot.css_classes()
                .into_iter()
                .find(|c| SHOW_NAMES.contains(&c.as_str()))
                .map(|c| c.to_string())
        })
        .flatten()
}
