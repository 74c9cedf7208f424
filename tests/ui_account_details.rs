//! The account's details list the certificates the user pinned, with their
//! fingerprints, and one can be removed: it is gone from the store, and the
//! account connects again and asks about the certificate.

mod support;

use std::{str::FromStr, time::Duration};

use adw::prelude::*;
use balcony::{
    core::{
        account::TlsMode,
        bridge::{Command, ConnectionState, Event},
        store::Store,
        xmpp::{
            connection::error::ConnectError,
            connection::tls::{fingerprint_hex, sha256},
        },
    },
    model::{Client, ConnectionStatus},
    ui::Window,
};
use support::{
    accounts::{add, autoconnect_worker, config},
    events::wait_for,
    profiles,
    prosody::{Prosody, DOMAIN},
    ui::{all, dialog_of, find, init, pump_until, screenshot},
};
use xmpp_parsers::jid::BareJid;

#[gtk::test]
fn pinned_certificates_are_listed_and_can_be_removed() {
    init();
    let server = Prosody::start();
    server.register("juliet", "pw-j");
    let jid = BareJid::from_str(&format!("juliet@{DOMAIN}")).expect("jid");
    // Set up as a person would: the test CA is unknown, so the certificate
    // is pinned when asked.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let profile = profiles::fresh("ui-account-details");
    runtime.block_on(async {
        let worker = autoconnect_worker(profile.clone());
        let events = worker.events();
        add(
            &worker,
            config("juliet", &server.c2s_addr(), TlsMode::StartTls, None),
            "pw-j",
        );
        let (cert, _) = wait_for(&events, Duration::from_secs(15), |ev| match ev {
            Event::ConnectionChanged {
                state:
                    ConnectionState::Offline {
                        error: Some(ConnectError::UntrustedCertificate(c)),
                    },
                ..
            } => Some(c.clone()),
            _ => None,
        })
        .await;
        worker.send(Command::TrustCertificate {
            jid: jid.clone(),
            der: cert.der.clone(),
        });
        wait_for(&events, Duration::from_secs(15), |ev| {
            matches!(
                ev,
                Event::ConnectionChanged {
                    state: ConnectionState::Online { .. },
                    ..
                }
            )
            .then_some(())
        })
        .await;
        worker.shutdown();
    });

    let client = Client::new(profile.clone()).expect("client");
    let window = Window::new(None, &client, None);
    window.set_default_size(900, 700);
    window.present();
    let account = client.primary_account().expect("account");
    pump_until("online", Duration::from_secs(20), || {
        account.status() == ConnectionStatus::Online
    });

    // From the main menu's action.
    window
        .main_view()
        .activate_action("main.account-details", None)
        .expect("action");
    pump_until("the details window", Duration::from_secs(5), || {
        dialog_of::<adw::PreferencesWindow>(&window).is_some()
    });
    let details = dialog_of::<adw::PreferencesWindow>(&window).expect("details");
    pump_until("the pin listed", Duration::from_secs(5), || {
        !all::<adw::ActionRow>(&details)
            .iter()
            .all(|r| r.widget_name() != "pin")
    });
    let pin = find::<adw::ActionRow>(&details, "pin");
    assert_eq!(pin.title().as_str(), fingerprint_hex(&sha256(&server.leaf_der)));
    // The certificate in use is the pinned one, and says so.
    let certificate = find::<adw::ExpanderRow>(&details, "server-certificate");
    pump_until("the certificate in use", Duration::from_secs(10), || {
        certificate.subtitle().starts_with("Trusted by you")
    });
    assert_eq!(
        find::<adw::ActionRow>(&details, "certificate-fingerprint")
            .subtitle()
            .as_deref(),
        Some(fingerprint_hex(&sha256(&server.leaf_der)).as_str())
    );
    gtk::test_widget_wait_for_draw(&details);
    screenshot(&details, "account-details-pins");

    // Removing it: gone from the store, the account connects again and
    // the certificate prompt comes back.
    find::<gtk::Button>(&details, "forget-pin").emit_clicked();
    pump_until("the empty list", Duration::from_secs(5), || {
        all::<adw::ActionRow>(&details)
            .iter()
            .any(|r| r.widget_name() == "no-pins")
    });
    let store = Store::open(&profile.database_path()).expect("store");
    assert!(store.pinned_certificates(&jid).expect("pins").is_empty());
    drop(store);
    screenshot(&details, "account-details-no-pins");
    details.close();
    pump_until("the certificate prompt again", Duration::from_secs(20), || {
        dialog_of::<adw::MessageDialog>(&window).is_some()
    });
    let prompt = dialog_of::<adw::MessageDialog>(&window).expect("prompt");
    assert!(
        prompt.body().contains("not issued by an authority"),
        "{}",
        prompt.body()
    );
    window.close();
    client.shutdown();
}
