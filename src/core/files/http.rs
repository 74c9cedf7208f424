//! HTTP uploads (XEP-0363 PUT) and downloads, over the account's own TLS
//! trust (system roots plus the account's pinned or trusted certificate;
//! never "accept anything"), streamed in chunks with progress.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{download_dir, TransferError};
use crate::core::xmpp::connection::tls::AccountTls;

/// Told how far a transfer has come: bytes done, bytes in all (0 when
/// unknown). Called at most about ten times a second, and at the end.
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// Bytes read or written at a time.
const CHUNK: usize = 256 * 1024;
/// How often progress is told.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// An upload slot's PUT: where, and the headers the service asked for.
#[derive(Clone)]
pub struct PutSlot {
    /// The PUT URL.
    pub url: String,
    /// Headers to send (XEP-0363 allows Authorization, Cookie, Expires).
    pub headers: Vec<(String, String)>,
}

/// Its `Debug` output leaves out the URL and header values, which can carry
/// credentials.
impl std::fmt::Debug for PutSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PutSlot")
            .field("url", &crate::core::redact::Redacted(&self.url))
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Where a download goes: a folder, the name wanted there (numbered when
/// taken), and the hidden partial file it grows in until it is whole.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    /// The folder.
    pub dir: &'a Path,
    /// The file name wanted.
    pub name: &'a str,
    /// The partial file, in the same folder.
    pub part: &'a Path,
}

/// An HTTP client trusting what the account trusts.
#[derive(Clone, Debug)]
pub struct HttpClient {
    client: reqwest::Client,
}

fn http_error(e: reqwest::Error) -> TransferError {
    if e.is_timeout() {
        return TransferError::TimedOut;
    }
    if e.is_connect() {
        // reqwest's own words ("error sending request") say nothing: the
        // innermost cause does ("Connection refused", a TLS refusal).
        let mut cause: &dyn std::error::Error = &e;
        while let Some(inner) = cause.source() {
            cause = inner;
        }
        return TransferError::Unreachable(cause.to_string());
    }
    if e.is_request() || e.is_body() {
        return TransferError::Broken;
    }
    // The URL can carry a token: leave it out.
    TransferError::Http(e.without_url().to_string())
}

fn local(e: std::io::Error) -> TransferError {
    TransferError::LocalFile(e.to_string())
}

/// Calls `progress` when enough time has passed, or when `force`d.
struct Throttle {
    progress: Progress,
    last: Option<Instant>,
}

impl Throttle {
    fn tell(&mut self, done: u64, total: u64, force: bool) {
        if force || self.last.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY) {
            self.last = Some(Instant::now());
            (self.progress)(done, total);
        }
    }
}

