//! Where account passwords live: the Secret Service when one is on the
//! session bus, otherwise (only when the user chose it) a file readable only
//! by the user inside the profile. Never SQLite, never logs. An account's
//! FAST token (XEP-0484) lives where its password does.

mod omemo_key;
mod password_file;
mod secret_service;

use std::fmt;

use thiserror::Error;
use xmpp_parsers::jid::BareJid;

pub use self::{
    omemo_key::OmemoKeySource,
    password_file::PasswordFile,
    secret_service::{secret_service_available, Kept, SecretService},
};
use super::profile::Profile;
use crate::core::xmpp::connection::x0484_fast::FastToken;

/// A password. Its `Debug` output never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret, for the SASL exchange and the credential stores only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for Password {
    fn from(secret: &str) -> Self {
        Self::new(secret)
    }
}

impl From<String> for Password {
    fn from(secret: String) -> Self {
        Self::new(secret)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Where the user chose to keep a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordStorage {
    /// The desktop's Secret Service (GNOME Keyring, KWallet, KeePassXC).
    SecretService,
    /// A 0600 file inside the profile.
    ProfileFile,
    /// Not kept: asked at each login.
    None,
}

impl PasswordStorage {
    /// Name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SecretService => "secret-service",
            Self::ProfileFile => "profile-file",
            Self::None => "none",
        }
    }

