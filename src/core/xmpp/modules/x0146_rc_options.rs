//! XEP-0146 §4.3 Change Run-Time Options: the form with the current
//! values of the options Balcony keeps, and a submission applied (omitted
//! fields change nothing).

use super::{base_form, field, reported};
use crate::core::{
    forms::{FieldKind, Form, FormKind},
    remote_control::{RcOptions, RemoteAction},
    xmpp::{
        modules::{
            x0050_command_responder::StepReply,
            x0050_commands::{CommandError, Status},
        },
        session::context::SessionContext,
    },
};

pub(super) fn options_form(o: RcOptions) -> Form {
    let mut form = base_form(FormKind::Form, "Set Options", "Set the desired options");
    let flag = |on: bool| vec![if on { "1" } else { "0" }.to_owned()];
    form.fields
        .push(field("sounds", FieldKind::Boolean, "Play sounds", flag(o.sounds)));
    form.fields.push(field(
        "auto-offline",
        FieldKind::Boolean,
        "Automatically go offline when idle",
        flag(o.auto_offline),
    ));
    form.fields.push(field(
        "auto-msg",
        FieldKind::Boolean,
        "Automatically open new messages",
        flag(o.auto_msg),
    ));
    form.fields.push(field(
        "auto-files",
        FieldKind::Boolean,
        "Automatically accept file transfers",
        flag(o.auto_files),
    ));
    form.fields.push(field(
        "auto-auth",
        FieldKind::Boolean,
        "Automatically authorize contacts",
        flag(o.auto_auth),
    ));
    form
}

fn boolean(form: &Form, var: &str, now: bool) -> Result<bool, CommandError> {
    match form.field(var) {
        None => Ok(now),
        Some(f) if f.values.is_empty() => Ok(now),
        Some(f) => match f.value().trim() {
            "1" | "true" => Ok(true),
            "0" | "false" => Ok(false),
            _ => Err(CommandError::BadPayload),
        },
    }
}

/// The options a set-options submission asks for; omitted ones keep `now`.
pub fn submitted_options(form: &Form, now: RcOptions) -> Result<RcOptions, CommandError> {
    Ok(RcOptions {
        sounds: boolean(form, "sounds", now.sounds)?,
        auto_offline: boolean(form, "auto-offline", now.auto_offline)?,
        auto_msg: boolean(form, "auto-msg", now.auto_msg)?,
        auto_auth: boolean(form, "auto-auth", now.auto_auth)?,
        auto_files: boolean(form, "auto-files", now.auto_files)?,
    })
}

pub(super) async fn set_options(
    ctx: &SessionContext,
    form: &Form,
    device: &str,
) -> Result<StepReply, CommandError> {
    let now = ctx
        .store
        .run(|s| s.rc_options())
        .await
        .map_err(|_| CommandError::BadAction)?;
    let next = submitted_options(form, now)?;
    ctx.store
        .run(move |s| s.set_rc_options(next))
        .await
        .map_err(|_| CommandError::BadAction)?;
    reported(ctx, device, RemoteAction::OptionsChanged(next));
    let mut result = options_form(next);
    result.kind = FormKind::Result;
    result.title = Some("Options Set".into());
    result.instructions.clear();
    Ok(StepReply {
        status: Status::Completed,
        form: Some(result),
        notes: Vec::new(),
        actions: None,
    })
}
