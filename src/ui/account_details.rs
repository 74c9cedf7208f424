//! The account's details: its server (what it runs, the certificate it
//! presented, how it takes files,
//! whether it offers Kontalk push, what it announces),
//! changing the password (XEP-0077), and its trusted certificates (the
//! ones the user pinned when they could not be verified, each with its
//! SHA-256 fingerprint and a button to stop trusting it).

use adw::prelude::*;
use xmpp_parsers::jid::BareJid;

use super::MainView;
use crate::{
    core::{
        history_sync::HistoryChoice,
        xmpp::modules::{kontalk_push::PushProvider, x0092_version::UploadOffer},
    },
    i18n::{gettext, gettext_f, ngettext_f},
    model::{Client, PinnedCertificate},
};

impl MainView {
    /// Opens the details of the selected account.
    pub fn open_account_details(&self) -> Option<adw::PreferencesWindow> {
        let window = self.root().and_downcast::<gtk::Window>()?;
        let client = self.imp_client()?;
        let account: BareJid = self.account()?.jid().parse().ok()?;
        Some(open(&window, &client, account))
    }
}

/// Builds and shows the details window of `account`.
pub fn open(parent: &gtk::Window, client: &Client, account: BareJid) -> adw::PreferencesWindow {
    let group = adw::PreferencesGroup::builder()
        .title(gettext("Trusted Certificates"))
        .description(gettext(
            "Certificates you chose to trust for this account although they could not be verified. Remove one to be asked again at the next connection.",
        ))
        .name("pins")
        .build();
    let page = adw::PreferencesPage::builder()
        .icon_name("dialog-information-symbolic")
        .build();
    page.set_title(&gettext("Details"));
    page.add(&server_group(client, &account));
    page.add(&password_group(client, &account));
    page.add(&history_group(client, &account));
    page.add(&group);
    let window = adw::PreferencesWindow::builder()
        .title(gettext_f("{account} Details", &[("account", account.as_str())]))
        .transient_for(parent)
        .modal(true)
        .default_width(560)
        .default_height(480)
        .search_enabled(false)
        .build();
    window.add(&page);
    let rows = gtk::ListBox::builder()
        .selection_mode(gtk::SelectionMode::None)
        .css_classes(["boxed-list"])
        .name("pin-list")
        .build();
    group.add(&rows);
    let shown = Shown {
        window: window.clone(),
        rows,
        client: client.clone(),
        account: account.clone(),
    };
    shown.loading();
    let loader = shown.clone();
    glib::spawn_future_local(async move {
        let pins = loader.client.certificate_pins(&loader.account).await;
        loader.show(pins);
    });
    window.present();
    window
}

/// How much archived history the account downloads; a wider choice is
/// downloaded at once.
fn history_group(client: &Client, account: &BareJid) -> adw::PreferencesGroup {
    let group = adw::PreferencesGroup::builder().title(gettext("History")).build();
    let row = adw::ComboRow::builder()
        .title(gettext("Download History"))
        .subtitle(gettext(
            "How far back to fetch messages from the server. Older ones load as you scroll back.",
        ))
        .name("history-choice")
        .sensitive(false)
        .build();
    super::history_choice::fill(&row, HistoryChoice::default());
    group.add(&row);
    let (client, account) = (client.clone(), account.clone());
    glib::spawn_future_local(glib::clone!(
        #[weak]
        row,
        async move {
            let current = client.history_choice(&account).await;
            super::history_choice::select(&row, current);
            row.set_sensitive(true);
            super::history_choice::on_changed(&row, move |choice| {
                client.set_history_choice(&account, choice)
            });
        }
    ));
    group
}

/// How the server takes files, in words.
fn upload_text(offer: Option<&UploadOffer>) -> String {
    match offer {
        Some(UploadOffer::HttpUpload { max_size: Some(max) }) => gettext_f(
            "Files up to {size} (HTTP File Upload)",
            &[("size", &crate::model::file_text::size(*max))],
        ),
        Some(UploadOffer::HttpUpload { max_size: None }) => {
            gettext("Files of any size it takes (HTTP File Upload)")
        }
        Some(UploadOffer::Kontalk) => gettext("Files, through Kontalk’s upload service"),
        None => gettext("Not offered: files cannot be sent from this account"),
    }
}

