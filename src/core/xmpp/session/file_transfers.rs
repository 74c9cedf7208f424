//! The file transfers a session carries out, each on a task of its own:
//! uploading a file and sending its URL (XEP-0363 with XEP-0066 and
//! Kontalk's hints), downloading a message's file into the Downloads
//! folder, and cancelling either.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use xmpp_parsers::{jid::BareJid, minidom::Element};

use crate::core::{
    bridge::Event,
    files::{
        aesgcm, download_dir,
        http::{Destination, HttpClient, Progress},
        mime_from_name, safe_name, FileAttachment, FileState, TransferError, TransferId, DOWNLOAD_LIMIT,
    },
    message::{ChatKind, DeliveryState, MessageEncryption, NewMessage, StoredMessage},
    xmpp::{
        connection::tls::AccountTls,
        modules::{chat, kontalk_upload, x0066_oob, x0359_stanza_ids, x0363_http_upload, x0384_omemo_send},
        session::context::SessionContext,
    },
};

/// The transfers of one session and the HTTP client they use.
#[derive(Debug, Default)]
pub struct FileTransfers {
    http: Option<HttpClient>,
    running: Mutex<HashMap<TransferId, tokio::task::AbortHandle>>,
}

impl FileTransfers {
    /// Transfers over the account's TLS trust.
    pub fn new(tls: &AccountTls) -> Self {
        let http = match HttpClient::new(tls) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::error!(error = %e, "no HTTP client: files cannot be sent or downloaded");
                None
            }
        };
        Self {
            http,
            running: Mutex::default(),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<TransferId, tokio::task::AbortHandle>) -> T) -> T {
        match self.running.lock() {
            Ok(mut g) => f(&mut g),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// True while `id` runs.
    pub fn is_running(&self, id: TransferId) -> bool {
        self.with(|r| r.contains_key(&id))
    }

    /// Forgets `id`; false when it was not running (it finished, or was
    /// cancelled).
    fn finished(&self, id: TransferId) -> bool {
        self.with(|r| r.remove(&id).is_some())
    }

    fn http(&self) -> Result<&HttpClient, TransferError> {
        self.http
            .as_ref()
            .ok_or_else(|| TransferError::Http("no HTTP client".into()))
    }
}

fn progress(ctx: &SessionContext, transfer: TransferId) -> Progress {
    let (events, jid) = (ctx.events.clone(), ctx.account.clone());
    Arc::new(move |done, total| {
        let _ = events.try_send(Event::TransferProgress {
            jid: jid.clone(),
            transfer,
            done,
            total,
        });
    })
}

fn failed(ctx: &SessionContext, transfer: TransferId, error: TransferError) {
    tracing::info!(?transfer, error = %error, "transfer failed");
    ctx.emit(Event::TransferFailed {
        jid: ctx.account.clone(),
        transfer,
        error,
    });
}

/// Runs `work` as transfer `id` unless it already runs; it can then be
/// cancelled until it calls [`FileTransfers::finished`].
fn start<F>(ctx: &SessionContext, id: TransferId, work: impl FnOnce(SessionContext) -> F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let files = ctx.files.clone();
    files.with(|running| {
        if running.contains_key(&id) {
            tracing::debug!(?id, "transfer already running");
            return;
        }
        let task = tokio::spawn(work(ctx.clone()));
        running.insert(id, task.abort_handle());
    });
}

/// Stops transfer `id`: an upload sends nothing, a download keeps what
/// arrived to resume.
pub fn cancel(ctx: &SessionContext, id: TransferId) {
    if let Some(handle) = ctx.files.with(|r| r.remove(&id)) {
        handle.abort();
        failed(ctx, id, TransferError::Cancelled);
    }
}

/// Uploads the file at `path` and sends its URL to `to`; in a chat
/// encrypted with OMEMO, sealed first and shared as an `aesgcm://` URL
/// (XEP-0454) in an encrypted message.
pub fn upload(ctx: &SessionContext, transfer: u64, kind: ChatKind, to: BareJid, path: PathBuf) {
    let id = TransferId::Upload(transfer);
    start(ctx, id, move |ctx| async move {
        let encrypted = kind == ChatKind::Chat && encrypts_to(&ctx, &to).await;
        let put = if encrypted {
            put_sealed_file(&ctx, id, &path).await
        } else {
            put_file(&ctx, id, &path).await
        };
        // Past this point a cancel comes too late: the file is on the
        // server, and the message goes out.
        if !ctx.files.finished(id) {
            return;
        }
        let outcome = match put {
            Ok(oob) => send_file_message(&ctx, kind, to, oob, path, encrypted).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(()) => ctx.emit(Event::UploadDone {
                jid: ctx.account.clone(),
                transfer,
            }),
            Err(e) => failed(&ctx, id, e),
        }
    });
}

/// Whether the conversation with `peer` is encrypted (unreadable:
/// encrypted, which fails rather than leaks).
async fn encrypts_to(ctx: &SessionContext, peer: &BareJid) -> bool {
    let (account, peer) = (ctx.account.clone(), peer.clone());
    ctx.store
        .run(move |s| s.encrypts_to(&account, &peer))
        .await
        .unwrap_or(true)
}

/// Seals the file at `path` (XEP-0454), uploads the ciphertext through
/// XEP-0363 and returns its `aesgcm://` URL with the plain file's hints.
async fn put_sealed_file(
    ctx: &SessionContext,
    id: TransferId,
    path: &Path,
) -> Result<x0066_oob::OobFile, TransferError> {
    let (name, size, mime) = describe(path).await?;
    if size > aesgcm::LIMIT {
        return Err(TransferError::TooLargeToEncrypt(aesgcm::LIMIT));
    }
    let http = ctx.files.http()?;
    let Some(service) = x0363_http_upload::service(ctx).await else {
        // Kontalk's upload service has no encrypted form: say so rather
        // than that the server takes no files.
        return Err(match kontalk_upload::service(ctx).await {
            Some(_) => TransferError::OnlyUnencryptedUpload,
            None => TransferError::NoUploadService,
        });
    };
    // The ciphertext waits in a private temporary file while it goes out.
    let sealed_path = std::env::temp_dir().join(format!(
        "balcony-{}-{}.aesgcm",
        std::process::id(),
        x0359_stanza_ids::new_origin_id()
    ));
    let (source, target) = (path.to_owned(), sealed_path.clone());
    let key = tokio::task::spawn_blocking(move || -> Result<_, TransferError> {
        let mut bytes = std::fs::read(&source).map_err(|e| TransferError::LocalFile(e.to_string()))?;
        let key = aesgcm::seal(&mut bytes)?;
        write_private(&target, &bytes)?;
        Ok((key, bytes.len() as u64))
    })
    .await
    .map_err(|e| TransferError::LocalFile(e.to_string()))?;
    let result = async {
        let (key, sealed_size) = key?;
        let (put, get) =
            x0363_http_upload::slot(ctx, &service, &name, sealed_size, aesgcm::SEALED_MIME).await?;
        http.upload(
            &put,
            &sealed_path,
            sealed_size,
            aesgcm::SEALED_MIME,
            progress(ctx, id),
        )
        .await?;
        aesgcm::url(&get, &key).ok_or(TransferError::BadUrl)
    }
    .await;
    let _ = tokio::fs::remove_file(&sealed_path).await;
    Ok(x0066_oob::OobFile {
        url: result?,
        mime: Some(mime.to_owned()),
        length: Some(size),
        encrypted: false,
        desc: None,
    })
}

/// Writes `bytes` to a new file only we can read.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TransferError> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| TransferError::LocalFile(e.to_string()))?;
    file.write_all(bytes)
        .map_err(|e| TransferError::LocalFile(e.to_string()))
}

