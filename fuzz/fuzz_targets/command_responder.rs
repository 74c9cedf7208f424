#![no_main]
//! See `fuzz/src/entries.rs`: command_responder.

#[path = "../src/entries.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::command_responder(data));
