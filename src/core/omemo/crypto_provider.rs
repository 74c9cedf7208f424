//! libomemo-c's cryptography, supplied from RustCrypto: randomness from
//! the operating system, HMAC-SHA-256, SHA-512 and AES-256 in CBC (PKCS#7)
//! and CTR mode. The library asks for nothing else; the message payloads
//! are encrypted in [`super::payload`].
//!
//! Each callback returns an error code instead of unwinding into C.

use std::{
    ffi::{c_int, c_void},
    panic::{catch_unwind, AssertUnwindSafe},
};

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};

use super::{
    ffi::{self, signal_buffer, signal_crypto_provider, SG_ERR_INVAL, SG_ERR_UNKNOWN, SG_SUCCESS},
    handle::{give, slice},
};

type HmacSha256 = Hmac<Sha256>;

/// Runs `f`, turning a panic into `SG_ERR_UNKNOWN`.
fn guarded(f: impl FnOnce() -> c_int) -> c_int {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(SG_ERR_UNKNOWN)
}

unsafe extern "C" fn random(data: *mut u8, len: usize, _: *mut c_void) -> c_int {
    guarded(|| {
        if data.is_null() {
            return SG_ERR_INVAL;
        }
        let out = std::slice::from_raw_parts_mut(data, len);
        match getrandom::fill(out) {
            Ok(()) => SG_SUCCESS,
            Err(_) => SG_ERR_UNKNOWN,
        }
    })
}

unsafe extern "C" fn hmac_init(
    context: *mut *mut c_void,
    key: *const u8,
    key_len: usize,
    _: *mut c_void,
) -> c_int {
    guarded(|| match HmacSha256::new_from_slice(slice(key, key_len)) {
        Ok(mac) => {
            *context = Box::into_raw(Box::new(mac)).cast();
            SG_SUCCESS
        }
        Err(_) => SG_ERR_INVAL,
    })
}

/// Feeds `data` to the hash state behind `context`.
unsafe fn update<T: hmac::digest::Update>(context: *mut c_void, data: *const u8, len: usize) -> c_int {
    guarded(|| match context.cast::<T>().as_mut() {
        Some(state) => {
            state.update(slice(data, len));
            SG_SUCCESS
        }
        None => SG_ERR_INVAL,
    })
}

/// The hash of what the state behind `context` was fed, as a new buffer.
unsafe fn finish<T: hmac::digest::FixedOutput + Clone>(
    context: *mut c_void,
    output: *mut *mut signal_buffer,
) -> c_int {
    guarded(|| match context.cast::<T>().as_ref() {
        Some(state) => give(output, &state.clone().finalize_fixed()),
        None => SG_ERR_INVAL,
    })
}

/// Frees the hash state behind `context` (made by an `_init`).
unsafe fn cleanup<T>(context: *mut c_void) {
    if !context.is_null() {
        drop(Box::from_raw(context.cast::<T>()));
    }
}

unsafe extern "C" fn hmac_update(context: *mut c_void, data: *const u8, len: usize, _: *mut c_void) -> c_int {
    update::<HmacSha256>(context, data, len)
}

unsafe extern "C" fn hmac_final(
    context: *mut c_void,
    output: *mut *mut signal_buffer,
    _: *mut c_void,
) -> c_int {
    finish::<HmacSha256>(context, output)
}

unsafe extern "C" fn hmac_cleanup(context: *mut c_void, _: *mut c_void) {
    cleanup::<HmacSha256>(context)
}

unsafe extern "C" fn sha512_init(context: *mut *mut c_void, _: *mut c_void) -> c_int {
    guarded(|| {
        *context = Box::into_raw(Box::new(Sha512::new())).cast();
        SG_SUCCESS
    })
}

unsafe extern "C" fn sha512_update(
    context: *mut c_void,
    data: *const u8,
    len: usize,
    _: *mut c_void,
) -> c_int {
    update::<Sha512>(context, data, len)
}

unsafe extern "C" fn sha512_final(
    context: *mut c_void,
    output: *mut *mut signal_buffer,
    _: *mut c_void,
) -> c_int {
    finish::<Sha512>(context, output)
}

unsafe extern "C" fn sha512_cleanup(context: *mut c_void, _: *mut c_void) {
    cleanup::<Sha512>(context)
}

