//! Shared test support: a real Prosody with a test CA, event helpers and
//! UI helpers.
#![allow(dead_code)]

pub mod events;
pub mod peer;
pub mod profiles;
pub mod prosody;
pub mod ui;
