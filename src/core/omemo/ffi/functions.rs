//! libomemo-c's functions (the types are in the parent module).
#![allow(non_camel_case_types, non_snake_case, dead_code)]

use std::ffi::{c_int, c_uint, c_void};

use super::*;

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
