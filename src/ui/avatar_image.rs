//! Avatar images (XEP-0084, XEP-0153) on `AdwAvatar`s, which fall back to
//! initials when there is none or it cannot be decoded.

use gtk::{gdk, glib, prelude::*};

/// The image decoded from `bytes`; `None` (initials) if it cannot be.
pub fn paintable(bytes: Option<&glib::Bytes>) -> Option<gdk::Paintable> {
    let texture = gdk::Texture::from_bytes(bytes?)
        .map_err(|e| tracing::debug!(error = %e, "undecodable avatar image"))
        .ok()?;
    Some(texture.upcast())
}

/// Binds `source`'s `avatar` property (encoded image bytes) to `avatar`.
pub fn bind(source: &impl IsA<glib::Object>, avatar: &adw::Avatar) -> glib::Binding {
    source
        .bind_property("avatar", avatar, "custom-image")
        .transform_to(|_, bytes: Option<glib::Bytes>| Some(paintable(bytes.as_ref())))
        .sync_create()
        .build()
}
