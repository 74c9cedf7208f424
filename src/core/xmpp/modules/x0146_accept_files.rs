//! XEP-0146 §4.4 Accept Pending File Transfers: the files offered to us
//! and not downloaded yet, as a list-multi of `sender:id` values (as the
//! spec's example), and their download when chosen.

use super::{base_form, check_form_type, field, option, reported};
use crate::core::{
    files::MAX_LISTED_FILES,
    forms::{FieldKind, Form, FormKind},
    remote_control::RemoteAction,
    store::PendingFile,
    xmpp::{
        modules::{
            x0050_command_responder::StepReply,
            x0050_commands::{CommandError, Note, NoteKind},
        },
        session::{context::SessionContext, file_transfers},
    },
};

/// The list-multi's var.
const VAR: &str = "files";

async fn pending(ctx: &SessionContext) -> Result<Vec<PendingFile>, CommandError> {
    let account = ctx.account.clone();
    ctx.store
        .run(move |s| s.pending_files(&account, MAX_LISTED_FILES))
        .await
        .map_err(|_| CommandError::BadAction)
}

/// A file's value in the list: its sender and the message's row id.
fn value(p: &PendingFile) -> String {
    format!("{}:{}", p.sender, p.message)
}

/// A file's label: name, size when known, and sender.
fn label(p: &PendingFile) -> String {
    let sender = p.sender.split('/').next().unwrap_or(&p.sender);
    match p.file.size {
        Some(size) => format!("{} ({} bytes, {sender})", p.file.name, size),
        None => format!("{} ({sender})", p.file.name),
    }
}

/// The form listing `files`; `None` when there are none.
pub fn files_form(files: &[PendingFile]) -> Option<Form> {
    if files.is_empty() {
        return None;
    }
    let mut form = base_form(
        FormKind::Form,
        "Pending File Transfers",
        "Select the pending file transfers to accept",
    );
    let mut list = field(VAR, FieldKind::ListMulti, "Files", Vec::new());
    list.required = true;
    list.options = files.iter().map(|p| option(&label(p), &value(p))).collect();
    form.fields.push(list);
    Some(form)
}

/// The first stage: the form, or a note that nothing waits.
pub async fn first_form(ctx: &SessionContext) -> Result<StepReply, CommandError> {
    Ok(match files_form(&pending(ctx).await?) {
        Some(form) => StepReply::ask(form),
        None => StepReply::done(Note {
            kind: NoteKind::Info,
            text: "No file transfers are pending.".into(),
        }),
    })
}

/// Downloads the files chosen in `form`; each must be one we listed.
pub async fn accept(ctx: &SessionContext, form: &Form, device: &str) -> Result<StepReply, CommandError> {
    check_form_type(form)?;
    let files = pending(ctx).await?;
    let chosen = form.field(VAR).map(|f| f.values.clone()).unwrap_or_default();
    let mut accepted = Vec::new();
    for v in &chosen {
        let file = files
            .iter()
            .find(|p| &value(p) == v)
            .ok_or(CommandError::BadPayload)?;
        accepted.push(file);
    }
    for file in &accepted {
        file_transfers::download(ctx, file.message);
    }
    let names: Vec<String> = accepted.iter().map(|p| p.file.name.clone()).collect();
    reported(ctx, device, RemoteAction::AcceptedFiles(names));
    Ok(StepReply::done(Note {
        kind: NoteKind::Info,
        text: format!("Downloading {} files.", accepted.len()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::files::FileAttachment;

    fn file(message: i64, name: &str, size: Option<u64>) -> PendingFile {
        PendingFile {
            message,
            peer: "romeo@example.com".parse().expect("jid"),
            sender: "romeo@example.com/orchard".into(),
            file: FileAttachment::offered(&format!("https://h/{name}"), None, size, false),
        }
    }

    #[test]
    fn the_form_is_the_specs_with_name_size_and_sender() {
        assert!(files_form(&[]).is_none());
        let form =
            files_form(&[file(1, "ballad.ogg", Some(2048)), file(2, "picture.jpg", None)]).expect("form");
        assert_eq!(form.form_type(), Some(crate::core::remote_control::NS));
        let list = form.field("files").expect("files");
        assert_eq!(list.kind, FieldKind::ListMulti);
        assert!(list.required);
        let values: Vec<&str> = list.options.iter().map(|o| o.value.as_str()).collect();
        assert_eq!(
            values,
            ["romeo@example.com/orchard:1", "romeo@example.com/orchard:2"]
        );
        assert_eq!(
            list.options[0].label.as_deref(),
            Some("ballad.ogg (2048 bytes, romeo@example.com)")
        );
        assert_eq!(
            list.options[1].label.as_deref(),
            Some("picture.jpg (romeo@example.com)")
        );
    }
}
