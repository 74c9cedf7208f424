#![no_main]
//! See `fuzz/src/entries.rs`: omemo.

#[path = "../src/entries.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::omemo(data));
