#![no_main]
//! See `fuzz/src/entries.rs`: store_open.

#[path = "../src/entries.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::store_open(data));
