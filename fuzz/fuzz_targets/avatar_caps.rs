#![no_main]
//! See `fuzz/src/entries.rs`: avatar_caps.

#[path = "../src/entries.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::avatar_caps(data));
