//! A QR code of a short text (an `xmpp:` link) as a texture, black on
//! white with the quiet zone the standard asks for, for a phone to scan.

use gtk::{gdk, glib};

/// Pixels per module.
const SCALE: usize = 6;
/// Modules of white around the code.
const QUIET: usize = 4;

/// The QR code of `text`; `None` when it is too long for one.
pub fn texture(text: &str) -> Option<gdk::Texture> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let size = (width + 2 * QUIET) * SCALE;
    let stride = size * 3;
    let mut pixels = vec![255u8; stride * size];
    for (i, color) in colors.iter().enumerate() {
        if *color != qrcode::Color::Dark {
            continue;
        }
        let (x, y) = (i % width + QUIET, i / width + QUIET);
        for row in y * SCALE..(y + 1) * SCALE {
            let start = row * stride + x * SCALE * 3;
            pixels[start..start + SCALE * 3].fill(0);
        }
    }
    let side = i32::try_from(size).ok()?;
    Some(
        gdk::MemoryTexture::new(
            side,
            side,
            gdk::MemoryFormat::R8g8b8,
            &glib::Bytes::from_owned(pixels),
            stride,
        )
        .into(),
    )
}