/// The file's safe name, size and MIME type; an error for anything but a
/// readable file.
async fn describe(path: &Path) -> Result<(String, u64, &'static str), TransferError> {
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|e| TransferError::LocalFile(e.to_string()))?;
    if !meta.is_file() {
        return Err(TransferError::LocalFile("not a file".into()));
    }
    let name = safe_name(
        &path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    let mime = mime_from_name(&name);
    Ok((name, meta.len(), mime))
}

/// Finds the service, asks for a slot and PUTs the file; the OOB data to
/// send.
async fn put_file(
    ctx: &SessionContext,
    id: TransferId,
    path: &Path,
) -> Result<x0066_oob::OobFile, TransferError> {
    let (name, size, mime) = describe(path).await?;
    let http = ctx.files.http()?;
    let url = match x0363_http_upload::service(ctx).await {
        Some(service) => {
            let (put, get) = x0363_http_upload::slot(ctx, &service, &name, size, mime).await?;
            http.upload(&put, path, size, mime, progress(ctx, id)).await?;
            get
        }
        // Servers without XEP-0363 may have Kontalk's upload service.
        None => {
            let uri = kontalk_upload::service(ctx)
                .await
                .ok_or(TransferError::NoUploadService)?;
            http.post_to_kontalk(&uri, path, &name, size, mime, progress(ctx, id))
                .await?
        }
    };
    Ok(x0066_oob::OobFile {
        url,
        mime: Some(mime.to_owned()),
        length: Some(size),
        encrypted: false,
        desc: None,
    })
}

