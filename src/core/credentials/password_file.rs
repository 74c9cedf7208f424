//! One file per account, mode 0600, inside `<profile>/credentials/` (0700).

use std::{
    fs,
    io::{self, Write},
    path::PathBuf,
};

#[cfg(unix)]
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

use xmpp_parsers::jid::BareJid;

use super::{CredentialError, Password};
use crate::core::profile::{create_private_dir, Profile};

/// The password files of a profile (or its FAST token files).
#[derive(Debug, Clone)]
pub struct PasswordFile {
    dir: PathBuf,
    extension: &'static str,
}

impl PasswordFile {
    /// The password files of `profile`.
    pub fn new(profile: &Profile) -> Self {
        Self {
            dir: profile.credentials_dir(),
            extension: "password",
        }
    }

    /// The FAST token files of `profile` (XEP-0484), beside the passwords.
    pub fn fast_tokens(profile: &Profile) -> Self {
        Self {
            extension: "fast",
            ..Self::new(profile)
        }
    }

    /// The files of OMEMO store keys: beside the passwords, readable only
    /// by the user.
    pub fn omemo_keys(profile: &Profile) -> Self {
        Self {
            extension: "omemo",
            ..Self::new(profile)
        }
    }

    /// The file for `jid`; the name is hex so that no JID can escape the folder.
    pub fn path(&self, jid: &BareJid) -> PathBuf {
        self.dir
            .join(format!("{}.{}", hex::encode(jid.as_str()), self.extension))
    }

    /// Writes atomically with mode 0600.
    pub fn save(&self, jid: &BareJid, password: &Password) -> Result<(), CredentialError> {
        create_private_dir(&self.dir)?;
        let path = self.path(jid);
        // Each kind of file its own temporary name: a password and a token
        // saved at the same moment must not swap contents.
        let tmp = path.with_extension(format!("{}.tmp", self.extension));
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        options.mode(0o600);
        let mut file = options.open(&tmp)?;
        #[cfg(unix)]
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        file.write_all(password.expose().as_bytes())?;
        file.sync_all()?;
        fs::rename(&tmp, &path)?;
        Ok(())
    }

    /// Reads the password for `jid`.
    pub fn load(&self, jid: &BareJid) -> Result<Password, CredentialError> {
        match fs::read(self.path(jid)) {
            Ok(bytes) => String::from_utf8(bytes)
                .map(Password::new)
                .map_err(|_| CredentialError::NotUtf8),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Err(CredentialError::Missing(jid.clone())),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes the file for `jid`.
    pub fn forget(&self, jid: &BareJid) -> Result<(), CredentialError> {
        match fs::remove_file(self.path(jid)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn password_file_is_private_and_round_trips() {
        let dir = std::env::temp_dir().join(format!("balcony-pwfile-{}", std::process::id()));
        let profile = Profile::open(&dir).expect("profile");
        let files = PasswordFile::new(&profile);
        let jid = BareJid::from_str("juliet..@capulet.lit").expect("jid");
        files
            .save(&jid, &Password::new("s3cret\nwith newline"))
            .expect("save");
        let path = files.path(&jid);
        assert!(path.starts_with(profile.credentials_dir()));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert!(
            name.trim_end_matches(".password")
                .chars()
                .all(|c| c.is_ascii_hexdigit()),
            "{name}"
        );
        assert_eq!(
            fs::metadata(&path).expect("meta").permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(files.load(&jid).expect("load").expose(), "s3cret\nwith newline");
        files.forget(&jid).expect("forget");
        assert!(matches!(files.load(&jid), Err(CredentialError::Missing(_))));
        fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_password_and_a_token_saved_at_once_stay_apart() {
        let dir = std::env::temp_dir().join(format!("balcony-pwfile-race-{}", std::process::id()));
        let profile = Profile::open(&dir).expect("profile");
        let jid = BareJid::from_str("juliet@capulet.lit").expect("jid");
        for round in 0..200 {
            let (passwords, tokens) = (PasswordFile::new(&profile), PasswordFile::fast_tokens(&profile));
            let (a, b) = (jid.clone(), jid.clone());
            let one =
                std::thread::spawn(move || passwords.save(&a, &Password::new(format!("password {round}"))));
            let two = std::thread::spawn(move || tokens.save(&b, &Password::new(format!("token {round}"))));
            one.join().expect("thread").expect("save");
            two.join().expect("thread").expect("save");
            let password = PasswordFile::new(&profile).load(&jid).expect("password");
            let token = PasswordFile::fast_tokens(&profile).load(&jid).expect("token");
            assert_eq!(password.expose(), format!("password {round}"));
            assert_eq!(token.expose(), format!("token {round}"));
        }
        fs::remove_dir_all(dir).ok();
    }
}
