//! Shared test support: a real Prosody with a test CA, and event helpers.
#![allow(dead_code)]

pub mod events;
pub mod prosody;
