//! Balcony: a native GNOME desktop XMPP client.
//!
//! Layers point one way: [`ui`] → [`model`] → [`core`]. `core` is headless and
//! never touches GTK, GLib, GIO or libadwaita (see `tests/layers.rs`).

pub mod cli;
pub mod config;
pub mod core;
pub mod i18n;
pub mod model;
pub mod ui;
