//! A contact request answered by real clicks through the X server: Allow,
//! then Balcony offers to ask to see their presence too, and Ask sends
//! that request, as the other side observes.

mod support;

use std::time::Duration;

use adw::prelude::*;
use support::{
    peer::Peer,
    prosody::Prosody,
    ui::{dialog_of, init, online_app_window, pump_until, screenshot},
    xinput::click,
};
use xmpp_parsers::{
    jid::Jid,
    presence::{Presence, Type as PresenceType},
};

const WAIT: Duration = Duration::from_secs(20);

#[gtk::test]
fn allowing_a_request_offers_to_ask_back_and_asks() {
    init();
    let server = Prosody::start();
    server.register("juliet", "pw");
    server.register("romeo", "pw");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let profile = support::ui::saved_profile(&server, "ui-subscription", "juliet", "pw", &runtime);
    let (_app, window) = online_app_window(profile, 900, 640);
    let win: gtk::Window = window.clone().upcast();
    let mut romeo = runtime.block_on(async {
        let mut romeo = Peer::login(&server, "romeo", "pw").await;
        romeo
            .get_own(
                xmpp_parsers::roster::Roster {
                    ver: None,
                    items: vec![],
                }
                .into(),
            )
            .await
            .expect("roster");
        romeo.available().await;
        romeo
    });
    let juliet: Jid = "juliet@balcony.test".parse().expect("jid");
    runtime.block_on(romeo.send(Presence::new(PresenceType::Subscribe).with_to(juliet.clone())));
    pump_until("the contact request", WAIT, || {
        dialog_of::<adw::MessageDialog>(&win).is_some()
    });
    let request = dialog_of::<adw::MessageDialog>(&win).expect("request");
    click(&support::ui::response_button(&request, "_Allow"));
    runtime.block_on(romeo.presence_where(|p| p.type_ == PresenceType::Subscribed));
    pump_until("the offer to ask back", WAIT, || {
        dialog_of::<adw::MessageDialog>(&win).is_some_and(|d| d.widget_name() == "ask-back-dialog")
    });
    let offer = dialog_of::<adw::MessageDialog>(&win).expect("offer");
    assert!(offer.body().contains("romeo@balcony.test"), "{}", offer.body());
    screenshot(&offer, "subscription-ask-back");
    click(&support::ui::response_button(&offer, "_Ask"));
    runtime.block_on(romeo.presence_where(|p| {
        p.type_ == PresenceType::Subscribe && p.from.as_ref().is_some_and(|f| f.to_bare() == juliet.to_bare())
    }));
    window.close();
}

#[gtk::test]
fn a_request_with_a_kontalk_key_shows_its_fingerprint_or_why_it_is_not_trusted() {
    init();
    let server = Prosody::start();
    server.register("juliet", "pw");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (_client, window) =
        support::ui::online_window(&server, "ui-subscription-key", "juliet", "pw", &runtime);
    let win: gtk::Window = window.clone().upcast();
    let (key, fingerprint) = support::gnupg::gnupg_key("tybalt");
    let juliet: Jid = "juliet@balcony.test".parse().expect("jid");
    let ask = |user: &str, print: &str| {
        server.register(user, "pw");
        runtime.block_on(async {
            let mut peer = Peer::online(&server, user, "pw").await;
            let mut p = Presence::new(PresenceType::Subscribe).with_to(juliet.clone());
            p.payloads
                .push(balcony::core::xmpp::modules::kontalk_pubkey::element(&key, print));
            peer.send(p).await;
        });
        pump_until("the contact request", WAIT, || {
            dialog_of::<adw::MessageDialog>(&win).is_some_and(|d| d.body().contains(user))
        });
        dialog_of::<adw::MessageDialog>(&win).expect("request")
    };
    let grouped: Vec<String> = fingerprint
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let trusted = ask("tybalt", &fingerprint);
    let lines = format!("{}\n{}", grouped[..5].join(" "), grouped[5..].join(" "));
    assert!(trusted.body().contains(&lines), "{}", trusted.body());
    support::ui::screenshot_styles(&trusted, "subscription-fingerprint");
    click(&support::ui::response_button(&trusted, "_Later"));
    let forged = ask("paris", "0123456789ABCDEF0123456789ABCDEF01234567");
    assert!(
        forged
            .body()
            .contains("does not match its fingerprint and is not trusted"),
        "{}",
        forged.body()
    );
    assert!(
        !forged.body().contains(&grouped[0]),
        "no fingerprint is vouched for"
    );
    support::ui::screenshot(&forged, "subscription-key-mismatch");
    click(&support::ui::response_button(&forged, "_Later"));
    window.close();
}
