//! What one OMEMO device keeps: its identity key pair and device id, its
//! pre-keys and signed pre-keys, the sessions with other devices (apart
//! per wire version: a legacy session cannot take an OMEMO 2 key exchange)
//! and the identity keys seen for them. libomemo-c reads and writes it
//! through the callback tables built here.
//!
//! Private keys and session records are secrets: they are wiped when
//! dropped and never printed (`Debug` shows counts only).

use std::{
    cell::RefCell,
    collections::{BTreeMap, HashMap, HashSet},
    ffi::{c_char, c_int, c_void},
    panic::{catch_unwind, AssertUnwindSafe},
};

use zeroize::Zeroizing;

use super::{
    ffi::{
        self, signal_buffer, signal_int_list, signal_protocol_address, SG_ERR_INVALID_KEY_ID, SG_ERR_UNKNOWN,
        SG_SUCCESS,
    },
    handle::{give, slice},
    WireVersion,
};

/// Pre-key and signed pre-key records by id.
type Records = BTreeMap<u32, Zeroizing<Vec<u8>>>;

/// Loads record `id` of `records`: 0 found, `SG_ERR_INVALID_KEY_ID` absent.
unsafe fn load_record(records: &Records, id: u32, record: *mut *mut signal_buffer) -> c_int {
    match records.get(&id) {
        Some(data) => give(record, data),
        None => SG_ERR_INVALID_KEY_ID,
    }
}

/// A remote device: its owner's bare JID and its device id.
pub type DeviceAddress = (String, i32);

/// The keys and sessions of one device.
#[derive(Default)]
pub struct KeyStore {
    /// The identity public key, serialized (`05` and the X25519 key).
    pub identity_public: Vec<u8>,
    /// The identity private key, serialized.
    pub identity_private: Zeroizing<Vec<u8>>,
    /// Our device id (also the registration id).
    pub device_id: u32,
    /// One-time pre-key records by id.
    pub pre_keys: BTreeMap<u32, Zeroizing<Vec<u8>>>,
    /// Signed pre-key records by id.
    pub signed_pre_keys: BTreeMap<u32, Zeroizing<Vec<u8>>>,
    /// Session records by wire version and device.
    pub sessions: HashMap<(WireVersion, DeviceAddress), Zeroizing<Vec<u8>>>,
    /// The identity key last seen for each device.
    pub identities: HashMap<DeviceAddress, Vec<u8>>,
    /// Identity keys the user distrusted: nothing is encrypted to them.
    pub distrusted: HashSet<Vec<u8>>,
    /// Identity keys the user verified (compared their fingerprints).
    pub verified: HashSet<Vec<u8>>,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStore")
            .field("device_id", &self.device_id)
            .field("pre_keys", &self.pre_keys.len())
            .field("signed_pre_keys", &self.signed_pre_keys.len())
            .field("sessions", &self.sessions.len())
            .field("identities", &self.identities.len())
            .finish_non_exhaustive()
    }
}

/// The store as the callbacks see it: shared by both wire versions, with
/// the version each session table belongs to.
pub struct StoreView {
    pub(super) store: *const RefCell<KeyStore>,
    pub(super) version: WireVersion,
}

/// Runs `f` on the store behind `user_data`; a panic, or the store in use
/// already, gives `SG_ERR_UNKNOWN` instead of unwinding into C.
unsafe fn with_store(user_data: *mut c_void, f: impl FnOnce(&mut KeyStore, WireVersion) -> c_int) -> c_int {
    let Some(view) = user_data.cast::<StoreView>().as_ref() else {
        return SG_ERR_UNKNOWN;
    };
    let Some(cell) = view.store.as_ref() else {
        return SG_ERR_UNKNOWN;
    };
    catch_unwind(AssertUnwindSafe(|| match cell.try_borrow_mut() {
        Ok(mut store) => f(&mut store, view.version),
        Err(_) => SG_ERR_UNKNOWN,
    }))
    .unwrap_or(SG_ERR_UNKNOWN)
}

