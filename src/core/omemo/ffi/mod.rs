//! Raw FFI declarations for libomemo-c 0.5.0 (Debian 12 package `libomemo-c-dev` 0.5.0-4).
//!
//! Transcribed from /usr/include/omemo/*.h (identical to upstream tag v0.5.0).
//! Link: `pkg-config --libs libomemo-c` => `-lomemo-c` (protobuf-c is bundled in the .so,
//! no extra library needed). Cflags `-I/usr/include/omemo` are only needed for C code.
//!
//! Everything here is `unsafe` raw API;
//! the safe wrapper lives in sibling modules. Only the subset Balcony needs is declared
//! (no sender-key/group-cipher functions, no ratchet internals), but every struct that is
//! passed by value/pointer to the library is complete and field-for-field identical to C.
//!
//! Type mapping: int -> c_int, size_t -> usize, uint8_t -> u8, uint32_t -> u32,
//! int32_t -> i32, uint64_t -> u64, ssize_t -> isize.
#![allow(non_camel_case_types, non_snake_case, dead_code)]

mod functions;
pub use functions::*;

use std::ffi::{c_char, c_int, c_void};
use std::marker::{PhantomData, PhantomPinned};

// ---------------------------------------------------------------------------------------------
// Opaque types (never constructed or dereferenced from Rust)
// ---------------------------------------------------------------------------------------------
macro_rules! opaque {
    ($($name:ident),* $(,)?) => {$(
        #[repr(C)]
        pub struct $name {
            _data: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    )*};
}

opaque!(
    signal_type_base,
    signal_buffer,
    signal_buffer_list,
    signal_int_list,
    signal_context,
    signal_protocol_store_context,
    ec_public_key,
    ec_private_key,
    ec_key_pair,
    ec_public_key_list,
    hkdf_context,
    signal_protocol_key_helper_pre_key_list_node,
    ciphertext_message,
    signal_message,
    pre_key_signal_message,
    sender_key_message,
    sender_key_distribution_message,
    ratchet_chain_key,
    ratchet_root_key,
    ratchet_identity_key_pair,
    session_pre_key,
    session_signed_pre_key,
    session_pre_key_bundle,
    session_builder,
    session_record,
    session_record_state_node,
    session_state,
    session_cipher,
    sender_key_record,
);

// ---------------------------------------------------------------------------------------------
// Constants (signal_protocol.h, protocol.h, curve.h, session_pre_key.h, signal_protocol_types.h)
// ---------------------------------------------------------------------------------------------
pub const SG_SUCCESS: c_int = 0;
pub const SG_ERR_NOMEM: c_int = -12;
pub const SG_ERR_INVAL: c_int = -22;
pub const SG_ERR_UNKNOWN: c_int = -1000;
pub const SG_ERR_DUPLICATE_MESSAGE: c_int = -1001;
pub const SG_ERR_INVALID_KEY: c_int = -1002;
pub const SG_ERR_INVALID_KEY_ID: c_int = -1003;
pub const SG_ERR_INVALID_MAC: c_int = -1004;
pub const SG_ERR_INVALID_MESSAGE: c_int = -1005;
pub const SG_ERR_INVALID_VERSION: c_int = -1006;
pub const SG_ERR_LEGACY_MESSAGE: c_int = -1007;
pub const SG_ERR_NO_SESSION: c_int = -1008;
pub const SG_ERR_STALE_KEY_EXCHANGE: c_int = -1009;
pub const SG_ERR_UNTRUSTED_IDENTITY: c_int = -1010;
pub const SG_ERR_VRF_SIG_VERIF_FAILED: c_int = -1011;
pub const SG_ERR_INVALID_PROTO_BUF: c_int = -1100;
pub const SG_ERR_FP_VERSION_MISMATCH: c_int = -1200;
pub const SG_ERR_FP_IDENT_MISMATCH: c_int = -1201;
/// Application error codes returned from callbacks should be < SG_ERR_MINIMUM.
pub const SG_ERR_MINIMUM: c_int = -9999;

pub const SG_LOG_ERROR: c_int = 0;
pub const SG_LOG_WARNING: c_int = 1;
pub const SG_LOG_NOTICE: c_int = 2;
pub const SG_LOG_INFO: c_int = 3;
pub const SG_LOG_DEBUG: c_int = 4;

/// Only ever requested for session version 2 (never created by this library version).
pub const SG_CIPHER_AES_CTR_NOPADDING: c_int = 1;
/// Used for session versions 3 (legacy OMEMO) and 4 (OMEMO 2): AES-256-CBC, PKCS#7, 16-byte IV.
pub const SG_CIPHER_AES_CBC_PKCS5: c_int = 2;

pub const CIPHERTEXT_UNSUPPORTED_VERSION: u32 = 1;
/// Legacy Signal/OMEMO 0.3 (`eu.siacs.conversations.axolotl`) session/message version.
pub const CIPHERTEXT_CURRENT_VERSION: u32 = 3;
/// OMEMO 2 (`urn:xmpp:omemo:2`) session/message version.
pub const CIPHERTEXT_OMEMO_VERSION: u32 = 4;

pub const CIPHERTEXT_SIGNAL_TYPE: c_int = 2;
pub const CIPHERTEXT_PREKEY_TYPE: c_int = 3;
pub const CIPHERTEXT_SENDERKEY_TYPE: c_int = 4;
pub const CIPHERTEXT_SENDERKEY_DISTRIBUTION_TYPE: c_int = 5;
pub const CIPHERTEXT_ENCRYPTED_MESSAGE_OVERHEAD: usize = 53;

pub const CURVE_SIGNATURE_LEN: usize = 64;
pub const VRF_SIGNATURE_LEN: usize = 96;
pub const PRE_KEY_MEDIUM_MAX_VALUE: u32 = 0xFF_FFFF;

pub const RATCHET_CIPHER_KEY_LENGTH: usize = 32;
pub const RATCHET_MAC_KEY_LENGTH: usize = 32;
pub const RATCHET_IV_LENGTH: usize = 16;

// ---------------------------------------------------------------------------------------------
// Plain structs (signal_protocol_types.h)
// ---------------------------------------------------------------------------------------------

/// `name` need not be NUL-terminated; the library stores the *pointer* to this struct in
/// session_builder / session_cipher, so it (and the bytes `name` points to) must outlive them.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct signal_protocol_address {
    pub name: *const c_char,
    pub name_len: usize,
    pub device_id: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct signal_protocol_sender_key_name {
    pub group_id: *const c_char,
    pub group_id_len: usize,
    pub sender: signal_protocol_address,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct ratchet_message_keys {
    pub cipher_key: [u8; RATCHET_CIPHER_KEY_LENGTH],
    pub mac_key: [u8; RATCHET_MAC_KEY_LENGTH],
    pub iv: [u8; RATCHET_IV_LENGTH],
    pub counter: u32,
}

// ---------------------------------------------------------------------------------------------
// Crypto provider (signal_protocol.h). All callbacks receive crypto_provider.user_data last.
// ---------------------------------------------------------------------------------------------
#[repr(C)]
#[derive(Clone, Copy)]
pub struct signal_crypto_provider {
    /// Fill `data[..len]` with CSPRNG bytes. 0 / negative.
    pub random_func: Option<unsafe extern "C" fn(data: *mut u8, len: usize, user_data: *mut c_void) -> c_int>,
    /// Allocate an HMAC-SHA-256 state keyed with key[..key_len] (any length, incl. 0), store in *hmac_context.
    pub hmac_sha256_init_func: Option<
        unsafe extern "C" fn(
            hmac_context: *mut *mut c_void,
            key: *const u8,
            key_len: usize,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    pub hmac_sha256_update_func: Option<
        unsafe extern "C" fn(
            hmac_context: *mut c_void,
            data: *const u8,
            data_len: usize,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    /// *output = signal_buffer_create(full 32-byte tag). Library truncates itself (8 or 16 bytes).
    pub hmac_sha256_final_func: Option<
        unsafe extern "C" fn(
            hmac_context: *mut c_void,
            output: *mut *mut signal_buffer,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    /// Free the state from init (may be called after a failed init: must accept whatever init left).
    pub hmac_sha256_cleanup_func:
        Option<unsafe extern "C" fn(hmac_context: *mut c_void, user_data: *mut c_void)>,
    /// SHA-512 callbacks: never called by libomemo-c 0.5.0 (fingerprint code was removed;
    /// ed25519 uses its bundled SHA-512). May be None (Dino passes NULL). We still provide them.
    pub sha512_digest_init_func:
        Option<unsafe extern "C" fn(digest_context: *mut *mut c_void, user_data: *mut c_void) -> c_int>,
    pub sha512_digest_update_func: Option<
        unsafe extern "C" fn(
            digest_context: *mut c_void,
            data: *const u8,
            data_len: usize,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    /// *output = 64-byte digest; then reset the context for reuse.
    pub sha512_digest_final_func: Option<
        unsafe extern "C" fn(
            digest_context: *mut c_void,
            output: *mut *mut signal_buffer,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    pub sha512_digest_cleanup_func:
        Option<unsafe extern "C" fn(digest_context: *mut c_void, user_data: *mut c_void)>,
    /// cipher = SG_CIPHER_AES_CBC_PKCS5 (key 32, iv 16; PKCS#7 pad) or SG_CIPHER_AES_CTR_NOPADDING
    /// (key 32, iv 16 = initial 128-bit big-endian counter block). *output = signal_buffer_create(ct).
    pub encrypt_func: Option<
        unsafe extern "C" fn(
            output: *mut *mut signal_buffer,
            cipher: c_int,
            key: *const u8,
            key_len: usize,
            iv: *const u8,
            iv_len: usize,
            plaintext: *const u8,
            plaintext_len: usize,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    /// Inverse of encrypt_func; for CBC must verify+strip PKCS#7 padding, return negative on bad padding.
    pub decrypt_func: Option<
        unsafe extern "C" fn(
            output: *mut *mut signal_buffer,
            cipher: c_int,
            key: *const u8,
            key_len: usize,
            iv: *const u8,
            iv_len: usize,
            ciphertext: *const u8,
            ciphertext_len: usize,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    pub user_data: *mut c_void,
}

// ---------------------------------------------------------------------------------------------
// Store callback tables (signal_protocol.h). Copied by value by the set_*_store functions.
// Output buffers must be allocated with signal_buffer_create(); the library frees them.
// ---------------------------------------------------------------------------------------------
#[repr(C)]
#[derive(Clone, Copy)]
pub struct signal_protocol_session_store {
    /// Return 1 and set *record (and optionally *user_record) if found, 0 if not found, <0 on error.
    pub load_session_func: Option<
        unsafe extern "C" fn(
            record: *mut *mut signal_buffer,
            user_record: *mut *mut signal_buffer,
            address: *const signal_protocol_address,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    /// *sessions = signal_int_list_alloc() filled with device ids; return count or <0.
    pub get_sub_device_sessions_func: Option<
        unsafe extern "C" fn(
            sessions: *mut *mut signal_int_list,
            name: *const c_char,
            name_len: usize,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    /// Persist record[..record_len] (+ optional user_record, may be null) for address. 0 / <0.
    pub store_session_func: Option<
        unsafe extern "C" fn(
            address: *const signal_protocol_address,
            record: *mut u8,
            record_len: usize,
            user_record: *mut u8,
            user_record_len: usize,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    /// 1 if present, 0 otherwise.
    pub contains_session_func: Option<
        unsafe extern "C" fn(address: *const signal_protocol_address, user_data: *mut c_void) -> c_int,
    >,
    /// 1 deleted, 0 not deleted, <0 error.
    pub delete_session_func: Option<
        unsafe extern "C" fn(address: *const signal_protocol_address, user_data: *mut c_void) -> c_int,
    >,
    /// Number deleted or <0.
    pub delete_all_sessions_func:
        Option<unsafe extern "C" fn(name: *const c_char, name_len: usize, user_data: *mut c_void) -> c_int>,
    /// Called from signal_protocol_store_context_destroy (may be None).
    pub destroy_func: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
    pub user_data: *mut c_void,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct signal_protocol_pre_key_store {
    /// SG_SUCCESS (0) + *record if found, SG_ERR_INVALID_KEY_ID if not found (NOT 1/0!).
    pub load_pre_key: Option<
        unsafe extern "C" fn(
            record: *mut *mut signal_buffer,
            pre_key_id: u32,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    pub store_pre_key: Option<
        unsafe extern "C" fn(
            pre_key_id: u32,
            record: *mut u8,
            record_len: usize,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    /// 1 if present, 0 otherwise.
    pub contains_pre_key: Option<unsafe extern "C" fn(pre_key_id: u32, user_data: *mut c_void) -> c_int>,
    /// Called after a successful pre-key-message decrypt (consumed one-time key). 0 / <0.
    pub remove_pre_key: Option<unsafe extern "C" fn(pre_key_id: u32, user_data: *mut c_void) -> c_int>,
    pub destroy_func: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
    pub user_data: *mut c_void,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct signal_protocol_signed_pre_key_store {
    /// SG_SUCCESS + *record if found, SG_ERR_INVALID_KEY_ID if not.
    pub load_signed_pre_key: Option<
        unsafe extern "C" fn(
            record: *mut *mut signal_buffer,
            signed_pre_key_id: u32,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    pub store_signed_pre_key: Option<
        unsafe extern "C" fn(
            signed_pre_key_id: u32,
            record: *mut u8,
            record_len: usize,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    pub contains_signed_pre_key:
        Option<unsafe extern "C" fn(signed_pre_key_id: u32, user_data: *mut c_void) -> c_int>,
    pub remove_signed_pre_key:
        Option<unsafe extern "C" fn(signed_pre_key_id: u32, user_data: *mut c_void) -> c_int>,
    pub destroy_func: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
    pub user_data: *mut c_void,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct signal_protocol_identity_key_store {
    /// *public_data = 33-byte 0x05||X25519 (ec_public_key_serialize), *private_data = 32 bytes. 0 / <0.
    pub get_identity_key_pair: Option<
        unsafe extern "C" fn(
            public_data: *mut *mut signal_buffer,
            private_data: *mut *mut signal_buffer,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    /// NOTE the unusual argument order: user_data FIRST.
    pub get_local_registration_id:
        Option<unsafe extern "C" fn(user_data: *mut c_void, registration_id: *mut u32) -> c_int>,
    /// key_data is 33-byte 0x05||X25519 for BOTH wire versions (may be null = clear key). 0 / <0.
    pub save_identity: Option<
        unsafe extern "C" fn(
            address: *const signal_protocol_address,
            key_data: *mut u8,
            key_len: usize,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    /// 1 trusted, 0 untrusted (-> SG_ERR_UNTRUSTED_IDENTITY), <0 error.
    pub is_trusted_identity: Option<
        unsafe extern "C" fn(
            address: *const signal_protocol_address,
            key_data: *mut u8,
            key_len: usize,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    pub destroy_func: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
    pub user_data: *mut c_void,
}

/// Not needed for OMEMO (no Signal group sender keys); may be left unset.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct signal_protocol_sender_key_store {
    pub store_sender_key: Option<
        unsafe extern "C" fn(
            sender_key_name: *const signal_protocol_sender_key_name,
            record: *mut u8,
            record_len: usize,
            user_record: *mut u8,
            user_record_len: usize,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    pub load_sender_key: Option<
        unsafe extern "C" fn(
            record: *mut *mut signal_buffer,
            user_record: *mut *mut signal_buffer,
            sender_key_name: *const signal_protocol_sender_key_name,
            user_data: *mut c_void,
        ) -> c_int,
    >,
    pub destroy_func: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
    pub user_data: *mut c_void,
}

pub type signal_lock_fn = unsafe extern "C" fn(user_data: *mut c_void);
pub type signal_log_fn =
    unsafe extern "C" fn(level: c_int, message: *const c_char, len: usize, user_data: *mut c_void);
pub type session_cipher_decrypt_callback = unsafe extern "C" fn(
    cipher: *mut session_cipher,
    plaintext: *mut signal_buffer,
    decrypt_context: *mut c_void,
) -> c_int;
