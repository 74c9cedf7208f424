//! Every input the fuzzers ever crashed on (kept in
//! `fuzz/regressions/<target>/`) and every seed (the spec examples in
//! `tests/fixtures/`) goes through the same entry points as in
//! `make fuzz`, without a crash.

#[path = "../fuzz/src/entries.rs"]
mod entries;

use std::path::{Path, PathBuf};

type Entry = fn(&[u8]);

const TARGETS: &[(&str, Entry)] = &[
    ("forms", entries::forms),
    ("stanzas", entries::stanzas),
    ("command_responder", entries::command_responder),
    ("avatar_caps", entries::avatar_caps),
    ("store_open", entries::store_open),
    ("stream_depth", entries::stream_depth),
    ("omemo", entries::omemo),
];

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn kept_crashes_and_seeds_run_clean_through_every_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds = files(&root.join("tests/fixtures/xep"));
    assert!(seeds.len() > 50, "the spec examples are the seeds");
    let mut ran = 0;
    for (name, entry) in TARGETS {
        let kept = files(&root.join("fuzz/regressions").join(name));
        let own_seeds = files(&root.join("fuzz/seeds").join(name));
        for input in kept.iter().chain(&own_seeds).chain(&seeds) {
            let data = std::fs::read(input).expect("input");
            entry(&data);
            ran += 1;
        }
    }
    assert!(ran >= TARGETS.len() * seeds.len());
}
