//! OMEMO between two Balcony cores (libomemo-c with RustCrypto callbacks),
//! for both wire versions: sessions started from a bundle, messages both
//! ways, a contact with two devices, rotation of the signed pre-key,
//! distrust, and bad input (a replayed, a corrupted and a foreign message,
//! a forged bundle, random bytes) giving errors, never a panic.

use balcony::core::omemo::{
    device::{Device, EncryptedKey},
    payload, OmemoError, WireVersion,
};

const ALICE: &str = "alice@balcony.test";
const BOB: &str = "bob@balcony.test";
const VERSIONS: [WireVersion; 2] = [WireVersion::Legacy, WireVersion::Omemo2];

fn seal(version: WireVersion, text: &str) -> payload::Sealed {
    match version {
        WireVersion::Legacy => payload::seal_legacy(text.as_bytes()),
        WireVersion::Omemo2 => payload::seal_omemo2(text.as_bytes()),
    }
    .expect("seal")
}

fn open(version: WireVersion, key: &[u8], sealed: &payload::Sealed) -> String {
    let plain = match version {
        WireVersion::Legacy => payload::open_legacy(key, &sealed.iv, &sealed.ciphertext),
        WireVersion::Omemo2 => payload::open_omemo2(key, &sealed.ciphertext),
    }
    .expect("open");
    String::from_utf8(plain.to_vec()).expect("utf-8")
}

/// `from` (as `from_jid`) sends `text` to `to` (as `to_jid`); what `to`
/// read, and the key as it went.
fn send(
    version: WireVersion,
    (from, from_jid): (&Device, &str),
    (to, to_jid): (&Device, &str),
    text: &str,
) -> (String, EncryptedKey) {
    let sealed = seal(version, text);
    let key = from
        .encrypt_key(version, to_jid, to.device_id(), &sealed.key_material)
        .expect("encrypt");
    let material = to
        .decrypt_key(version, from_jid, from.device_id(), &key.data, key.key_exchange)
        .expect("decrypt");
    (open(version, &material, &sealed), key)
}

/// Alice starts a session with `bob` from its bundle.
fn start(version: WireVersion, alice: &Device, bob: &Device) -> u32 {
    let bundle = bob.bundle(version).expect("bundle");
    let pre_key = bundle.pre_keys[7].0;
    alice.start_session(BOB, &bundle, pre_key).expect("session");
    pre_key
}

#[test]
fn sessions_started_from_a_bundle_carry_messages_both_ways_in_each_version() {
    for version in VERSIONS {
        let (alice, bob) = (
            Device::generate().expect("alice"),
            Device::generate().expect("bob"),
        );
        let bundle = bob.bundle(version).expect("bundle");
        assert_eq!(bundle.pre_keys.len(), 100);
        assert_eq!(bundle.signature.len(), 64);
        let key_len = match version {
            WireVersion::Legacy => 33,
            WireVersion::Omemo2 => 32,
        };
        assert_eq!(bundle.identity_key.len(), key_len, "{version:?}");
        assert_eq!(bundle.signed_pre_key.len(), key_len, "{version:?}");
        let pre_key = start(version, &alice, &bob);

        let (read, key) = send(version, (&alice, ALICE), (&bob, BOB), "But soft, what light");
        assert_eq!(read, "But soft, what light");
        assert!(key.key_exchange, "the first message starts the session");
        if version == WireVersion::Legacy {
            assert_eq!(key.data[0], 0x33, "libsignal's version byte");
        }
        assert!(
            !bob.store().pre_keys.contains_key(&pre_key),
            "the pre-key is used up"
        );
        assert_eq!(bob.store().pre_keys.len(), 99);
        assert_eq!(
            bob.identity_of(ALICE, alice.device_id()),
            Some(alice.identity_key()),
            "Bob knows Alice's key now"
        );

        let (read, key) = send(version, (&bob, BOB), (&alice, ALICE), "It is my lady");
        assert_eq!(read, "It is my lady");
        assert!(!key.key_exchange);
        for n in 0..5 {
            let text = format!("line {n}");
            assert_eq!(send(version, (&alice, ALICE), (&bob, BOB), &text).0, text);
            let (read, key) = send(version, (&bob, BOB), (&alice, ALICE), &text);
            assert_eq!(read, text);
            assert!(!key.key_exchange);
        }
        // Sessions of the two versions are apart.
        let other = match version {
            WireVersion::Legacy => WireVersion::Omemo2,
            WireVersion::Omemo2 => WireVersion::Legacy,
        };
        assert!(!alice.has_session(other, BOB, bob.device_id()));
        assert_eq!(
            alice.encrypt_key(other, BOB, bob.device_id(), &[0u8; 32]),
            Err(OmemoError::NoSession)
        );
    }
}

