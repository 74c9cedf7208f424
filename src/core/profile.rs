//! A profile directory holds everything one Balcony instance keeps:
//! the database, the credential files and (in the UI) the settings file.

use std::{
    fs, io,
    path::{Path, PathBuf},
};

#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;

/// A profile directory on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    dir: PathBuf,
}

impl Profile {
    /// Opens (and creates, readable only by the user) the profile at `dir`.
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<Self> {
        let dir = dir.into();
        create_private_dir(&dir)?;
        Ok(Self { dir })
    }

    /// The profile directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The SQLite database.
    pub fn database_path(&self) -> PathBuf {
        self.dir.join("balcony.sqlite")
    }

    /// The directory of password files (used only when the user chose it).
    pub fn credentials_dir(&self) -> PathBuf {
        self.dir.join("credentials")
    }

    /// The GSettings keyfile used when running with an explicit profile.
    pub fn settings_path(&self) -> PathBuf {
        self.dir.join("settings.ini")
    }

    /// The profile's instance lock, if no other process holds it: the app
    /// that gets it is the only one running on this profile. Released when
    /// the returned value is dropped (or the process ends).
    pub fn lock_instance(&self) -> Option<InstanceLock> {
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join("instance.lock"))
            .ok()?;
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: flock on a descriptor this function owns.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
                return None;
            }
        }
        Some(InstanceLock { _file: file })
    }
}

/// Held while this process is the app running on a profile.
#[derive(Debug)]
pub struct InstanceLock {
    _file: fs::File,
}

/// Creates `dir` (and parents) with mode 0700 for the last component.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_dir_is_private() {
        let base = std::env::temp_dir().join(format!("balcony-profile-{}", std::process::id()));
        let profile = Profile::open(base.join("p")).expect("profile");
        let mode = fs::metadata(profile.dir()).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(profile.database_path().ends_with("balcony.sqlite"));
        fs::remove_dir_all(base).ok();
    }

    #[test]
    fn one_instance_lock_per_profile_at_a_time() {
        let base = std::env::temp_dir().join(format!("balcony-profile-lock-{}", std::process::id()));
        let profile = Profile::open(&base).expect("profile");
        let held = profile.lock_instance().expect("free at first");
        assert!(profile.lock_instance().is_none(), "held");
        drop(held);
        assert!(profile.lock_instance().is_some(), "free again");
        fs::remove_dir_all(base).ok();
    }
}
