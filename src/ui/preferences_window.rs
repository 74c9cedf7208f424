//! Preferences: new messages (notifications, sounds, opening them),
//! presence (going offline when idle), your devices (remote control) and
//! privacy (contact and presence requests, and the decisions remembered
//! for them). The options a device of yours may change by remote control
//! (XEP-0146) are among these keys.

use adw::prelude::*;
use gtk::gio;

use crate::{i18n::gettext, model::Client};

fn switch_row(
    settings: &gio::Settings,
    key: &str,
    name: &str,
    title: &str,
    subtitle: &str,
) -> adw::ActionRow {
    let switch = gtk::Switch::builder()
        .valign(gtk::Align::Center)
        .name(name)
        .build();
    settings.bind(key, &switch, "active").build();
    let row = adw::ActionRow::builder()
        .title(title)
        .subtitle(subtitle)
        .activatable_widget(&switch)
        .build();
    row.add_suffix(&switch);
    row
}

/// The preferences window for `settings`, over `parent`; `client` lists
/// the remembered privacy decisions.
pub fn build(
    parent: &impl IsA<gtk::Window>,
    settings: &gio::Settings,
    client: Option<&Client>,
) -> adw::PreferencesWindow {
    let window = adw::PreferencesWindow::builder()
        .transient_for(parent)
        .modal(true)
        .search_enabled(false)
        .build();
    let page = adw::PreferencesPage::builder()
        .title(gettext("General"))
        .icon_name("preferences-system-symbolic")
        .build();

    let alerts = adw::PreferencesGroup::builder()
        .title(gettext("New Messages"))
        .build();
    alerts.add(&switch_row(
        settings,
        "notifications-enabled",
        "pref-notifications",
        &gettext("Show Notifications"),
        &gettext("For messages that arrive while Balcony is not in front"),
    ));
    alerts.add(&switch_row(
        settings,
        "sounds-enabled",
        "pref-sounds",
        &gettext("Play a Sound"),
        &gettext("The desktop’s alert sound, with each notification"),
    ));
    alerts.add(&switch_row(
        settings,
        "auto-open-messages",
        "pref-auto-open",
        &gettext("Open Conversations as Messages Arrive"),
        &gettext("Unless you are writing in another one"),
    ));
    alerts.add(&switch_row(
        settings,
        "auto-accept-files",
        "pref-auto-files",
        &gettext("Download Files at Once"),
        &gettext("Files people send go to your Downloads folder without asking"),
    ));
    page.add(&alerts);

    let presence = adw::PreferencesGroup::builder()
        .title(gettext("Presence"))
        .build();
    let minutes = (settings.int("auto-offline-seconds").max(60) / 60).to_string();
    presence.add(&switch_row(
        settings,
        "auto-offline",
        "pref-auto-offline",
        &gettext("Go Offline When Idle"),
        &crate::i18n::gettext_f(
            "After {minutes} minutes without input; back online when you return",
            &[("minutes", &minutes)],
        ),
    ));
    page.add(&presence);

    let devices = adw::PreferencesGroup::builder()
        .title(gettext("Your Devices"))
        .build();
    devices.add(&switch_row(
        settings,
        "remote-control-enabled",
        "pref-remote-control",
        &gettext("Remote Control by Your Devices"),
        &gettext("Your other devices on this account may change status, forward unread messages, change these options or leave group chats here. Nobody else ever may."),
    ));
    page.add(&devices);

    let privacy = adw::PreferencesGroup::builder().title(gettext("Privacy")).build();
    privacy.add(&switch_row(
        settings,
        "auto-authorize",
        "pref-auto-authorize",
        &gettext("Accept Contact Requests Automatically"),
        &gettext("Anyone who asks may then see when you are online"),
    ));
    let policies = ["ask", "ignore"];
    let decloak = adw::ComboRow::builder()
        .title(gettext("Requests to See Your Presence"))
        .subtitle(gettext("From people who cannot see it yet"))
        .model(&gtk::StringList::new(&[&gettext("Ask Me"), &gettext("Ignore")]))
        .name("pref-decloak")
        .build();
    let current = settings.string("decloak-default-policy");
    decloak.set_selected(policies.iter().position(|p| *p == current.as_str()).unwrap_or(0) as u32);
    let s = settings.clone();
    decloak.connect_selected_notify(move |row| {
        let policy = policies.get(row.selected() as usize).copied().unwrap_or("ask");
        if let Err(e) = s.set_string("decloak-default-policy", policy) {
            tracing::warn!(error = %e, "could not save the decloak policy");
        }
    });
    privacy.add(&decloak);
    page.add(&privacy);
    if let Some(client) = client {
        page.add(&crate::ui::privacy_preferences::group(client));
    }
    window.add(&page);
    window
}