unsafe fn name(data: *const c_char, len: usize) -> String {
    String::from_utf8_lossy(slice(data.cast(), len)).into_owned()
}

unsafe fn address(address: *const signal_protocol_address) -> Option<DeviceAddress> {
    let a = address.as_ref()?;
    Some((name(a.name, a.name_len), a.device_id))
}

// Sessions: load 1 found / 0 absent.
unsafe extern "C" fn load_session(
    record: *mut *mut signal_buffer,
    user_record: *mut *mut signal_buffer,
    addr: *const signal_protocol_address,
    user_data: *mut c_void,
) -> c_int {
    let Some(addr) = address(addr) else {
        return SG_ERR_UNKNOWN;
    };
    with_store(user_data, |s, v| match s.sessions.get(&(v, addr)) {
        Some(data) => {
            if !user_record.is_null() {
                *user_record = std::ptr::null_mut();
            }
            match give(record, data) {
                SG_SUCCESS => 1,
                e => e,
            }
        }
        None => 0,
    })
}

unsafe extern "C" fn sub_device_sessions(
    sessions: *mut *mut signal_int_list,
    name_ptr: *const c_char,
    name_len: usize,
    user_data: *mut c_void,
) -> c_int {
    let wanted = name(name_ptr, name_len);
    with_store(user_data, |s, v| {
        let list = ffi::signal_int_list_alloc();
        if list.is_null() {
            return ffi::SG_ERR_NOMEM;
        }
        let mut count = 0;
        for (version, (jid, device)) in s.sessions.keys() {
            if *version == v && *jid == wanted {
                ffi::signal_int_list_push_back(list, *device);
                count += 1;
            }
        }
        *sessions = list;
        count
    })
}

unsafe extern "C" fn store_session(
    addr: *const signal_protocol_address,
    record: *mut u8,
    record_len: usize,
    _user_record: *mut u8,
    _user_record_len: usize,
    user_data: *mut c_void,
) -> c_int {
    let Some(addr) = address(addr) else {
        return SG_ERR_UNKNOWN;
    };
    let data = Zeroizing::new(slice(record, record_len).to_vec());
    with_store(user_data, |s, v| {
        s.sessions.insert((v, addr), data);
        SG_SUCCESS
    })
}

unsafe extern "C" fn contains_session(addr: *const signal_protocol_address, user_data: *mut c_void) -> c_int {
    let Some(addr) = address(addr) else {
        return SG_ERR_UNKNOWN;
    };
    with_store(user_data, |s, v| c_int::from(s.sessions.contains_key(&(v, addr))))
}

unsafe extern "C" fn delete_session(addr: *const signal_protocol_address, user_data: *mut c_void) -> c_int {
    let Some(addr) = address(addr) else {
        return SG_ERR_UNKNOWN;
    };
    with_store(user_data, |s, v| {
        c_int::from(s.sessions.remove(&(v, addr)).is_some())
    })
}

unsafe extern "C" fn delete_all_sessions(
    name_ptr: *const c_char,
    name_len: usize,
    user_data: *mut c_void,
) -> c_int {
    let wanted = name(name_ptr, name_len);
    with_store(user_data, |s, v| {
        let before = s.sessions.len();
        s.sessions
            .retain(|(version, (jid, _)), _| !(*version == v && *jid == wanted));
        c_int::try_from(before - s.sessions.len()).unwrap_or(c_int::MAX)
    })
}

// Pre-keys (`SIGNED` false) and signed pre-keys (true), the same way:
// load 0 found / SG_ERR_INVALID_KEY_ID absent.
fn records<const SIGNED: bool>(store: &mut KeyStore) -> &mut Records {
    if SIGNED {
        &mut store.signed_pre_keys
    } else {
        &mut store.pre_keys
    }
}

unsafe extern "C" fn load_key<const SIGNED: bool>(
    record: *mut *mut signal_buffer,
    id: u32,
    user_data: *mut c_void,
) -> c_int {
    with_store(user_data, |s, _| load_record(records::<SIGNED>(s), id, record))
}

