#![no_main]
//! See `fuzz/src/entries.rs`: forms.

#[path = "../src/entries.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::forms(data));
