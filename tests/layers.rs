//! The layer rule: `ui → model → core`. `core` never imports gtk, glib,
//! gio or adw; `model` never imports `ui`. And the file-length rule: files
//! in `src/` stay under 600 lines, so that each is about one thing and can
//! be read whole; one that truly cannot be split goes on an allow-list,
//! with its reason.

use std::{fs, path::Path};

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Lines of `source` that reach into one of `crates` (by `use`, `extern
/// crate` or a `crate::` path anywhere in code).
fn offending_lines(source: &str, crates: &[&str]) -> Vec<String> {
    source
        .lines()
        .filter(|line| {
            let code = line.split("//").next().unwrap_or_default();
            crates.iter().any(|c| {
                code.contains(&format!("{c}::"))
                    && !code.contains(&format!("_{c}::"))
                    && !code.contains(&format!("{c}_::"))
                    || code.trim_start().starts_with(&format!("use {c}"))
                    || code.contains(&format!("extern crate {c}"))
            })
        })
        .map(str::to_owned)
        .collect()
}

fn check(dir: &str, crates: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(!files.is_empty(), "no sources under {dir}");
    let mut bad = Vec::new();
    for file in files {
        let source = fs::read_to_string(&file).expect("read");
        for line in offending_lines(&source, crates) {
            bad.push(format!("{}: {}", file.display(), line.trim()));
        }
    }
    bad
}

const GUI_CRATES: &[&str] = &[
    "gtk",
    "gtk4",
    "glib",
    "gio",
    "adw",
    "libadwaita",
    "gdk",
    "gsk",
    "pango",
];

#[test]
fn core_never_imports_gtk_glib_gio_or_adw() {
    let bad = check("src/core", GUI_CRATES);
    assert!(
        bad.is_empty(),
        "src/core reaches into the GUI stack:\n{}",
        bad.join("\n")
    );
}

#[test]
fn model_never_imports_ui() {
    let bad = check("src/model", &["crate::ui", "super::super::ui"]);
    assert!(bad.is_empty(), "src/model reaches into ui:\n{}", bad.join("\n"));
}

#[test]
fn the_checker_catches_violations() {
    let sample = "use gtk::prelude::*;\nfn f() { let _ = glib::MainContext::default(); }\n// gtk::Widget in a comment\nlet s = \"no_gtk::here\";\n";
    let found = offending_lines(sample, GUI_CRATES);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(offending_lines("use crate::core::bridge;", GUI_CRATES).is_empty());
}

/// The most lines a file in `src/` has.
const LIMIT: usize = 600;

/// `(path under src/, reason)`: none today.
const ALLOWED: &[(&str, &str)] = &[];

#[test]
fn no_file_in_src_passes_600_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 100, "found only {} files", files.len());
    let mut long = Vec::new();
    for file in &files {
        let lines = std::fs::read_to_string(file).expect("source").lines().count();
        let name = file
            .strip_prefix(&src)
            .expect("under src")
            .to_string_lossy()
            .into_owned();
        if lines > LIMIT && !ALLOWED.iter().any(|(allowed, _)| *allowed == name) {
            long.push(format!("{name}: {lines} lines"));
        }
    }
    assert!(
        long.is_empty(),
        "over {LIMIT} lines (split them, or allow-list with a reason): {long:#?}"
    );
    for (name, reason) in ALLOWED {
        assert!(!reason.trim().is_empty(), "{name} is allowed without a reason");
    }
}
