//! The signed pre-key: made anew every [`ROTATE_AFTER`] (X3DH's advice,
//! so that a key taken from this device stops opening new sessions), with
//! the [`KEEP`] newest kept for key exchanges already on their way.

use std::ptr::null_mut;

use super::{
    check,
    device::{missing, Device},
    ffi,
    handle::Owned,
    OmemoError,
};

/// How old the signed pre-key gets before a new one is made.
pub const ROTATE_AFTER: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Signed pre-keys kept: the current one and those before it, for key
/// exchanges sent before the others saw the new one.
pub const KEEP: usize = 3;

impl Device {
    /// Makes signed pre-key `id` (signed by the identity key, made now)
    /// the current one; older ones stay for sessions started with them.
    pub fn rotate_signed_pre_key(&self, id: u32) -> Result<(), OmemoError> {
        self.rotate_signed_pre_key_at(id, chrono::Utc::now().timestamp_millis())
    }

    /// [`Self::rotate_signed_pre_key`], dated `at_ms` (milliseconds since
    /// the epoch).
    pub fn rotate_signed_pre_key_at(&self, id: u32, at_ms: i64) -> Result<(), OmemoError> {
        let at = u64::try_from(at_ms).unwrap_or_default();
        // SAFETY: owned outputs released on drop.
        unsafe {
            let mut pair = null_mut();
            check(ffi::signal_protocol_identity_get_key_pair(
                self.stores[0],
                &mut pair,
            ))?;
            let pair = Owned::take(pair).ok_or_else(|| missing("identity key"))?;
            let mut signed = null_mut();
            check(ffi::signal_protocol_key_helper_generate_signed_pre_key(
                &mut signed,
                pair.ptr(),
                id,
                at,
                self.context,
            ))?;
            let signed = Owned::take(signed).ok_or_else(|| missing("signed pre-key"))?;
            check(ffi::signal_protocol_signed_pre_key_store_key(
                self.stores[0],
                signed.ptr(),
            ))?;
        }
        Ok(())
    }

    /// The current signed pre-key's id and when it was made (milliseconds
    /// since the epoch).
    pub fn signed_pre_key(&self) -> Result<(u32, i64), OmemoError> {
        let record = self
            .store()
            .signed_pre_keys
            .values()
            .next_back()
            .cloned()
            .ok_or_else(|| missing("signed pre-key"))?;
        // SAFETY: the record is deserialized into an owned object read
        // while it lives.
        unsafe {
            let mut key = null_mut();
            check(ffi::session_signed_pre_key_deserialize(
                &mut key,
                record.as_ptr(),
                record.len(),
                self.context,
            ))?;
            let key = Owned::take(key).ok_or_else(|| missing("signed pre-key"))?;
            Ok((
                ffi::session_signed_pre_key_get_id(key.ptr()),
                i64::try_from(ffi::session_signed_pre_key_get_timestamp(key.ptr())).unwrap_or(i64::MAX),
            ))
        }
    }

    /// Makes a new signed pre-key when the current one is older than
    /// [`ROTATE_AFTER`] at `now_ms`, and forgets all but the [`KEEP`]
    /// newest; true when one was made (the bundle is then to be
    /// published again).
    pub fn rotate_signed_pre_key_if_due(&self, now_ms: i64) -> Result<bool, OmemoError> {
        let (id, made) = self.signed_pre_key()?;
        let age = now_ms.saturating_sub(made);
        // A key dated in the future (a clock set back) counts as new.
        if age < 0 || age.unsigned_abs() < ROTATE_AFTER.as_millis() as u64 {
            return Ok(false);
        }
        // The newest key has the highest id (one a week: ids never run
        // out).
        self.rotate_signed_pre_key_at(id.saturating_add(1), now_ms)?;
        let mut keys = self.store_mut();
        while keys.signed_pre_keys.len() > KEEP {
            keys.signed_pre_keys.pop_first();
        }
        Ok(true)
    }
}
