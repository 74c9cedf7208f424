//! OMEMO against an independent implementation: python-omemo with its
//! oldmemo (OMEMO 0.3) and twomemo (OMEMO 2) backends, over slixmpp
//! (`tests/omemo_peer/peer.py`), through a real Prosody. Sessions started
//! by either side in each version; a contact with two devices; a carbon
//! copy to our own second device; a message fetched from the archive after
//! being offline.

mod support;

use std::time::Duration;

use balcony::core::{
    bridge::{Command, Event},
    message::MessageEncryption,
};
use support::{
    accounts::{online_at, Online},
    omemo_peer::{OmemoPeer, PeerOptions},
    prosody::Prosody,
};
use xmpp_parsers::jid::BareJid;

const WAIT: Duration = Duration::from_secs(30);

fn jid(user: &str) -> BareJid {
    format!("{user}@balcony.test").parse().expect("jid")
}

async fn balcony(
    server: &Prosody,
    profile: balcony::core::profile::Profile,
    user: &str,
    password: &str,
) -> Online {
    online_at(server, &server.c2s_addr(), profile, user, password).await
}

fn encrypt_to(account: &Online, peer: &str) {
    account.send(Command::SetConversationEncryption {
        jid: account.jid.clone(),
        peer: jid(peer),
        enabled: true,
    });
}

fn say(account: &Online, peer: &str, body: &str) {
    account.send(Command::SendMessage {
        jid: account.jid.clone(),
        to: jid(peer),
        body: body.into(),
    });
}

