//! Avatars end to end (Xvfb, real Prosody): romeo sets a vCard photo
//! (XEP-0153), then publishes a PEP avatar (XEP-0084); juliet's conversation list
//! shows each once it is fetched and matches its hash, keeps it across a
//! restart, ignores a hash his vCard does not match, and goes back to
//! initials when he turns his avatar off.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::{
    core::{profile::Profile, store::Store},
    model::{Client, ConnectionStatus},
    ui::{ConversationRow, Window},
};
use base64::Engine as _;
use sha1::{Digest, Sha1};
use support::{
    accounts::online,
    peer::Peer,
    prosody::Prosody,
    ui::{all, init, pump_for, pump_until, screenshot},
};
use xmpp_parsers::{
    jid::{BareJid, Jid},
    message::{Lang, Message},
    minidom::Element,
    presence::{Presence, Type as PresenceType},
    roster::Roster,
};

const PEP_PNG: &[u8] = include_bytes!("fixtures/avatars/romeo-pep.png");
const VCARD_PNG: &[u8] = include_bytes!("fixtures/avatars/romeo-vcard.png");

fn sha1_hex(data: &[u8]) -> String {
    hex::encode(Sha1::digest(data))
}

fn xml(text: &str) -> Element {
    text.parse().expect("xml")
}

/// Publishes `payload` as item `id` on romeo's PEP `node`.
async fn publish(romeo: &mut Peer, node: &str, id: &str, payload: &str) {
    let publish = xml(&format!(
        "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='{node}'>\
         <item id='{id}'>{payload}</item></publish></pubsub>"
    ));
    romeo.set(None, publish).await.expect("published");
}

/// Romeo's presence, with the vCard avatar hash `photo`.
fn presence_with_photo(photo: &str) -> Presence {
    let mut p = Presence::available();
    p.payloads.push(xml(&format!(
        "<x xmlns='vcard-temp:x:update'><photo>{photo}</photo></x>"
    )));
    p
}

fn window_on(profile: &Profile) -> (Client, Window) {
    let client = Client::new(profile.clone()).expect("client");
    let window = Window::new(None, &client, None);
    window.set_default_size(900, 640);
    window.present();
    (client, window)
}

fn romeo_row(window: &Window) -> Option<ConversationRow> {
    all::<ConversationRow>(&window.main_view().conversation_list())
        .into_iter()
        .next()
}

fn stored_hash(profile: &Profile, me: &BareJid, romeo: &BareJid) -> Option<String> {
    Store::open(&profile.database_path())
        .expect("store")
        .contact_avatar_hash(me, romeo)
        .expect("read")
}

