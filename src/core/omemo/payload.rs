//! A message's body, encrypted with fresh key material that the ratchet
//! then carries to each device ([`super::device::Device::encrypt_key`]).
//!
//! - Legacy (`eu.siacs.conversations.axolotl`): AES-128-GCM with a 12-byte
//!   IV in `<iv/>`; the key material is the 16-byte key and the 16-byte
//!   tag. Older Conversations sent 16-byte IVs, and some clients put the
//!   tag after the ciphertext and carry a 16-byte key: both are read.
//! - OMEMO 2 (`urn:xmpp:omemo:2`): a 32-byte key expanded with HKDF-SHA-256
//!   (info "OMEMO Payload") into an AES-256-CBC key, an HMAC-SHA-256 key
//!   and an IV; the key material is the key and the first 16 bytes of the
//!   HMAC over the ciphertext.

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use aes_gcm::{
    aead::{consts::U16, Aead, KeyInit, Payload},
    aes::Aes128,
    AesGcm,
};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::OmemoError;

type Gcm12 = AesGcm<Aes128, aes_gcm::aead::consts::U12>;
type Gcm16 = AesGcm<Aes128, U16>;

/// A sealed body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// What each device gets through the ratchet (secret).
    pub key_material: Zeroizing<Vec<u8>>,
    /// Legacy only: the `<iv/>`.
    pub iv: Vec<u8>,
    /// The `<payload/>`.
    pub ciphertext: Vec<u8>,
}

fn random<const N: usize>() -> Result<[u8; N], OmemoError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|_| OmemoError::Library(-1))?;
    Ok(out)
}

/// Seals `plaintext` for the legacy version.
pub fn seal_legacy(plaintext: &[u8]) -> Result<Sealed, OmemoError> {
    let key = Zeroizing::new(random::<16>()?);
    let iv = random::<12>()?;
    let cipher = Gcm12::new_from_slice(key.as_slice()).map_err(|_| OmemoError::Library(-1))?;
    let mut sealed = cipher
        .encrypt(aes_gcm::Nonce::from_slice(&iv), plaintext)
        .map_err(|_| OmemoError::Library(-1))?;
    let tag = sealed.split_off(sealed.len() - 16);
    let mut key_material = Zeroizing::new(key.to_vec());
    key_material.extend_from_slice(&tag);
    Ok(Sealed {
        key_material,
        iv: iv.to_vec(),
        ciphertext: sealed,
    })
}

/// Opens a legacy body.
pub fn open_legacy(
    key_material: &[u8],
    iv: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, OmemoError> {
    // The key, and the tag: after it in the key material, or at the end of
    // the payload.
    let (key, combined) = match key_material.len() {
        n if n >= 32 => {
            let mut combined = ciphertext.to_vec();
            combined.extend_from_slice(&key_material[16..32]);
            (&key_material[..16], combined)
        }
        16 => (key_material, ciphertext.to_vec()),
        n => return Err(OmemoError::Malformed(format!("a {n}-byte payload key"))),
    };
    let payload = Payload {
        msg: &combined,
        aad: &[],
    };
    let opened = match iv.len() {
        12 => Gcm12::new_from_slice(key)
            .map_err(|_| OmemoError::Corrupted)?
            .decrypt(aes_gcm::Nonce::from_slice(iv), payload),
        16 => Gcm16::new_from_slice(key)
            .map_err(|_| OmemoError::Corrupted)?
            .decrypt(
                aes_gcm::aead::generic_array::GenericArray::from_slice(iv),
                payload,
            ),
        n => return Err(OmemoError::Malformed(format!("a {n}-byte IV"))),
    };
    opened.map(Zeroizing::new).map_err(|_| OmemoError::Corrupted)
}

/// The AES key, HMAC key and IV for OMEMO 2 key `key`.
fn omemo2_keys(key: &[u8]) -> Result<Zeroizing<[u8; 80]>, OmemoError> {
    let mut okm = Zeroizing::new([0u8; 80]);
    Hkdf::<Sha256>::new(Some(&[0u8; 32]), key)
        .expand(b"OMEMO Payload", okm.as_mut_slice())
        .map_err(|_| OmemoError::Library(-1))?;
    Ok(okm)
}

fn omemo2_mac(auth: &[u8], ciphertext: &[u8]) -> Result<[u8; 16], OmemoError> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(auth).map_err(|_| OmemoError::Library(-1))?;
    mac.update(ciphertext);
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    Ok(out)
}

