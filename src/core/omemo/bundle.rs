//! What a device publishes so that others can start sessions with it: its
//! bundle, in the key encodings of each wire version.

use std::ptr::null_mut;

use zeroize::Zeroizing;

use super::{
    check,
    device::{missing, Decode, Device},
    ffi,
    handle::{Buffer, Owned},
    OmemoError, WireVersion,
};

/// What a device publishes so that others can start sessions with it, in
/// the key encodings of one wire version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// The encodings of the keys below.
    pub version: WireVersion,
    /// The device id.
    pub device_id: u32,
    /// Legacy: `05` and the X25519 key; OMEMO 2: the Ed25519 key.
    pub identity_key: Vec<u8>,
    /// The signed pre-key's id.
    pub signed_pre_key_id: u32,
    /// Legacy: `05` and the X25519 key; OMEMO 2: the X25519 key.
    pub signed_pre_key: Vec<u8>,
    /// The identity key's signature over the signed pre-key.
    pub signature: Vec<u8>,
    /// One-time pre-keys by id, encoded like the signed pre-key.
    pub pre_keys: Vec<(u32, Vec<u8>)>,
}

impl Device {
    /// A public key in `version`'s bundle encoding.
    ///
    /// # Safety
    /// `key` must be a live public key.
    unsafe fn encode_key(
        key: *const ffi::ec_public_key,
        version: WireVersion,
    ) -> Result<Vec<u8>, OmemoError> {
        let mut out = null_mut();
        match version {
            WireVersion::Legacy => check(ffi::ec_public_key_serialize(&mut out, key))?,
            WireVersion::Omemo2 => check(ffi::ec_public_key_serialize_omemo(&mut out, key))?,
        };
        Ok(Buffer::take(out).ok_or_else(|| missing("key"))?.bytes().to_vec())
    }

    /// Our bundle in `version`'s encodings.
    pub fn bundle(&self, version: WireVersion) -> Result<Bundle, OmemoError> {
        let (identity, device_id, signed, pre_keys) = {
            let keys = self.keys.borrow();
            let signed = keys
                .signed_pre_keys
                .iter()
                .next_back()
                .map(|(_, record)| record.clone())
                .ok_or_else(|| missing("signed pre-key"))?;
            let pre_keys: Vec<Zeroizing<Vec<u8>>> = keys.pre_keys.values().cloned().collect();
            (keys.identity_public.clone(), keys.device_id, signed, pre_keys)
        };
        // SAFETY: records are deserialized into owned objects; getters
        // borrow from them while they live.
        unsafe {
            let identity_key = match version {
                WireVersion::Legacy => identity,
                WireVersion::Omemo2 => {
                    let key = self.decode(&identity, Decode::Serialized)?;
                    let ed = Buffer::take(ffi::ec_public_key_get_ed(key.ptr()))
                        .ok_or_else(|| missing("Ed25519 key"))?;
                    ed.bytes().to_vec()
                }
            };
            let mut spk = null_mut();
            check(ffi::session_signed_pre_key_deserialize(
                &mut spk,
                signed.as_ptr(),
                signed.len(),
                self.context,
            ))?;
            let spk = Owned::take(spk).ok_or_else(|| missing("signed pre-key"))?;
            let pair = ffi::session_signed_pre_key_get_key_pair(spk.ptr());
            let signed_pre_key = Self::encode_key(ffi::ec_key_pair_get_public(pair), version)?;
            let signature = match version {
                WireVersion::Legacy => std::slice::from_raw_parts(
                    ffi::session_signed_pre_key_get_signature(spk.ptr()),
                    ffi::session_signed_pre_key_get_signature_len(spk.ptr()),
                ),
                WireVersion::Omemo2 => std::slice::from_raw_parts(
                    ffi::session_signed_pre_key_get_signature_omemo(spk.ptr()),
                    ffi::session_signed_pre_key_get_signature_omemo_len(spk.ptr()),
                ),
            }
            .to_vec();
            let signed_pre_key_id = ffi::session_signed_pre_key_get_id(spk.ptr());
            let mut encoded = Vec::with_capacity(pre_keys.len());
            for record in pre_keys {
                let mut pk = null_mut();
                check(ffi::session_pre_key_deserialize(
                    &mut pk,
                    record.as_ptr(),
                    record.len(),
                    self.context,
                ))?;
                let pk = Owned::take(pk).ok_or_else(|| missing("pre-key"))?;
                let pair = ffi::session_pre_key_get_key_pair(pk.ptr());
                encoded.push((
                    ffi::session_pre_key_get_id(pk.ptr()),
                    Self::encode_key(ffi::ec_key_pair_get_public(pair), version)?,
                ));
            }
            Ok(Bundle {
                version,
                device_id,
                identity_key,
                signed_pre_key_id,
                signed_pre_key,
                signature,
                pre_keys: encoded,
            })
        }
    }
}
