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

use std::ffi::{c_char, c_int, c_uint, c_void};
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

#[link(name = "omemo-c")]
extern "C" {
    // ----- ref counting (SIGNAL_REF/SIGNAL_UNREF are macros over these) -----
    pub fn signal_type_ref(instance: *mut signal_type_base);
    pub fn signal_type_unref(instance: *mut signal_type_base);

    // ----- buffers -----
    pub fn signal_buffer_alloc(len: usize) -> *mut signal_buffer;
    pub fn signal_buffer_create(data: *const u8, len: usize) -> *mut signal_buffer;
    pub fn signal_buffer_copy(buffer: *const signal_buffer) -> *mut signal_buffer;
    pub fn signal_buffer_n_copy(buffer: *const signal_buffer, n: usize) -> *mut signal_buffer;
    pub fn signal_buffer_append(
        buffer: *mut signal_buffer,
        data: *const u8,
        len: usize,
    ) -> *mut signal_buffer;
    pub fn signal_buffer_data(buffer: *mut signal_buffer) -> *mut u8;
    pub fn signal_buffer_const_data(buffer: *const signal_buffer) -> *const u8;
    pub fn signal_buffer_len(buffer: *const signal_buffer) -> usize;
    pub fn signal_buffer_compare(buffer1: *mut signal_buffer, buffer2: *mut signal_buffer) -> c_int;
    pub fn signal_buffer_free(buffer: *mut signal_buffer);
    pub fn signal_buffer_bzero_free(buffer: *mut signal_buffer);

    pub fn signal_buffer_list_alloc() -> *mut signal_buffer_list;
    pub fn signal_buffer_list_push_back(list: *mut signal_buffer_list, buffer: *mut signal_buffer) -> c_int;
    pub fn signal_buffer_list_size(list: *mut signal_buffer_list) -> c_uint;
    pub fn signal_buffer_list_at(list: *mut signal_buffer_list, index: c_uint) -> *mut signal_buffer;
    pub fn signal_buffer_list_free(list: *mut signal_buffer_list);
    pub fn signal_buffer_list_bzero_free(list: *mut signal_buffer_list);

    pub fn signal_int_list_alloc() -> *mut signal_int_list;
    pub fn signal_int_list_push_back(list: *mut signal_int_list, value: c_int) -> c_int;
    pub fn signal_int_list_size(list: *mut signal_int_list) -> c_uint;
    pub fn signal_int_list_at(list: *mut signal_int_list, index: c_uint) -> c_int;
    pub fn signal_int_list_free(list: *mut signal_int_list);

    // ----- global context -----
    /// user_data is what the lock/unlock/log callbacks receive.
    pub fn signal_context_create(context: *mut *mut signal_context, user_data: *mut c_void) -> c_int;
    /// Struct is copied. Returns SG_ERR_INVAL if any hmac_* callback is None.
    pub fn signal_context_set_crypto_provider(
        context: *mut signal_context,
        crypto_provider: *const signal_crypto_provider,
    ) -> c_int;
    /// Must be recursive locks. Both None = no locking (default).
    pub fn signal_context_set_locking_functions(
        context: *mut signal_context,
        lock: Option<signal_lock_fn>,
        unlock: Option<signal_lock_fn>,
    ) -> c_int;
    pub fn signal_context_set_log_function(context: *mut signal_context, log: Option<signal_log_fn>)
        -> c_int;
    pub fn signal_context_destroy(context: *mut signal_context);

    // ----- store context -----
    pub fn signal_protocol_store_context_create(
        context: *mut *mut signal_protocol_store_context,
        global_context: *mut signal_context,
    ) -> c_int;
    pub fn signal_protocol_store_context_set_session_store(
        context: *mut signal_protocol_store_context,
        store: *const signal_protocol_session_store,
    ) -> c_int;
    pub fn signal_protocol_store_context_set_pre_key_store(
        context: *mut signal_protocol_store_context,
        store: *const signal_protocol_pre_key_store,
    ) -> c_int;
    pub fn signal_protocol_store_context_set_signed_pre_key_store(
        context: *mut signal_protocol_store_context,
        store: *const signal_protocol_signed_pre_key_store,
    ) -> c_int;
    pub fn signal_protocol_store_context_set_identity_key_store(
        context: *mut signal_protocol_store_context,
        store: *const signal_protocol_identity_key_store,
    ) -> c_int;
    pub fn signal_protocol_store_context_set_sender_key_store(
        context: *mut signal_protocol_store_context,
        store: *const signal_protocol_sender_key_store,
    ) -> c_int;
    /// Calls each store's destroy_func(user_data).
    pub fn signal_protocol_store_context_destroy(context: *mut signal_protocol_store_context);

    // ----- typed store helpers (go through the callbacks) -----
    pub fn signal_protocol_session_load_session(
        context: *mut signal_protocol_store_context,
        record: *mut *mut session_record,
        address: *const signal_protocol_address,
        version: u32,
    ) -> c_int;
    pub fn signal_protocol_session_contains_session(
        context: *mut signal_protocol_store_context,
        address: *const signal_protocol_address,
    ) -> c_int;
    pub fn signal_protocol_session_delete_session(
        context: *mut signal_protocol_store_context,
        address: *const signal_protocol_address,
    ) -> c_int;
    pub fn signal_protocol_pre_key_store_key(
        context: *mut signal_protocol_store_context,
        pre_key: *mut session_pre_key,
    ) -> c_int;
    pub fn signal_protocol_pre_key_load_key(
        context: *mut signal_protocol_store_context,
        pre_key: *mut *mut session_pre_key,
        pre_key_id: u32,
    ) -> c_int;
    pub fn signal_protocol_signed_pre_key_store_key(
        context: *mut signal_protocol_store_context,
        pre_key: *mut session_signed_pre_key,
    ) -> c_int;
    pub fn signal_protocol_signed_pre_key_load_key(
        context: *mut signal_protocol_store_context,
        pre_key: *mut *mut session_signed_pre_key,
        signed_pre_key_id: u32,
    ) -> c_int;
    pub fn signal_protocol_identity_get_key_pair(
        context: *mut signal_protocol_store_context,
        key_pair: *mut *mut ratchet_identity_key_pair,
    ) -> c_int;
    pub fn signal_protocol_identity_get_local_registration_id(
        context: *mut signal_protocol_store_context,
        registration_id: *mut u32,
    ) -> c_int;

    // ----- key_helper.h -----
    pub fn signal_protocol_key_helper_generate_identity_key_pair(
        key_pair: *mut *mut ratchet_identity_key_pair,
        global_context: *mut signal_context,
    ) -> c_int;
    /// extended_range 0 => 1..=16380, 1 => 1..=i32::MAX-1 (use 1 for OMEMO device ids).
    pub fn signal_protocol_key_helper_generate_registration_id(
        registration_id: *mut u32,
        extended_range: c_int,
        global_context: *mut signal_context,
    ) -> c_int;
    pub fn signal_protocol_key_helper_get_random_sequence(
        value: *mut c_int,
        max: c_int,
        global_context: *mut signal_context,
    ) -> c_int;
    /// ids = ((start-1+i) % (0xFFFFFF-1)) + 1
    pub fn signal_protocol_key_helper_generate_pre_keys(
        head: *mut *mut signal_protocol_key_helper_pre_key_list_node,
        start: c_uint,
        count: c_uint,
        global_context: *mut signal_context,
    ) -> c_int;
    /// Borrowed (list owns it; SIGNAL_REF it to keep it past key_list_free).
    pub fn signal_protocol_key_helper_key_list_element(
        node: *const signal_protocol_key_helper_pre_key_list_node,
    ) -> *mut session_pre_key;
    pub fn signal_protocol_key_helper_key_list_next(
        node: *const signal_protocol_key_helper_pre_key_list_node,
    ) -> *mut signal_protocol_key_helper_pre_key_list_node;
    pub fn signal_protocol_key_helper_key_list_free(head: *mut signal_protocol_key_helper_pre_key_list_node);
    /// Produces BOTH signatures: legacy (over 0x05||spk, 33 B) and omemo (over 32-B spk).
    pub fn signal_protocol_key_helper_generate_signed_pre_key(
        signed_pre_key: *mut *mut session_signed_pre_key,
        identity_key_pair: *const ratchet_identity_key_pair,
        signed_pre_key_id: u32,
        timestamp: u64,
        global_context: *mut signal_context,
    ) -> c_int;
    /// Adds the omemo signature to an old record lacking one (replaces *signed_pre_key, unref'ing the old).
    pub fn signal_protocol_key_helper_upgrade_signed_pre_key(
        signed_pre_key: *mut *mut session_signed_pre_key,
        identity_key_pair: *const ratchet_identity_key_pair,
        global_context: *mut signal_context,
    ) -> c_int;

    // ----- curve.h -----
    /// 33 bytes 0x05||X25519 => Montgomery key; 32 bytes => treated as ED25519 (!) and converted.
    pub fn curve_decode_point(
        public_key: *mut *mut ec_public_key,
        key_data: *const u8,
        key_len: usize,
        global_context: *mut signal_context,
    ) -> c_int;
    /// 32-byte Ed25519 point (keeps ed bytes incl. sign bit; used for OMEMO 2 `ik`).
    pub fn curve_decode_point_ed(
        public_key: *mut *mut ec_public_key,
        key_data: *const u8,
        key_len: usize,
        global_context: *mut signal_context,
    ) -> c_int;
    /// 32-byte X25519 u-coordinate, or 33 bytes 0x05||u (OMEMO 2 `spk`/`pk`).
    pub fn curve_decode_point_mont(
        public_key: *mut *mut ec_public_key,
        key_data: *const u8,
        key_len: usize,
        global_context: *mut signal_context,
    ) -> c_int;
    pub fn ec_public_key_compare(key1: *const ec_public_key, key2: *const ec_public_key) -> c_int;
    pub fn ec_public_key_memcmp(key1: *const ec_public_key, key2: *const ec_public_key) -> c_int;
    /// New buffer (caller frees): 32-byte Ed25519 form (sign bit 0 unless decoded from ed).
    pub fn ec_public_key_get_ed(key: *const ec_public_key) -> *mut signal_buffer;
    /// New buffer (caller frees): 32-byte X25519 form.
    pub fn ec_public_key_get_mont(key: *const ec_public_key) -> *mut signal_buffer;
    /// 33 bytes 0x05||X25519 (legacy wire form).
    pub fn ec_public_key_serialize(buffer: *mut *mut signal_buffer, key: *const ec_public_key) -> c_int;
    /// 32 bytes X25519 (== get_mont). NOT the Ed25519 form.
    pub fn ec_public_key_serialize_omemo(buffer: *mut *mut signal_buffer, key: *const ec_public_key)
        -> c_int;
    pub fn curve_decode_private_point(
        private_key: *mut *mut ec_private_key,
        key_data: *const u8,
        key_len: usize,
        global_context: *mut signal_context,
    ) -> c_int;
    pub fn ec_private_key_compare(key1: *const ec_private_key, key2: *const ec_private_key) -> c_int;
    pub fn ec_private_key_serialize(buffer: *mut *mut signal_buffer, key: *const ec_private_key) -> c_int;
    pub fn ec_key_pair_create(
        key_pair: *mut *mut ec_key_pair,
        public_key: *mut ec_public_key,
        private_key: *mut ec_private_key,
    ) -> c_int;
    /// Borrowed.
    pub fn ec_key_pair_get_public(key_pair: *const ec_key_pair) -> *mut ec_public_key;
    /// Borrowed.
    pub fn ec_key_pair_get_private(key_pair: *const ec_key_pair) -> *mut ec_private_key;
    pub fn curve_generate_private_key(
        context: *mut signal_context,
        private_key: *mut *mut ec_private_key,
    ) -> c_int;
    pub fn curve_generate_public_key(
        public_key: *mut *mut ec_public_key,
        private_key: *const ec_private_key,
    ) -> c_int;
    pub fn curve_generate_key_pair(context: *mut signal_context, key_pair: *mut *mut ec_key_pair) -> c_int;
    /// Returns 32 (length) and *shared_key_data = malloc'd buffer (free with libc::free), or <0.
    pub fn curve_calculate_agreement(
        shared_key_data: *mut *mut u8,
        public_key: *const ec_public_key,
        private_key: *const ec_private_key,
    ) -> c_int;
    /// 1 valid, 0 invalid, <0 error. Uses real Ed25519 verify if key was decoded from ed form.
    pub fn curve_verify_signature(
        signing_key: *const ec_public_key,
        message_data: *const u8,
        message_len: usize,
        signature_data: *const u8,
        signature_len: usize,
    ) -> c_int;
    /// XEdDSA (64 bytes), verifiable as Ed25519 against ec_public_key_get_ed(pub).
    pub fn curve_calculate_signature(
        context: *mut signal_context,
        signature: *mut *mut signal_buffer,
        signing_key: *const ec_private_key,
        message_data: *const u8,
        message_len: usize,
    ) -> c_int;

    // ----- ratchet.h (identity key pair only) -----
    pub fn ratchet_identity_key_pair_create(
        key_pair: *mut *mut ratchet_identity_key_pair,
        public_key: *mut ec_public_key,
        private_key: *mut ec_private_key,
    ) -> c_int;
    pub fn ratchet_identity_key_pair_serialize(
        buffer: *mut *mut signal_buffer,
        key_pair: *const ratchet_identity_key_pair,
    ) -> c_int;
    pub fn ratchet_identity_key_pair_deserialize(
        key_pair: *mut *mut ratchet_identity_key_pair,
        data: *const u8,
        len: usize,
        global_context: *mut signal_context,
    ) -> c_int;
    /// Borrowed.
    pub fn ratchet_identity_key_pair_get_public(
        key_pair: *const ratchet_identity_key_pair,
    ) -> *mut ec_public_key;
    /// Borrowed.
    pub fn ratchet_identity_key_pair_get_private(
        key_pair: *const ratchet_identity_key_pair,
    ) -> *mut ec_private_key;

    // ----- session_pre_key.h -----
    pub fn session_pre_key_create(
        pre_key: *mut *mut session_pre_key,
        id: u32,
        key_pair: *mut ec_key_pair,
    ) -> c_int;
    pub fn session_pre_key_serialize(
        buffer: *mut *mut signal_buffer,
        pre_key: *const session_pre_key,
    ) -> c_int;
    pub fn session_pre_key_deserialize(
        pre_key: *mut *mut session_pre_key,
        data: *const u8,
        len: usize,
        global_context: *mut signal_context,
    ) -> c_int;
    pub fn session_pre_key_get_id(pre_key: *const session_pre_key) -> u32;
    /// Borrowed.
    pub fn session_pre_key_get_key_pair(pre_key: *const session_pre_key) -> *mut ec_key_pair;

    pub fn session_signed_pre_key_create(
        pre_key: *mut *mut session_signed_pre_key,
        id: u32,
        timestamp: u64,
        key_pair: *mut ec_key_pair,
        signature: *const u8,
        signature_len: usize,
        signature_omemo: *const u8,
        signature_omemo_len: usize,
    ) -> c_int;
    pub fn session_signed_pre_key_serialize(
        buffer: *mut *mut signal_buffer,
        pre_key: *const session_signed_pre_key,
    ) -> c_int;
    pub fn session_signed_pre_key_deserialize(
        pre_key: *mut *mut session_signed_pre_key,
        data: *const u8,
        len: usize,
        global_context: *mut signal_context,
    ) -> c_int;
    pub fn session_signed_pre_key_get_id(pre_key: *const session_signed_pre_key) -> u32;
    pub fn session_signed_pre_key_get_timestamp(pre_key: *const session_signed_pre_key) -> u64;
    /// Borrowed.
    pub fn session_signed_pre_key_get_key_pair(pre_key: *const session_signed_pre_key) -> *mut ec_key_pair;
    /// Legacy signature (over 0x05||spk). Borrowed pointer.
    pub fn session_signed_pre_key_get_signature(pre_key: *const session_signed_pre_key) -> *const u8;
    pub fn session_signed_pre_key_get_signature_len(pre_key: *const session_signed_pre_key) -> usize;
    /// OMEMO 2 signature (over 32-byte spk). Borrowed pointer; len 0 for pre-0.5 records.
    pub fn session_signed_pre_key_get_signature_omemo(pre_key: *const session_signed_pre_key) -> *const u8;
    pub fn session_signed_pre_key_get_signature_omemo_len(pre_key: *const session_signed_pre_key) -> usize;

    /// Keys are SIGNAL_REF'd by the bundle (caller keeps and must unref its own refs).
    /// pre_key_public may be null (no one-time key; OMEMO 2 forbids that).
    pub fn session_pre_key_bundle_create(
        bundle: *mut *mut session_pre_key_bundle,
        registration_id: u32,
        device_id: c_int,
        pre_key_id: u32,
        pre_key_public: *mut ec_public_key,
        signed_pre_key_id: u32,
        signed_pre_key_public: *mut ec_public_key,
        signed_pre_key_signature_data: *const u8,
        signed_pre_key_signature_len: usize,
        identity_key: *mut ec_public_key,
    ) -> c_int;

    // ----- session_builder.h -----
    /// Stores the *pointers* store/remote_address/global_context: they must outlive the builder.
    pub fn session_builder_create(
        builder: *mut *mut session_builder,
        store: *mut signal_protocol_store_context,
        remote_address: *const signal_protocol_address,
        global_context: *mut signal_context,
    ) -> c_int;
    /// Verifies spk signature (format chosen by builder version), checks is_trusted_identity,
    /// runs X3DH as Alice, stores the session, saves the identity. Needs set_version(4) for OMEMO 2.
    pub fn session_builder_process_pre_key_bundle(
        builder: *mut session_builder,
        bundle: *mut session_pre_key_bundle,
    ) -> c_int;
    pub fn session_builder_get_version(builder: *const session_builder) -> u32;
    /// Default 2 (=> sessions become v3). Set 4 for OMEMO 2.
    pub fn session_builder_set_version(builder: *mut session_builder, version: u32);
    pub fn session_builder_free(builder: *mut session_builder);

    // ----- session_cipher.h -----
    /// Creates an internal builder (version 2). Same lifetime rules as session_builder_create.
    pub fn session_cipher_create(
        cipher: *mut *mut session_cipher,
        store: *mut signal_protocol_store_context,
        remote_address: *const signal_protocol_address,
        global_context: *mut signal_context,
    ) -> c_int;
    pub fn session_cipher_set_user_data(cipher: *mut session_cipher, user_data: *mut c_void);
    pub fn session_cipher_get_user_data(cipher: *mut session_cipher) -> *mut c_void;
    pub fn session_cipher_set_decryption_callback(
        cipher: *mut session_cipher,
        callback: Option<session_cipher_decrypt_callback>,
    );
    /// *encrypted_message is a new ref (signal_message or pre_key_signal_message cast to
    /// ciphertext_message); SIGNAL_UNREF it. Wire format follows the STORED session's version.
    pub fn session_cipher_encrypt(
        cipher: *mut session_cipher,
        padded_message: *const u8,
        padded_message_len: usize,
        encrypted_message: *mut *mut ciphertext_message,
    ) -> c_int;
    /// *plaintext: new buffer, caller frees (signal_buffer_bzero_free).
    pub fn session_cipher_decrypt_pre_key_signal_message(
        cipher: *mut session_cipher,
        ciphertext: *mut pre_key_signal_message,
        decrypt_context: *mut c_void,
        plaintext: *mut *mut signal_buffer,
    ) -> c_int;
    pub fn session_cipher_decrypt_signal_message(
        cipher: *mut session_cipher,
        ciphertext: *mut signal_message,
        decrypt_context: *mut c_void,
        plaintext: *mut *mut signal_buffer,
    ) -> c_int;
    pub fn session_cipher_get_remote_registration_id(
        cipher: *mut session_cipher,
        remote_id: *mut u32,
    ) -> c_int;
    /// Version of the stored session (3 or 4); SG_ERR_NO_SESSION if none.
    pub fn session_cipher_get_session_version(cipher: *mut session_cipher, version: *mut u32) -> c_int;
    /// Preferred version of the internal builder (used for new records / bundle verification).
    pub fn session_cipher_get_version(cipher: *const session_cipher) -> u32;
    pub fn session_cipher_set_version(cipher: *mut session_cipher, version: u32);
    pub fn session_cipher_free(cipher: *mut session_cipher);

    // ----- protocol.h -----
    pub fn ciphertext_message_get_type(message: *const ciphertext_message) -> c_int;
    /// Borrowed (owned by the message).
    pub fn ciphertext_message_get_serialized(message: *const ciphertext_message) -> *mut signal_buffer;

    /// Legacy: 0x33 || SignalMessage protobuf || 8-byte MAC.
    pub fn signal_message_deserialize(
        message: *mut *mut signal_message,
        data: *const u8,
        len: usize,
        global_context: *mut signal_context,
    ) -> c_int;
    /// OMEMO 2: OMEMOAuthenticatedMessage protobuf (no version byte).
    pub fn signal_message_deserialize_omemo(
        message: *mut *mut signal_message,
        data: *const u8,
        len: usize,
        global_context: *mut signal_context,
    ) -> c_int;
    pub fn signal_message_get_message_version(message: *const signal_message) -> u8;
    pub fn signal_message_get_counter(message: *const signal_message) -> u32;
    /// Borrowed.
    pub fn signal_message_get_sender_ratchet_key(message: *const signal_message) -> *mut ec_public_key;
    pub fn signal_message_is_legacy(data: *const u8, len: usize) -> c_int;

    /// Legacy: 0x33 || PreKeySignalMessage protobuf.
    pub fn pre_key_signal_message_deserialize(
        message: *mut *mut pre_key_signal_message,
        data: *const u8,
        len: usize,
        global_context: *mut signal_context,
    ) -> c_int;
    /// OMEMO 2: OMEMOKeyExchange protobuf. registration_id = sender's device id (sid): the
    /// OMEMO 2 message has no registration id field.
    pub fn pre_key_signal_message_deserialize_omemo(
        message: *mut *mut pre_key_signal_message,
        data: *const u8,
        len: usize,
        registration_id: u32,
        global_context: *mut signal_context,
    ) -> c_int;
    pub fn pre_key_signal_message_get_message_version(message: *const pre_key_signal_message) -> u8;
    /// Borrowed.
    pub fn pre_key_signal_message_get_identity_key(
        message: *const pre_key_signal_message,
    ) -> *mut ec_public_key;
    pub fn pre_key_signal_message_get_registration_id(message: *const pre_key_signal_message) -> u32;
    pub fn pre_key_signal_message_has_pre_key_id(message: *const pre_key_signal_message) -> c_int;
    pub fn pre_key_signal_message_get_pre_key_id(message: *const pre_key_signal_message) -> u32;
    pub fn pre_key_signal_message_get_signed_pre_key_id(message: *const pre_key_signal_message) -> u32;
    /// Borrowed.
    pub fn pre_key_signal_message_get_base_key(message: *const pre_key_signal_message) -> *mut ec_public_key;
    /// Borrowed.
    pub fn pre_key_signal_message_get_signal_message(
        message: *const pre_key_signal_message,
    ) -> *mut signal_message;

    // ----- session_record.h / session_state.h (inspection only) -----
    pub fn session_record_deserialize(
        record: *mut *mut session_record,
        data: *const u8,
        len: usize,
        global_context: *mut signal_context,
    ) -> c_int;
    pub fn session_record_serialize(buffer: *mut *mut signal_buffer, record: *const session_record) -> c_int;
    /// Version of the current state (2/3/4).
    pub fn session_record_get_version(record: *const session_record) -> u32;
    /// Borrowed.
    pub fn session_record_get_state(record: *mut session_record) -> *mut session_state;
    pub fn session_state_get_session_version(state: *const session_state) -> u32;
    /// Borrowed.
    pub fn session_state_get_remote_identity_key(state: *const session_state) -> *mut ec_public_key;
    pub fn session_state_has_unacknowledged_pre_key_message(state: *const session_state) -> c_int;
}

/// Equivalent of the C macro `SIGNAL_UNREF(ptr)` (minus setting the variable to 0).
///
/// # Safety
/// `ptr` must be null or a live ref-counted libomemo-c object (any type whose C struct starts
/// with `signal_type_base`: keys, key pairs, pre keys, bundles, messages, records, states).
#[inline]
pub unsafe fn signal_unref<T>(ptr: *mut T) {
    if !ptr.is_null() {
        signal_type_unref(ptr.cast::<signal_type_base>());
    }
}

/// Equivalent of `SIGNAL_REF(ptr)`.
///
/// # Safety
/// `ptr` must be a live ref-counted libomemo-c object.
#[inline]
pub unsafe fn signal_ref<T>(ptr: *mut T) {
    signal_type_ref(ptr.cast::<signal_type_base>());
}
