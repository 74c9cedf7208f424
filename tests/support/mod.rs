//! Shared test support: a real Prosody with a test CA, accounts driven
//! through a worker, a bare peer client, the CLI, event and UI helpers.
#![allow(dead_code)]

pub mod accounts;
pub mod command_line;
pub mod events;
pub mod memory;
pub mod notifications;
pub mod peer;
pub mod profiles;
pub mod prosody;
pub mod proxy;
pub mod ui;