#[test]
fn a_contact_with_two_devices_gets_the_message_on_both() {
    for version in VERSIONS {
        let alice = Device::generate().expect("alice");
        let (phone, laptop) = (
            Device::generate().expect("phone"),
            Device::generate().expect("laptop"),
        );
        for bob in [&phone, &laptop] {
            let bundle = bob.bundle(version).expect("bundle");
            alice
                .start_session(BOB, &bundle, bundle.pre_keys[0].0)
                .expect("session");
        }
        let sealed = seal(version, "Two households");
        for bob in [&phone, &laptop] {
            let key = alice
                .encrypt_key(version, BOB, bob.device_id(), &sealed.key_material)
                .expect("encrypt");
            let material = bob
                .decrypt_key(version, ALICE, alice.device_id(), &key.data, key.key_exchange)
                .expect("decrypt");
            assert_eq!(open(version, &material, &sealed), "Two households");
        }
    }
}

#[test]
fn rotating_the_signed_pre_key_keeps_sessions_and_new_ones_use_it() {
    for version in VERSIONS {
        let (alice, bob) = (
            Device::generate().expect("alice"),
            Device::generate().expect("bob"),
        );
        start(version, &alice, &bob);
        send(version, (&alice, ALICE), (&bob, BOB), "before");
        bob.rotate_signed_pre_key(2).expect("rotate");
        assert_eq!(bob.bundle(version).expect("bundle").signed_pre_key_id, 2);
        assert_eq!(send(version, (&bob, BOB), (&alice, ALICE), "after").0, "after");
        assert_eq!(send(version, (&alice, ALICE), (&bob, BOB), "still").0, "still");
        // A new device starts with the new signed pre-key.
        let carol = Device::generate().expect("carol");
        start(version, &carol, &bob);
        assert_eq!(
            send(version, (&carol, "carol@balcony.test"), (&bob, BOB), "hi").0,
            "hi"
        );
    }
}

