//! Fresh profile directories under the cargo target dir.

use balcony::core::profile::Profile;

/// An empty profile named after the test.
pub fn fresh(name: &str) -> Profile {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("profiles")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    Profile::open(dir).expect("profile")
}