/// Waits for an incoming message with `body`; its encryption.
async fn received(account: &Online, body: &str) -> MessageEncryption {
    account
        .expect(|ev| match ev {
            Event::MessagesAdded { messages, .. } => messages
                .iter()
                .find(|m| m.message.body == body && !m.message.outgoing)
                .map(|m| m.message.encryption),
            _ => None,
        })
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_started_by_either_side_carry_messages_both_ways_in_each_version() {
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    for version in ["omemo2", "legacy"] {
        server.register(&format!("romeo_{version}"), "pw-r");
        server.register(&format!("benvolio_{version}"), "pw-b");
    }
    let juliet = balcony(
        &server,
        support::profiles::fresh("interop-juliet"),
        "juliet",
        "pw-j",
    )
    .await;
    for (version, versions) in [("omemo2", &["legacy", "omemo2"][..]), ("legacy", &["legacy"][..])] {
        let options = || PeerOptions {
            versions,
            ..Default::default()
        };
        // Balcony starts the session (from romeo's bundle).
        let romeo_user = format!("romeo_{version}");
        let mut romeo = OmemoPeer::start(&server, &romeo_user, "pw-r", &romeo_user, options());
        encrypt_to(&juliet, &romeo_user);
        let text = format!("Balcony to python in {version}");
        say(&juliet, &romeo_user, &text);
        let got = romeo.expect("message", |v| v["body"] == text.as_str(), WAIT);
        assert_eq!(got["version"], version, "{got}");
        assert_eq!(got["from"], "juliet@balcony.test");
        // The answer comes back over the session Balcony started.
        let answer = format!("python answers in {version}");
        romeo.send("juliet@balcony.test", &answer, version);
        assert_eq!(received(&juliet, &answer).await, MessageEncryption::Omemo);

        // The python side starts the session (from Balcony's bundle).
        let benvolio_user = format!("benvolio_{version}");
        let mut benvolio = OmemoPeer::start(&server, &benvolio_user, "pw-b", &benvolio_user, options());
        let first = format!("python starts in {version}");
        let sent = benvolio.send("juliet@balcony.test", &first, version);
        assert!(
            sent["devices"].to_string().contains("juliet@balcony.test"),
            "python found Balcony's device: {sent}"
        );
        assert_eq!(received(&juliet, &first).await, MessageEncryption::Omemo);
        encrypt_to(&juliet, &benvolio_user);
        let reply = format!("Balcony replies in {version}");
        say(&juliet, &benvolio_user, &reply);
        let got = benvolio.expect("message", |v| v["body"] == reply.as_str(), WAIT);
        assert_eq!(got["version"], version, "{got}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_devices_of_a_contact_our_second_device_and_the_archive_all_decrypt() {
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    // juliet's other device (a python client) exists before Balcony logs
    // in, so Balcony finds it on our own device list.
    let mut phone = OmemoPeer::start(&server, "juliet", "pw-j", "juliet-phone", PeerOptions::default());
    let mut romeo1 = OmemoPeer::start(&server, "romeo", "pw-r", "romeo-laptop", PeerOptions::default());
    let mut romeo2 = OmemoPeer::start(&server, "romeo", "pw-r", "romeo-phone", PeerOptions::default());
    let profile = support::profiles::fresh("interop-devices");
    let juliet = balcony(&server, profile.clone(), "juliet", "pw-j").await;
    encrypt_to(&juliet, "romeo");

    // Both of romeo's devices read it; our phone reads the sent carbon.
    say(&juliet, "romeo", "to both of your devices");
    for romeo in [&mut romeo1, &mut romeo2] {
        let got = romeo.expect("message", |v| v["body"] == "to both of your devices", WAIT);
        assert_eq!(got["version"], "omemo2");
    }
    let carbon = phone.expect("message", |v| v["body"] == "to both of your devices", WAIT);
    assert_eq!(carbon["carbon"], true, "{carbon}");

    // romeo writes to juliet: Balcony and the phone both read it.
    romeo1.send("juliet@balcony.test", "to all of yours", "omemo2");
    assert_eq!(
        received(&juliet, "to all of yours").await,
        MessageEncryption::Omemo
    );
    phone.expect("message", |v| v["body"] == "to all of yours", WAIT);

    // Balcony goes offline; what romeo sends meanwhile comes from the
    // archive when it is back, decrypted, once.
    drop(juliet);
    tokio::time::sleep(Duration::from_millis(500)).await;
    romeo2.send("juliet@balcony.test", "while you were away", "omemo2");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let juliet = balcony(&server, profile, "juliet", "pw-j").await;
    let (encryption, live) = juliet
        .expect(|ev| match ev {
            Event::MessagesAdded { messages, live, .. } => messages
                .iter()
                .find(|m| m.message.body == "while you were away")
                .map(|m| (m.message.encryption, *live)),
            _ => None,
        })
        .await;
    assert_eq!(encryption, MessageEncryption::Omemo);
    assert!(!live, "from the archive's catch-up, not delivered live");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let stored = juliet
        .store()
        .search_messages(&juliet.jid, None, "away", 10)
        .expect("search");
    assert_eq!(stored.len(), 1, "stored once: {stored:?}");
}

/// The reason an incoming message with `body` (or the fallback body) was
/// stored with.
async fn stored_encryption(account: &Online, from: &str) -> MessageEncryption {
    let from = jid(from);
    account
        .expect(|ev| match ev {
            Event::MessagesAdded { messages, .. } => messages
                .iter()
                .find(|m| m.message.peer == from && !m.message.outgoing)
                .map(|m| m.message.encryption),
            _ => None,
        })
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_replayed_misaddressed_and_forged_messages_are_explained_and_nothing_goes_out_plain() {
    use balcony::core::message::UndecryptableReason;
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("tybalt", "pw-t");
    server.register("mercutio", "pw-m");
    let juliet = balcony(
        &server,
        support::profiles::fresh("interop-failures"),
        "juliet",
        "pw-j",
    )
    .await;
    let mut tybalt = OmemoPeer::start(&server, "tybalt", "pw-t", "tybalt", PeerOptions::default());
    tybalt.send("juliet@balcony.test", "a fair start", "omemo2");
    assert_eq!(received(&juliet, "a fair start").await, MessageEncryption::Omemo);

    // A payload altered on the way: said so, and the session goes on.
    tybalt.command(serde_json::json!({"cmd": "send_corrupted", "to": "juliet@balcony.test", "body": "altered", "version": "omemo2"}));
    assert_eq!(
        stored_encryption(&juliet, "tybalt").await,
        MessageEncryption::Undecryptable(UndecryptableReason::Corrupted)
    );
    tybalt.send("juliet@balcony.test", "after the damage", "omemo2");
    assert_eq!(
        received(&juliet, "after the damage").await,
        MessageEncryption::Omemo
    );

    // The same message again: stored once.
    tybalt.command(serde_json::json!({"cmd": "replay_last", "to": "juliet@balcony.test"}));
    tybalt.expect("sent", |v| v["replay_of"].is_string(), WAIT);
    // A message for devices we do not have (say, one we removed).
    tybalt.command(serde_json::json!({"cmd": "send_to_unknown_device", "to": "juliet@balcony.test", "body": "lost", "version": "legacy"}));
    assert_eq!(
        stored_encryption(&juliet, "tybalt").await,
        MessageEncryption::Undecryptable(UndecryptableReason::NotForThisDevice)
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let copies = juliet
        .store()
        .search_messages(&juliet.jid, None, "damage", 10)
        .expect("search");
    assert_eq!(copies.len(), 1, "a replay is not stored twice");

    // A contact whose bundle's signature is forged: no session, nothing
    // sent, and the user is told.
    let mut mercutio = OmemoPeer::start(&server, "mercutio", "pw-m", "mercutio", PeerOptions::default());
    mercutio.command(serde_json::json!({"cmd": "forge_bundle", "version": "omemo2"}));
    mercutio.expect("forged", |_| true, WAIT);
    mercutio.command(serde_json::json!({"cmd": "forge_bundle", "version": "legacy"}));
    mercutio.expect("forged", |_| true, WAIT);
    encrypt_to(&juliet, "mercutio");
    say(&juliet, "mercutio", "a plague on both your houses");
    let detail = juliet
        .expect(|ev| match ev {
            Event::MessageNotEncrypted { detail, .. } => Some(detail.clone()),
            _ => None,
        })
        .await;
    assert!(
        detail.contains("keys are invalid") || detail.contains("no device"),
        "{detail}"
    );
    let heard = mercutio.all("message", Duration::from_secs(1));
    let plain = mercutio.all("plain", Duration::from_millis(10));
    assert!(
        heard.is_empty() && plain.is_empty(),
        "nothing reached mercutio: {heard:?} {plain:?}"
    );
}

/// The devices Balcony lists for `peer` once they include `count` of its
/// and `ready` holds.
async fn listed_when(
    account: &Online,
    peer: &str,
    count: usize,
    ready: impl Fn(&[balcony::core::bridge::OmemoDeviceInfo]) -> bool,
) -> Vec<balcony::core::bridge::OmemoDeviceInfo> {
    let peer_jid = jid(peer);
    for _ in 0..20 {
        account.send(Command::ListOmemoDevices {
            jid: account.jid.clone(),
            peer: peer_jid.clone(),
        });
        let devices = account
            .expect(|ev| match ev {
                Event::OmemoDevices { devices, .. } => Some(devices.clone()),
                _ => None,
            })
            .await;
        if devices.iter().filter(|d| d.owner == peer_jid).count() >= count && ready(&devices) {
            return devices;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{peer}'s {count} devices never listed as expected");
}

async fn listed(account: &Online, peer: &str, count: usize) -> Vec<balcony::core::bridge::OmemoDeviceInfo> {
    listed_when(account, peer, count, |_| true).await
}

#[tokio::test(flavor = "multi_thread")]
async fn verified_contacts_new_devices_are_shown_first_and_distrusted_ones_get_nothing() {
    use balcony::core::bridge::Trust;
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let juliet = balcony(
        &server,
        support::profiles::fresh("trust-juliet"),
        "juliet",
        "pw-j",
    )
    .await;
    let mut laptop = OmemoPeer::start(
        &server,
        "romeo",
        "pw-r",
        "trust-romeo-laptop",
        PeerOptions::default(),
    );
    encrypt_to(&juliet, "romeo");
    say(&juliet, "romeo", "before any verification");
    laptop.expect("message", |v| v["body"] == "before any verification", WAIT);

    // The list: romeo's device with the fingerprint python-omemo shows,
    // trusted blindly; ours, this one marked.
    let devices = listed(&juliet, "romeo", 1).await;
    let theirs = devices
        .iter()
        .find(|d| d.owner == jid("romeo"))
        .expect("romeo's device")
        .clone();
    assert_eq!(u64::from(theirs.device), laptop.device_id());
    assert_eq!(theirs.trust, Some(Trust::Blind));
    laptop.command(serde_json::json!({"cmd": "fingerprint"}));
    let printed = laptop.expect("fingerprint", |_| true, WAIT);
    assert_eq!(
        theirs.fingerprint.as_deref().map(|f| f.replace(' ', "")),
        printed["legacy"].as_str().map(str::to_owned),
        "the same fingerprint on both sides"
    );
    assert!(devices.iter().any(|d| d.owner == jid("juliet") && d.this_device));

    // Verified after comparing.
    juliet.send(Command::SetOmemoTrust {
        jid: juliet.jid.clone(),
        peer: jid("romeo"),
        owner: jid("romeo"),
        device: theirs.device,
        trust: Trust::Verified,
    });
    let trust_of = |devices: &[balcony::core::bridge::OmemoDeviceInfo], device: u32| {
        devices.iter().find(|d| d.device == device).and_then(|d| d.trust)
    };
    listed_when(&juliet, "romeo", 1, |d| {
        trust_of(d, theirs.device) == Some(Trust::Verified)
    })
    .await;

    // romeo gets a new phone: nothing goes out until juliet decides.
    let mut phone = OmemoPeer::start(
        &server,
        "romeo",
        "pw-r",
        "trust-romeo-phone",
        PeerOptions::default(),
    );
    let devices = listed(&juliet, "romeo", 2).await;
    let new = devices
        .iter()
        .find(|d| u64::from(d.device) == phone.device_id())
        .expect("the new device listed")
        .clone();
    say(&juliet, "romeo", "are you still you?");
    let (detail, new_device) = juliet
        .expect(|ev| match ev {
            Event::MessageNotEncrypted {
                detail, new_device, ..
            } => Some((detail.clone(), *new_device)),
            _ => None,
        })
        .await;
    assert!(new_device, "{detail}");
    assert!(
        laptop.all("message", Duration::from_millis(500)).is_empty(),
        "nothing sent"
    );

    // Distrusted, the new device gets nothing; the verified one reads on.
    juliet.send(Command::SetOmemoTrust {
        jid: juliet.jid.clone(),
        peer: jid("romeo"),
        owner: jid("romeo"),
        device: new.device,
        trust: Trust::Distrusted,
    });
    listed_when(&juliet, "romeo", 2, |d| {
        trust_of(d, new.device) == Some(Trust::Distrusted)
    })
    .await;
    say(&juliet, "romeo", "only for the laptop");
    laptop.expect("message", |v| v["body"] == "only for the laptop", WAIT);
    let on_phone = phone.all("message", Duration::from_secs(1));
    assert!(
        on_phone.iter().all(|v| v["body"] != "only for the laptop"),
        "the distrusted device could not read it: {on_phone:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_with_fingerprints_verifies_the_devices_it_matches_and_nothing_else() {
    use balcony::core::{bridge::Trust, xmpp_uri};
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let juliet = balcony(&server, support::profiles::fresh("link-juliet"), "juliet", "pw-j").await;
    let mut romeo = OmemoPeer::start(&server, "romeo", "pw-r", "link-romeo", PeerOptions::default());
    romeo.command(serde_json::json!({"cmd": "fingerprint"}));
    let printed = romeo.expect("fingerprint", |_| true, WAIT);
    let hex = printed["legacy"].as_str().expect("fingerprint").to_owned();
    let device = u32::try_from(romeo.device_id()).expect("id");
    let check = |link: String| {
        let parsed = xmpp_uri::parse(&link).expect("a link Conversations would share");
        juliet.send(Command::VerifyOmemoFingerprints {
            jid: juliet.jid.clone(),
            peer: jid("romeo"),
            fingerprints: parsed.fingerprints,
        });
    };
    let checked = || async {
        juliet
            .expect(|ev| match ev {
                Event::OmemoLinkChecked {
                    verified, mismatched, ..
                } => Some((verified.clone(), mismatched.clone())),
                _ => None,
            })
            .await
    };
    let trust = |devices: &[balcony::core::bridge::OmemoDeviceInfo]| {
        devices.iter().find(|d| d.device == device).and_then(|d| d.trust)
    };

    // A link whose fingerprint differs in one digit verifies nothing.
    let last = if hex.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{last}", &hex[..63]);
    check(format!("xmpp:romeo@balcony.test?omemo-sid-{device}={wrong}"));
    assert_eq!(checked().await, (vec![], vec![device]));
    let devices = listed(&juliet, "romeo", 1).await;
    assert_eq!(trust(&devices), Some(Trust::Blind));
    // A device romeo does not have, beside the right one: only his is
    // verified.
    check(format!(
        "xmpp:romeo@balcony.test?omemo-sid-{device}={hex};omemo-sid-12345={}",
        "ab".repeat(32)
    ));
    assert_eq!(checked().await, (vec![device], vec![12345]));
    listed_when(&juliet, "romeo", 1, |d| trust(d) == Some(Trust::Verified)).await;
}
