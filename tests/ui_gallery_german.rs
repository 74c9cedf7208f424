//! Every sidebar screen, dialog and popover in German, in light and dark
//! style (the app started offline from a cached profile): the main window,
//! roster, a conversation, the status menu, the account switcher, the
//! add-contact and contact-request dialogs, preferences and shortcuts, the
//! account details, the certificate prompt, and privacy: the decloak
//! consent dialog, asking for someone's presence and their answer.
//! Each is checked for its German text and saved as a screenshot.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::{
    core::{
        contacts::{RosterItem, Subscription},
        files::{FileAttachment, FileState},
        message::{ChatKind, DeliveryState, NewMessage},
        store::{Inserted, Placement, Store},
    },
    ui::{Application, MessageRow, Window},
};
use gtk::glib;
use support::ui::{all, dialog_of, find, pump_until, screenshot};
use xmpp_parsers::jid::BareJid;

fn message(peer: &str, body: &str, outgoing: bool, minute: i64) -> NewMessage {
    NewMessage {
        peer: peer.parse().expect("jid"),
        kind: ChatKind::Chat,
        outgoing,
        sender: peer.into(),
        body: body.into(),
        origin_id: None,
        stanza_id: None,
        timestamp_ms: 1_763_700_000_000 + minute * 60_000,
        state: if outgoing {
            DeliveryState::Displayed
        } else {
            DeliveryState::Received
        },
        encryption: Default::default(),
    }
}

fn contact(jid: &str, name: &str, group: &str) -> RosterItem {
    RosterItem {
        jid: jid.parse().expect("jid"),
        name: Some(name.into()),
        subscription: Subscription::Both,
        ask: false,
        approved: false,
        groups: vec![group.into()],
    }
}

fn visible_toplevel<T: IsA<gtk::Window> + IsA<glib::Object> + IsA<gtk::Widget>>() -> Option<T> {
    gtk::Window::toplevels()
        .iter::<glib::Object>()
        .flatten()
        .filter_map(|o| o.downcast::<T>().ok())
        .find(|w| w.is_visible())
}

fn popover_of(button: &gtk::MenuButton) -> gtk::Popover {
    button.popup();
    pump_until("the popover", Duration::from_secs(5), || {
        button.popover().is_some_and(|p| p.is_visible())
    });
    button.popover().expect("popover")
}

