//! XEP-0221 media beside a field, such as a CAPTCHA image: inline data
//! (`data:` URIs, or `cid:` Bits of Binary that came with the form) is
//! shown; other addresses get a link to open them.

use std::collections::HashMap;

use adw::prelude::*;
use base64::Engine;

use crate::{core::forms::Media, i18n::gettext};

/// Bits of Binary (XEP-0231) that came with the form: cid to bytes.
pub type Bob = HashMap<String, Vec<u8>>;

fn inline_bytes(uri: &str, bob: &Bob) -> Option<Vec<u8>> {
    if let Some(cid) = uri.strip_prefix("cid:") {
        return bob.get(cid).cloned();
    }
    let data = uri.strip_prefix("data:")?;
    let (_, b64) = data.split_once(";base64,")?;
    base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok()
}

/// A row showing `media`, or `None` when nothing in it can be shown.
pub fn row(media: &Media, bob: &Bob) -> Option<adw::PreferencesRow> {
    let images = media.uris.iter().filter(|u| u.mime.starts_with("image/"));
    for uri in images.clone() {
        let Some(bytes) = inline_bytes(&uri.uri, bob) else {
            continue;
        };
        match gtk::gdk::Texture::from_bytes(&glib::Bytes::from_owned(bytes)) {
            Ok(texture) => {
                let picture = gtk::Picture::for_paintable(&texture);
                picture.set_can_shrink(true);
                picture.set_content_fit(gtk::ContentFit::Contain);
                picture.set_size_request(
                    media.width.unwrap_or(0).min(600) as i32,
                    media.height.unwrap_or(0).min(400) as i32,
                );
                picture.set_margin_top(8);
                picture.set_margin_bottom(8);
                return Some(
                    adw::PreferencesRow::builder()
                        .activatable(false)
                        .child(&picture)
                        .build(),
                );
            }
            Err(e) => tracing::debug!(error = %e, "form image could not be read"),
        }
    }
    let link = media
        .uris
        .iter()
        .find(|u| u.uri.starts_with("https:") || u.uri.starts_with("http:"))?;
    let button = gtk::LinkButton::with_label(&link.uri, &gettext("Open Attached Media"));
    Some(
        adw::PreferencesRow::builder()
            .activatable(false)
            .child(&button)
            .build(),
    )
}
