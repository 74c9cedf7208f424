//! A device's keys and sessions as they are saved: written into bytes and
//! sealed with AES-256-GCM under a key that lives where the account's
//! password does (the keyring, or the profile's private file), so that no
//! private key or session reaches the database readable.
//!
//! Reading is bounded: every count and length is checked against what is
//! left, and a changed byte fails the seal.

use aes_gcm::{aead::Aead, Aes256Gcm, KeyInit, Nonce};
use zeroize::Zeroizing;

use super::{key_store::KeyStore, OmemoError, WireVersion};

const MAGIC: &[u8] = b"balcony-omemo-1";
/// Entries of one kind read at most (sessions, pre-keys, identities).
const MAX_ENTRIES: usize = 100_000;

/// A sealed state: what the store keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedState {
    /// AES-GCM's nonce, fresh for every seal.
    pub nonce: Vec<u8>,
    /// The sealed bytes.
    pub sealed: Vec<u8>,
}

/// A new random store key.
pub fn new_key() -> Result<Zeroizing<[u8; 32]>, OmemoError> {
    let mut key = Zeroizing::new([0u8; 32]);
    getrandom::fill(key.as_mut_slice()).map_err(|_| OmemoError::Library(-1))?;
    Ok(key)
}

/// Seals `store` under `key`.
pub fn seal(store: &KeyStore, key: &[u8; 32]) -> Result<SealedState, OmemoError> {
    let plain = encode(store);
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).map_err(|_| OmemoError::Library(-1))?;
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| OmemoError::Library(-1))?;
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), plain.as_slice())
        .map_err(|_| OmemoError::Library(-1))?;
    Ok(SealedState {
        nonce: nonce.to_vec(),
        sealed,
    })
}

/// Opens `state` with `key`.
pub fn open(state: &SealedState, key: &[u8; 32]) -> Result<KeyStore, OmemoError> {
    if state.nonce.len() != 12 {
        return Err(OmemoError::Malformed("a saved state with a bad nonce".into()));
    }
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| OmemoError::Library(-1))?;
    let plain = Zeroizing::new(
        cipher
            .decrypt(Nonce::from_slice(&state.nonce), state.sealed.as_slice())
            .map_err(|_| OmemoError::Corrupted)?,
    );
    decode(&plain)
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn put_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_be_bytes());
}

fn version_byte(v: WireVersion) -> u8 {
    match v {
        WireVersion::Legacy => 3,
        WireVersion::Omemo2 => 4,
    }
}

