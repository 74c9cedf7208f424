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

/// `n` with the digits grouped as the locale's numbers are (`4,200`,
/// `4.200`; no grouping in the C locale).
pub fn grouped(n: u64) -> String {
    // SAFETY: nl_langinfo returns a pointer to a NUL-terminated string
    // that stays valid until the locale changes; it is copied at once.
    let separator = unsafe {
        let p = libc::nl_langinfo(libc::THOUSEP);
        if p.is_null() {
            String::new()
        } else {
            std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    };
    group_digits(n, &separator)
}

fn group_digits(n: u64, separator: &str) -> String {
    let digits = n.to_string();
    if separator.is_empty() {
        return digits;
    }
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * separator.len());
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(c);
    }
    out
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

    #[test]
    fn digits_are_grouped_by_threes() {
        assert_eq!(super::group_digits(4_200, ","), "4,200");
        assert_eq!(super::group_digits(1_234_567, "."), "1.234.567");
        assert_eq!(super::group_digits(999, ","), "999");
        assert_eq!(super::group_digits(4_200, ""), "4200");
        assert_eq!(super::group_digits(100_000, "\u{202f}"), "100\u{202f}000");
    }
}
