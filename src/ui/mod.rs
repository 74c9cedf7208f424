//! Widgets, dialogs and the application. Binds to [`crate::model`].

mod account_certificate;
pub mod account_details;
mod account_setup;
mod account_switcher;
pub mod add_contact_dialog;
mod application;
mod avatar_image;
pub mod certificate_dialog;
pub mod command_dialog;
pub mod connection_text;
mod contact_row;
mod conversation_files;
mod conversation_row;
mod conversation_view;
mod conversation_view_unread;
pub mod decloak_dialog;
pub mod devices_window;
mod entry_dialog;
pub mod file_card;
pub mod form;
mod form_dialog;
mod growing_slice;
mod history_choice;
mod idle_offline;
pub mod join_room_dialog;
mod links;
mod main_view;
mod main_view_commands;
mod main_view_encryption;
mod main_view_privacy;
mod main_view_rooms;
mod main_view_search;
mod main_view_sidebar;
mod message_row;
pub mod omemo_keys_dialog;
pub mod omemo_warning;
pub mod password_prompt;
mod preferences_window;
mod presence_dot;
pub mod privacy_preferences;
mod qr_code;
pub mod quick_switcher;
mod registration_dialog;
mod remote_settings;
pub mod request_presence_dialog;
pub mod room_settings_dialog;
mod search_result_row;
pub mod settings;
pub mod start_conversation_dialog;
mod status_menu;
pub mod subscription_dialog;
mod window;
mod window_subscriptions;
pub mod xml_console_window;
pub mod xmpp_links;

use std::path::PathBuf;

use gtk::{gio, glib, prelude::*};

pub use self::{
    account_setup::AccountSetup,
    application::Application,
    contact_row::ContactRow,
    conversation_row::ConversationRow,
    conversation_view::ConversationView,
    main_view::MainView,
    message_row::{day_text, state_text, MessageRow},
    registration_dialog::RegistrationDialog,
    status_menu::StatusMenu,
    window::Window,
};
use crate::{config, core::profile::Profile, i18n::gettext_f};

/// Registers the compiled GResource bundle (idempotent).
pub fn init_resources() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Err(e) = gio::resources_register_include!("balcony.gresource") {
            tracing::error!(error = %e, "could not register resources");
        }
    });
}

/// Call first in `main`, while the process still has one thread.
///
/// With the cairo renderer chosen (`GSK_RENDERER=cairo`) nothing draws
/// with OpenGL, yet GDK on X11 still sets it up to pick a visual, which
/// loads Mesa and LLVM: about 50 MB resident and 40 ms at start. Unless
/// `GDK_DEBUG` already says something, it is told not to.
pub fn prepare_environment() {
    let cairo = std::env::var("GSK_RENDERER").is_ok_and(|r| r == "cairo");
    if cairo && std::env::var_os("GDK_DEBUG").is_none() {
        std::env::set_var("GDK_DEBUG", "gl-disable");
    }
}

/// Adds our stylesheet and icons to the default display (needs GTK), for
/// widgets built without the [`Application`] (tests, benchmarks). The
/// application must not call it: from its resource base path, GTK adds the
/// icons and libadwaita the stylesheet already at startup, and a second
/// icon path made GTK load the icon theme again, on the main thread, as
/// the first window was shown (about 7 ms of the first paint).
pub fn init_display() {
    let Some(display) = gtk::gdk::Display::default() else {
        return;
    };
    let provider = gtk::CssProvider::new();
    provider.load_from_resource(&format!("{}/style.css", config::RESOURCE_BASE));
    gtk::style_context_add_provider_for_display(
        &display,
        &provider,
        gtk::STYLE_PROVIDER_PRIORITY_APPLICATION,
    );
    gtk::IconTheme::for_display(&display).add_resource_path(&format!("{}/icons", config::RESOURCE_BASE));
}

/// Runs the app with `profile_dir` (or the default) and GApplication `args`.
pub fn run(profile_dir: Option<PathBuf>, args: Vec<String>) -> glib::ExitCode {
    init_resources();
    glib::set_application_name("Balcony");
    let explicit = profile_dir.is_some();
    let dir = profile_dir.unwrap_or_else(crate::cli::default_profile_dir);
    let profile = match Profile::open(&dir) {
        Ok(p) => p,
        Err(e) => {
            eprintln!(
                "{}",
                gettext_f(
                    "Cannot open the profile {dir}: {error}",
                    &[("dir", &dir.display().to_string()), ("error", &e.to_string())]
                )
            );
            return glib::ExitCode::FAILURE;
        }
    };
    let app = Application::new(profile, explicit);
    app.start_client_early();
    let code = app.run_with_args(&args);
    app.stop_early_client();
    code
}