/// `store` as bytes (secret).
fn encode(store: &KeyStore) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::new());
    out.extend_from_slice(MAGIC);
    put_u32(&mut out, store.device_id);
    put_bytes(&mut out, &store.identity_public);
    put_bytes(&mut out, &store.identity_private);
    for map in [&store.pre_keys, &store.signed_pre_keys] {
        put_u32(&mut out, map.len() as u32);
        for (id, record) in map {
            put_u32(&mut out, *id);
            put_bytes(&mut out, record);
        }
    }
    put_u32(&mut out, store.sessions.len() as u32);
    for ((version, (jid, device)), record) in &store.sessions {
        out.push(version_byte(*version));
        put_bytes(&mut out, jid.as_bytes());
        out.extend_from_slice(&device.to_be_bytes());
        put_bytes(&mut out, record);
    }
    put_u32(&mut out, store.identities.len() as u32);
    for ((jid, device), key) in &store.identities {
        put_bytes(&mut out, jid.as_bytes());
        out.extend_from_slice(&device.to_be_bytes());
        put_bytes(&mut out, key);
    }
    for set in [&store.distrusted, &store.verified] {
        put_u32(&mut out, set.len() as u32);
        for key in set {
            put_bytes(&mut out, key);
        }
    }
    out
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], OmemoError> {
        if n > self.0.len() {
            return Err(OmemoError::Malformed("a saved state cut short".into()));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, OmemoError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn i32(&mut self) -> Result<i32, OmemoError> {
        Ok(self.u32()? as i32)
    }

    fn bytes(&mut self) -> Result<Vec<u8>, OmemoError> {
        let n = self.u32()? as usize;
        Ok(self.take(n)?.to_vec())
    }

    fn count(&mut self) -> Result<usize, OmemoError> {
        let n = self.u32()? as usize;
        if n > MAX_ENTRIES {
            return Err(OmemoError::Malformed(format!("{n} entries in a saved state")));
        }
        Ok(n)
    }

    fn text(&mut self) -> Result<String, OmemoError> {
        String::from_utf8(self.bytes()?)
            .map_err(|_| OmemoError::Malformed("a saved address is not text".into()))
    }
}

/// Reads bytes written by [`encode`].
fn decode(bytes: &[u8]) -> Result<KeyStore, OmemoError> {
    let mut r = Reader(bytes);
    if r.take(MAGIC.len())? != MAGIC {
        return Err(OmemoError::Malformed("not a saved OMEMO state".into()));
    }
    let mut store = KeyStore {
        device_id: r.u32()?,
        identity_public: r.bytes()?,
        identity_private: Zeroizing::new(r.bytes()?),
        ..KeyStore::default()
    };
    for n in 0..2 {
        for _ in 0..r.count()? {
            let id = r.u32()?;
            let record = Zeroizing::new(r.bytes()?);
            if n == 0 {
                store.pre_keys.insert(id, record);
            } else {
                store.signed_pre_keys.insert(id, record);
            }
        }
    }
    for _ in 0..r.count()? {
        let version = match r.take(1)?[0] {
            3 => WireVersion::Legacy,
            4 => WireVersion::Omemo2,
            other => {
                return Err(OmemoError::Malformed(format!(
                    "wire version {other} in a saved state"
                )))
            }
        };
        let jid = r.text()?;
        let device = r.i32()?;
        store
            .sessions
            .insert((version, (jid, device)), Zeroizing::new(r.bytes()?));
    }
    for _ in 0..r.count()? {
        let jid = r.text()?;
        let device = r.i32()?;
        store.identities.insert((jid, device), r.bytes()?);
    }
    for _ in 0..r.count()? {
        store.distrusted.insert(r.bytes()?);
    }
    // Verified keys came later: a state saved before has none.
    if !r.0.is_empty() {
        for _ in 0..r.count()? {
            store.verified.insert(r.bytes()?);
        }
    }
    if !r.0.is_empty() {
        return Err(OmemoError::Malformed("bytes after a saved state".into()));
    }
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> KeyStore {
        let mut store = KeyStore {
            device_id: 42,
            identity_public: vec![5; 33],
            identity_private: Zeroizing::new(vec![9; 32]),
            ..KeyStore::default()
        };
        store.pre_keys.insert(1, Zeroizing::new(vec![1, 2, 3]));
        store.signed_pre_keys.insert(2, Zeroizing::new(vec![4, 5]));
        store.sessions.insert(
            (WireVersion::Omemo2, ("bob@b".into(), 7)),
            Zeroizing::new(vec![6; 10]),
        );
        store.identities.insert(("bob@b".into(), 7), vec![5; 33]);
        store.distrusted.insert(vec![8; 33]);
        store
    }

    #[test]
    fn a_state_round_trips_and_a_changed_byte_or_key_fails() {
        let key = new_key().expect("key");
        let sealed = seal(&sample(), &key).expect("seal");
        let opened = open(&sealed, &key).expect("open");
        assert_eq!(encode(&opened), encode(&sample()));
        let mut changed = sealed.clone();
        changed.sealed[5] ^= 1;
        assert_eq!(open(&changed, &key).unwrap_err(), OmemoError::Corrupted);
        let other = new_key().expect("key");
        assert_eq!(open(&sealed, &other).unwrap_err(), OmemoError::Corrupted);
        assert!(
            !sealed.sealed.windows(32).any(|w| w == [9u8; 32]),
            "the private key is sealed"
        );
    }

    #[test]
    fn truncated_or_padded_bytes_are_refused() {
        let bytes = encode(&sample());
        for cut in [0, 5, MAGIC.len(), bytes.len() - 1] {
            assert!(decode(&bytes[..cut]).is_err(), "{cut}");
        }
        let mut padded = bytes.to_vec();
        padded.push(0);
        assert!(decode(&padded).is_err());
        let mut huge = MAGIC.to_vec();
        huge.extend_from_slice(&[0, 0, 0, 1]);
        huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff]);
        assert!(decode(&huge).is_err());
    }
}
