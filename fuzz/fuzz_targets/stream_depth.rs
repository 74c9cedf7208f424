#![no_main]
//! See `fuzz/src/entries.rs`: stream_depth.

#[path = "../src/entries.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::stream_depth(data));
