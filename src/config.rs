//! Build-time configuration: application id, version and install paths.

/// The application id; `im.balcony.Balcony.Devel` for development builds.
pub const APP_ID: &str = match option_env!("BALCONY_APP_ID") {
    Some(id) => id,
    None => "im.balcony.Balcony.Devel",
};

/// The gettext domain.
pub const GETTEXT_PACKAGE: &str = "balcony";

/// Where compiled translations are installed.
pub const LOCALEDIR: &str = match option_env!("BALCONY_LOCALEDIR") {
    Some(dir) => dir,
    None => env!("BALCONY_BUILD_LOCALEDIR"),
};

/// The GSettings schema id (shared by the normal and the development build).
pub const SCHEMA_ID: &str = "im.balcony.Balcony";

/// Directory holding the GSettings schema compiled by `build.rs`, used when
/// the schema is not installed system-wide (`cargo run`, `cargo test`).
pub const BUILD_SCHEMA_DIR: &str = env!("BALCONY_BUILD_SCHEMA_DIR");

/// The package version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The GResource base path.
pub const RESOURCE_BASE: &str = "/im/balcony/Balcony";

/// True for development builds.
pub fn is_devel() -> bool {
    APP_ID.ends_with(".Devel")
}