#[test]
fn the_signed_pre_key_is_made_anew_when_a_week_old_and_key_exchanges_on_their_way_still_work() {
    use balcony::core::omemo::signed_pre_key::{KEEP, ROTATE_AFTER};
    let week = i64::try_from(ROTATE_AFTER.as_millis()).expect("ms");
    let now = chrono::Utc::now().timestamp_millis();
    for version in VERSIONS {
        let (alice, bob, carol) = (
            Device::generate().expect("alice"),
            Device::generate().expect("bob"),
            Device::generate().expect("carol"),
        );
        let (id, made) = bob.signed_pre_key().expect("current");
        assert_eq!(id, 1);
        assert!((now - made).abs() < 60_000, "made now");
        assert!(
            !bob.rotate_signed_pre_key_if_due(now).expect("check"),
            "not due yet"
        );
        assert!(!bob
            .rotate_signed_pre_key_if_due(now + week - 1_000)
            .expect("check"));
        start(version, &alice, &bob);
        send(version, (&alice, ALICE), (&bob, BOB), "before");
        // carol read bob's bundle before the rotation; her key exchange
        // arrives after it.
        start(version, &carol, &bob);
        assert!(bob
            .rotate_signed_pre_key_if_due(now + week + 1_000)
            .expect("rotate"));
        assert_eq!(bob.signed_pre_key().expect("current"), (2, now + week + 1_000));
        assert_eq!(bob.bundle(version).expect("bundle").signed_pre_key_id, 2);
        assert_eq!(
            send(version, (&carol, "carol@balcony.test"), (&bob, BOB), "late").0,
            "late"
        );
        assert_eq!(send(version, (&alice, ALICE), (&bob, BOB), "after").0, "after");
        assert_eq!(send(version, (&bob, BOB), (&alice, ALICE), "back").0, "back");
        // Weeks later: only the newest few are kept.
        for weeks in 2..8 {
            assert!(bob
                .rotate_signed_pre_key_if_due(now + weeks * (week + 1_000))
                .expect("rotate"));
        }
        assert_eq!(bob.store().signed_pre_keys.len(), KEEP);
        assert_eq!(bob.signed_pre_key().expect("current").0, 8);
        // A clock set back does not count as a week passed.
        assert!(!bob.rotate_signed_pre_key_if_due(now - 10 * week).expect("check"));
    }
}

#[test]
fn a_distrusted_device_gets_nothing() {
    for version in VERSIONS {
        let (alice, bob) = (
            Device::generate().expect("alice"),
            Device::generate().expect("bob"),
        );
        start(version, &alice, &bob);
        send(version, (&alice, ALICE), (&bob, BOB), "hello");
        send(version, (&bob, BOB), (&alice, ALICE), "hello");
        let key = alice.identity_of(BOB, bob.device_id()).expect("Bob's key");
        alice.store_mut().distrusted.insert(key);
        assert!(alice.is_distrusted(BOB, bob.device_id()));
        assert_eq!(
            alice.encrypt_key(version, BOB, bob.device_id(), &[1u8; 32]),
            Err(OmemoError::Untrusted)
        );
    }
}

#[test]
fn bad_input_gives_an_error_and_no_panic() {
    for version in VERSIONS {
        let (alice, bob) = (
            Device::generate().expect("alice"),
            Device::generate().expect("bob"),
        );
        start(version, &alice, &bob);
        let sealed = seal(version, "first");
        let first = alice
            .encrypt_key(version, BOB, bob.device_id(), &sealed.key_material)
            .expect("encrypt");
        bob.decrypt_key(version, ALICE, alice.device_id(), &first.data, true)
            .expect("decrypt");
        // Replayed: the same key exchange again.
        assert!(bob
            .decrypt_key(version, ALICE, alice.device_id(), &first.data, true)
            .is_err());
        // A normal message, corrupted, then replayed.
        let reply = bob
            .encrypt_key(version, ALICE, alice.device_id(), &[7u8; 32])
            .expect("encrypt");
        let mut corrupted = reply.data.clone();
        let last = corrupted.len() - 1;
        corrupted[last] ^= 0x55;
        assert!(alice
            .decrypt_key(version, BOB, bob.device_id(), &corrupted, false)
            .is_err());
        alice
            .decrypt_key(version, BOB, bob.device_id(), &reply.data, false)
            .expect("the real one still decrypts");
        assert_eq!(
            alice.decrypt_key(version, BOB, bob.device_id(), &reply.data, false),
            Err(OmemoError::Duplicate)
        );
        // For a device we no longer have (a new device of Bob's gets it).
        let new_bob = Device::generate().expect("new device");
        assert!(new_bob
            .decrypt_key(version, ALICE, alice.device_id(), &first.data, true)
            .is_err());
        assert_eq!(
            new_bob.decrypt_key(version, ALICE, alice.device_id(), &reply.data, false),
            Err(OmemoError::NoSession)
        );
        // A forged bundle: the signature does not hold.
        let mut forged = bob.bundle(version).expect("bundle");
        forged.signature[10] ^= 1;
        let carol = Device::generate().expect("carol");
        assert_eq!(
            carol.start_session(BOB, &forged, forged.pre_keys[0].0),
            Err(OmemoError::InvalidKey)
        );
        let mut short = bob.bundle(version).expect("bundle");
        short.identity_key.truncate(5);
        assert_eq!(
            carol.start_session(BOB, &short, short.pre_keys[0].0),
            Err(OmemoError::InvalidKey)
        );
        // Random bytes as either kind of message.
        let mut seed = 0x2545F4914F6CDD1Du64;
        for len in [0usize, 1, 2, 33, 64, 200, 1000] {
            let junk: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            for kex in [true, false] {
                assert!(bob
                    .decrypt_key(version, ALICE, alice.device_id(), &junk, kex)
                    .is_err());
            }
        }
    }
}