/// Every screen once in the current style; `style` names the screenshots.
fn every_screen(app: &Application, window: &Window, style: &str) {
    let main_view = window.main_view();
    let shot = |widget: &gtk::Widget, name: &str| {
        screenshot(widget, &format!("gallery-{name}-de{style}"));
    };

    main_view.show_contacts(false);
    gtk::test_widget_wait_for_draw(window);
    shot(window.upcast_ref(), "main");

    main_view.show_contacts(true);
    pump_until("the roster drawn", Duration::from_secs(5), || {
        !all::<balcony::ui::ContactRow>(&main_view.contact_list()).is_empty()
    });
    let roster: Vec<String> = all::<balcony::ui::ContactRow>(&main_view.contact_list())
        .iter()
        .map(|r| r.text_shown())
        .collect();
    assert_eq!(roster[0], "Familie", "{roster:?}");
    shot(window.upcast_ref(), "roster");
    main_view.show_contacts(false);

    main_view.open_conversation("romeo@balcony.test");
    let view = main_view.conversation_view();
    pump_until("the conversation", Duration::from_secs(5), || {
        all::<MessageRow>(&view.list_view()).len() == 3
    });
    assert_eq!(main_view.conversation_title(), "Romeo", "named as in the roster");
    assert_eq!(
        find::<gtk::Label>(&view, "composer-placeholder").label(),
        "Nachricht an Romeo",
        "the composer says who the message goes to"
    );
    shot(window.upcast_ref(), "conversation");

    main_view.open_conversation("benvolio@balcony.test");
    pump_until("the files", Duration::from_secs(5), || {
        all::<MessageRow>(&view.list_view())
            .iter()
            .filter(|r| r.file_card().is_some_and(|c| c.is_mapped()))
            .count()
            == 2
    });
    let cards: Vec<_> = all::<MessageRow>(&view.list_view())
        .iter()
        .filter_map(|r| r.file_card())
        .collect();
    let (name, detail, _) = cards[0].texts_shown();
    assert_eq!(name, "brief.pdf");
    assert!(
        detail.starts_with("48,2") && detail.ends_with("PDF-Dokument"),
        "{detail}"
    );
    assert_eq!(
        find::<gtk::Button>(&cards[0], "file-action")
            .tooltip_text()
            .as_deref(),
        Some("Herunterladen")
    );
    assert_eq!(
        find::<gtk::Button>(&cards[1], "file-action").label().as_deref(),
        Some("Öffnen")
    );
    pump_until("the preview", Duration::from_secs(5), || cards[1].preview_shown());
    let forwarded = all::<MessageRow>(&view.list_view())
        .into_iter()
        .find(|r| r.body_shown() == "Wo ist Romeo?")
        .expect("the forwarded message");
    assert!(
        forwarded
            .meta_shown()
            .contains("weitergeleitet von Ihrem Gerät „Laptop“"),
        "{}",
        forwarded.meta_shown()
    );
    shot(window.upcast_ref(), "files");
    main_view.open_conversation("romeo@balcony.test");
    pump_until("romeo again", Duration::from_secs(5), || {
        all::<MessageRow>(&view.list_view()).len() == 3
    });

    let status = find::<gtk::MenuButton>(window, "status-menu");
    assert_eq!(status.tooltip_text().as_deref(), Some("Ihren Status festlegen"));
    let popover = popover_of(&status);
    shot(popover.upcast_ref(), "status-menu");
    popover.popdown();

    let switcher = find::<gtk::MenuButton>(window, "account-switcher");
    assert_eq!(switcher.tooltip_text().as_deref(), Some("Konto wechseln"));
    let popover = popover_of(&switcher);
    assert_eq!(
        find::<gtk::Button>(&popover, "add-account").label().as_deref(),
        Some("Konto _hinzufügen …")
    );
    shot(popover.upcast_ref(), "account-switcher");
    popover.popdown();

    let add = main_view.ask_for_contact().expect("add-contact dialog");
    assert_eq!(add.heading().as_deref(), Some("Kontakt hinzufügen"));
    shot(add.upcast_ref(), "add-contact");
    add.close();

    let client = window.client().expect("client");
    let account = main_view.account().expect("account");
    let key = balcony::ui::subscription_dialog::KeyShown {
        fingerprint: "37E1 C17C 8F05 DA2B 0C2A 7A5F 1F2B 9D34 5E61 07A4",
        problem: "",
    };
    let request =
        window.ask_about_subscription(&client, &account, "tybalt@balcony.test", "Lass mich hinein", key);
    assert!(
        request
            .body()
            .contains("37E1 C17C 8F05 DA2B 0C2A\n7A5F 1F2B 9D34 5E61 07A4"),
        "the fingerprint, grouped"
    );
    assert!(request.body().contains("Fingerabdruck"), "{}", request.body());
    assert_eq!(request.heading().as_deref(), Some("Kontaktanfrage"));
    shot(request.upcast_ref(), "contact-request");
    request.close();

    app.activate_action("preferences", None);
    pump_until("the preferences", Duration::from_secs(5), || {
        dialog_of::<adw::PreferencesWindow>(window).is_some()
    });
    let preferences = dialog_of::<adw::PreferencesWindow>(window).expect("preferences");
    assert_eq!(preferences.title().as_deref(), Some("Einstellungen"));
    shot(preferences.upcast_ref(), "preferences");
    preferences.close();

    WidgetExt::activate_action(window, "win.show-help-overlay", None).expect("help overlay");
    pump_until("the shortcuts", Duration::from_secs(5), || {
        visible_toplevel::<gtk::ShortcutsWindow>().is_some()
    });
    let shortcuts = visible_toplevel::<gtk::ShortcutsWindow>().expect("shortcuts");
    shot(shortcuts.upcast_ref(), "shortcuts");
    shortcuts.close();

    main_view
        .activate_action("main.account-details", None)
        .expect("action");
    pump_until("the account details", Duration::from_secs(5), || {
        dialog_of::<adw::PreferencesWindow>(window).is_some_and(|d| {
            all::<adw::ActionRow>(&d)
                .iter()
                .any(|r| r.widget_name() == "no-pins")
        })
    });
    let details = dialog_of::<adw::PreferencesWindow>(window).expect("details");
    let empty = find::<adw::ActionRow>(&details, "no-pins");
    assert_eq!(
        empty.title(),
        "Für dieses Konto sind keine Zertifikate hinterlegt."
    );
    gtk::test_widget_wait_for_draw(&details);
    shot(details.upcast_ref(), "account-details");
    details.close();

    // Privacy: the consent dialog, asking for presence and its answer.
    let request = balcony::core::privacy::DecloakRequest {
        from: "tybalt@balcony.test".parse().expect("jid"),
        resources: vec!["tybalt@balcony.test/phone".parse().expect("jid")],
        reason: balcony::core::privacy::DecloakReason::File,
        in_roster: false,
        fingerprint: Some("AB12 CD34 EF56".into()),
    };
    let consent = balcony::ui::decloak_dialog::build(window, &request, 2);
    assert_eq!(
        consent.heading().as_deref(),
        Some("tybalt@balcony.test zeigen, dass Sie online sind?")
    );
    assert!(
        consent.body().contains("Sie möchten Ihnen eine Datei senden."),
        "{}",
        consent.body()
    );
    assert!(
        consent.body().contains("2 weitere Anfragen warten."),
        "{}",
        consent.body()
    );
    consent.present();
    gtk::test_widget_wait_for_draw(&consent);
    shot(consent.upcast_ref(), "decloak-consent");
    consent.close();
    let ask = main_view.request_open_peer_presence().expect("request dialog");
    assert_eq!(
        ask.heading().as_deref(),
        Some("romeo@balcony.test bitten, die Anwesenheit zu zeigen?")
    );
    shot(ask.upcast_ref(), "request-presence");
    ask.close();
    let answers = adw::MessageDialog::builder()
        .transient_for(window)
        .modal(true)
        .build();
    let answer = balcony::core::privacy::PresenceAnswer {
        from: "romeo@balcony.test/laptop".parse().expect("jid"),
        client: Some("Gajim".into()),
        kind: Some("pc".into()),
        features: 40,
        files: true,
    };
    balcony::ui::request_presence_dialog::show_answers(&answers, "romeo@balcony.test", &Ok(vec![answer]));
    assert_eq!(answers.heading().as_deref(), Some("Sie haben geantwortet"));
    answers.present();
    gtk::test_widget_wait_for_draw(&answers);
    shot(answers.upcast_ref(), "presence-answers");
    answers.close();

    // Remote control: the Devices page (offline: no other device).
    let devices = main_view.open_devices().expect("devices page");
    assert_eq!(devices.title().as_deref(), Some("Ihre Geräte"));
    let empty = find::<adw::StatusPage>(&devices, "no-devices");
    assert_eq!(empty.title(), "Kein anderes Gerät ist online");
    gtk::test_widget_wait_for_draw(&devices);
    shot(devices.upcast_ref(), "devices");
    devices.close();
    assert_eq!(
        balcony::model::remote_text::controlled(
            "Telefon",
            &balcony::core::remote_control::RemoteAction::Forwarded {
                count: 3,
                peers: vec![]
            }
        ),
        "3 ungelesene Nachrichten an Ihr Gerät „Telefon“ weitergeleitet"
    );

    let cert = balcony::core::xmpp::connection::tls::UntrustedCertificate {
        der: vec![1, 2, 3],
        sha256: balcony::core::xmpp::connection::tls::sha256(&[1, 2, 3]),
        problem: balcony::core::xmpp::connection::tls::CertificateProblem::Expired,
        reason: "expired".into(),
    };
    let prompt = balcony::ui::certificate_dialog::build(window, "juliet@balcony.test", &cert);
    assert!(
        prompt.body().contains("Das Zertifikat ist abgelaufen."),
        "{}",
        prompt.body()
    );
    prompt.present();
    gtk::test_widget_wait_for_draw(&prompt);
    shot(prompt.upcast_ref(), "certificate-prompt");
    prompt.close();
}

