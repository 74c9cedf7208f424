//! Privacy in the app, driven by real clicks and key presses through the
//! X server: going invisible from the status menu, being visible to one
//! contact from the conversation's presence menu, answering a decloak
//! request in the consent dialog, revoking the remembered decision in
//! Preferences (opened with Ctrl+,), and asking a stranger to show their
//! presence. Other accounts are bare clients on the same Prosody, so each
//! step is checked where it matters: on the wire and in the store.
//! Screenshots: light, dark and 360 px wide.

mod support;

use std::time::Duration;

use adw::prelude::*;
use balcony::{
    core::store::Store,
    model::{account::INVISIBILITY_SUPPORTED, ConnectionStatus},
};
use support::{
    peer::Peer,
    prosody::{Prosody, DOMAIN},
    ui::{all, app_window, dialog_of, find, init, pump_until, screenshot},
    xinput::{click, key, type_text},
};
use tokio_xmpp::Stanza;
use xmpp_parsers::{
    disco::{DiscoInfoResult, Identity},
    iq::Iq,
    jid::{BareJid, Jid},
    minidom::Element,
    presence::{Presence, Type as PresenceType},
};

const WAIT: Duration = Duration::from_secs(15);

fn from(p: &Presence, who: &BareJid) -> bool {
    p.from.as_ref().is_some_and(|f| f.to_bare() == *who)
}

/// The menu item labelled `label` in a popover menu.
fn menu_item(popover: &gtk::Popover, label: &str) -> gtk::Widget {
    all::<gtk::Widget>(popover)
        .into_iter()
        .find(|w| {
            w.type_().name() == "GtkModelButton"
                && w.property::<Option<String>>("text").as_deref() == Some(label.replace('_', "").as_str())
        })
        .unwrap_or_else(|| {
            let seen: Vec<String> = all::<gtk::Widget>(popover)
                .iter()
                .map(|w| {
                    format!(
                        "{} {:?}",
                        w.type_().name(),
                        w.find_property("text")
                            .map(|_| w.property::<Option<String>>("text"))
                    )
                })
                .collect();
            panic!("no menu item {label:?} among {seen:?}")
        })
}

fn message_dialog(window: &gtk::Window, name: &str) -> adw::MessageDialog {
    pump_until(name, WAIT, || {
        dialog_of::<adw::MessageDialog>(window).is_some_and(|d| d.widget_name() == name)
    });
    dialog_of::<adw::MessageDialog>(window).expect("dialog")
}

fn open_popover(button: &gtk::MenuButton) -> gtk::Popover {
    click(button);
    pump_until("the popover", WAIT, || {
        button.popover().is_some_and(|p| p.is_mapped())
    });
    button.popover().expect("popover")
}