#[test]
fn fingerprints_are_grouped_for_reading_aloud() {
    let device = Device::generate().expect("device");
    let fingerprint = device.fingerprint();
    let groups: Vec<&str> = fingerprint.split(' ').collect();
    assert_eq!(groups.len(), 8);
    assert!(groups
        .iter()
        .all(|g| g.len() == 8 && g.chars().all(|c| c.is_ascii_hexdigit())));
    assert!(!format!("{device:?}").contains(&hex::encode(&*device.store().identity_private)));
}

#[tokio::test]
async fn keys_and_sessions_survive_a_restart_sealed_in_the_store() {
    use balcony::core::{
        credentials::Password,
        credentials::{self, PasswordStorage},
        omemo::sealed_state,
        profile::Profile,
        store::Store,
    };
    use std::str::FromStr;
    use xmpp_parsers::jid::BareJid;

    let dir = std::env::temp_dir().join(format!("balcony-omemo-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let profile = Profile::open(&dir).expect("profile");
    let me = BareJid::from_str(ALICE).expect("jid");
    for version in VERSIONS {
        let (alice, bob) = (
            Device::generate().expect("alice"),
            Device::generate().expect("bob"),
        );
        start(version, &alice, &bob);
        send(version, (&alice, ALICE), (&bob, BOB), "before");
        send(version, (&bob, BOB), (&alice, ALICE), "before");
        // The store key where the password is (here the profile's file).
        let key = sealed_state::new_key().expect("key");
        credentials::save_omemo_key(
            &profile,
            PasswordStorage::ProfileFile,
            &me,
            &Password::new(hex::encode(key.as_slice())),
        )
        .await
        .expect("keep the key");
        let private = alice.store().identity_private.to_vec();
        let id = alice.device_id();
        {
            let store = Store::open(&profile.database_path()).expect("store");
            alice.save(&store, &me, &key).expect("save");
        }
        drop(alice);
        // The database never holds the private key readable.
        let database = std::fs::read(profile.database_path()).expect("database");
        assert!(!database.windows(private.len()).any(|w| w == private.as_slice()));

        // A restart: the key from where it was kept, the state from the store.
        let kept = credentials::load_omemo_key(&profile, PasswordStorage::ProfileFile, &me)
            .await
            .expect("load")
            .expect("a key");
        let key: [u8; 32] = hex::decode(kept.expose())
            .expect("hex")
            .try_into()
            .expect("32 bytes");
        let store = Store::open(&profile.database_path()).expect("store");
        let alice = Device::load(&store, &me, &key).expect("load").expect("saved");
        assert_eq!(alice.device_id(), id);
        assert_eq!(send(version, (&alice, ALICE), (&bob, BOB), "after").0, "after");
        assert_eq!(send(version, (&bob, BOB), (&alice, ALICE), "after").0, "after");
        // With another key nothing opens.
        let wrong = sealed_state::new_key().expect("key");
        assert_eq!(
            Device::load(&store, &me, &wrong).unwrap_err(),
            OmemoError::Corrupted
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}
