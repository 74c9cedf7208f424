//! Compiles the Blueprint templates, CSS and icons into a GResource, the
//! GSettings schema and the translations, so that `cargo run` and
//! `cargo test` work without meson.

use std::{
    env, fs,
    path::{Path, PathBuf},
    process::Command,
};

fn files_with_ext(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_with_ext(&path, ext, out);
        } else if path.extension().and_then(|e| e.to_str()) == Some(ext) {
            out.push(path);
        }
    }
    out.sort();
}

fn run(cmd: &mut Command, what: &str) {
    let status = cmd.status().unwrap_or_else(|e| {
        panic!(
            "{what}: cannot start {:?}: {e} (run `make deps`)",
            cmd.get_program()
        )
    });
    assert!(status.success(), "{what} failed: {cmd:?}");
}

/// Writes `bytes` to `path` only when they differ from what it holds.
/// Cargo takes a file this script depends on that is newer than the
/// script's last start for a change; rewriting an unchanged one would
/// rebuild the crate on every cargo command.
fn write_if_changed(path: &Path, bytes: &[u8]) {
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return;
    }
    fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Copies each file under `from` to the same place under `to`, where it
/// differs.
fn copy_changed(from: &Path, to: &Path) {
    let Ok(entries) = fs::read_dir(from) else {
        return;
    };
    fs::create_dir_all(to).expect("create out dir");
    for entry in entries.flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_changed(&path, &target);
        } else {
            write_if_changed(&target, &fs::read(&path).expect("read compiled file"));
        }
    }
}

fn compile_blueprints(out: &Path) -> Vec<String> {
    let mut blps = Vec::new();
    files_with_ext(Path::new("resources"), "blp", &mut blps);
    let ui_out = out.join("resources");
    let fresh = out.join("resources-compiled");
    let _ = fs::remove_dir_all(&fresh);
    fs::create_dir_all(&fresh).expect("create ui out dir");
    if !blps.is_empty() {
        let mut cmd = Command::new("blueprint-compiler");
        cmd.arg("batch-compile").arg(&fresh).arg("resources").args(&blps);
        run(&mut cmd, "blueprint-compiler");
    }
    copy_changed(&fresh, &ui_out);
    blps.iter()
        .map(|p| {
            p.strip_prefix("resources")
                .expect("under resources")
                .with_extension("ui")
                .to_string_lossy()
                .trim_start_matches('/')
                .to_owned()
        })
        .collect()
}

fn write_gresource_xml(out: &Path, ui_files: &[String]) -> PathBuf {
    let mut files = Vec::new();
    for f in ui_files {
        files.push(format!(
            "    <file compressed=\"true\" preprocess=\"xml-stripblanks\">{f}</file>"
        ));
    }
    let mut static_files = Vec::new();
    files_with_ext(Path::new("resources"), "css", &mut static_files);
    files_with_ext(Path::new("resources"), "svg", &mut static_files);
    for f in static_files {
        let rel = f
            .strip_prefix("resources")
            .expect("under resources")
            .to_string_lossy()
            .into_owned();
        let rel = rel.trim_start_matches('/');
        let attrs = if rel.ends_with(".svg") {
            " preprocess=\"xml-stripblanks\""
        } else {
            ""
        };
        files.push(format!("    <file compressed=\"true\"{attrs}>{rel}</file>"));
    }
    for (src, alias) in [
        (
            "data/icons/hicolor/scalable/apps/im.balcony.Balcony.svg",
            "icons/scalable/apps/im.balcony.Balcony.svg",
        ),
        (
            "data/icons/hicolor/scalable/apps/im.balcony.Balcony.Devel.svg",
            "icons/scalable/apps/im.balcony.Balcony.Devel.svg",
        ),
        (
            "data/icons/hicolor/symbolic/apps/im.balcony.Balcony-symbolic.svg",
            "icons/symbolic/apps/im.balcony.Balcony-symbolic.svg",
        ),
    ] {
        let path = Path::new(src).canonicalize().expect("icon exists");
        files.push(format!(
            "    <file alias=\"{alias}\" preprocess=\"xml-stripblanks\">{}</file>",
            path.display()
        ));
    }
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gresources>\n  <gresource prefix=\"/im/balcony/Balcony\">\n{}\n  </gresource>\n</gresources>\n",
        files.join("\n")
    );
    let path = out.join("balcony.gresource.xml");
    write_if_changed(&path, xml.as_bytes());
    path
}

fn compile_schema(out: &Path) -> PathBuf {
    let dir = out.join("schemas");
    fs::create_dir_all(&dir).expect("schema dir");
    let src = Path::new("data/im.balcony.Balcony.gschema.xml");
    write_if_changed(
        &dir.join("im.balcony.Balcony.gschema.xml"),
        &fs::read(src).expect("read gschema"),
    );
    run(
        Command::new("glib-compile-schemas").arg("--strict").arg(&dir),
        "glib-compile-schemas",
    );
    dir
}

fn compile_translations(out: &Path) -> PathBuf {
    let locale = out.join("locale");
    let linguas = fs::read_to_string("po/LINGUAS").unwrap_or_default();
    for lang in linguas
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let dir = locale.join(lang).join("LC_MESSAGES");
        fs::create_dir_all(&dir).expect("locale dir");
        run(
            Command::new("msgfmt")
                .arg("--check")
                .arg("-o")
                .arg(dir.join("balcony.mo"))
                .arg(format!("po/{lang}.po")),
            "msgfmt",
        );
    }
    locale
}

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    println!("cargo:rerun-if-changed=resources");
    println!("cargo:rerun-if-changed=data/icons");
    println!("cargo:rerun-if-changed=data/im.balcony.Balcony.gschema.xml");
    println!("cargo:rerun-if-changed=po");
    println!("cargo:rerun-if-env-changed=BALCONY_APP_ID");
    println!("cargo:rerun-if-env-changed=BALCONY_LOCALEDIR");

    let ui_files = compile_blueprints(&out);
    let xml = write_gresource_xml(&out, &ui_files);
    let res_out = out.join("resources");
    glib_build_tools::compile_resources(
        &[res_out.as_path(), Path::new("resources")],
        xml.to_str().expect("utf-8 path"),
        "balcony.gresource.compiled",
    );
    write_if_changed(
        &out.join("balcony.gresource"),
        &fs::read(out.join("balcony.gresource.compiled")).expect("compiled gresource"),
    );
    let schema_dir = compile_schema(&out);
    println!(
        "cargo:rustc-env=BALCONY_BUILD_SCHEMA_DIR={}",
        schema_dir.display()
    );
    let locale = compile_translations(&out);
    println!("cargo:rustc-env=BALCONY_BUILD_LOCALEDIR={}", locale.display());
}