/// AES-256 with `cipher` (the library's constant) over `input`.
fn aes256(cipher: c_int, key: &[u8], iv: &[u8], input: &[u8], encrypt: bool) -> Result<Vec<u8>, c_int> {
    match cipher {
        ffi::SG_CIPHER_AES_CBC_PKCS5 if encrypt => cbc::Encryptor::<aes::Aes256>::new_from_slices(key, iv)
            .map(|c| c.encrypt_padded_vec_mut::<Pkcs7>(input))
            .map_err(|_| SG_ERR_INVAL),
        ffi::SG_CIPHER_AES_CBC_PKCS5 => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
            .map_err(|_| SG_ERR_INVAL)?
            .decrypt_padded_vec_mut::<Pkcs7>(input)
            .map_err(|_| SG_ERR_UNKNOWN),
        ffi::SG_CIPHER_AES_CTR_NOPADDING => {
            let mut out = input.to_vec();
            ctr128::<aes::Aes256>(key, iv, &mut out)?;
            Ok(out)
        }
        _ => Err(SG_ERR_INVAL),
    }
}

/// AES in counter mode with a 128-bit big-endian counter.
fn ctr128<C>(key: &[u8], iv: &[u8], data: &mut [u8]) -> Result<(), c_int>
where
    C: aes::cipher::BlockEncrypt
        + aes::cipher::BlockCipher
        + aes::cipher::KeyInit
        + aes::cipher::BlockSizeUser<BlockSize = aes::cipher::consts::U16>,
{
    let cipher = C::new_from_slice(key).map_err(|_| SG_ERR_INVAL)?;
    let mut counter: [u8; 16] = iv.try_into().map_err(|_| SG_ERR_INVAL)?;
    for chunk in data.chunks_mut(16) {
        let mut block = aes::Block::from(counter);
        cipher.encrypt_block(&mut block);
        for (byte, pad) in chunk.iter_mut().zip(block.iter()) {
            *byte ^= pad;
        }
        counter = (u128::from_be_bytes(counter).wrapping_add(1)).to_be_bytes();
    }
    Ok(())
}

/// The library's encrypt (`ENCRYPT`) and decrypt callbacks: `input` in,
/// a new buffer out.
#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn crypt<const ENCRYPT: bool>(
    output: *mut *mut signal_buffer,
    cipher: c_int,
    key: *const u8,
    key_len: usize,
    iv: *const u8,
    iv_len: usize,
    input: *const u8,
    input_len: usize,
    _: *mut c_void,
) -> c_int {
    guarded(|| {
        match aes256(
            cipher,
            slice(key, key_len),
            slice(iv, iv_len),
            slice(input, input_len),
            ENCRYPT,
        ) {
            Ok(out) => give(output, &out),
            Err(code) => code,
        }
    })
}

/// The provider handed to every libomemo-c context.
pub fn provider() -> signal_crypto_provider {
    signal_crypto_provider {
        random_func: Some(random),
        hmac_sha256_init_func: Some(hmac_init),
        hmac_sha256_update_func: Some(hmac_update),
        hmac_sha256_final_func: Some(hmac_final),
        hmac_sha256_cleanup_func: Some(hmac_cleanup),
        sha512_digest_init_func: Some(sha512_init),
        sha512_digest_update_func: Some(sha512_update),
        sha512_digest_final_func: Some(sha512_final),
        sha512_digest_cleanup_func: Some(sha512_cleanup),
        encrypt_func: Some(crypt::<true>),
        decrypt_func: Some(crypt::<false>),
        user_data: std::ptr::null_mut(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cbc_round_trips_and_refuses_bad_padding() {
        let (key, iv) = ([7u8; 32], [9u8; 16]);
        let sealed = aes256(
            ffi::SG_CIPHER_AES_CBC_PKCS5,
            &key,
            &iv,
            b"sixteen bytes!!!x",
            true,
        )
        .expect("encrypt");
        assert_eq!(sealed.len(), 32);
        let opened = aes256(ffi::SG_CIPHER_AES_CBC_PKCS5, &key, &iv, &sealed, false).expect("decrypt");
        assert_eq!(opened, b"sixteen bytes!!!x");
        let mut broken = sealed.clone();
        broken[31] ^= 0xff;
        assert!(aes256(ffi::SG_CIPHER_AES_CBC_PKCS5, &key, &iv, &broken, false).is_err());
        assert!(aes256(ffi::SG_CIPHER_AES_CBC_PKCS5, &key[..5], &iv, b"x", true).is_err());
    }

    #[test]
    fn ctr_matches_the_nist_vector() {
        // NIST SP 800-38A F.5.5, CTR-AES256 block 1.
        let key =
            hex::decode("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4").expect("hex");
        let iv = hex::decode("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff").expect("hex");
        let plain = hex::decode("6bc1bee22e409f96e93d7e117393172a").expect("hex");
        let out = aes256(ffi::SG_CIPHER_AES_CTR_NOPADDING, &key, &iv, &plain, true).expect("ctr");
        assert_eq!(hex::encode(out), "601ec313775789a5b7a7f504bbf3d228");
    }
}
