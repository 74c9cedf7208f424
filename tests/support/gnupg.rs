//! Keys made by GnuPG, an OpenPGP implementation independent of ours.

use std::{path::PathBuf, process::Command};

/// A new OpenPGP key for `name@balcony.test` made by GnuPG: the exported
/// key block and GnuPG's fingerprint of it (40 hex digits).
pub fn gnupg_key(name: &str) -> (Vec<u8>, String) {
    let home = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("gnupg")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).expect("gnupg home");
    let gpg = |args: &[&str]| {
        let out = Command::new("gpg")
            .arg("--homedir")
            .arg(&home)
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase", ""])
            .args(args)
            .output()
            .expect("gpg (the gnupg package; run `make test`)");
        assert!(
            out.status.success(),
            "gpg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let email = format!("{name}@balcony.test");
    gpg(&[
        "--quick-gen-key",
        &format!("{name} <{email}>"),
        "ed25519",
        "sign",
        "never",
    ]);
    let key = gpg(&["--export", &email]);
    let listing = String::from_utf8(gpg(&["--with-colons", "--fingerprint", &email])).expect("utf-8");
    let fingerprint = listing
        .lines()
        .find(|l| l.starts_with("fpr:"))
        .and_then(|l| l.split(':').nth(9))
        .expect("a fingerprint")
        .to_owned();
    let _ = Command::new("gpgconf")
        .arg("--homedir")
        .arg(&home)
        .args(["--kill", "gpg-agent"])
        .status();
    (key, fingerprint)
}
