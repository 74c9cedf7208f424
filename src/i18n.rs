//! Gettext set-up and helpers with named placeholders.

use std::path::Path;

use gettextrs::{bind_textdomain_codeset, bindtextdomain, setlocale, textdomain, LocaleCategory};

use crate::config::{GETTEXT_PACKAGE, LOCALEDIR};

/// Binds the `balcony` domain: the installed catalogues when present,
/// otherwise the ones `build.rs` compiled.
pub fn init() {
    // SAFETY: called once at start-up, before any other thread exists.
    unsafe {
        setlocale(LocaleCategory::LcAll, "");
    }
    let installed = Path::new(LOCALEDIR);
    let dir = if installed.join("de/LC_MESSAGES/balcony.mo").exists() {
        installed.to_path_buf()
    } else {
        Path::new(env!("BALCONY_BUILD_LOCALEDIR")).to_path_buf()
    };
    if let Err(e) = bindtextdomain(GETTEXT_PACKAGE, dir) {
        tracing::warn!(error = %e, "could not bind the text domain");
    }
    let _ = bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    let _ = textdomain(GETTEXT_PACKAGE);
}

/// Translates `msgid`.
pub fn gettext(msgid: &str) -> String {
    gettextrs::gettext(msgid)
}

/// Translates `msgid` and fills `{name}` placeholders.
pub fn gettext_f(msgid: &str, args: &[(&str, &str)]) -> String {
    fill(gettextrs::gettext(msgid), args)
}

/// Plural-aware [`gettext_f`].
pub fn ngettext_f(singular: &str, plural: &str, n: u32, args: &[(&str, &str)]) -> String {
    fill(gettextrs::ngettext(singular, plural, n), args)
}

fn fill(mut s: String, args: &[(&str, &str)]) -> String {
    for (key, value) in args {
        s = s.replace(&format!("{{{key}}}"), value);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_by_name() {
        assert_eq!(
            fill(
                "{who} wants to see {what}".into(),
                &[("what", "x"), ("who", "Juliet")]
            ),
            "Juliet wants to see x"
        );
    }
}
