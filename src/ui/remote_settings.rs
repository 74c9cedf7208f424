//! The window's side of remote control (XEP-0146): the preferences the
//! worker obeys (pushed at start and on change, and written back when a
//! device of ours changes them), a toast and a notification whenever a
//! device controlled us, opening conversations as messages arrive
//! (`auto-open-messages`), and going offline when idle (`auto-offline`,
//! see [`super::idle_offline`]).

use adw::prelude::*;
use gtk::{gio, glib};

use super::Window;
use crate::{
    core::remote_control::RcOptions,
    i18n::gettext_f,
    model::{Account, Client},
};

/// GSettings keys of the options, in the order of [`RcOptions`]' fields.
pub const OPTION_KEYS: [&str; 5] = [
    "sounds-enabled",
    "auto-offline",
    "auto-open-messages",
    "auto-authorize",
    "auto-accept-files",
];

fn options(s: &gio::Settings) -> RcOptions {
    RcOptions {
        sounds: s.boolean(OPTION_KEYS[0]),
        auto_offline: s.boolean(OPTION_KEYS[1]),
        auto_msg: s.boolean(OPTION_KEYS[2]),
        auto_auth: s.boolean(OPTION_KEYS[3]),
        auto_files: s.boolean(OPTION_KEYS[4]),
    }
}

fn push(client: &Client, s: &gio::Settings) {
    client.set_remote_control(s.boolean("remote-control-enabled"), options(s));
}

/// Connects `window` to the client's remote-control signals and `settings`.
pub fn watch(window: &Window, client: &Client, settings: Option<&gio::Settings>) {
    if let Some(settings) = settings {
        push(client, settings);
        for key in OPTION_KEYS.iter().chain(&["remote-control-enabled"]) {
            settings.connect_changed(
                Some(key),
                glib::clone!(
                    #[weak]
                    client,
                    move |s, _| push(&client, s)
                ),
            );
        }
        client.connect_closure(
            "remote-options-changed",
            false,
            glib::closure_local!(
                #[strong]
                settings,
                move |_: Client, sounds: bool, offline: bool, msg: bool, auth: bool, files: bool| {
                    for (key, on) in OPTION_KEYS.iter().zip([sounds, offline, msg, auth, files]) {
                        if settings.boolean(key) != on {
                            if let Err(e) = settings.set_boolean(key, on) {
                                tracing::warn!(error = %e, key, "could not apply an option a device set");
                            }
                        }
                    }
                }
            ),
        );
        client.connect_closure(
            "message-received",
            false,
            glib::closure_local!(
                #[weak]
                window,
                #[strong]
                settings,
                move |_: Client, account: Account, peer: String, _sender: String, _body: String| {
                    if settings.boolean("auto-open-messages") {
                        open_as_it_arrives(&window, &account, &peer);
                    }
                }
            ),
        );
        super::idle_offline::watch(window, client, settings);
    }
    client.connect_closure(
        "remote-controlled",
        false,
        glib::closure_local!(
            #[weak]
            window,
            move |_: Client, _account: Account, _device: String, text: String| {
                window.toast(&text);
                window.notify_controlled(&text);
            }
        ),
    );
    client.connect_closure(
        "password-needed",
        false,
        glib::closure_local!(
            #[weak]
            window,
            move |client: Client, account: Account, refused: bool| {
                window.ask_for_password(&client, &account, refused);
            }
        ),
    );
    client.connect_closure(
        "notice",
        false,
        glib::closure_local!(
            #[weak]
            window,
            move |_: Client, _account: Account, text: String| window.toast(&text)
        ),
    );
    client.connect_closure(
        "subscription-approved-automatically",
        false,
        glib::closure_local!(
            #[weak]
            window,
            move |_: Client, _account: Account, from: String| {
                window.toast(&gettext_f(
                    "{contact} can now see your presence: contact requests are approved automatically",
                    &[("contact", &from)],
                ));
            }
        ),
    );
}

/// Opens `peer`'s conversation as its message arrives, unless it is on
/// screen already or the user is writing in another one.
fn open_as_it_arrives(window: &Window, account: &Account, peer: &str) {
    let view = window.main_view();
    if view.account().as_ref() != Some(account) || view.open_peer().as_deref() == Some(peer) {
        return;
    }
    let composer = view.conversation_view().composer().buffer();
    if view.open_peer().is_some() && composer.char_count() > 0 {
        return;
    }
    view.open_conversation(peer);
}