impl HttpClient {
    /// A client with the account's TLS trust.
    pub fn new(tls: &AccountTls) -> Result<Self, TransferError> {
        let mut config = (*tls.config).clone();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        // Every transfer makes a full TLS handshake (a millisecond or so).
        // With TLS 1.3 resumption, the second upload to the same host (the
        // bench's rustls HTTPS sink) failed: the server read the request's
        // body where its head belongs. Not explained yet; not resuming
        // avoids it.
        config.resumption = tokio_rustls::rustls::client::Resumption::disabled();
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(config)
            .connect_timeout(Duration::from_secs(20))
            .read_timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::limited(5))
            .user_agent(concat!("Balcony/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(http_error)?;
        Ok(Self { client })
    }

    /// PUTs the `size` bytes of the file at `path` to `slot`.
    pub async fn upload(
        &self,
        slot: &PutSlot,
        path: &Path,
        size: u64,
        mime: &str,
        progress: Progress,
    ) -> Result<(), TransferError> {
        let mut request = self
            .client
            .put(&slot.url)
            .header(reqwest::header::CONTENT_TYPE, mime)
            .header(reqwest::header::CONTENT_LENGTH, size)
            .body(file_body(path, size, progress).await?);
        for (name, value) in &slot.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request.send().await.map_err(http_error)?;
        status_ok(response.status(), size)
    }

    /// POSTs the file at `path` to a Kontalk upload service at `uri`
    /// (named in a `Content-Disposition` header); the service answers with
    /// the address to share.
    pub async fn post_to_kontalk(
        &self,
        uri: &str,
        path: &Path,
        name: &str,
        size: u64,
        mime: &str,
        progress: Progress,
    ) -> Result<String, TransferError> {
        let quoted: String = name.chars().filter(|c| *c != '"' && !c.is_control()).collect();
        let response = self
            .client
            .post(uri)
            .header(reqwest::header::CONTENT_TYPE, mime)
            .header(reqwest::header::CONTENT_LENGTH, size)
            .header(
                reqwest::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{quoted}\""),
            )
            .body(file_body(path, size, progress).await?)
            .send()
            .await
            .map_err(http_error)?;
        status_ok(response.status(), size)?;
        // The address, as text; a few kilobytes at most.
        let text = response.text().await.map_err(http_error)?;
        let url = text.trim();
        let lower = url.to_ascii_lowercase();
        if url.len() > 4096 || !(lower.starts_with("https://") || lower.starts_with("http://")) {
            return Err(TransferError::Http(
                "the upload service did not answer with an address".into(),
            ));
        }
        Ok(url.to_owned())
    }
}

fn status_ok(status: reqwest::StatusCode, size: u64) -> Result<(), TransferError> {
    if status.is_success() {
        Ok(())
    } else if status == reqwest::StatusCode::PAYLOAD_TOO_LARGE {
        Err(TransferError::TooLarge { size, limit: 0 })
    } else {
        Err(TransferError::Status(status.as_u16()))
    }
}

/// The `size` bytes of the file at `path` as a streamed body, telling
/// `progress` as chunks go out.
async fn file_body(path: &Path, size: u64, progress: Progress) -> Result<reqwest::Body, TransferError> {
    let file = tokio::fs::File::open(path).await.map_err(local)?;
    let throttle = Throttle { progress, last: None };
    let body = futures::stream::try_unfold(
        (file, 0u64, throttle),
        move |(mut file, sent, mut throttle)| async move {
            if sent >= size {
                throttle.tell(sent, size, true);
                return Ok::<_, std::io::Error>(None);
            }
            let want = usize::try_from(size - sent).unwrap_or(CHUNK).min(CHUNK);
            let mut buf = vec![0u8; want];
            let n = file.read(&mut buf).await?;
            if n == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the file became shorter while it was sent",
                ));
            }
            buf.truncate(n);
            let sent = sent + n as u64;
            throttle.tell(sent, size, false);
            Ok(Some((buf, (file, sent, throttle))))
        },
    );
    Ok(reqwest::Body::wrap_stream(body))
}