#[gtk::test]
fn avatars_are_fetched_checked_shown_and_kept() {
    init();
    let server = Prosody::start_with(&["vcard"], "");
    server.register("juliet", "pw-j");
    server.register("romeo", "pw-r");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let profile = runtime.block_on(async {
        let setup = online(&server, "ui-avatars-juliet", "juliet", "pw-j").await;
        let profile = setup.profile.clone();
        setup.worker.shutdown();
        profile
    });
    let me: BareJid = "juliet@balcony.test".parse().expect("jid");
    let romeo_jid: BareJid = "romeo@balcony.test".parse().expect("jid");
    let (client, window) = window_on(&profile);
    pump_until("juliet online", Duration::from_secs(20), || {
        client
            .primary_account()
            .is_some_and(|a| a.status() == ConnectionStatus::Online)
    });
    let account = client.primary_account().expect("account");

    // Juliet adds romeo and he her (PEP tells only contacts who see our
    // presence: that is how the server learns we want avatar news); he
    // writes to her.
    let mut romeo = runtime.block_on(Peer::login(&server, "romeo", "pw-r"));
    runtime
        .block_on(
            romeo.get_own(
                Roster {
                    ver: None,
                    items: vec![],
                }
                .into(),
            ),
        )
        .expect("roster");
    runtime.block_on(romeo.available());
    client.add_contact(&account, &romeo_jid, Some("Romeo".into()));
    runtime.block_on(async {
        romeo.presence_where(|p| p.type_ == PresenceType::Subscribe).await;
        romeo
            .send(Presence::new(PresenceType::Subscribed).with_to(Jid::from(me.clone())))
            .await;
        romeo
            .send(Presence::new(PresenceType::Subscribe).with_to(Jid::from(me.clone())))
            .await;
        let mut m = Message::chat(Some(Jid::from(me.clone())));
        m.bodies.insert(Lang::default(), "Look at my new picture".into());
        romeo.send(m).await;
    });
    client.answer_subscription(&account, romeo_jid.as_str(), true);
    runtime.block_on(romeo.presence_where(|p| p.type_ == PresenceType::Subscribed));
    pump_until("romeo's conversation", Duration::from_secs(20), || {
        romeo_row(&window).is_some_and(|r| r.preview_shown() == "Look at my new picture")
    });
    assert!(
        !romeo_row(&window).expect("row").avatar_image_shown(),
        "initials at first"
    );

    // XEP-0153: a vCard photo, announced in presence.
    let vcard_hash = sha1_hex(VCARD_PNG);
    let binval = base64::engine::general_purpose::STANDARD.encode(VCARD_PNG);
    runtime.block_on(async {
        let vcard = xml(&format!(
            "<vCard xmlns='vcard-temp'><FN>Romeo</FN><PHOTO><TYPE>image/png</TYPE>\
             <BINVAL>{binval}</BINVAL></PHOTO></vCard>"
        ));
        romeo.set(None, vcard).await.expect("vCard stored");
        romeo.send(presence_with_photo(&vcard_hash)).await;
    });
    pump_until("the vCard avatar shown", Duration::from_secs(20), || {
        romeo_row(&window).is_some_and(|r| r.avatar_image_shown())
    });
    assert_eq!(
        account.roster().avatar(romeo_jid.as_str()).as_deref(),
        Some(VCARD_PNG)
    );
    assert_eq!(stored_hash(&profile, &me, &romeo_jid), Some(vcard_hash.clone()));
    screenshot(&window, "avatar-vcard");

    // XEP-0084: data, then the metadata that announces it. His presence
    // no longer says which vCard photo (an empty <x/>: "not ready").
    let pep_hash = sha1_hex(PEP_PNG);
    let data = base64::engine::general_purpose::STANDARD.encode(PEP_PNG);
    runtime.block_on(async {
        let mut quiet = Presence::available();
        quiet.payloads.push(xml("<x xmlns='vcard-temp:x:update'/>"));
        romeo.send(quiet).await;
        publish(
            &mut romeo,
            "urn:xmpp:avatar:data",
            &pep_hash,
            &format!("<data xmlns='urn:xmpp:avatar:data'>{data}</data>"),
        )
        .await;
        publish(
            &mut romeo,
            "urn:xmpp:avatar:metadata",
            &pep_hash,
            &format!(
                "<metadata xmlns='urn:xmpp:avatar:metadata'><info bytes='{}' id='{pep_hash}' \
                 type='image/png' width='64' height='64'/></metadata>",
                PEP_PNG.len()
            ),
        )
        .await;
    });
    pump_until("the PEP avatar shown", Duration::from_secs(20), || {
        account.roster().avatar(romeo_jid.as_str()).as_deref() == Some(PEP_PNG)
    });
    assert_eq!(
        account.roster().avatar(romeo_jid.as_str()).as_deref(),
        Some(PEP_PNG)
    );
    assert_eq!(stored_hash(&profile, &me, &romeo_jid), Some(pep_hash.clone()));
    screenshot(&window, "avatar-pep");

    // A restart shows the stored avatar before any network news.
    window.close();
    client.shutdown();
    drop(client);
    pump_for(Duration::from_millis(200));
    let (client, window) = window_on(&profile);
    pump_until("the cached avatar", Duration::from_secs(10), || {
        romeo_row(&window).is_some_and(|r| r.avatar_image_shown())
    });
    let account = client.primary_account().expect("account");
    assert_eq!(
        account.roster().avatar(romeo_jid.as_str()).as_deref(),
        Some(PEP_PNG)
    );
    screenshot(&window, "avatar-cached");
    pump_until("juliet online again", Duration::from_secs(20), || {
        account.status() == ConnectionStatus::Online
    });

    // A hash his vCard photo does not match is not believed.
    let bogus = "0123456789abcdef0123456789abcdef01234567";
    runtime.block_on(romeo.send(presence_with_photo(bogus)));
    pump_for(Duration::from_secs(2));
    assert_eq!(stored_hash(&profile, &me, &romeo_jid), Some(pep_hash));
    assert_eq!(
        account.roster().avatar(romeo_jid.as_str()).as_deref(),
        Some(PEP_PNG)
    );

    // Empty metadata turns the avatar off: initials again.
    runtime.block_on(publish(
        &mut romeo,
        "urn:xmpp:avatar:metadata",
        "off",
        "<metadata xmlns='urn:xmpp:avatar:metadata'/>",
    ));
    pump_until("initials again", Duration::from_secs(20), || {
        romeo_row(&window).is_some_and(|r| !r.avatar_image_shown())
    });
    assert_eq!(stored_hash(&profile, &me, &romeo_jid), None);
    window.close();
    client.shutdown();
}
