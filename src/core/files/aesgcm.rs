//! Files shared in OMEMO-encrypted chats (XEP-0454): the file is sealed
//! with AES-256-GCM under a fresh key before it is uploaded, and the
//! message shares an `aesgcm://` address whose fragment holds the IV and
//! the key. The fragment never goes to a web server; the address itself
//! only travels inside encrypted messages.
//!
//! The whole file is sealed or opened at once (GCM's tag covers all of
//! it), so encrypted files are limited to [`LIMIT`].

use aes_gcm::{
    aead::{consts::U16, AeadInPlace, KeyInit},
    aes::Aes256,
    Aes256Gcm, AesGcm, Nonce, Tag,
};
use zeroize::Zeroizing;

use super::TransferError;

/// The largest file sent or received encrypted.
pub const LIMIT: u64 = 256 << 20;

/// The URL scheme of encrypted files.
pub const SCHEME: &str = "aesgcm://";

/// What a sealed file is said to be, to the upload service.
pub const SEALED_MIME: &str = "application/octet-stream";

/// GCM's tag, after the ciphertext.
const TAG_LEN: usize = 16;

/// What opens one file: its IV (12 bytes, or 16 from older senders) and
/// key. Never printed.
pub struct FileKey {
    iv: Vec<u8>,
    key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileKey(..)")
    }
}

/// Whether `url` is an encrypted file's address.
pub fn is_encrypted_url(url: &str) -> bool {
    url.get(..SCHEME.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(SCHEME))
}

/// Splits an `aesgcm://` address into the `https://` address to download
/// from and the key.
pub fn parse(url: &str) -> Result<(String, FileKey), TransferError> {
    if !is_encrypted_url(url) {
        return Err(TransferError::BadUrl);
    }
    let rest = &url[SCHEME.len()..];
    let (location, fragment) = rest.rsplit_once('#').ok_or(TransferError::BadUrl)?;
    if location.is_empty() || location.contains(char::is_whitespace) {
        return Err(TransferError::BadUrl);
    }
    // Hex digits only (which also keeps the slicing below on character
    // boundaries).
    if !fragment.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(TransferError::BadUrl);
    }
    let iv_hex = match fragment.len() {
        88 => 24,
        96 => 32,
        _ => return Err(TransferError::BadUrl),
    };
    let iv = hex::decode(&fragment[..iv_hex]).map_err(|_| TransferError::BadUrl)?;
    let bytes = Zeroizing::new(hex::decode(&fragment[iv_hex..]).map_err(|_| TransferError::BadUrl)?);
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&bytes);
    Ok((format!("https://{location}"), FileKey { iv, key }))
}

/// The `aesgcm://` address of the file uploaded to `get` (an `https://`
/// address) and sealed with `key`; `None` for another scheme.
pub fn url(get: &str, key: &FileKey) -> Option<String> {
    let location = get.strip_prefix("https://")?;
    let location = location.split('#').next().unwrap_or(location);
    Some(format!(
        "{SCHEME}{location}#{}{}",
        hex::encode(&key.iv),
        hex::encode(key.key.as_slice())
    ))
}

/// Seals `file` (its bytes, replaced by the ciphertext and tag) under a
/// new key with a new 12-byte IV.
pub fn seal(file: &mut Vec<u8>) -> Result<FileKey, TransferError> {
    let mut key = Zeroizing::new([0u8; 32]);
    let mut iv = vec![0u8; 12];
    getrandom::fill(key.as_mut_slice()).map_err(|e| TransferError::LocalFile(e.to_string()))?;
    getrandom::fill(&mut iv).map_err(|e| TransferError::LocalFile(e.to_string()))?;
    let cipher = Aes256Gcm::new_from_slice(key.as_slice()).map_err(|_| TransferError::Tampered)?;
    let tag = cipher
        .encrypt_in_place_detached(Nonce::from_slice(&iv), b"", file)
        .map_err(|_| TransferError::TooLargeToEncrypt(LIMIT))?;
    file.extend_from_slice(&tag);
    Ok(FileKey { iv, key })
}

/// Opens a downloaded file (ciphertext and tag) in place; an altered file
/// or a wrong key is [`TransferError::Tampered`].
pub fn open(file: &mut Vec<u8>, key: &FileKey) -> Result<(), TransferError> {
    let split = file.len().checked_sub(TAG_LEN).ok_or(TransferError::Tampered)?;
    let tag = Tag::clone_from_slice(&file[split..]);
    file.truncate(split);
    let opened = match key.iv.len() {
        12 => Aes256Gcm::new_from_slice(key.key.as_slice())
            .map_err(|_| TransferError::Tampered)?
            .decrypt_in_place_detached(Nonce::from_slice(&key.iv), b"", file, &tag),
        16 => AesGcm::<Aes256, U16>::new_from_slice(key.key.as_slice())
            .map_err(|_| TransferError::Tampered)?
            .decrypt_in_place_detached(aes_gcm::Nonce::<U16>::from_slice(&key.iv), b"", file, &tag),
        _ => return Err(TransferError::Tampered),
    };
    opened.map_err(|_| {
        file.clear();
        TransferError::Tampered
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_file_opens_with_its_address_and_not_when_altered() {
        let plain: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let mut file = plain.clone();
        let key = seal(&mut file).expect("seal");
        assert_eq!(file.len(), plain.len() + TAG_LEN);
        let address = url("https://upload.example.org/abc/photo.jpg", &key).expect("url");
        assert!(address.starts_with("aesgcm://upload.example.org/abc/photo.jpg#"));
        assert_eq!(address.rsplit_once('#').map(|(_, f)| f.len()), Some(88));
        assert!(!format!("{key:?}").contains(&hex::encode(key.key.as_slice())));
        let (https, parsed) = parse(&address).expect("parse");
        assert_eq!(https, "https://upload.example.org/abc/photo.jpg");
        let mut altered = file.clone();
        altered[5] ^= 1;
        assert_eq!(open(&mut altered, &parsed), Err(TransferError::Tampered));
        open(&mut file, &parsed).expect("open");
        assert_eq!(file, plain);
    }

    #[test]
    fn bad_addresses_are_refused() {
        for bad in [
            "https://h/a#00",
            "aesgcm://h/a",
            "aesgcm://h/a#0011",
            "aesgcm://#000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "aesgcm://h/a#zz0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            // 88 bytes, but not hex: multi-byte characters.
            &format!("aesgcm://h/a#{}", "é".repeat(44)),
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let mut short = vec![1, 2, 3];
        let key = parse(&format!("aesgcm://h/a#{}", "0".repeat(88)))
            .expect("parse")
            .1;
        assert_eq!(open(&mut short, &key), Err(TransferError::Tampered));
    }
}
