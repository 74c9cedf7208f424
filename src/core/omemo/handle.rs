//! Library objects and buffers owned from Rust: each releases its
//! reference (or frees, wiping buffers) when dropped.

use std::ffi::c_int;

use super::ffi::{self, signal_buffer, signal_type_base};

/// A slice from a C pointer and length (empty for a null pointer).
///
/// # Safety
/// `data` must point to `len` readable bytes when it is not null, for the
/// returned lifetime.
pub unsafe fn slice<'a>(data: *const u8, len: usize) -> &'a [u8] {
    if data.is_null() || len == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(data, len)
    }
}

/// Hands `bytes` to the library in a new buffer it then owns.
///
/// # Safety
/// `output` must be writable.
pub unsafe fn give(output: *mut *mut signal_buffer, bytes: &[u8]) -> c_int {
    let buffer = ffi::signal_buffer_create(bytes.as_ptr(), bytes.len());
    if buffer.is_null() {
        return ffi::SG_ERR_NOMEM;
    }
    *output = buffer;
    ffi::SG_SUCCESS
}

/// An owned reference to a reference-counted library object.
pub struct Owned<T>(*mut T);

impl<T> Owned<T> {
    /// Takes over the reference `ptr` (from a `_create`, `_deserialize`,
    /// `generate_` or `encrypt` call); `None` for a null pointer.
    ///
    /// # Safety
    /// `ptr` must be null or an owned reference to a `signal_type_base`
    /// derived object.
    pub unsafe fn take(ptr: *mut T) -> Option<Self> {
        (!ptr.is_null()).then_some(Self(ptr))
    }

    /// The raw pointer, still owned here.
    pub fn ptr(&self) -> *mut T {
        self.0
    }
}

impl<T> Drop for Owned<T> {
    fn drop(&mut self) {
        // SAFETY: an owned reference, released once.
        unsafe { ffi::signal_type_unref(self.0.cast::<signal_type_base>()) }
    }
}

/// An owned library buffer, wiped when freed.
pub struct Buffer(*mut signal_buffer);

impl Buffer {
    /// Takes over `ptr`; `None` for a null pointer.
    ///
    /// # Safety
    /// `ptr` must be null or a buffer this code now owns.
    pub unsafe fn take(ptr: *mut signal_buffer) -> Option<Self> {
        (!ptr.is_null()).then_some(Self(ptr))
    }

    /// Its bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: a live buffer; data and len describe its contents.
        unsafe {
            let len = ffi::signal_buffer_len(self.0);
            let data = ffi::signal_buffer_const_data(self.0);
            if data.is_null() || len == 0 {
                &[]
            } else {
                std::slice::from_raw_parts(data, len)
            }
        }
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // SAFETY: an owned buffer, freed once.
        unsafe { ffi::signal_buffer_bzero_free(self.0) }
    }
}

/// The bytes of a buffer the library lends (not freed here).
///
/// # Safety
/// `ptr` must be null or a live buffer for the returned lifetime.
pub unsafe fn borrowed<'a>(ptr: *const signal_buffer) -> &'a [u8] {
    if ptr.is_null() {
        return &[];
    }
    let len = ffi::signal_buffer_len(ptr);
    let data = ffi::signal_buffer_const_data(ptr);
    if data.is_null() || len == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(data, len)
    }
}
