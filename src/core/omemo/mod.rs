//! OMEMO (XEP-0384) end-to-end encryption, on Debian's libomemo-c (Dino's
//! maintained fork of libsignal-protocol-c) with its cryptography from
//! RustCrypto. Both wire versions: the legacy `eu.siacs.conversations.axolotl`
//! that Conversations, Dino and Gajim speak, and `urn:xmpp:omemo:2`.
//!
//! - [`ffi`]: the library's C interface, nothing else.
//! - [`handle`]: owned library objects and buffers, released on drop.
//! - [`crypto_provider`]: the library's cryptography callbacks.
//! - [`key_store`]: a device's keys and sessions, and the store callbacks.
//! - [`device`]: our device: keys, sessions, and the key material of a
//!   message encrypted to and decrypted from another device.
//! - [`bundle`]: what our device publishes, per wire version.
//! - [`signed_pre_key`]: the signed pre-key, made anew on a schedule.
//! - [`payload`]: a message's body encrypted with that key material.
//! - [`sealed_state`]: the keys and sessions as saved, sealed.

pub mod bundle;
pub mod crypto_provider;
pub mod device;
pub mod ffi;
pub mod handle;
pub mod key_store;
pub mod payload;
pub mod sealed_state;
pub mod signed_pre_key;
pub mod trust;

/// The OMEMO wire version a session speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WireVersion {
    /// `eu.siacs.conversations.axolotl` (OMEMO 0.3, libsignal version 3).
    Legacy,
    /// `urn:xmpp:omemo:2` (libomemo-c's version 4).
    Omemo2,
}

impl WireVersion {
    /// The library's number for it.
    pub fn library_version(self) -> u32 {
        match self {
            Self::Legacy => ffi::CIPHERTEXT_CURRENT_VERSION,
            Self::Omemo2 => ffi::CIPHERTEXT_OMEMO_VERSION,
        }
    }

    /// The XML namespace of its elements.
    pub fn namespace(self) -> &'static str {
        match self {
            Self::Legacy => "eu.siacs.conversations.axolotl",
            Self::Omemo2 => "urn:xmpp:omemo:2",
        }
    }
}

/// Why an OMEMO operation failed, in terms a conversation can show.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OmemoError {
    /// The same message arrived twice (ignored, as the XEP says).
    #[error("the message was received twice")]
    Duplicate,
    /// No session with that device (its key exchange was lost, or it is
    /// not ours to read).
    #[error("there is no encrypted session with this device")]
    NoSession,
    /// The user distrusted the device's key.
    #[error("the device's key is not trusted")]
    Untrusted,
    /// The message was altered, or is not for this session.
    #[error("the message was altered or is not for this device")]
    Corrupted,
    /// A pre-key that was used up or never existed.
    #[error("the message refers to a key this device no longer has")]
    UnknownKey,
    /// A bundle whose signature does not hold, or a malformed key.
    #[error("the device's published keys are invalid")]
    InvalidKey,
    /// Input that cannot be read at all.
    #[error("unreadable OMEMO data: {0}")]
    Malformed(String),
    /// Anything else the library reported.
    #[error("the encryption library failed ({0})")]
    Library(i32),
}

impl OmemoError {
    /// The error for library code `code` (negative).
    pub fn from_code(code: i32) -> Self {
        match code {
            ffi::SG_ERR_DUPLICATE_MESSAGE => Self::Duplicate,
            ffi::SG_ERR_NO_SESSION => Self::NoSession,
            ffi::SG_ERR_UNTRUSTED_IDENTITY => Self::Untrusted,
            ffi::SG_ERR_INVALID_MAC
            | ffi::SG_ERR_INVALID_MESSAGE
            | ffi::SG_ERR_LEGACY_MESSAGE
            | ffi::SG_ERR_INVALID_VERSION => Self::Corrupted,
            ffi::SG_ERR_INVALID_PROTO_BUF => Self::Malformed("not a message of this version".into()),
            ffi::SG_ERR_INVALID_KEY_ID => Self::UnknownKey,
            ffi::SG_ERR_INVALID_KEY | ffi::SG_ERR_VRF_SIG_VERIF_FAILED => Self::InvalidKey,
            other => Self::Library(other),
        }
    }
}

/// `Ok` for library success codes (zero or more), else the error.
pub(crate) fn check(code: std::ffi::c_int) -> Result<std::ffi::c_int, OmemoError> {
    if code < 0 {
        Err(OmemoError::from_code(code))
    } else {
        Ok(code)
    }
}
