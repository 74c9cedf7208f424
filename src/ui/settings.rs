//! GSettings: the installed schema when there is one, else the schema that
//! `build.rs` compiled; a keyfile inside the profile when one was given.

use gtk::gio;

use crate::{config, core::profile::Profile};

/// The app's settings, or `None` when no schema can be found at all.
pub fn open(profile: Option<&Profile>) -> Option<gio::Settings> {
    let installed = gio::SettingsSchemaSource::default().and_then(|s| s.lookup(config::SCHEMA_ID, true));
    let schema = installed.or_else(|| {
        gio::SettingsSchemaSource::from_directory(
            config::BUILD_SCHEMA_DIR,
            gio::SettingsSchemaSource::default().as_ref(),
            false,
        )
        .ok()
        .and_then(|s| s.lookup(config::SCHEMA_ID, false))
    });
    let Some(schema) = schema else {
        tracing::warn!(
            "the GSettings schema {} is missing; settings will not persist",
            config::SCHEMA_ID
        );
        return None;
    };
    let backend =
        profile.map(|p| gio::keyfile_settings_backend_new(&p.settings_path().to_string_lossy(), "/", None));
    Some(gio::Settings::new_full(&schema, backend.as_ref(), None))
}
