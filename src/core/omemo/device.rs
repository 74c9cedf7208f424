//! Our OMEMO device: its keys, the bundle it publishes for each wire
//! version, and the key material of messages encrypted to and decrypted
//! from other devices (the ratchet of libomemo-c; the body itself is
//! encrypted in [`super::payload`]). Its bundles are made in
//! [`super::bundle`].

use std::{cell::RefCell, ffi::c_int, ptr::null_mut};

use zeroize::Zeroizing;

pub use super::trust::Trust;
use super::{
    bundle::Bundle,
    check, crypto_provider,
    ffi::{self, signal_context, signal_protocol_address, signal_protocol_store_context},
    handle::{borrowed, Buffer, Owned},
    key_store::{tables, KeyStore, StoreView},
    OmemoError, WireVersion,
};

/// One-time pre-keys a device offers.
pub const PRE_KEYS: u32 = 100;

/// Key material encrypted to one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedKey {
    /// The library's message, as it goes into `<key/>`.
    pub data: Vec<u8>,
    /// It starts a session (`prekey='true'` / `kex='true'`).
    pub key_exchange: bool,
}

/// Our device.
pub struct Device {
    pub(super) context: *mut signal_context,
    /// One store context per wire version (sessions apart, keys shared).
    pub(super) stores: [*mut signal_protocol_store_context; 2],
    pub(super) keys: Box<RefCell<KeyStore>>,
    views: Box<[StoreView; 2]>,
}

// SAFETY: the library context has no lock functions and is only used
// through `&mut self` or `&self` of this value, which is not `Sync`; its
// objects never escape it.
unsafe impl Send for Device {}

fn index(version: WireVersion) -> usize {
    match version {
        WireVersion::Legacy => 0,
        WireVersion::Omemo2 => 1,
    }
}

pub(super) fn missing(what: &str) -> OmemoError {
    OmemoError::Malformed(format!("the library returned no {what}"))
}

/// An address for the library: the bytes must outlive its use.
fn address(jid: &str, device: u32) -> Result<signal_protocol_address, OmemoError> {
    Ok(signal_protocol_address {
        name: jid.as_ptr().cast(),
        name_len: jid.len(),
        device_id: i32::try_from(device).map_err(|_| OmemoError::Malformed(format!("device id {device}")))?,
    })
}

impl Device {
    /// A new device: identity key, device id, [`PRE_KEYS`] pre-keys and a
    /// signed pre-key.
    pub fn generate() -> Result<Self, OmemoError> {
        let device = Self::restore(KeyStore::default())?;
        // SAFETY: the context is live; outputs are owned and released.
        unsafe {
            let mut pair = null_mut();
            check(ffi::signal_protocol_key_helper_generate_identity_key_pair(
                &mut pair,
                device.context,
            ))?;
            let pair = Owned::take(pair).ok_or_else(|| missing("identity key"))?;
            let mut public = null_mut();
            check(ffi::ec_public_key_serialize(
                &mut public,
                ffi::ratchet_identity_key_pair_get_public(pair.ptr()),
            ))?;
            let public = Buffer::take(public).ok_or_else(|| missing("public key"))?;
            let mut private = null_mut();
            check(ffi::ec_private_key_serialize(
                &mut private,
                ffi::ratchet_identity_key_pair_get_private(pair.ptr()),
            ))?;
            let private = Buffer::take(private).ok_or_else(|| missing("private key"))?;
            let mut id = 0u32;
            check(ffi::signal_protocol_key_helper_generate_registration_id(
                &mut id,
                1,
                device.context,
            ))?;
            let mut keys = device.keys.borrow_mut();
            keys.identity_public = public.bytes().to_vec();
            keys.identity_private = Zeroizing::new(private.bytes().to_vec());
            keys.device_id = id;
        }
        device.add_pre_keys(1, PRE_KEYS)?;
        device.rotate_signed_pre_key(1)?;
        Ok(device)
    }

