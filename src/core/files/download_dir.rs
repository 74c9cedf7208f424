//! Where downloads go: the user's Downloads folder (XDG user dirs), and a
//! name there that overwrites nothing.

use std::path::{Path, PathBuf};

/// The user's Downloads folder: `XDG_DOWNLOAD_DIR` from
/// `$XDG_CONFIG_HOME/user-dirs.dirs` (as xdg-user-dirs writes it), else
/// `~/Downloads`.
pub fn user_downloads() -> PathBuf {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| home.join(".config"));
    std::fs::read_to_string(config.join("user-dirs.dirs"))
        .ok()
        .and_then(|text| from_user_dirs(&text, &home))
        .unwrap_or_else(|| home.join("Downloads"))
}

/// `XDG_DOWNLOAD_DIR` from the text of a `user-dirs.dirs` file.
fn from_user_dirs(text: &str, home: &Path) -> Option<PathBuf> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("XDG_DOWNLOAD_DIR="))?;
    let value = line.trim_start_matches("XDG_DOWNLOAD_DIR=").trim_matches('"');
    let path = match value.strip_prefix("$HOME") {
        Some(rest) => home.join(rest.trim_start_matches('/')),
        None if value.starts_with('/') => PathBuf::from(value),
        None => return None,
    };
    // xdg-user-dirs sets it to $HOME itself when the folder is disabled.
    (path != home).then_some(path)
}

/// A path in `dir` for `name` that does not exist yet: the name itself,
/// else `name (1).ext`, `name (2).ext`, … (at most 10,000 tries).
pub fn unused_path(dir: &Path, name: &str) -> Option<PathBuf> {
    let first = dir.join(name);
    if !first.exists() {
        return Some(first);
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, format!(".{ext}")),
        _ => (name, String::new()),
    };
    (1..10_000)
        .map(|n| dir.join(format!("{stem} ({n}){ext}")))
        .find(|p| !p.exists())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_dirs_file_is_read_like_xdg_user_dirs_writes_it() {
        let home = Path::new("/home/ana");
        let text = "# comment\nXDG_DESKTOP_DIR=\"$HOME/Desktop\"\nXDG_DOWNLOAD_DIR=\"$HOME/Herunterladen\"\n";
        assert_eq!(from_user_dirs(text, home), Some(home.join("Herunterladen")));
        assert_eq!(
            from_user_dirs("XDG_DOWNLOAD_DIR=\"/data/dl\"", home),
            Some("/data/dl".into())
        );
        assert_eq!(from_user_dirs("XDG_DOWNLOAD_DIR=\"$HOME/\"", home), None);
        assert_eq!(from_user_dirs("XDG_DOWNLOAD_DIR=\"relative\"", home), None);
        assert_eq!(from_user_dirs("", home), None);
    }

    #[test]
    fn a_name_clash_gets_a_number() {
        let dir = std::env::temp_dir().join(format!("balcony-unused-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        assert_eq!(unused_path(&dir, "a.txt"), Some(dir.join("a.txt")));
        std::fs::write(dir.join("a.txt"), b"x").expect("write");
        assert_eq!(unused_path(&dir, "a.txt"), Some(dir.join("a (1).txt")));
        std::fs::write(dir.join("a (1).txt"), b"x").expect("write");
        assert_eq!(unused_path(&dir, "a.txt"), Some(dir.join("a (2).txt")));
        std::fs::write(dir.join("README"), b"x").expect("write");
        assert_eq!(unused_path(&dir, "README"), Some(dir.join("README (1)")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