#[gtk::test]
fn every_screen_in_german_light_and_dark() {
    // Only test in this binary, so the process-wide locale is ours to set.
    std::env::set_var("LANGUAGE", "de");
    std::env::set_var("LC_ALL", "de_DE.UTF-8");
    support::ui::init();
    let profile = support::accounts::offline_profile("ui-gallery-de");
    let me: BareJid = "juliet@balcony.test".parse().expect("jid");
    {
        let mut store = Store::open(&profile.database_path()).expect("store");
        store
            .replace_roster(
                &me,
                Some("1"),
                &[
                    contact("romeo@balcony.test", "Romeo", "Freunde"),
                    contact("nurse@balcony.test", "Amme", "Familie"),
                    contact("benvolio@balcony.test", "Benvolio", "Freunde"),
                ],
            )
            .expect("roster");
        let cached = [
            message("romeo@balcony.test", "Ist's Tag? Ist's Nacht?", false, 1),
            message("romeo@balcony.test", "Gute Nacht, gute Nacht!", true, 2),
            message("romeo@balcony.test", "Scheiden ist so süßer Schmerz", false, 3),
            message("nurse@balcony.test", "Fräulein, Eure Mutter ruft", false, 4),
        ];
        store
            .batch(|s| s.insert_messages(&me, &cached, Placement::Newest))
            .expect("messages");
        // Benvolio shares two files: a letter still pending, and a picture
        // already downloaded (previewed).
        let picture = profile.database_path().with_file_name("verona.png");
        let pixels: Vec<u8> = (0..160 * 100)
            .flat_map(|i| [180, (i % 160) as u8, 120, 255])
            .collect();
        gtk::gdk::MemoryTexture::new(
            160,
            100,
            gtk::gdk::MemoryFormat::R8g8b8a8,
            &glib::Bytes::from(&pixels),
            640,
        )
        .save_to_png(&picture)
        .expect("png");
        let files = [
            (
                message("benvolio@balcony.test", "https://h.example/f/brief.pdf", false, 5),
                FileAttachment::offered(
                    "https://h.example/f/brief.pdf",
                    Some("application/pdf".into()),
                    Some(48_213),
                    false,
                ),
            ),
            (
                message(
                    "benvolio@balcony.test",
                    "https://h.example/f/verona.png",
                    false,
                    6,
                ),
                FileAttachment {
                    state: FileState::Downloaded,
                    path: Some(picture),
                    ..FileAttachment::offered(
                        "https://h.example/f/verona.png",
                        Some("image/png".into()),
                        Some(2_048),
                        false,
                    )
                },
            ),
        ];
        for (m, file) in files {
            let inserted = store
                .batch(|s| s.insert_messages(&me, &[m], Placement::Newest))
                .expect("message");
            let Some(Inserted::New(id)) = inserted.first().copied() else {
                panic!("not stored")
            };
            store.attach_file(id, &file).expect("file");
        }
        // And a message Juliet's laptop forwarded here (remote control).
        let forwarded = store
            .batch(|s| {
                s.insert_messages(
                    &me,
                    &[message("benvolio@balcony.test", "Wo ist Romeo?", false, 7)],
                    Placement::Newest,
                )
            })
            .expect("message");
        let Some(Inserted::New(id)) = forwarded.first().copied() else {
            panic!("not stored")
        };
        store.mark_forwarded(id, "Laptop").expect("forwarded");
    }
    let (app, window) = support::ui::app_window(profile);
    window.set_default_size(900, 640);
    pump_until("the cached conversations", Duration::from_secs(10), || {
        window
            .main_view()
            .account()
            .is_some_and(|a| a.conversations().n_items() == 3)
    });

    every_screen(&app, &window, "");
    adw::StyleManager::default().set_color_scheme(adw::ColorScheme::ForceDark);
    every_screen(&app, &window, "-dark");
    adw::StyleManager::default().set_color_scheme(adw::ColorScheme::Default);
    window.close();
}
