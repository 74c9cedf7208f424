//! Files in words: sizes, and why a transfer failed.

use crate::{
    core::files::TransferError,
    i18n::{gettext, gettext_f},
};

/// A size for people ("4.2 MB"), in the desktop's units.
pub fn size(bytes: u64) -> String {
    glib::format_size(bytes).to_string()
}

/// Why an upload or download failed, for people.
pub fn failed(error: &TransferError) -> String {
    match error {
        TransferError::NoUploadService => gettext("Your server does not accept files"),
        TransferError::OnlyUnencryptedUpload => gettext(
            "Your server accepts files only unencrypted. Turn encryption off for this conversation to send it.",
        ),
        TransferError::TooLarge { size: s, limit } if *limit > 0 => gettext_f(
            "The file is {size}; your server accepts at most {limit}",
            &[("size", &size(*s)), ("limit", &size(*limit))],
        ),
        TransferError::TooLarge { .. } => gettext("The file is larger than your server accepts"),
        TransferError::SlotRefused(detail) => {
            gettext_f("Your server refused the file: {detail}", &[("detail", detail)])
        }
        TransferError::LocalFile(detail) => gettext_f(
            "The file could not be read or saved: {detail}",
            &[("detail", detail)],
        ),
        TransferError::Http(detail) => gettext_f("The transfer failed: {detail}", &[("detail", detail)]),
        TransferError::Unreachable(detail) => gettext_f(
            "The file server could not be reached: {detail}",
            &[("detail", detail)],
        ),
        TransferError::Broken => gettext("The connection to the file server broke. Try again."),
        TransferError::TimedOut => gettext("The file server stopped answering. Try again."),
        TransferError::Status(code) => gettext_f(
            "The web server refused the transfer (HTTP {code})",
            &[("code", &code.to_string())],
        ),
        TransferError::SizeMismatch { hinted, actual } => gettext_f(
            "The file is {actual}, not the {hinted} the sender announced; it was not kept",
            &[("actual", &size(*actual)), ("hinted", &size(*hinted))],
        ),
        TransferError::OverLimit(limit) => gettext_f(
            "The file is larger than {limit}, more than Balcony downloads",
            &[("limit", &size(*limit))],
        ),
        TransferError::Encrypted => gettext("The file is encrypted, and Balcony cannot open it"),
        TransferError::Tampered => gettext(
            "The encrypted file could not be opened: it was changed on the way, or its key is wrong. It was not kept.",
        ),
        TransferError::TooLargeToEncrypt(limit) => gettext_f(
            "Encrypted files can be at most {limit}",
            &[("limit", &size(*limit))],
        ),
        TransferError::BadUrl => gettext("The file’s address is not a web address"),
        TransferError::Offline => gettext("You are offline. Connect first, then try again."),
        TransferError::Cancelled => gettext("Cancelled"),
    }
}