/// The server's push providers, in words; a desktop client does not
/// register for push.
fn push_text(push: Option<&[PushProvider]>) -> String {
    match push {
        None => gettext("Not offered"),
        Some(providers) => {
            let names: Vec<String> = providers
                .iter()
                .map(|p| p.name.clone().unwrap_or_else(|| p.jid.clone()))
                .collect();
            let offered = if names.is_empty() {
                gettext("Offered, with no provider listed")
            } else {
                gettext_f("Offered: {providers}", &[("providers", &names.join(", "))])
            };
            format!(
                "{offered}\n{}",
                gettext("Balcony runs on the desktop and is connected while it runs, so it does not register for push.")
            )
        }
    }
}

/// The server: its software and features, asked when the window opens.
fn server_group(client: &Client, account: &BareJid) -> adw::PreferencesGroup {
    let group = adw::PreferencesGroup::builder().title(gettext("Server")).build();
    let software = adw::ActionRow::builder()
        .title(gettext("Software"))
        .subtitle(gettext("Asking…"))
        .name("server-software")
        .build();
    let features = adw::ExpanderRow::builder()
        .title(gettext("Features"))
        .subtitle(gettext("Asking…"))
        .name("server-features")
        .build();
    let uploads = adw::ActionRow::builder()
        .title(gettext("File Uploads"))
        .subtitle(gettext("Asking…"))
        .subtitle_lines(0)
        .name("server-uploads")
        .build();
    let push = adw::ActionRow::builder()
        .title(gettext("Push Notifications"))
        .subtitle(gettext("Asking…"))
        .subtitle_lines(0)
        .name("server-push")
        .build();
    let certificate = super::account_certificate::row();
    let address = adw::ActionRow::builder()
        .title(gettext("Address"))
        .subtitle(account.domain().as_str())
        .subtitle_lines(0)
        .name("server-address")
        .build();
    group.add(&address);
    group.add(&software);
    group.add(&certificate);
    group.add(&uploads);
    group.add(&push);
    group.add(&features);
    let (client, account) = (client.clone(), account.clone());
    glib::spawn_future_local(async move {
        match client.server_info(&account).await {
            Ok(info) => {
                software.set_subtitle(&info.software.unwrap_or_else(|| gettext("It does not say")));
                super::account_certificate::show(&certificate, info.certificate.as_ref());
                if let Some(at) = info.address {
                    // Translators: the server's name, then the address and port connected to.
                    address.set_subtitle(&gettext_f(
                        "{domain}, connected to {ip} port {port}",
                        &[
                            ("domain", account.domain().as_str()),
                            ("ip", &at.ip().to_string()),
                            ("port", &at.port().to_string()),
                        ],
                    ));
                }
                uploads.set_subtitle(&upload_text(info.upload.as_ref()));
                push.set_subtitle(&push_text(info.push.as_deref()));
                features.set_subtitle(&ngettext_f(
                    "{n} feature",
                    "{n} features",
                    info.features.len() as u32,
                    &[("n", &info.features.len().to_string())],
                ));
                for feature in info.features {
                    let row = adw::ActionRow::builder()
                        .title(feature.as_str())
                        .title_selectable(true)
                        .build();
                    row.add_css_class("monospace");
                    features.add_row(&row);
                }
            }
            Err(_) => {
                let offline = gettext("Connect to see this");
                software.set_subtitle(&offline);
                certificate.set_subtitle(&offline);
                certificate.set_enable_expansion(false);
                uploads.set_subtitle(&offline);
                push.set_subtitle(&offline);
                features.set_subtitle(&offline);
            }
        }
    });
    group
}