/// Stores and sends the message that shares an uploaded file: the URL as
/// body and as OOB with the three hints; an encrypted file's `aesgcm://`
/// URL as the body of an encrypted message only (an OOB element would
/// show it to the server).
async fn send_file_message(
    ctx: &SessionContext,
    kind: ChatKind,
    to: BareJid,
    oob: x0066_oob::OobFile,
    path: PathBuf,
    encrypted: bool,
) -> Result<(), TransferError> {
    let origin_id = x0359_stanza_ids::new_origin_id();
    let mut stanza = chat::outgoing(kind, to.clone(), &oob.url, &origin_id, None);
    if encrypted {
        x0384_omemo_send::mark(&mut stanza, true);
    } else {
        stanza.payloads.push(x0066_oob::element(&oob));
    }
    let xml = String::from(&Element::from(stanza));
    let mut file = FileAttachment::offered(&oob.url, oob.mime.clone(), oob.length, false);
    file.state = FileState::Sent;
    file.path = Some(path);
    let message = NewMessage {
        peer: to,
        kind,
        outgoing: true,
        sender: ctx.account.to_string(),
        body: oob.url,
        origin_id: Some(origin_id),
        stanza_id: None,
        timestamp_ms: chrono::Utc::now().timestamp_millis(),
        state: DeliveryState::Pending,
        encryption: if encrypted {
            MessageEncryption::Omemo
        } else {
            MessageEncryption::None
        },
    };
    let account = ctx.account.clone();
    let added = ctx
        .store
        .run(move |s| {
            let id = s.queue_outgoing(&account, &message, &xml)?;
            s.attach_file(id, &file)?;
            Ok(StoredMessage {
                id,
                message,
                corrected: false,
                file: Some(file),
                forwarded_by: None,
            })
        })
        .await
        .map_err(|e| TransferError::LocalFile(e.to_string()))?;
    ctx.emit(Event::MessagesAdded {
        jid: ctx.account.clone(),
        messages: vec![added],
        live: false,
        read_before: 0,
    });
    ctx.out.flush_outbox();
    Ok(())
}

/// Downloads the file of message `message` into the download folder.
pub fn download(ctx: &SessionContext, message: i64) {
    let id = TransferId::Download(message);
    start(ctx, id, move |ctx| async move {
        let outcome = fetch(&ctx, message).await;
        if !ctx.files.finished(id) {
            return;
        }
        let state = match &outcome {
            Ok(_) => FileState::Downloaded,
            Err(_) => FileState::Failed,
        };
        let path = outcome.as_ref().ok().cloned();
        let stored = ctx
            .store
            .run(move |s| {
                s.set_file_state(message, state, path.as_deref())?;
                s.file_of(message)
            })
            .await;
        match stored {
            Ok(Some((_, pending))) => ctx.emit(Event::FileChanged {
                jid: ctx.account.clone(),
                peer: pending.peer,
                message,
                file: pending.file,
            }),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "could not record a download"),
        }
        if let Err(e) = outcome {
            failed(&ctx, id, e);
        }
    });
}

async fn fetch(ctx: &SessionContext, message: i64) -> Result<PathBuf, TransferError> {
    let (found, dir) = ctx
        .store
        .run(move |s| Ok((s.file_of(message)?, s.download_dir()?)))
        .await
        .map_err(|e| TransferError::LocalFile(e.to_string()))?;
    let Some((account, pending)) = found.filter(|(account, _)| *account == ctx.account) else {
        return Err(TransferError::LocalFile("no such file".into()));
    };
    let file = pending.file;
    if file.encrypted {
        return Err(TransferError::Encrypted);
    }
    tracing::debug!(%account, message, "downloading");
    let dir = dir.unwrap_or_else(download_dir::user_downloads);
    let part = dir.join(format!(".{}.{message}.part", file.name));
    let http = ctx.files.http()?;
    if aesgcm::is_encrypted_url(&file.url) {
        let (url, key) = aesgcm::parse(&file.url)?;
        let mut bytes = http
            .fetch(&url, aesgcm::LIMIT, progress(ctx, TransferId::Download(message)))
            .await?;
        let (dir, name) = (dir.clone(), file.name.clone());
        return tokio::task::spawn_blocking(move || {
            aesgcm::open(&mut bytes, &key)?;
            std::fs::create_dir_all(&dir).map_err(|e| TransferError::LocalFile(e.to_string()))?;
            let _ = std::fs::remove_file(&part);
            write_private(&part, &bytes)?;
            Ok::<_, TransferError>((part, dir, name))
        })
        .await
        .map_err(|e| TransferError::LocalFile(e.to_string()))?
        .map(|(part, dir, name)| async move { http.finish_download(&part, &dir, &name).await })?
        .await;
    }
    http.download(
        &file.url,
        Destination {
            dir: &dir,
            name: &file.name,
            part: &part,
        },
        file.size,
        DOWNLOAD_LIMIT,
        progress(ctx, TransferId::Download(message)),
    )
    .await
}

/// Starts the downloads auto-files asks for: the files offered in live
/// messages just stored, when the option is on.
pub async fn accept_offered(ctx: &SessionContext, events: &[Event]) {
    let offered: Vec<i64> = events
        .iter()
        .filter_map(|e| match e {
            Event::MessagesAdded {
                messages,
                live: true,
                read_before: 0,
                ..
            } => Some(messages),
            _ => None,
        })
        .flatten()
        .filter(|m| !m.message.outgoing && m.file.as_ref().is_some_and(|f| f.state == FileState::Offered))
        .map(|m| m.id)
        .collect();
    if offered.is_empty() {
        return;
    }
    if ctx
        .store
        .run(|s| s.rc_options())
        .await
        .is_ok_and(|o| o.auto_files)
    {
        for message in offered {
            download(ctx, message);
        }
    }
}
