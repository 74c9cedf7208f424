//! The user's trust in other devices' keys (XEP-0384 §6): blind until
//! verified or distrusted, kept with the device's state; and the identity
//! keys read from bundles before any session, to show their fingerprints.

use std::ptr::null_mut;

use super::{
    bundle::Bundle,
    check,
    device::{missing, Decode, Device},
    ffi,
    handle::Buffer,
    OmemoError, WireVersion,
};

/// What the user decided about a device's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trust {
    /// Not compared yet: trusted blindly, as Conversations and Dino do.
    Blind,
    /// The fingerprints were compared.
    Verified,
    /// Distrusted: nothing is encrypted to it.
    Distrusted,
}

impl Device {
    /// The trust the user gave `device` of `jid`'s key (blind until
    /// verified or distrusted); `None` while its key is unknown.
    pub fn trust_of(&self, jid: &str, device: u32) -> Option<Trust> {
        let key = self.identity_of(jid, device)?;
        let keys = self.keys.borrow();
        Some(if keys.distrusted.contains(&key) {
            Trust::Distrusted
        } else if keys.verified.contains(&key) {
            Trust::Verified
        } else {
            Trust::Blind
        })
    }

    /// Records the user's trust in `key` (an identity key as
    /// [`Self::identity_of`] gives it).
    pub fn set_trust(&self, key: &[u8], trust: Trust) {
        let mut keys = self.keys.borrow_mut();
        keys.distrusted.remove(key);
        keys.verified.remove(key);
        match trust {
            Trust::Distrusted => keys.distrusted.insert(key.to_vec()),
            Trust::Verified => keys.verified.insert(key.to_vec()),
            Trust::Blind => false,
        };
    }

    /// Remembers the identity key of `device` of `jid` from its bundle
    /// (to show its fingerprint before any session); `05` and X25519.
    pub fn learn_identity(&self, jid: &str, bundle: &Bundle) -> Result<Vec<u8>, OmemoError> {
        let how = match bundle.version {
            WireVersion::Legacy => Decode::Serialized,
            WireVersion::Omemo2 => Decode::Ed25519,
        };
        let key = self.decode(&bundle.identity_key, how)?;
        let mut out = null_mut();
        // SAFETY: the key is live; the buffer is owned and copied.
        let serialized = unsafe {
            check(ffi::ec_public_key_serialize(&mut out, key.ptr()))?;
            Buffer::take(out).ok_or_else(|| missing("key"))?.bytes().to_vec()
        };
        let device =
            i32::try_from(bundle.device_id).map_err(|_| OmemoError::Malformed("device id".into()))?;
        self.keys
            .borrow_mut()
            .identities
            .entry((jid.to_owned(), device))
            .or_insert_with(|| serialized.clone());
        Ok(serialized)
    }
}
