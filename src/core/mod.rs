//! The headless core: XMPP worker, SQLite store, credentials.
//!
//! Nothing in here may import gtk, glib, gio or adw; `tests/layers.rs` checks it.

pub mod account;
pub mod background_priority;
pub mod bridge;
pub mod contacts;
pub mod credentials;
pub mod files;
pub mod forms;
pub mod history_sync;
pub mod limits;
pub mod logging;
pub mod message;
pub mod omemo;
pub mod privacy;
pub mod profile;
pub mod redact;
pub mod remote_control;
pub mod rooms;
pub mod store;
pub mod worker;
pub mod xml_console;
pub mod xmpp;
pub mod xmpp_uri;