    /// A device with the keys and sessions of `store` (as saved).
    pub fn restore(store: KeyStore) -> Result<Self, OmemoError> {
        let keys = Box::new(RefCell::new(store));
        let cell: *const RefCell<KeyStore> = &*keys;
        let views = Box::new([
            StoreView {
                store: cell,
                version: WireVersion::Legacy,
            },
            StoreView {
                store: cell,
                version: WireVersion::Omemo2,
            },
        ]);
        let mut device = Self {
            context: null_mut(),
            stores: [null_mut(); 2],
            keys,
            views,
        };
        // SAFETY: outputs are checked; what is created is destroyed in Drop
        // (also when a later step fails, since `device` owns it already).
        unsafe {
            check(ffi::signal_context_create(&mut device.context, null_mut()))?;
            let provider = crypto_provider::provider();
            check(ffi::signal_context_set_crypto_provider(device.context, &provider))?;
            for i in 0..2 {
                check(ffi::signal_protocol_store_context_create(
                    &mut device.stores[i],
                    device.context,
                ))?;
                let view: *mut StoreView = &mut device.views[i];
                let (sessions, pre_keys, signed, identity) = tables(view);
                let store = device.stores[i];
                check(ffi::signal_protocol_store_context_set_session_store(
                    store, &sessions,
                ))?;
                check(ffi::signal_protocol_store_context_set_pre_key_store(
                    store, &pre_keys,
                ))?;
                check(ffi::signal_protocol_store_context_set_signed_pre_key_store(
                    store, &signed,
                ))?;
                check(ffi::signal_protocol_store_context_set_identity_key_store(
                    store, &identity,
                ))?;
            }
        }
        Ok(device)
    }

