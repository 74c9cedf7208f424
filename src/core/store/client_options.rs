//! The options remote control reads and changes (XEP-0146 §4.3), and
//! whether it is on: settings the worker obeys without the UI. The UI
//! writes them from GSettings at start and on every change; a change made
//! by remote control goes back to the UI as an event.

use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};
use crate::core::remote_control::RcOptions;

const ENABLED: &str = "remote-control-enabled";
const KEYS: [&str; 5] = [
    "rc-sounds",
    "rc-auto-offline",
    "rc-auto-msg",
    "rc-auto-auth",
    "rc-auto-files",
];
const DOWNLOAD_DIR: &str = "download-dir";
const CLIENT_ID: &str = "sasl2-client-id";

impl Store {
    fn flag(&self, key: &str) -> Result<Option<bool>, StoreError> {
        let value: Option<String> = self
            .conn
            .prepare_cached("SELECT value FROM worker_settings WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?;
        Ok(value.map(|v| v == "true"))
    }

    fn set_flag(&self, key: &str, on: bool) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO worker_settings (key, value) VALUES (?1, ?2)",
            params![key, if on { "true" } else { "false" }],
        )?;
        Ok(())
    }

    /// This profile's client id for SASL2's `<user-agent/>` (XEP-0388),
    /// made on first use: servers tie FAST tokens to it, so it must stay.
    pub fn client_id(&self) -> Result<uuid::Uuid, StoreError> {
        let value: Option<String> = self
            .conn
            .prepare_cached("SELECT value FROM worker_settings WHERE key = ?1")?
            .query_row([CLIENT_ID], |r| r.get(0))
            .optional()?;
        if let Some(id) = value.as_deref().and_then(|v| uuid::Uuid::parse_str(v).ok()) {
            return Ok(id);
        }
        let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
        self.conn.execute(
            "INSERT OR REPLACE INTO worker_settings (key, value) VALUES (?1, ?2)",
            params![CLIENT_ID, id.to_string()],
        )?;
        Ok(id)
    }

    /// Where downloads go, when set (else the user's Downloads folder).
    pub fn download_dir(&self) -> Result<Option<std::path::PathBuf>, StoreError> {
        let value: Option<String> = self
            .conn
            .prepare_cached("SELECT value FROM worker_settings WHERE key = ?1")?
            .query_row([DOWNLOAD_DIR], |r| r.get(0))
            .optional()?;
        Ok(value.map(std::path::PathBuf::from))
    }

    /// Sets where downloads go (`None`: the user's Downloads folder).
    pub fn set_download_dir(&self, path: Option<&std::path::Path>) -> Result<(), StoreError> {
        match path {
            Some(p) => self.conn.execute(
                "INSERT OR REPLACE INTO worker_settings (key, value) VALUES (?1, ?2)",
                params![DOWNLOAD_DIR, p.to_string_lossy()],
            )?,
            None => self
                .conn
                .execute("DELETE FROM worker_settings WHERE key = ?1", [DOWNLOAD_DIR])?,
        };
        Ok(())
    }

    /// Whether our other devices may control this client (on by default).
    pub fn remote_control_enabled(&self) -> Result<bool, StoreError> {
        Ok(self.flag(ENABLED)?.unwrap_or(true))
    }

    /// Turns the responder on or off.
    pub fn set_remote_control_enabled(&self, on: bool) -> Result<(), StoreError> {
        self.set_flag(ENABLED, on)
    }

    /// The options, with the schema's defaults for those never set.
    pub fn rc_options(&self) -> Result<RcOptions, StoreError> {
        let d = RcOptions::default();
        Ok(RcOptions {
            sounds: self.flag(KEYS[0])?.unwrap_or(d.sounds),
            auto_offline: self.flag(KEYS[1])?.unwrap_or(d.auto_offline),
            auto_msg: self.flag(KEYS[2])?.unwrap_or(d.auto_msg),
            auto_auth: self.flag(KEYS[3])?.unwrap_or(d.auto_auth),
            auto_files: self.flag(KEYS[4])?.unwrap_or(d.auto_files),
        })
    }

    /// Stores the options.
    pub fn set_rc_options(&self, o: RcOptions) -> Result<(), StoreError> {
        for (key, on) in KEYS
            .iter()
            .zip([o.sounds, o.auto_offline, o.auto_msg, o.auto_auth, o.auto_files])
        {
            self.set_flag(key, on)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_until_set_then_what_was_set() {
        let store = Store::open_in_memory().expect("store");
        assert!(store.remote_control_enabled().expect("read"));
        assert_eq!(store.rc_options().expect("read"), RcOptions::default());
        store.set_remote_control_enabled(false).expect("set");
        assert!(!store.remote_control_enabled().expect("read"));
        let changed = RcOptions {
            sounds: false,
            auto_offline: true,
            auto_msg: true,
            auto_auth: true,
            auto_files: true,
        };
        store.set_rc_options(changed).expect("set");
        assert_eq!(store.rc_options().expect("read"), changed);
    }
}
