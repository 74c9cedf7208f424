//! The key an account's OMEMO keys and sessions are sealed with in the
//! store, kept where the account's password is (never in SQLite). A
//! session fetches it when its OMEMO module starts, not before login.

use xmpp_parsers::jid::BareJid;
use zeroize::Zeroizing;

use super::{load_omemo_key, save_omemo_key, CredentialError, Password, PasswordStorage};
use crate::core::profile::Profile;

/// Where one account's OMEMO store key is found.
#[derive(Clone)]
pub struct OmemoKeySource {
    profile: Profile,
    storage: PasswordStorage,
    account: BareJid,
}

impl std::fmt::Debug for OmemoKeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OmemoKeySource")
            .field("storage", &self.storage)
            .field("account", &self.account)
            .finish()
    }
}

impl OmemoKeySource {
    /// The key of `account`, kept in `storage` of `profile`.
    pub fn new(profile: Profile, storage: PasswordStorage, account: BareJid) -> Self {
        Self {
            profile,
            storage,
            account,
        }
    }

    /// The kept key, or a new one kept now. `Err` when it cannot be kept
    /// (no storage chosen, or the keyring refused): OMEMO then stays off
    /// rather than making a new device at every start.
    pub async fn load_or_create(&self) -> Result<Zeroizing<[u8; 32]>, CredentialError> {
        if self.storage == PasswordStorage::None {
            return Err(CredentialError::NotStored);
        }
        if let Some(kept) = load_omemo_key(&self.profile, self.storage, &self.account).await? {
            return decode(&kept);
        }
        let key = crate::core::omemo::sealed_state::new_key().map_err(|_| CredentialError::Unreadable)?;
        let hex = Zeroizing::new(hex::encode(key.as_slice()));
        save_omemo_key(
            &self.profile,
            self.storage,
            &self.account,
            &Password::new(hex.as_str()),
        )
        .await?;
        Ok(key)
    }
}

fn decode(kept: &Password) -> Result<Zeroizing<[u8; 32]>, CredentialError> {
    let bytes = Zeroizing::new(hex::decode(kept.expose()).map_err(|_| CredentialError::Unreadable)?);
    let mut key = Zeroizing::new([0u8; 32]);
    if bytes.len() != 32 {
        return Err(CredentialError::Unreadable);
    }
    key.copy_from_slice(&bytes);
    Ok(key)
}