unsafe extern "C" fn store_key<const SIGNED: bool>(
    id: u32,
    record: *mut u8,
    len: usize,
    user_data: *mut c_void,
) -> c_int {
    let data = Zeroizing::new(slice(record, len).to_vec());
    with_store(user_data, |s, _| {
        records::<SIGNED>(s).insert(id, data);
        SG_SUCCESS
    })
}

unsafe extern "C" fn contains_key<const SIGNED: bool>(id: u32, user_data: *mut c_void) -> c_int {
    with_store(user_data, |s, _| {
        c_int::from(records::<SIGNED>(s).contains_key(&id))
    })
}

unsafe extern "C" fn remove_key<const SIGNED: bool>(id: u32, user_data: *mut c_void) -> c_int {
    with_store(user_data, |s, _| {
        records::<SIGNED>(s).remove(&id);
        SG_SUCCESS
    })
}

unsafe extern "C" fn identity_key_pair(
    public: *mut *mut signal_buffer,
    private: *mut *mut signal_buffer,
    user_data: *mut c_void,
) -> c_int {
    with_store(user_data, |s, _| match give(public, &s.identity_public) {
        SG_SUCCESS => give(private, &s.identity_private),
        e => e,
    })
}

unsafe extern "C" fn local_registration_id(user_data: *mut c_void, id: *mut u32) -> c_int {
    with_store(user_data, |s, _| {
        *id = s.device_id;
        SG_SUCCESS
    })
}

unsafe extern "C" fn save_identity(
    addr: *const signal_protocol_address,
    key: *mut u8,
    len: usize,
    user_data: *mut c_void,
) -> c_int {
    let Some(addr) = address(addr) else {
        return SG_ERR_UNKNOWN;
    };
    let key = slice(key, len).to_vec();
    with_store(user_data, |s, _| {
        if key.is_empty() {
            s.identities.remove(&addr);
        } else {
            s.identities.insert(addr, key);
        }
        SG_SUCCESS
    })
}

// Blind trust before verification: every key is trusted unless the user
// distrusted it.
unsafe extern "C" fn is_trusted_identity(
    _addr: *const signal_protocol_address,
    key: *mut u8,
    len: usize,
    user_data: *mut c_void,
) -> c_int {
    let key = slice(key, len).to_vec();
    with_store(user_data, |s, _| c_int::from(!s.distrusted.contains(&key)))
}

/// The callback tables for the store behind `view`.
pub fn tables(
    view: *mut StoreView,
) -> (
    ffi::signal_protocol_session_store,
    ffi::signal_protocol_pre_key_store,
    ffi::signal_protocol_signed_pre_key_store,
    ffi::signal_protocol_identity_key_store,
) {
    let user_data = view.cast::<c_void>();
    (
        ffi::signal_protocol_session_store {
            load_session_func: Some(load_session),
            get_sub_device_sessions_func: Some(sub_device_sessions),
            store_session_func: Some(store_session),
            contains_session_func: Some(contains_session),
            delete_session_func: Some(delete_session),
            delete_all_sessions_func: Some(delete_all_sessions),
            destroy_func: None,
            user_data,
        },
        ffi::signal_protocol_pre_key_store {
            load_pre_key: Some(load_key::<false>),
            store_pre_key: Some(store_key::<false>),
            contains_pre_key: Some(contains_key::<false>),
            remove_pre_key: Some(remove_key::<false>),
            destroy_func: None,
            user_data,
        },
        ffi::signal_protocol_signed_pre_key_store {
            load_signed_pre_key: Some(load_key::<true>),
            store_signed_pre_key: Some(store_key::<true>),
            contains_signed_pre_key: Some(contains_key::<true>),
            remove_signed_pre_key: Some(remove_key::<true>),
            destroy_func: None,
            user_data,
        },
        ffi::signal_protocol_identity_key_store {
            get_identity_key_pair: Some(identity_key_pair),
            get_local_registration_id: Some(local_registration_id),
            save_identity: Some(save_identity),
            is_trusted_identity: Some(is_trusted_identity),
            destroy_func: None,
            user_data,
        },
    )
}