    /// The keys and sessions, to save.
    pub fn store(&self) -> std::cell::Ref<'_, KeyStore> {
        self.keys.borrow()
    }

    /// The keys and sessions, to change (trust decisions).
    pub fn store_mut(&self) -> std::cell::RefMut<'_, KeyStore> {
        self.keys.borrow_mut()
    }

    /// Saves the keys and sessions of `account` into `store`, sealed
    /// under `key` (kept where the password is).
    pub fn save(
        &self,
        store: &crate::core::store::Store,
        account: &xmpp_parsers::jid::BareJid,
        key: &[u8; 32],
    ) -> Result<(), OmemoError> {
        let sealed = super::sealed_state::seal(&self.keys.borrow(), key)?;
        store
            .set_omemo_state(account, &sealed)
            .map_err(|e| OmemoError::Malformed(format!("could not save the keys: {e}")))
    }

    /// The device of `account` saved in `store`, opened with `key`; `None`
    /// when nothing was saved.
    pub fn load(
        store: &crate::core::store::Store,
        account: &xmpp_parsers::jid::BareJid,
        key: &[u8; 32],
    ) -> Result<Option<Self>, OmemoError> {
        let saved = store
            .omemo_state(account)
            .map_err(|e| OmemoError::Malformed(format!("could not read the keys: {e}")))?;
        match saved {
            Some(sealed) => Ok(Some(Self::restore(super::sealed_state::open(&sealed, key)?)?)),
            None => Ok(None),
        }
    }

    /// Our device id.
    pub fn device_id(&self) -> u32 {
        self.keys.borrow().device_id
    }

    /// Generates `count` pre-keys from id `start`.
    pub fn add_pre_keys(&self, start: u32, count: u32) -> Result<(), OmemoError> {
        // SAFETY: the list is walked while alive and freed once.
        unsafe {
            let mut head = null_mut();
            check(ffi::signal_protocol_key_helper_generate_pre_keys(
                &mut head,
                start,
                count,
                self.context,
            ))?;
            let mut node = head;
            let mut result = Ok(());
            while !node.is_null() {
                let key = ffi::signal_protocol_key_helper_key_list_element(node);
                if let Err(e) = check(ffi::signal_protocol_pre_key_store_key(self.stores[0], key)) {
                    result = Err(e);
                    break;
                }
                node = ffi::signal_protocol_key_helper_key_list_next(node);
            }
            ffi::signal_protocol_key_helper_key_list_free(head);
            result
        }
    }

    /// Our fingerprint: the identity key (X25519) in hex, in groups of
    /// eight for reading aloud.
    pub fn fingerprint(&self) -> String {
        let identity = self.keys.borrow().identity_public.clone();
        fingerprint(identity.get(1..).unwrap_or_default())
    }

    /// Decodes a public key from bytes in `how`.
    pub(super) fn decode(&self, data: &[u8], how: Decode) -> Result<Owned<ffi::ec_public_key>, OmemoError> {
        let mut key = null_mut();
        // SAFETY: `data` is read within the call; the output is owned.
        unsafe {
            let code = match how {
                Decode::Serialized => {
                    ffi::curve_decode_point(&mut key, data.as_ptr(), data.len(), self.context)
                }
                Decode::Ed25519 => {
                    ffi::curve_decode_point_ed(&mut key, data.as_ptr(), data.len(), self.context)
                }
                Decode::X25519 => {
                    ffi::curve_decode_point_mont(&mut key, data.as_ptr(), data.len(), self.context)
                }
            };
            check(code).map_err(|_| OmemoError::InvalidKey)?;
            Owned::take(key).ok_or(OmemoError::InvalidKey)
        }
    }

    /// Starts a session with device `bundle.device_id` of `jid` from its
    /// bundle, using its pre-key `pre_key_id`. The signature is checked.
    pub fn start_session(&self, jid: &str, bundle: &Bundle, pre_key_id: u32) -> Result<(), OmemoError> {
        let pre_key = bundle
            .pre_keys
            .iter()
            .find(|(id, _)| *id == pre_key_id)
            .map(|(_, key)| key.as_slice())
            .ok_or(OmemoError::UnknownKey)?;
        let (identity_how, key_how) = match bundle.version {
            WireVersion::Legacy => (Decode::Serialized, Decode::Serialized),
            WireVersion::Omemo2 => (Decode::Ed25519, Decode::X25519),
        };
        let identity = self.decode(&bundle.identity_key, identity_how)?;
        let signed = self.decode(&bundle.signed_pre_key, key_how)?;
        let one_time = self.decode(pre_key, key_how)?;
        let addr = address(jid, bundle.device_id)?;
        let device =
            c_int::try_from(bundle.device_id).map_err(|_| OmemoError::Malformed("device id".into()))?;
        // SAFETY: keys live until the bundle is made (it takes its own
        // references); the address outlives the builder.
        unsafe {
            let mut made = null_mut();
            check(ffi::session_pre_key_bundle_create(
                &mut made,
                bundle.device_id,
                device,
                pre_key_id,
                one_time.ptr(),
                bundle.signed_pre_key_id,
                signed.ptr(),
                bundle.signature.as_ptr(),
                bundle.signature.len(),
                identity.ptr(),
            ))?;
            let made = Owned::take(made).ok_or_else(|| missing("bundle"))?;
            let mut builder = null_mut();
            check(ffi::session_builder_create(
                &mut builder,
                self.stores[index(bundle.version)],
                &addr,
                self.context,
            ))?;
            ffi::session_builder_set_version(builder, bundle.version.library_version());
            let result = check(ffi::session_builder_process_pre_key_bundle(builder, made.ptr()));
            ffi::session_builder_free(builder);
            result?;
        }
        Ok(())
    }

    /// Whether a session with `device` of `jid` exists in `version`.
    pub fn has_session(&self, version: WireVersion, jid: &str, device: u32) -> bool {
        let Ok(device) = i32::try_from(device) else {
            return false;
        };
        self.keys
            .borrow()
            .sessions
            .contains_key(&(version, (jid.to_owned(), device)))
    }

    /// Whether the user distrusted the key of `device` of `jid`: nothing
    /// is encrypted to it.
    pub fn is_distrusted(&self, jid: &str, device: u32) -> bool {
        let Ok(device) = i32::try_from(device) else {
            return false;
        };
        let keys = self.keys.borrow();
        keys.identities
            .get(&(jid.to_owned(), device))
            .is_some_and(|key| keys.distrusted.contains(key))
    }

    /// The identity key (`05` and X25519) seen for `device` of `jid`.
    pub fn identity_of(&self, jid: &str, device: u32) -> Option<Vec<u8>> {
        let device = i32::try_from(device).ok()?;
        self.keys
            .borrow()
            .identities
            .get(&(jid.to_owned(), device))
            .cloned()
    }

    /// Our identity key (`05` and X25519).
    pub fn identity_key(&self) -> Vec<u8> {
        self.keys.borrow().identity_public.clone()
    }

    /// Runs `f` with a session cipher for `device` of `jid` in `version`.
    fn with_cipher<T>(
        &self,
        version: WireVersion,
        jid: &str,
        device: u32,
        f: impl FnOnce(*mut ffi::session_cipher) -> Result<T, OmemoError>,
    ) -> Result<T, OmemoError> {
        let addr = address(jid, device)?;
        // SAFETY: the address outlives the cipher, which is freed here.
        unsafe {
            let mut cipher = null_mut();
            check(ffi::session_cipher_create(
                &mut cipher,
                self.stores[index(version)],
                &addr,
                self.context,
            ))?;
            ffi::session_cipher_set_version(cipher, version.library_version());
            let result = f(cipher);
            ffi::session_cipher_free(cipher);
            result
        }
    }

    /// Encrypts `key` (the payload's key material) to `device` of `jid`.
    pub fn encrypt_key(
        &self,
        version: WireVersion,
        jid: &str,
        device: u32,
        key: &[u8],
    ) -> Result<EncryptedKey, OmemoError> {
        if !self.has_session(version, jid, device) {
            return Err(OmemoError::NoSession);
        }
        if self.is_distrusted(jid, device) {
            return Err(OmemoError::Untrusted);
        }
        self.with_cipher(version, jid, device, |cipher| {
            // SAFETY: the message is owned; its serialization is copied
            // before it is released.
            unsafe {
                let mut message = null_mut();
                check(ffi::session_cipher_encrypt(
                    cipher,
                    key.as_ptr(),
                    key.len(),
                    &mut message,
                ))?;
                let message = Owned::take(message).ok_or_else(|| missing("message"))?;
                let data = borrowed(ffi::ciphertext_message_get_serialized(message.ptr())).to_vec();
                let key_exchange =
                    ffi::ciphertext_message_get_type(message.ptr()) == ffi::CIPHERTEXT_PREKEY_TYPE;
                Ok(EncryptedKey { data, key_exchange })
            }
        })
    }

    /// Decrypts key material `data` from `device` of `jid`; a key exchange
    /// starts the session (and uses up one of our pre-keys).
    pub fn decrypt_key(
        &self,
        version: WireVersion,
        jid: &str,
        device: u32,
        data: &[u8],
        key_exchange: bool,
    ) -> Result<Zeroizing<Vec<u8>>, OmemoError> {
        if data.is_empty() {
            return Err(OmemoError::Malformed("empty key".into()));
        }
        self.with_cipher(version, jid, device, |cipher| {
            // SAFETY: the parsed message is owned; the plaintext buffer is
            // copied, then wiped.
            unsafe {
                let mut plain = null_mut();
                if key_exchange {
                    let mut message = null_mut();
                    match version {
                        WireVersion::Legacy => check(ffi::pre_key_signal_message_deserialize(
                            &mut message,
                            data.as_ptr(),
                            data.len(),
                            self.context,
                        ))?,
                        WireVersion::Omemo2 => check(ffi::pre_key_signal_message_deserialize_omemo(
                            &mut message,
                            data.as_ptr(),
                            data.len(),
                            device,
                            self.context,
                        ))?,
                    };
                    let message = Owned::take(message).ok_or_else(|| missing("message"))?;
                    check(ffi::session_cipher_decrypt_pre_key_signal_message(
                        cipher,
                        message.ptr(),
                        null_mut(),
                        &mut plain,
                    ))?;
                } else {
                    if !self.has_session(version, jid, device) {
                        return Err(OmemoError::NoSession);
                    }
                    let mut message = null_mut();
                    match version {
                        WireVersion::Legacy => check(ffi::signal_message_deserialize(
                            &mut message,
                            data.as_ptr(),
                            data.len(),
                            self.context,
                        ))?,
                        WireVersion::Omemo2 => check(ffi::signal_message_deserialize_omemo(
                            &mut message,
                            data.as_ptr(),
                            data.len(),
                            self.context,
                        ))?,
                    };
                    let message = Owned::take(message).ok_or_else(|| missing("message"))?;
                    check(ffi::session_cipher_decrypt_signal_message(
                        cipher,
                        message.ptr(),
                        null_mut(),
                        &mut plain,
                    ))?;
                }
                let plain = Buffer::take(plain).ok_or_else(|| missing("plaintext"))?;
                Ok(Zeroizing::new(plain.bytes().to_vec()))
            }
        })
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        // SAFETY: created in `restore`, destroyed once, stores first.
        unsafe {
            for store in self.stores {
                if !store.is_null() {
                    ffi::signal_protocol_store_context_destroy(store);
                }
            }
            if !self.context.is_null() {
                ffi::signal_context_destroy(self.context);
            }
        }
    }
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("keys", &*self.keys.borrow())
            .finish()
    }
}

#[derive(Clone, Copy)]
pub(super) enum Decode {
    /// `05` and the X25519 key.
    Serialized,
    Ed25519,
    X25519,
}

/// A 32-byte key in lowercase hex, in groups of eight.
pub fn fingerprint(key: &[u8]) -> String {
    hex::encode(key)
        .as_bytes()
        .chunks(8)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
