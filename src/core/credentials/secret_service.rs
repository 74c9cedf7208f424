//! The freedesktop Secret Service, through oo7.

use xmpp_parsers::jid::BareJid;

use super::{CredentialError, Password};

const SECRET_SERVICE_NAME: &str = "org.freedesktop.secrets";
const ATTR_APP: &str = "application";
const ATTR_JID: &str = "xmpp-account";

/// A secret kept beside an account's password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// Its FAST token (XEP-0484).
    FastToken,
    /// The key its OMEMO keys and sessions are sealed with in the store.
    OmemoKey,
}

impl Kept {
    fn attribute(self) -> &'static str {
        match self {
            Self::FastToken => "xmpp-fast-token",
            Self::OmemoKey => "xmpp-omemo-store-key",
        }
    }

    fn label(self, jid: &BareJid) -> String {
        match self {
            Self::FastToken => format!("XMPP login token for {jid}"),
            Self::OmemoKey => format!("Encryption keys of {jid} (OMEMO)"),
        }
    }
}

/// True when a Secret Service owns its name on the session bus right now.
///
/// This deliberately does not D-Bus-activate one: a keyring that starts only
/// to show an unlock prompt is not "on the bus".
pub async fn secret_service_available() -> bool {
    let Ok(conn) = zbus::Connection::session().await else {
        return false;
    };
    let Ok(proxy) = zbus::fdo::DBusProxy::new(&conn).await else {
        return false;
    };
    let Ok(name) = zbus::names::BusName::try_from(SECRET_SERVICE_NAME) else {
        return false;
    };
    proxy.name_has_owner(name).await.unwrap_or(false)
}

fn err(e: oo7::dbus::Error) -> CredentialError {
    CredentialError::SecretService(e.to_string())
}

/// A connection to the Secret Service's default collection.
pub struct SecretService {
    collection: oo7::dbus::Collection<'static>,
}

impl SecretService {
    /// Connects, failing fast when no service is on the bus.
    pub async fn connect() -> Result<Self, CredentialError> {
        if !secret_service_available().await {
            return Err(CredentialError::SecretServiceUnavailable);
        }
        let service = oo7::dbus::Service::new().await.map_err(err)?;
        let collection = service.default_collection().await.map_err(err)?;
        Ok(Self { collection })
    }

    fn attributes(jid: &BareJid) -> Vec<(&'static str, String)> {
        Self::attributes_for(ATTR_JID, jid)
    }

    /// The item's attributes: a password under `xmpp-account`, a FAST
    /// token under `xmpp-fast-token` (so that neither search finds the
    /// other).
    fn attributes_for(key: &'static str, jid: &BareJid) -> Vec<(&'static str, String)> {
        vec![
            (ATTR_APP, crate::config::SCHEMA_ID.to_owned()),
            (key, jid.to_string()),
        ]
    }

    /// Stores (replacing) the secret of `kind` kept for `jid`.
    pub async fn save_kept(&self, kind: Kept, jid: &BareJid, value: &str) -> Result<(), CredentialError> {
        self.collection
            .create_item(
                &kind.label(jid),
                &Self::attributes_for(kind.attribute(), jid),
                value,
                true,
                None,
            )
            .await
            .map_err(err)?;
        Ok(())
    }

    /// The secret of `kind` kept for `jid`, if any.
    pub async fn load_kept(&self, kind: Kept, jid: &BareJid) -> Result<Option<String>, CredentialError> {
        let items = self
            .collection
            .search_items(&Self::attributes_for(kind.attribute(), jid))
            .await
            .map_err(err)?;
        let Some(item) = items.first() else {
            return Ok(None);
        };
        let secret = item.secret().await.map_err(err)?;
        String::from_utf8(secret.as_bytes().to_vec())
            .map(Some)
            .map_err(|_| CredentialError::NotUtf8)
    }

    /// Deletes the secret of `kind` kept for `jid`.
    pub async fn forget_kept(&self, kind: Kept, jid: &BareJid) -> Result<(), CredentialError> {
        for item in self
            .collection
            .search_items(&Self::attributes_for(kind.attribute(), jid))
            .await
            .map_err(err)?
        {
            item.delete(None).await.map_err(err)?;
        }
        Ok(())
    }

    /// Stores (replacing) the password of `jid`.
    pub async fn save(&self, jid: &BareJid, password: &Password) -> Result<(), CredentialError> {
        let label = format!("XMPP password for {jid}");
        self.collection
            .create_item(&label, &Self::attributes(jid), password.expose(), true, None)
            .await
            .map_err(err)?;
        Ok(())
    }

    /// Loads the password of `jid`.
    pub async fn load(&self, jid: &BareJid) -> Result<Password, CredentialError> {
        let items = self
            .collection
            .search_items(&Self::attributes(jid))
            .await
            .map_err(err)?;
        let item = items
            .first()
            .ok_or_else(|| CredentialError::Missing(jid.clone()))?;
        let secret = item.secret().await.map_err(err)?;
        String::from_utf8(secret.as_bytes().to_vec())
            .map(Password::new)
            .map_err(|_| CredentialError::NotUtf8)
    }

    /// Deletes the stored password of `jid`.
    pub async fn forget(&self, jid: &BareJid) -> Result<(), CredentialError> {
        for item in self
            .collection
            .search_items(&Self::attributes(jid))
            .await
            .map_err(err)?
        {
            item.delete(None).await.map_err(err)?;
        }
        Ok(())
    }
}
