//! The account's details show what the server runs and announces, and
//! change the password (XEP-0077) by real clicks and keys: afterwards a
//! fresh login with the new password works, and the new password is kept
//! where the old one was.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::core::credentials::{load_password, PasswordStorage};
use support::{
    peer::Peer,
    prosody::Prosody,
    ui::{click_main_menu_item, dialog_of, find, init, online_app_window, pump_until, screenshot},
    xinput::{click, type_text},
};
use xmpp_parsers::jid::BareJid;

const WAIT: Duration = Duration::from_secs(20);

#[gtk::test]
fn server_software_features_and_a_password_change() {
    init();
    // Prosody changes passwords with mod_user_account_management.
    // Kontalk's server side (mod_balcony_kontalk) offers its upload service
    // and push capability.
    let server = Prosody::start_with(
        &["user_account_management", "balcony_kontalk"],
        &support::prosody::kontalk_config(),
    );
    server.register("juliet", "old-secret");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let profile = support::ui::saved_profile(&server, "ui-account-server", "juliet", "old-secret", &runtime);
    let (_app, window) = online_app_window(profile.clone(), 900, 700);
    let win: gtk::Window = window.clone().upcast();
    // The main menu, then Account Details.
    click_main_menu_item(&window, "Account Details");
    pump_until("the details", WAIT, || {
        dialog_of::<adw::PreferencesWindow>(&win).is_some()
    });
    let details = dialog_of::<adw::PreferencesWindow>(&win).expect("details");
    let software = find::<adw::ActionRow>(&details, "server-software");
    pump_until("the server's software", WAIT, || {
        software.subtitle().is_some_and(|s| s.starts_with("Prosody"))
    });
    let features = find::<adw::ExpanderRow>(&details, "server-features");
    let count: usize = features
        .subtitle()
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert!(count > 5, "{count} features");
    // The address connected to.
    let (ip, port) = server
        .c2s_addr()
        .rsplit_once(':')
        .map(|(i, p)| (i.to_owned(), p.to_owned()))
        .expect("addr");
    assert_eq!(
        find::<adw::ActionRow>(&details, "server-address")
            .subtitle()
            .as_deref(),
        Some(format!("balcony.test, connected to {ip} port {port}").as_str())
    );
    // The certificate in use: verified through the test CA, for the
    // server's name, with its fingerprint.
    let certificate = find::<adw::ExpanderRow>(&details, "server-certificate");
    assert!(
        certificate.subtitle().starts_with("Verified"),
        "{}",
        certificate.subtitle()
    );
    click(&certificate);
    let subject = find::<adw::ActionRow>(&details, "certificate-subject")
        .subtitle()
        .unwrap_or_default();
    assert!(subject.contains(support::prosody::DOMAIN), "{subject}");
    let issuer = find::<adw::ActionRow>(&details, "certificate-issuer")
        .subtitle()
        .unwrap_or_default();
    assert!(!issuer.is_empty() && issuer != subject, "{issuer}");
    assert_eq!(
        find::<adw::ActionRow>(&details, "certificate-fingerprint")
            .subtitle()
            .as_deref(),
        Some(
            balcony::core::xmpp::connection::tls::fingerprint_hex(
                &balcony::core::xmpp::connection::tls::sha256(&server.leaf_der)
            )
            .as_str()
        )
    );
    screenshot(&details, "account-details-certificate");
    let uploads = find::<adw::ActionRow>(&details, "server-uploads");
    pump_until("how the server takes files", WAIT, || {
        uploads.subtitle().is_some_and(|s| s.contains("Kontalk"))
    });
    let push = find::<adw::ActionRow>(&details, "server-push")
        .subtitle()
        .unwrap_or_default();
    assert!(
        push.contains("Google Cloud Messaging push notifications"),
        "{push}"
    );
    assert!(push.contains("does not register for push"), "{push}");
    screenshot(&details, "account-details-server");

    // A new password, typed twice; Change.
    click(&find::<adw::PasswordEntryRow>(&details, "new-password"));
    type_text(&details, "new-secret");
    click(&find::<adw::PasswordEntryRow>(&details, "new-password-again"));
    type_text(&details, "new-secret");
    let change = find::<gtk::Button>(&details, "change-password");
    pump_until("Change enabled", WAIT, || change.is_sensitive());
    click(&change);
    pump_until("the fields cleared after the change", WAIT, || {
        find::<adw::PasswordEntryRow>(&details, "new-password")
            .text()
            .is_empty()
    });
    // The server takes the new password; the old one no longer works.
    runtime.block_on(Peer::login(&server, "juliet", "new-secret"));
    let jid: BareJid = "juliet@balcony.test".parse().expect("jid");
    let kept = runtime
        .block_on(load_password(&profile, PasswordStorage::ProfileFile, &jid))
        .expect("kept");
    assert_eq!(kept.expose(), "new-secret", "kept where the old one was");
    window.close();
}