/// Changing the password on the server.
fn password_group(client: &Client, account: &BareJid) -> adw::PreferencesGroup {
    let group = adw::PreferencesGroup::builder()
        .title(gettext("Password"))
        .description(gettext("The new password is kept where the old one was."))
        .build();
    let new = adw::PasswordEntryRow::builder()
        .title(gettext("New password"))
        .name("new-password")
        .build();
    let again = adw::PasswordEntryRow::builder()
        .title(gettext("New password again"))
        .name("new-password-again")
        .build();
    let change = gtk::Button::builder()
        .label(gettext("_Change Password"))
        .use_underline(true)
        .halign(gtk::Align::End)
        .margin_top(12)
        .sensitive(false)
        .name("change-password")
        .css_classes(["suggested-action"])
        .build();
    group.add(&new);
    group.add(&again);
    group.add(&change);
    let check = glib::clone!(
        #[weak]
        new,
        #[weak]
        again,
        #[weak]
        change,
        move || change.set_sensitive(!new.text().is_empty() && new.text() == again.text())
    );
    let check_again = check.clone();
    new.connect_changed(move |_| check());
    again.connect_changed(move |_| check_again());
    let (client, account) = (client.clone(), account.clone());
    change.connect_clicked(glib::clone!(
        #[weak]
        new,
        #[weak]
        again,
        move |button| {
            button.set_sensitive(false);
            let (client, account, password) = (client.clone(), account.clone(), new.text().to_string());
            let (button, new, again) = (button.clone(), new.clone(), again.clone());
            glib::spawn_future_local(async move {
                let done = client.change_password(&account, password).await;
                let window = button.root().and_downcast::<adw::PreferencesWindow>();
                let text = match &done {
                    Ok(()) => gettext("Password changed"),
                    Err(e) => gettext_f("The password was not changed: {reason}", &[("reason", e)]),
                };
                if done.is_ok() {
                    new.set_text("");
                    again.set_text("");
                }
                if let Some(window) = window {
                    window.add_toast(adw::Toast::new(&text));
                }
                button.set_sensitive(done.is_err());
            });
        }
    ));
    group
}

#[derive(Clone)]
struct Shown {
    window: adw::PreferencesWindow,
    rows: gtk::ListBox,
    client: Client,
    account: BareJid,
}

impl Shown {
    fn clear(&self) {
        while let Some(row) = self.rows.first_child() {
            self.rows.remove(&row);
        }
    }

    fn loading(&self) {
        self.clear();
        self.rows
            .append(&adw::ActionRow::builder().title(gettext("Loading…")).build());
    }

    fn show(&self, pins: Result<Vec<PinnedCertificate>, String>) {
        self.clear();
        let pins = match pins {
            Ok(p) => p,
            Err(e) => {
                let row = adw::ActionRow::builder()
                    .title(gettext("The trusted certificates could not be read."))
                    .subtitle(e)
                    .name("pins-error")
                    .build();
                self.rows.append(&row);
                return;
            }
        };
        if pins.is_empty() {
            let row = adw::ActionRow::builder()
                .title(gettext("No certificates are pinned for this account."))
                .name("no-pins")
                .build();
            self.rows.append(&row);
            return;
        }
        for pin in pins {
            let row = adw::ActionRow::builder()
                .title(pin.fingerprint())
                .subtitle(gettext("SHA-256 fingerprint"))
                .title_selectable(true)
                .name("pin")
                .build();
            row.add_css_class("monospace");
            let remove = gtk::Button::builder()
                .icon_name("user-trash-symbolic")
                .tooltip_text(gettext("Stop Trusting"))
                .valign(gtk::Align::Center)
                .css_classes(["flat"])
                .name("forget-pin")
                .build();
            let shown = self.clone();
            remove.connect_clicked(move |button| {
                button.set_sensitive(false);
                let shown = shown.clone();
                let pin = pin.clone();
                glib::spawn_future_local(async move {
                    let left = shown.client.forget_certificate(&shown.account, &pin).await;
                    if left.is_ok() {
                        shown.window.add_toast(adw::Toast::new(&gettext(
                            "Certificate no longer trusted. The account connects again.",
                        )));
                    }
                    shown.show(left);
                });
            });
            row.add_suffix(&remove);
            self.rows.append(&row);
        }
    }
}