#[gtk::test]
fn invisibility_and_decloak_consent_by_real_clicks_and_keys() {
    init();
    let server = Prosody::start_with(&["balcony_invisible"], "");
    for user in ["juliet", "romeo", "tybalt"] {
        server.register(user, "pw");
    }
    server.befriend("juliet", "romeo");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let profile = support::ui::saved_profile(&server, "ui-privacy", "juliet", "pw", &runtime);
    let mut romeo = runtime.block_on(Peer::online(&server, "romeo", "pw"));
    let mut tybalt = runtime.block_on(Peer::online(&server, "tybalt", "pw"));
    let me: BareJid = format!("juliet@{DOMAIN}").parse().expect("jid");
    let romeo_bare = romeo.jid.to_bare();

    let (app, window) = app_window(profile.clone());
    window.set_default_size(900, 700);
    let win: gtk::Window = window.clone().upcast();
    let main_view = window.main_view();
    pump_until("online, invisibility known", WAIT, || {
        main_view.account().is_some_and(|a| {
            a.status() == ConnectionStatus::Online && a.invisibility() == INVISIBILITY_SUPPORTED
        })
    });
    let account = main_view.account().expect("account");
    runtime.block_on(romeo.presence_where(|p| from(p, &me) && p.type_ == PresenceType::None));

    // The status menu offers Invisible; a click makes it so.
    let status = find::<gtk::MenuButton>(&window, "status-menu");
    let popover = open_popover(&status);
    let invisible = find::<adw::ActionRow>(&popover, "invisible");
    assert!(invisible.is_sensitive(), "offered where the server supports it");
    support::ui::screenshot_styles(&popover, "privacy-status-menu");
    click(&invisible);
    pump_until("invisible", WAIT, || account.invisible());
    runtime.block_on(romeo.presence_where(|p| from(p, &me) && p.type_ == PresenceType::Unavailable));
    pump_until("the popover closed", WAIT, || !popover.is_mapped());

    // Ctrl+K, "romeo", Return: his conversation opens.
    key(&win, "ctrl+k");
    pump_until("the quick switcher", WAIT, || {
        dialog_of::<gtk::Window>(&win).is_some()
    });
    let switcher = dialog_of::<gtk::Window>(&win).expect("switcher");
    type_text(&switcher, "romeo");
    key(&switcher, "Return");
    pump_until("romeo's conversation", WAIT, || {
        main_view.open_peer().as_deref() == Some(romeo_bare.as_str())
    });

    // The presence menu: "Be Visible to This Contact" reaches romeo only.
    let presence = find::<gtk::MenuButton>(&window, "presence-menu");
    assert!(presence.is_visible());
    let menu = open_popover(&presence);
    support::ui::screenshot_styles(&menu, "privacy-presence-menu");
    click(&menu_item(&menu, "Be _Visible to This Contact"));
    pump_until("visible to romeo", WAIT, || {
        account.is_visible_to(romeo_bare.as_str())
    });
    let seen = runtime.block_on(romeo.presence_where(|p| from(p, &me) && p.type_ == PresenceType::None));
    assert!(seen.to.is_some(), "directed presence");
    let popover = open_popover(&status);
    let line = find::<gtk::Label>(&popover, "visible-to");
    assert!(
        line.is_visible() && line.label().contains(romeo_bare.as_str()),
        "{}",
        line.label()
    );
    support::ui::screenshot_styles(&popover, "privacy-status-menu-visible-to");
    key(&win, "Escape");
    pump_until("the popover closed", WAIT, || !popover.is_mapped());

    // A stranger asks to see her presence: the consent dialog.
    let ask = Presence::available()
        .with_to(Jid::from(me.clone()))
        .with_payloads(vec![Element::builder("decloak", "urn:xmpp:decloak:0")
            .attr(
                xmpp_parsers::minidom::rxml::xml_ncname!("reason").to_owned(),
                "media",
            )
            .build()]);
    runtime.block_on(tybalt.send(ask.clone()));
    let dialog = message_dialog(&win, "decloak-dialog");
    assert!(dialog
        .heading()
        .is_some_and(|h| h.contains("tybalt@balcony.test")));
    assert!(
        dialog.body().contains("They want to call you."),
        "{}",
        dialog.body()
    );
    support::ui::screenshot_styles(&dialog, "privacy-decloak-consent");
    let narrow = dialog.default_width();
    dialog.set_default_size(360, -1);
    screenshot(&dialog, "privacy-decloak-consent-360");
    dialog.set_default_size(narrow, -1);
    click(&support::ui::response_button(&dialog, "_Always for This Contact"));
    pump_until("the dialog closed", WAIT, || !dialog.is_visible());
    let tybalt_bare = tybalt.jid.to_bare();
    let shared = runtime.block_on(tybalt.presence_where(|p| from(p, &me)));
    assert_eq!(shared.type_, PresenceType::None);
    assert!(shared.show.is_none() && shared.statuses.is_empty(), "caps only");
    let store = Store::open(&profile.database_path()).expect("store");
    assert_eq!(store.decloak_rules(&me).expect("rules").len(), 1);

    // Ctrl+, opens Preferences; the decision is listed and revoked.
    key(&win, "ctrl+comma");
    pump_until("the preferences", WAIT, || {
        dialog_of::<adw::PreferencesWindow>(&win).is_some_and(|p| {
            all::<gtk::Button>(&p)
                .iter()
                .any(|b| b.widget_name() == "revoke-tybalt@balcony.test")
        })
    });
    let preferences = dialog_of::<adw::PreferencesWindow>(&win).expect("preferences");
    support::ui::screenshot_styles(&preferences, "privacy-preferences-rule");
    click(&find::<gtk::Button>(&preferences, "revoke-tybalt@balcony.test"));
    pump_until("the rule gone", WAIT, || {
        all::<adw::ActionRow>(&preferences)
            .iter()
            .any(|r| r.widget_name() == "no-decloak-rules")
    });
    assert!(
        store.decloak_rules(&me).expect("rules").is_empty(),
        "revoked in the store"
    );
    screenshot(&preferences, "privacy-preferences-revoked");
    key(&preferences, "Escape");
    pump_until("the preferences closed", WAIT, || !preferences.is_visible());

    // Ctrl+N, tybalt's address, Return; then ask him to show his presence.
    key(&win, "ctrl+n");
    pump_until("the new conversation dialog", WAIT, || {
        dialog_of::<adw::MessageDialog>(&win).is_some()
    });
    let start = dialog_of::<adw::MessageDialog>(&win).expect("dialog");
    type_text(&start, tybalt_bare.as_str());
    key(&start, "Return");
    pump_until("tybalt's conversation", WAIT, || {
        main_view.open_peer().as_deref() == Some(tybalt_bare.as_str())
    });
    let menu = open_popover(&presence);
    click(&menu_item(&menu, "_Request Their Presence…"));
    let dialog = message_dialog(&win, "request-presence-dialog");
    support::ui::screenshot_styles(&dialog, "privacy-request-presence");
    click(&find::<gtk::CheckButton>(&dialog, "file"));
    click(&support::ui::response_button(&dialog, "_Ask"));
    let waiting = message_dialog(&win, "presence-answers-dialog");
    // tybalt sees the request, shows his presence and says what he runs.
    runtime.block_on(async {
        let request = tybalt
            .presence_where(|p| {
                from(p, &me) && p.payloads.iter().any(|e| e.is("decloak", "urn:xmpp:decloak:0"))
            })
            .await;
        let decloak = request
            .payloads
            .iter()
            .find(|e| e.name() == "decloak")
            .expect("decloak");
        assert_eq!(decloak.attr("reason"), Some("file"), "the reason chosen");
        let asker = request.from.clone().expect("from");
        tybalt.send(Presence::available().with_to(asker)).await;
        loop {
            match tybalt.next_stanza(WAIT).await {
                Some(Stanza::Iq(Iq::Get {
                    from, id, payload, ..
                })) if payload.is("query", xmpp_parsers::ns::DISCO_INFO) => {
                    let info = DiscoInfoResult {
                        node: None,
                        identities: vec![Identity::new("client", "phone", "en", "Tybalt's Phone")],
                        features: Default::default(),
                        extensions: vec![],
                    };
                    let mut reply = Iq::from_result(id, Some(info));
                    if let Iq::Result { to, .. } = &mut reply {
                        *to = from;
                    }
                    tybalt.send(reply).await;
                    break;
                }
                Some(_) => continue,
                None => panic!("no disco#info from juliet"),
            }
        }
    });
    pump_until("the answers", WAIT, || {
        waiting.heading().as_deref() == Some("They Answered")
    });
    assert!(
        waiting.body().contains("Tybalt's Phone (phone)"),
        "{}",
        waiting.body()
    );
    support::ui::screenshot_styles(&waiting, "privacy-presence-answers");
    click(&support::ui::response_button(&waiting, "_Chat"));
    pump_until("the answers dialog closed", WAIT, || !waiting.is_visible());
    assert_eq!(main_view.open_peer().as_deref(), Some(tybalt_bare.as_str()));

    // The main window at 360 px, invisible, with the presence menu.
    window.set_default_size(360, 700);
    pump_until("narrow", WAIT, || window.width() <= 400);
    screenshot(&window, "privacy-main-360");
    window.close();
    drop(app);
}