/// Seals `plaintext` (an SCE envelope) for OMEMO 2.
pub fn seal_omemo2(plaintext: &[u8]) -> Result<Sealed, OmemoError> {
    let key = Zeroizing::new(random::<32>()?);
    let okm = omemo2_keys(key.as_slice())?;
    let ciphertext = cbc::Encryptor::<aes::Aes256>::new_from_slices(&okm[..32], &okm[64..80])
        .map_err(|_| OmemoError::Library(-1))?
        .encrypt_padded_vec_mut::<Pkcs7>(plaintext);
    let mac = omemo2_mac(&okm[32..64], &ciphertext)?;
    let mut key_material = Zeroizing::new(key.to_vec());
    key_material.extend_from_slice(&mac);
    Ok(Sealed {
        key_material,
        iv: Vec::new(),
        ciphertext,
    })
}

/// Opens an OMEMO 2 body; the HMAC is checked first.
pub fn open_omemo2(key_material: &[u8], ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, OmemoError> {
    if key_material.len() != 48 {
        return Err(OmemoError::Malformed(format!(
            "a {}-byte payload key",
            key_material.len()
        )));
    }
    let okm = omemo2_keys(&key_material[..32])?;
    let mac = omemo2_mac(&okm[32..64], ciphertext)?;
    let expected = &key_material[32..48];
    let same = mac.iter().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if !same {
        return Err(OmemoError::Corrupted);
    }
    cbc::Decryptor::<aes::Aes256>::new_from_slices(&okm[..32], &okm[64..80])
        .map_err(|_| OmemoError::Corrupted)?
        .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
        .map(Zeroizing::new)
        .map_err(|_| OmemoError::Corrupted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_bodies_round_trip_and_refuse_changes() {
        let sealed = seal_legacy("Wherefore art thou".as_bytes()).expect("seal");
        assert_eq!(sealed.key_material.len(), 32);
        assert_eq!(sealed.iv.len(), 12);
        let opened = open_legacy(&sealed.key_material, &sealed.iv, &sealed.ciphertext).expect("open");
        assert_eq!(opened.as_slice(), "Wherefore art thou".as_bytes());
        // The tag after the payload and a 16-byte key, as some clients send.
        let mut with_tag = sealed.ciphertext.clone();
        with_tag.extend_from_slice(&sealed.key_material[16..]);
        let opened = open_legacy(&sealed.key_material[..16], &sealed.iv, &with_tag).expect("open");
        assert_eq!(opened.as_slice(), "Wherefore art thou".as_bytes());
        let mut changed = sealed.ciphertext.clone();
        changed[0] ^= 1;
        assert_eq!(
            open_legacy(&sealed.key_material, &sealed.iv, &changed),
            Err(OmemoError::Corrupted)
        );
        assert!(matches!(
            open_legacy(&sealed.key_material[..7], &sealed.iv, &sealed.ciphertext),
            Err(OmemoError::Malformed(_))
        ));
        assert!(matches!(
            open_legacy(&sealed.key_material, &sealed.iv[..5], &sealed.ciphertext),
            Err(OmemoError::Malformed(_))
        ));
    }

    #[test]
    fn omemo2_bodies_round_trip_and_refuse_changes() {
        let sealed = seal_omemo2(b"<envelope/>").expect("seal");
        assert_eq!(sealed.key_material.len(), 48);
        assert_eq!(
            open_omemo2(&sealed.key_material, &sealed.ciphertext)
                .expect("open")
                .as_slice(),
            b"<envelope/>"
        );
        let mut changed = sealed.ciphertext.clone();
        changed[3] ^= 1;
        assert_eq!(
            open_omemo2(&sealed.key_material, &changed),
            Err(OmemoError::Corrupted)
        );
        assert!(matches!(
            open_omemo2(&[0u8; 10], &sealed.ciphertext),
            Err(OmemoError::Malformed(_))
        ));
    }
}