    /// Parses the stored name.
    pub fn from_stored(s: &str) -> Option<Self> {
        match s {
            "secret-service" => Some(Self::SecretService),
            "profile-file" => Some(Self::ProfileFile),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// Errors of the credential stores.
#[derive(Debug, Error)]
pub enum CredentialError {
    /// No Secret Service owns its name on the session bus.
    #[error("no Secret Service is running on the session bus")]
    SecretServiceUnavailable,
    /// The Secret Service refused or failed.
    #[error("Secret Service error: {0}")]
    SecretService(String),
    /// Reading or writing the password file failed.
    #[error("password file error: {0}")]
    Io(#[from] std::io::Error),
    /// No password is stored for the account.
    #[error("no password is stored for {0}")]
    Missing(BareJid),
    /// The stored password is not UTF-8.
    #[error("the stored password is not valid text")]
    NotUtf8,
    /// The account keeps no secrets (its password is asked each time).
    #[error("the account keeps no secrets on this computer")]
    NotStored,
    /// A kept secret is not in the form it was saved in.
    #[error("a kept key is unreadable")]
    Unreadable,
}

/// Saves `password` for `jid` in `storage`.
pub async fn save_password(
    profile: &Profile,
    storage: PasswordStorage,
    jid: &BareJid,
    password: &Password,
) -> Result<(), CredentialError> {
    match storage {
        PasswordStorage::SecretService => SecretService::connect().await?.save(jid, password).await,
        PasswordStorage::ProfileFile => PasswordFile::new(profile).save(jid, password),
        PasswordStorage::None => Ok(()),
    }
}

/// Loads the password for `jid` from `storage`.
pub async fn load_password(
    profile: &Profile,
    storage: PasswordStorage,
    jid: &BareJid,
) -> Result<Password, CredentialError> {
    match storage {
        PasswordStorage::SecretService => SecretService::connect().await?.load(jid).await,
        PasswordStorage::ProfileFile => PasswordFile::new(profile).load(jid),
        PasswordStorage::None => Err(CredentialError::Missing(jid.clone())),
    }
}

/// Removes the password for `jid` from `storage` (missing is fine).
pub async fn forget_password(
    profile: &Profile,
    storage: PasswordStorage,
    jid: &BareJid,
) -> Result<(), CredentialError> {
    match storage {
        PasswordStorage::SecretService => SecretService::connect().await?.forget(jid).await,
        PasswordStorage::ProfileFile => PasswordFile::new(profile).forget(jid),
        PasswordStorage::None => Ok(()),
    }
}

/// The file a secret of `kind` goes to when passwords go to files.
fn kept_file(profile: &Profile, kind: Kept) -> PasswordFile {
    match kind {
        Kept::FastToken => PasswordFile::fast_tokens(profile),
        Kept::OmemoKey => PasswordFile::omemo_keys(profile),
    }
}

/// Keeps the secret `value` of `kind` for `jid` where its password lives;
/// with [`PasswordStorage::None`], nowhere.
async fn save_kept(
    profile: &Profile,
    storage: PasswordStorage,
    kind: Kept,
    jid: &BareJid,
    value: &Password,
) -> Result<(), CredentialError> {
    match storage {
        PasswordStorage::SecretService => {
            SecretService::connect()
                .await?
                .save_kept(kind, jid, value.expose())
                .await
        }
        PasswordStorage::ProfileFile => kept_file(profile, kind).save(jid, value),
        PasswordStorage::None => Ok(()),
    }
}

/// The secret of `kind` kept for `jid`, if any.
async fn load_kept(
    profile: &Profile,
    storage: PasswordStorage,
    kind: Kept,
    jid: &BareJid,
) -> Result<Option<Password>, CredentialError> {
    match storage {
        PasswordStorage::SecretService => Ok(SecretService::connect()
            .await?
            .load_kept(kind, jid)
            .await?
            .map(Password::new)),
        PasswordStorage::ProfileFile => match kept_file(profile, kind).load(jid) {
            Ok(p) => Ok(Some(p)),
            Err(CredentialError::Missing(_)) => Ok(None),
            Err(e) => Err(e),
        },
        PasswordStorage::None => Ok(None),
    }
}

/// Deletes the secret of `kind` kept for `jid`.
async fn forget_kept(
    profile: &Profile,
    storage: PasswordStorage,
    kind: Kept,
    jid: &BareJid,
) -> Result<(), CredentialError> {
    match storage {
        PasswordStorage::SecretService => SecretService::connect().await?.forget_kept(kind, jid).await,
        PasswordStorage::ProfileFile => kept_file(profile, kind).forget(jid),
        PasswordStorage::None => Ok(()),
    }
}

/// Keeps `token` (a FAST token, XEP-0484) for `jid` where its password
/// lives; with [`PasswordStorage::None`], nowhere.
pub async fn save_fast_token(
    profile: &Profile,
    storage: PasswordStorage,
    jid: &BareJid,
    token: &FastToken,
) -> Result<(), CredentialError> {
    let stored = Password::new(token.to_stored());
    save_kept(profile, storage, Kept::FastToken, jid, &stored).await
}

/// The FAST token kept for `jid`, if there is a readable one.
pub async fn load_fast_token(
    profile: &Profile,
    storage: PasswordStorage,
    jid: &BareJid,
) -> Result<Option<FastToken>, CredentialError> {
    let stored = load_kept(profile, storage, Kept::FastToken, jid).await?;
    Ok(stored.and_then(|s| FastToken::from_stored(s.expose())))
}

/// Deletes the FAST token kept for `jid`.
pub async fn forget_fast_token(
    profile: &Profile,
    storage: PasswordStorage,
    jid: &BareJid,
) -> Result<(), CredentialError> {
    forget_kept(profile, storage, Kept::FastToken, jid).await
}

/// Keeps `key` (the key the account's OMEMO keys and sessions are
/// encrypted with in the store) for `jid` where its password lives; with
/// [`PasswordStorage::None`], nowhere.
pub async fn save_omemo_key(
    profile: &Profile,
    storage: PasswordStorage,
    jid: &BareJid,
    key: &Password,
) -> Result<(), CredentialError> {
    save_kept(profile, storage, Kept::OmemoKey, jid, key).await
}

/// The OMEMO store key kept for `jid`, if any.
pub async fn load_omemo_key(
    profile: &Profile,
    storage: PasswordStorage,
    jid: &BareJid,
) -> Result<Option<Password>, CredentialError> {
    load_kept(profile, storage, Kept::OmemoKey, jid).await
}

/// Deletes the OMEMO store key kept for `jid`.
pub async fn forget_omemo_key(
    profile: &Profile,
    storage: PasswordStorage,
    jid: &BareJid,
) -> Result<(), CredentialError> {
    forget_kept(profile, storage, Kept::OmemoKey, jid).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let p = Password::new("hunter2");
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    #[test]
    fn storage_names_round_trip() {
        for s in [
            PasswordStorage::SecretService,
            PasswordStorage::ProfileFile,
            PasswordStorage::None,
        ] {
            assert_eq!(PasswordStorage::from_stored(s.as_str()), Some(s));
        }
        assert_eq!(PasswordStorage::from_stored("sqlite"), None);
    }
}
