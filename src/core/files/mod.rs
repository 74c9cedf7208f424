//! Files shared in chats: what a message offers (an XEP-0066 URL with
//! Kontalk's hints), where a download goes, and the HTTP transfers.

pub mod aesgcm;
pub mod download_dir;
pub mod http;

use std::path::PathBuf;

/// Where a file of a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileState {
    /// Offered to us and not downloaded (pending until accepted).
    Offered = 0,
    /// Downloaded to [`FileAttachment::path`].
    Downloaded = 1,
    /// The last download failed; it can be retried (a partial download is
    /// resumed).
    Failed = 2,
    /// We sent it; [`FileAttachment::path`] is the file we uploaded.
    Sent = 3,
}

impl FileState {
    /// Parses the stored number.
    pub fn from_stored(n: i64) -> Option<Self> {
        Some(match n {
            0 => Self::Offered,
            1 => Self::Downloaded,
            2 => Self::Failed,
            3 => Self::Sent,
            _ => return None,
        })
    }
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAttachment {
    /// Where it can be downloaded (http or https).
    pub url: String,
    /// A file name safe to create, from the URL.
    pub name: String,
    /// MIME type, from the sender's hint.
    pub mime: Option<String>,
    /// Size in bytes, from the sender's hint.
    pub size: Option<u64>,
    /// The sender says the content is encrypted (Balcony cannot open it).
    pub encrypted: bool,
    /// Where it stands.
    pub state: FileState,
    /// The local file: the download, or the file we sent.
    pub path: Option<PathBuf>,
}

impl FileAttachment {
    /// An offer of the file at `url`, with the sender's hints.
    pub fn offered(url: &str, mime: Option<String>, size: Option<u64>, encrypted: bool) -> Self {
        Self {
            url: url.to_owned(),
            name: name_from_url(url),
            mime,
            size,
            encrypted,
            state: FileState::Offered,
            path: None,
        }
    }

    /// True for an image we can preview.
    pub fn is_image(&self) -> bool {
        self.mime
            .as_deref()
            .map(|m| m.starts_with("image/"))
            .unwrap_or_else(|| mime_from_name(&self.name).starts_with("image/"))
    }
}

/// A transfer the UI can follow and cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferId {
    /// An upload the UI started, by the number it chose.
    Upload(u64),
    /// The download of a stored message's file, by the message's row id.
    Download(i64),
}

/// Why a transfer did not finish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    /// The server offers no way to upload.
    #[error("the server offers no file upload")]
    NoUploadService,
    /// The server takes files only through Kontalk's upload service, which
    /// has no encrypted form; an encrypted chat's file needs XEP-0363.
    #[error("the server takes files only unencrypted (Kontalk's upload service, no XEP-0363)")]
    OnlyUnencryptedUpload,
    /// The file is larger than the service takes.
    #[error("the file is {size} bytes; the server takes at most {limit}")]
    TooLarge {
        /// The file's size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The upload service refused the slot request.
    #[error("the upload service refused: {0}")]
    SlotRefused(String),
    /// A local file could not be read or written.
    #[error("{0}")]
    LocalFile(String),
    /// The HTTP exchange failed.
    #[error("{0}")]
    Http(String),
    /// The web server could not be reached (name, connection or TLS), with
    /// the innermost reason.
    #[error("the file server could not be reached: {0}")]
    Unreachable(String),
    /// The connection broke during the transfer.
    #[error("the connection to the file server broke")]
    Broken,
    /// The web server stopped answering.
    #[error("the file server stopped answering")]
    TimedOut,
    /// The server answered with an HTTP error status.
    #[error("the server answered HTTP {0}")]
    Status(u16),
    /// The download's size is not what the sender said.
    #[error("the file is {actual} bytes, not the {hinted} the sender said")]
    SizeMismatch {
        /// Hinted size.
        hinted: u64,
        /// What arrived (or was announced by the web server).
        actual: u64,
    },
    /// The download is larger than Balcony downloads.
    #[error("the file is larger than the {0} bytes Balcony downloads")]
    OverLimit(u64),
    /// The sender says the file is encrypted, which Balcony cannot open.
    #[error("the file is encrypted, which Balcony cannot open")]
    Encrypted,
    /// The file is larger than Balcony encrypts.
    #[error("the file is larger than the {0} bytes Balcony encrypts")]
    TooLargeToEncrypt(u64),
    /// An encrypted file did not open: it was altered on the way, or its
    /// key is wrong.
    #[error("the encrypted file was altered on the way, or its key is wrong")]
    Tampered,
    /// The URL is not an http or https URL.
    #[error("not a web address Balcony downloads from")]
    BadUrl,
    /// Not connected.
    #[error("the account is offline")]
    Offline,
    /// The user cancelled it.
    #[error("cancelled")]
    Cancelled,
}

/// The largest download Balcony makes (4 GiB).
pub const DOWNLOAD_LIMIT: u64 = 4 << 30;

/// The most files one message or remote-control request deals with.
pub const MAX_LISTED_FILES: usize = 200;

/// A file name from the last path segment of `url`, percent-decoded and
/// made safe to create: no separators, no control characters, no leading
/// dot, at most 120 characters; `file` when nothing is left.
pub fn name_from_url(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let last = path.rsplit('/').next().unwrap_or("");
    let decoded = percent_encoding::percent_decode_str(last).decode_utf8_lossy();
    safe_name(&decoded)
}

/// `name` made safe to create in a directory.
pub fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    let short: String = trimmed.chars().take(120).collect();
    if short.is_empty() {
        "file".to_owned()
    } else {
        short
    }
}

/// A MIME type guessed from a file name's extension, for what we send.
pub fn mime_from_name(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "txt" | "md" | "log" => "text/plain",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "ogg" | "oga" | "opus" => "audio/ogg",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "odt" => "application/vnd.oasis.opendocument.text",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_url_and_are_safe() {
        assert_eq!(
            name_from_url("https://h/a/b/report%20final.pdf?x=1"),
            "report final.pdf"
        );
        assert_eq!(
            name_from_url("https://h/a/..%2F..%2Fetc%2Fpasswd"),
            "_.._etc_passwd"
        );
        assert_eq!(name_from_url("https://h/"), "file");
        assert_eq!(name_from_url("https://h/.hidden"), "hidden");
        assert_eq!(name_from_url("https://h/a%00b"), "a_b");
        assert_eq!(
            name_from_url(&format!("https://h/{}", "x".repeat(500))).len(),
            120
        );
    }

    #[test]
    fn images_are_known_by_hint_or_name() {
        assert!(FileAttachment::offered("https://h/a.png", None, None, false).is_image());
        assert!(FileAttachment::offered("https://h/a", Some("image/jpeg".into()), None, false).is_image());
        assert!(
            !FileAttachment::offered("https://h/a.png", Some("text/plain".into()), None, false).is_image()
        );
    }
}