impl HttpClient {
    /// Downloads `url` into memory, at most `limit` bytes (an encrypted
    /// file, opened as a whole).
    pub async fn fetch(&self, url: &str, limit: u64, progress: Progress) -> Result<Vec<u8>, TransferError> {
        if !url.starts_with("https://") {
            return Err(TransferError::BadUrl);
        }
        let mut response = self.client.get(url).send().await.map_err(http_error)?;
        let status = response.status();
        if !status.is_success() {
            return Err(TransferError::Status(status.as_u16()));
        }
        let total = response.content_length();
        if total.is_some_and(|t| t > limit) {
            return Err(TransferError::OverLimit(limit));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(total.unwrap_or(0)).unwrap_or(0));
        let mut throttle = Throttle { progress, last: None };
        let expected = total.unwrap_or(0);
        throttle.tell(0, expected, true);
        while let Some(chunk) = response.chunk().await.map_err(http_error)? {
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(TransferError::OverLimit(limit));
            }
            bytes.extend_from_slice(&chunk);
            throttle.tell(bytes.len() as u64, expected, false);
        }
        throttle.tell(bytes.len() as u64, expected, true);
        Ok(bytes)
    }

    /// Moves a finished download at `part` into `dir` as `name`
    /// (numbered when the name is taken).
    pub async fn finish_download(
        &self,
        part: &Path,
        dir: &Path,
        name: &str,
    ) -> Result<PathBuf, TransferError> {
        finish(part, dir, name).await
    }

    /// Downloads `url` to `to` (numbered when the name is taken); a
    /// partial file left by a broken download is resumed. `hinted` is the
    /// size the sender announced: a different size is an error.
    pub async fn download(
        &self,
        url: &str,
        to: Destination<'_>,
        hinted: Option<u64>,
        limit: u64,
        progress: Progress,
    ) -> Result<PathBuf, TransferError> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(TransferError::BadUrl);
        }
        let Destination { dir, name, part } = to;
        tokio::fs::create_dir_all(dir).await.map_err(local)?;
        let mut have = tokio::fs::metadata(part).await.map(|m| m.len()).unwrap_or(0);
        if hinted.is_some_and(|h| have > h) {
            have = 0;
        }
        let mut request = self.client.get(url);
        if have > 0 {
            request = request.header(reqwest::header::RANGE, format!("bytes={have}-"));
        }
        let mut response = request.send().await.map_err(http_error)?;
        let status = response.status();
        let resumed = status == reqwest::StatusCode::PARTIAL_CONTENT && have > 0;
        if status == reqwest::StatusCode::RANGE_NOT_SATISFIABLE && have > 0 && hinted == Some(have) {
            // The partial file is already whole.
            return finish(part, dir, name).await;
        }
        if !status.is_success() {
            return Err(TransferError::Status(status.as_u16()));
        }
        let start = if resumed { have } else { 0 };
        let total = response.content_length().map(|len| len + start);
        if let (Some(hinted), Some(total)) = (hinted, total) {
            if hinted != total {
                return Err(TransferError::SizeMismatch {
                    hinted,
                    actual: total,
                });
            }
        }
        if total.is_some_and(|t| t > limit) {
            return Err(TransferError::OverLimit(limit));
        }
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(resumed)
            .truncate(!resumed)
            .open(part)
            .await
            .map_err(local)?;
        let mut done = start;
        let expected = total.or(hinted).unwrap_or(0);
        let mut throttle = Throttle { progress, last: None };
        throttle.tell(done, expected, true);
        while let Some(chunk) = response.chunk().await.map_err(http_error)? {
            done += chunk.len() as u64;
            if done > limit {
                drop(file);
                let _ = tokio::fs::remove_file(part).await;
                return Err(TransferError::OverLimit(limit));
            }
            file.write_all(&chunk).await.map_err(local)?;
            throttle.tell(done, expected, false);
        }
        file.flush().await.map_err(local)?;
        file.sync_all().await.map_err(local)?;
        drop(file);
        throttle.tell(done, expected, true);
        if let Some(hinted) = hinted.filter(|h| *h != done) {
            let _ = tokio::fs::remove_file(part).await;
            return Err(TransferError::SizeMismatch { hinted, actual: done });
        }
        if total.is_some_and(|t| t != done) {
            // Cut short: keep the partial file to resume.
            return Err(TransferError::Broken);
        }
        finish(part, dir, name).await
    }
}

/// Moves the finished partial file to a name in `dir` that overwrites
/// nothing: a hard link fails rather than replace a file that appeared
/// since the name was chosen, and then the next free name is tried.
async fn finish(part: &Path, dir: &Path, name: &str) -> Result<PathBuf, TransferError> {
    for _ in 0..100 {
        let target = download_dir::unused_path(dir, name)
            .ok_or_else(|| TransferError::LocalFile(format!("no free name for {name}")))?;
        match tokio::fs::hard_link(part, &target).await {
            Ok(()) => {
                let _ = tokio::fs::remove_file(part).await;
                return Ok(target);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(local(e)),
        }
    }
    Err(TransferError::LocalFile(format!("no free name for {name}")))
}
