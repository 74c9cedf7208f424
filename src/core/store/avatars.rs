//! Avatar images, stored once per SHA-1 hash, and which contact shows
//! which. Images are checked against their hash before they are stored.

use rusqlite::{params, OptionalExtension};
use sha1::{Digest, Sha1};
use xmpp_parsers::jid::BareJid;

use super::{Store, StoreError};

/// The largest image kept (bytes); XEP-0084 suggests far smaller ones.
pub const MAX_AVATAR_BYTES: usize = 512 * 1024;

/// An avatar image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AvatarImage {
    /// Lowercase hex SHA-1 of `data`.
    pub hash: String,
    /// Its MIME type, as announced.
    pub mime: String,
    /// The encoded image (PNG, JPEG…).
    pub data: Vec<u8>,
}

/// Why an avatar image was not kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AvatarRefused {
    /// No bytes.
    #[error("the avatar image is empty")]
    Empty,
    /// Over [`MAX_AVATAR_BYTES`].
    #[error("the avatar image has {size} bytes, more than the {limit} Balcony keeps")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Its SHA-1 is not the one announced.
    #[error("the avatar image does not match its announced hash")]
    WrongHash,
}

impl AvatarImage {
    /// The image, if `data` has the SHA-1 `hash` announced for it and is
    /// not too large.
    pub fn check(hash: &str, mime: &str, data: Vec<u8>) -> Result<Self, AvatarRefused> {
        if data.is_empty() {
            return Err(AvatarRefused::Empty);
        }
        if data.len() > MAX_AVATAR_BYTES {
            return Err(AvatarRefused::TooLarge {
                size: data.len(),
                limit: MAX_AVATAR_BYTES,
            });
        }
        let actual = hex::encode(Sha1::digest(&data));
        if !actual.eq_ignore_ascii_case(hash) {
            return Err(AvatarRefused::WrongHash);
        }
        Ok(Self {
            hash: actual,
            mime: mime.to_owned(),
            data,
        })
    }

    /// [`AvatarImage::check`], logging why an image was refused.
    pub fn checked(hash: &str, mime: &str, data: Vec<u8>) -> Option<Self> {
        Self::check(hash, mime, data)
            .map_err(|e| tracing::info!(error = %e, "avatar image not kept"))
            .ok()
    }
}

/// A contact's avatar, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactAvatar {
    /// The contact.
    pub jid: BareJid,
    /// Their image.
    pub image: AvatarImage,
}

impl Store {
    /// Keeps `image` (once per hash).
    pub fn save_avatar(&self, image: &AvatarImage) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO avatars (hash, mime, data) VALUES (?1, ?2, ?3)",
            params![image.hash, image.mime, image.data],
        )?;
        Ok(())
    }

    /// The stored image with `hash`, if any.
    pub fn avatar(&self, hash: &str) -> Result<Option<AvatarImage>, StoreError> {
        let hash = hash.to_ascii_lowercase();
        Ok(self
            .conn
            .query_row(
                "SELECT mime, data FROM avatars WHERE hash = ?1",
                params![hash],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)),
            )
            .optional()?
            .map(|(mime, data)| AvatarImage { hash, mime, data }))
    }

    /// Sets (or, with `None`, clears) which image `jid` shows.
    pub fn set_contact_avatar(
        &self,
        account: &BareJid,
        jid: &BareJid,
        hash: Option<&str>,
    ) -> Result<(), StoreError> {
        match hash {
            Some(hash) => self.conn.execute(
                "INSERT INTO contact_avatars (account, jid, hash) VALUES (?1, ?2, ?3)
                 ON CONFLICT (account, jid) DO UPDATE SET hash = excluded.hash",
                params![account.as_str(), jid.as_str(), hash.to_ascii_lowercase()],
            )?,
            None => self.conn.execute(
                "DELETE FROM contact_avatars WHERE account = ?1 AND jid = ?2",
                params![account.as_str(), jid.as_str()],
            )?,
        };
        Ok(())
    }

    /// The hash of the image `jid` shows, if any.
    pub fn contact_avatar_hash(
        &self,
        account: &BareJid,
        jid: &BareJid,
    ) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT hash FROM contact_avatars WHERE account = ?1 AND jid = ?2",
                params![account.as_str(), jid.as_str()],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Every contact of `account` with an avatar, and its image.
    pub fn contact_avatars(&self, account: &BareJid) -> Result<Vec<ContactAvatar>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.jid, a.hash, a.mime, a.data FROM contact_avatars c
             JOIN avatars a ON a.hash = c.hash WHERE c.account = ?1",
        )?;
        let rows = stmt.query_map(params![account.as_str()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                AvatarImage {
                    hash: r.get(1)?,
                    mime: r.get(2)?,
                    data: r.get(3)?,
                },
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (jid, image) = row?;
            match jid.parse() {
                Ok(jid) => out.push(ContactAvatar { jid, image }),
                Err(e) => tracing::warn!(%jid, error = %e, "unreadable avatar owner skipped"),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_checked_stored_once_and_assigned() {
        let data = b"\x89PNG not really".to_vec();
        let hash = hex::encode(Sha1::digest(&data));
        assert!(AvatarImage::checked(
            "0000000000000000000000000000000000000000",
            "image/png",
            data.clone()
        )
        .is_none());
        assert!(AvatarImage::checked(&hash, "image/png", Vec::new()).is_none());
        let big = vec![0u8; MAX_AVATAR_BYTES + 1];
        assert!(AvatarImage::checked(&hex::encode(Sha1::digest(&big)), "image/png", big).is_none());
        let image = AvatarImage::checked(&hash.to_uppercase(), "image/png", data).expect("valid");
        assert_eq!(image.hash, hash);

        let store = Store::open_in_memory().expect("store");
        let me: BareJid = "juliet@example.org".parse().expect("jid");
        let romeo: BareJid = "romeo@example.org".parse().expect("jid");
        store.save_avatar(&image).expect("save");
        store.save_avatar(&image).expect("save again");
        assert_eq!(store.avatar(&hash).expect("read"), Some(image.clone()));
        assert!(store.contact_avatars(&me).expect("none").is_empty());
        store
            .set_contact_avatar(&me, &romeo, Some(&hash))
            .expect("assign");
        assert_eq!(store.contact_avatar_hash(&me, &romeo).expect("hash"), Some(hash));
        assert_eq!(
            store.contact_avatars(&me).expect("list"),
            vec![ContactAvatar {
                jid: romeo.clone(),
                image
            }]
        );
        store.set_contact_avatar(&me, &romeo, None).expect("clear");
        assert!(store.contact_avatars(&me).expect("none").is_empty());
    }
}
