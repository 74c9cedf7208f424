//! Files in the model: uploads into conversations, downloads of messages'
//! files, and their progress.

use gio::prelude::*;
use glib::subclass::prelude::*;
use xmpp_parsers::jid::BareJid;

use crate::{
    core::{
        bridge::{Command, Event},
        files::{FileState, TransferError, TransferId},
        message::ChatKind,
    },
    model::{file_text, Account, MessageObject, UploadObject},
};

use super::Client;

fn fraction(done: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        (done as f64 / total as f64).clamp(0.0, 1.0)
    }
}

impl Client {
    /// Applies the file events; gives back any other event.
    pub(super) fn apply_file_event(&self, event: Event) -> Option<Event> {
        match event {
            Event::TransferProgress {
                jid,
                transfer,
                done,
                total,
            } => match transfer {
                TransferId::Upload(n) => {
                    if let Some(u) = self.upload(n) {
                        u.set_progress(fraction(done, total));
                    }
                }
                TransferId::Download(id) => {
                    if let Some(m) = self.loaded_message(&jid, id) {
                        m.set_file_progress(fraction(done, total));
                    }
                }
            },
            Event::TransferFailed { jid, transfer, error } => match transfer {
                TransferId::Upload(n) => {
                    if let Some(u) = self.upload(n) {
                        if error == TransferError::Cancelled {
                            self.remove_upload(&u);
                        } else {
                            u.set_error(file_text::failed(&error));
                        }
                    }
                }
                TransferId::Download(id) => {
                    if let Some(m) = self.loaded_message(&jid, id) {
                        m.set_file_progress(-1.0);
                        if error != TransferError::Cancelled {
                            m.set_file_error(file_text::failed(&error));
                        }
                    }
                }
            },
            Event::UploadDone { transfer, .. } => {
                if let Some(u) = self.upload(transfer) {
                    self.remove_upload(&u);
                }
            }
            Event::FileChanged {
                jid, message, file, ..
            } => {
                if let Some(m) = self.loaded_message(&jid, message) {
                    if file.state == FileState::Downloaded {
                        m.set_file_error("");
                    }
                    m.set_file_progress(-1.0);
                    m.set_file(&file);
                }
            }
            other => return Some(other),
        }
        None
    }

    fn loaded_message(&self, jid: &BareJid, id: i64) -> Option<MessageObject> {
        self.open_list_of(jid)?.by_id(id)
    }

    /// Uploads running or failed, in every conversation.
    pub fn uploads(&self) -> gio::ListStore {
        self.imp().uploads.clone()
    }

    fn upload(&self, transfer: u64) -> Option<UploadObject> {
        self.imp()
            .uploads
            .iter::<UploadObject>()
            .flatten()
            .find(|u| u.transfer() == transfer)
    }

    fn remove_upload(&self, upload: &UploadObject) {
        let uploads = &self.imp().uploads;
        if let Some(position) = uploads.find(upload) {
            uploads.remove(position);
        }
    }

    fn start_upload(&self, upload: &UploadObject) {
        let Ok(jid) = upload.account().parse::<BareJid>() else {
            return;
        };
        let Ok(to) = upload.peer().parse::<BareJid>() else {
            upload.set_error(crate::i18n::gettext("Not a valid address"));
            return;
        };
        let imp = self.imp();
        let transfer = imp.last_transfer.get() + 1;
        imp.last_transfer.set(transfer);
        upload.set_transfer(transfer);
        upload.set_error("");
        upload.set_progress(0.0);
        self.send(Command::SendFile {
            jid,
            to,
            kind: if upload.group() {
                ChatKind::GroupChat
            } else {
                ChatKind::Chat
            },
            path: upload.path().into(),
            transfer,
        });
    }

    /// Sends the file at `path` to `peer`: uploads it, then sends its
    /// address. A file that cannot be read fails at once, with the reason.
    pub fn send_file(&self, account: &Account, peer: &str, path: &std::path::Path) -> UploadObject {
        let group = account.room(peer).is_some();
        let size = std::fs::metadata(path).map(|m| m.len());
        let upload = UploadObject::new(0, &account.jid(), peer, group, path, *size.as_ref().unwrap_or(&0));
        self.imp().uploads.append(&upload);
        match size {
            Ok(_) => self.start_upload(&upload),
            Err(e) => upload.set_error(file_text::failed(&TransferError::LocalFile(e.to_string()))),
        }
        upload
    }

    /// Tries a failed upload again.
    pub fn retry_upload(&self, upload: &UploadObject) {
        self.start_upload(upload);
    }

    /// Stops an upload (nothing is sent), or forgets a failed one.
    pub fn cancel_upload(&self, upload: &UploadObject) {
        if upload.failed() {
            self.remove_upload(upload);
            return;
        }
        if let Ok(jid) = upload.account().parse::<BareJid>() {
            self.send(Command::CancelTransfer {
                jid,
                transfer: TransferId::Upload(upload.transfer()),
            });
        }
    }

    /// Downloads (or resumes) the file of `message`.
    pub fn download_file(&self, account: &Account, message: &MessageObject) {
        let Ok(jid) = account.jid().parse::<BareJid>() else {
            return;
        };
        message.set_file_error("");
        message.set_file_progress(0.0);
        self.send(Command::DownloadFile {
            jid,
            message: message.id(),
        });
    }

    /// Stops the download of `message`'s file (what arrived is kept).
    pub fn cancel_download(&self, account: &Account, message: &MessageObject) {
        if let Ok(jid) = account.jid().parse::<BareJid>() {
            self.send(Command::CancelTransfer {
                jid,
                transfer: TransferId::Download(message.id()),
            });
        }
    }
}
