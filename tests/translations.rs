//! Translations: POTFILES.in is sorted and complete, the template is
//! current, and the German translation is complete.

use std::{fs, path::Path, process::Command};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn potfiles() -> Vec<String> {
    fs::read_to_string(Path::new(ROOT).join("po/POTFILES.in"))
        .expect("POTFILES.in")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<String>) {
    for entry in fs::read_dir(dir).expect("dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(
                p.strip_prefix(ROOT)
                    .expect("under root")
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
}

/// True when `source` has a translatable literal.
fn has_translatable(path: &str, source: &str) -> bool {
    if path.ends_with(".blp") {
        return source.contains("_(\"");
    }
    let compact: String = source.split_whitespace().collect();
    ["gettext(\"", "gettext_f(\"", "ngettext_f(\"", "ngettext(\""]
        .iter()
        .any(|k| compact.contains(k))
}

#[test]
fn potfiles_is_sorted_and_lists_every_file_with_translatable_strings() {
    let listed = potfiles();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "POTFILES.in is not sorted");
    for f in &listed {
        assert!(
            Path::new(ROOT).join(f).exists(),
            "POTFILES.in lists missing file {f}"
        );
    }
    let mut files = Vec::new();
    walk(&Path::new(ROOT).join("src"), &mut files);
    walk(&Path::new(ROOT).join("resources"), &mut files);
    let missing: Vec<_> = files
        .iter()
        .filter(|f| f.ends_with(".rs") || f.ends_with(".blp"))
        .filter(|f| {
            has_translatable(
                f,
                &fs::read_to_string(Path::new(ROOT).join(f)).unwrap_or_default(),
            )
        })
        .filter(|f| !listed.contains(f))
        .collect();
    assert!(
        missing.is_empty(),
        "translatable files missing from po/POTFILES.in: {missing:?}"
    );
}

#[test]
fn the_detector_sees_split_calls() {
    assert!(has_translatable("a.rs", "gettext(\n    \"Hello\")"));
    assert!(!has_translatable("a.rs", "gettextrs::gettext(msgid)"));
    assert!(has_translatable("a.blp", "label: _(\"Hi\");"));
}

fn msgids(pot: &str) -> Vec<String> {
    let out = Command::new("msgcat")
        .args(["--no-location", "--no-wrap", "--sort-output"])
        .arg(pot)
        .output()
        .expect("msgcat");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("msgid") || l.starts_with("msgid_plural"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_template_is_current() {
    let fresh = Path::new(env!("CARGO_TARGET_TMPDIR")).join("balcony-fresh.pot");
    let status = Command::new("bash")
        .arg(Path::new(ROOT).join("po/update-pot.sh"))
        .arg(&fresh)
        .status()
        .expect("update-pot.sh");
    assert!(status.success());
    let committed = Path::new(ROOT).join("po/balcony.pot");
    assert_eq!(
        msgids(committed.to_str().expect("path")),
        msgids(fresh.to_str().expect("path")),
        "po/balcony.pot is stale: run `make po`"
    );
}

#[test]
fn every_language_in_linguas_is_complete() {
    let linguas = fs::read_to_string(Path::new(ROOT).join("po/LINGUAS")).expect("LINGUAS");
    let langs: Vec<&str> = linguas
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(langs.contains(&"de"), "German is required");
    for lang in langs {
        let po = Path::new(ROOT).join(format!("po/{lang}.po"));
        let out = Command::new("msgfmt")
            .args(["--check", "--statistics", "-o", "/dev/null"])
            .arg(&po)
            .output()
            .expect("msgfmt");
        let stats = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{lang}: {stats}");
        assert!(
            !stats.contains("untranslated") && !stats.contains("fuzzy"),
            "{lang} is incomplete: {stats}"
        );
        let cmp = Command::new("msgcmp")
            .arg(&po)
            .arg(Path::new(ROOT).join("po/balcony.pot"))
            .output()
            .expect("msgcmp");
        assert!(
            cmp.status.success(),
            "{lang} lacks messages of the template: {}",
            String::from_utf8_lossy(&cmp.stderr)
        );
    }
}
