//! XEP-0146 Remote Controlling Clients, the responder: our other devices
//! may change this client's status, take its unread messages over, change
//! its options, accept the files waiting here and make it leave group
//! chats.
//!
//! The commands run in the ad-hoc command responder
//! ([`super::x0050_command_responder`]) under one policy: only other
//! resources of our own account, and only while the preference is on
//! (kept in the store's `worker_settings`); anyone else sees no rc node and
//! is refused. Each form carries the hidden `FORM_TYPE`
//! `http://jabber.org/protocol/rc` and the spec's vars, types and option
//! values; omitted fields change nothing (§4.1, §4.3). Each executed
//! command is reported to the UI ([`Event::RemoteControlled`]) and logged
//! without message text.

use std::sync::Arc;

use futures::future::BoxFuture;
use xmpp_parsers::{
    delay::Delay,
    jid::{BareJid, Jid},
    message::{Lang, Message, MessageType},
};

use crate::core::{
    bridge::{Availability, Event, OwnPresence},
    forms::{Field, FieldKind, FieldOption, Form, FormKind},
    message::{ChatKind, StoredMessage},
    remote_control::{RcCommand, RemoteAction, NS},
    xmpp::{
        modules::{
            own_presence::CurrentPresence,
            x0033_addresses::{self, Address},
            x0045_muc::{self, Rooms},
            x0050_command_responder::{AdhocCommand, CommandState, Requester, StepReply},
            x0050_commands::{Action, CommandError, Note, NoteKind, Status},
            x0186_invisible::Invisibility,
            x0359_stanza_ids,
        },
        session::context::SessionContext,
    },
};

#[path = "x0146_accept_files.rs"]
mod accept_files;
#[path = "x0146_rc_options.rs"]
mod rc_options;
pub use rc_options::submitted_options;
use rc_options::{options_form, set_options};

/// Most unread messages one forward sends.
pub const MAX_FORWARD: usize = 500;

/// The status values of §4.1, in the spec's order.
pub const STATUS_VALUES: [&str; 7] = ["chat", "online", "away", "xa", "dnd", "invisible", "offline"];

/// The module entry. The commands themselves are in the ad-hoc command
/// responder's registry ([`commands`]); their nodes are announced there.
pub const MODULE: crate::core::xmpp::modules::Module = crate::core::xmpp::modules::Module {
    name: "XEP-0146 remote control (responder)",
    ..crate::core::xmpp::modules::Module::NONE
};

/// The commands Balcony answers, for the responder's registry.
pub fn commands() -> Vec<Arc<dyn AdhocCommand>> {
    [
        RcCommand::SetStatus,
        RcCommand::Forward,
        RcCommand::SetOptions,
        RcCommand::AcceptFiles,
        RcCommand::LeaveGroupchats,
    ]
    .into_iter()
    .map(|c| Arc::new(Rc::new(c)) as Arc<dyn AdhocCommand>)
    .collect()
}

/// One remote-control command under the common policy.
struct Rc {
    command: RcCommand,
    node: String,
}

impl Rc {
    fn new(command: RcCommand) -> Self {
        Rc {
            command,
            node: command.node(),
        }
    }
}

/// Whether `requester` may control us: another resource of our own
/// account, while the preference is on.
pub async fn may_control(ctx: &SessionContext, requester: Requester<'_>) -> bool {
    let own_other = requester.is_own_resource() && requester.from.resource().is_some();
    if !own_other {
        return false;
    }
    match ctx.store.run(|s| s.remote_control_enabled()).await {
        Ok(on) => on,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the remote-control preference; refusing");
            false
        }
    }
}

impl AdhocCommand for Rc {
    fn node(&self) -> &str {
        &self.node
    }

    fn name(&self) -> String {
        match self.command {
            RcCommand::SetStatus => "Change Status",
            RcCommand::Forward => "Forward Unread Messages",
            RcCommand::SetOptions => "Set Options",
            RcCommand::AcceptFiles => "Accept Pending File Transfers",
            RcCommand::LeaveGroupchats => "Leave Groupchats",
        }
        .to_owned()
    }

    fn allowed<'a>(&'a self, ctx: &'a SessionContext, requester: Requester<'a>) -> BoxFuture<'a, bool> {
        Box::pin(may_control(ctx, requester))
    }

    fn step<'a>(
        &'a self,
        ctx: &'a SessionContext,
        requester: Requester<'a>,
        state: &'a mut CommandState,
        action: Action,
        form: Option<Form>,
    ) -> BoxFuture<'a, Result<StepReply, CommandError>> {
        Box::pin(async move {
            let device = requester
                .from
                .resource()
                .map(|r| r.to_string())
                .unwrap_or_default();
            let first = state.stage == 0 && form.is_none();
            match (self.command, first) {
                (RcCommand::Forward, _) => forward(ctx, requester.from, &device).await,
                (_, true) if action == Action::Execute => self.first_form(ctx).await,
                (_, _) if action != Action::Complete && action != Action::Execute => {
                    Err(CommandError::BadAction)
                }
                (_, _) => {
                    let form = form.ok_or(CommandError::BadPayload)?;
                    check_form_type(&form)?;
                    match self.command {
                        RcCommand::SetStatus => set_status(ctx, &form, &device),
                        RcCommand::SetOptions => set_options(ctx, &form, &device).await,
                        RcCommand::LeaveGroupchats => leave_groupchats(ctx, &form, &device),
                        RcCommand::AcceptFiles => accept_files::accept(ctx, &form, &device).await,
                        RcCommand::Forward => Err(CommandError::BadAction),
                    }
                }
            }
        })
    }
}

impl Rc {
    async fn first_form(&self, ctx: &SessionContext) -> Result<StepReply, CommandError> {
        match self.command {
            RcCommand::SetStatus => Ok(StepReply::ask(status_form(ctx))),
            RcCommand::SetOptions => {
                let options = ctx
                    .store
                    .run(|s| s.rc_options())
                    .await
                    .map_err(|_| CommandError::BadAction)?;
                Ok(StepReply::ask(options_form(options)))
            }
            RcCommand::LeaveGroupchats => match rooms_form(ctx) {
                Some(form) => Ok(StepReply::ask(form)),
                None => Ok(StepReply::done(Note {
                    kind: NoteKind::Info,
                    text: "Not in any group chat.".into(),
                })),
            },
            RcCommand::AcceptFiles => accept_files::first_form(ctx).await,
            RcCommand::Forward => Err(CommandError::BadAction),
        }
    }
}

pub(super) fn base_form(kind: FormKind, title: &str, instructions: &str) -> Form {
    let mut form = Form::new(kind);
    form.title = Some(title.to_owned());
    if !instructions.is_empty() {
        form.instructions.push(instructions.to_owned());
    }
    let mut form_type = Field::new("FORM_TYPE", FieldKind::Hidden);
    form_type.declared_type = Some(FieldKind::Hidden.as_attr().to_owned());
    form_type.values = vec![NS.to_owned()];
    form.fields.push(form_type);
    form
}

pub(super) fn field(var: &str, kind: FieldKind, label: &str, values: Vec<String>) -> Field {
    let mut f = Field::new(var, kind);
    f.declared_type = Some(kind.as_attr().to_owned());
    f.label = Some(label.to_owned());
    f.values = values;
    f
}

pub(super) fn option(label: &str, value: &str) -> FieldOption {
    FieldOption {
        label: Some(label.to_owned()),
        value: value.to_owned(),
    }
}

/// A submission must say it is an rc form.
pub(super) fn check_form_type(form: &Form) -> Result<(), CommandError> {
    if form.form_type() == Some(NS) {
        Ok(())
    } else {
        tracing::info!(form_type = ?form.form_type(), "rc submission without the rc FORM_TYPE");
        Err(CommandError::BadPayload)
    }
}

/// The status value of a presence, as §4.1 names it.
pub fn status_value(p: &OwnPresence) -> &'static str {
    if p.invisible {
        return "invisible";
    }
    match p.availability {
        Availability::Available => "online",
        Availability::Chat => "chat",
        Availability::Away => "away",
        Availability::ExtendedAway => "xa",
        Availability::DoNotDisturb => "dnd",
    }
}

fn status_form(ctx: &SessionContext) -> Form {
    let now = ctx.state::<CurrentPresence>().get();
    let mut form = base_form(
        FormKind::Form,
        "Change Status",
        "Choose the status and status message",
    );
    let mut status = field(
        "status",
        FieldKind::ListSingle,
        "Status",
        vec![status_value(&now).to_owned()],
    );
    status.required = true;
    let invisible_label = if ctx.state::<Invisibility>().method().is_some() {
        "Invisible"
    } else {
        "Invisible (not supported by this server)"
    };
    status.options = vec![
        option("Chat", "chat"),
        option("Online", "online"),
        option("Away", "away"),
        option("Extended Away", "xa"),
        option("Do Not Disturb", "dnd"),
        option(invisible_label, "invisible"),
        option("Offline", "offline"),
    ];
    form.fields.push(status);
    form.fields.push(field(
        "status-priority",
        FieldKind::TextSingle,
        "Priority",
        vec![now.priority.to_string()],
    ));
    let lines = if now.status.is_empty() {
        Vec::new()
    } else {
        now.status.lines().map(str::to_owned).collect()
    };
    form.fields
        .push(field("status-message", FieldKind::TextMulti, "Message", lines));
    form
}

/// The presence a set-status submission asks for, from `now`; `None`
/// is offline. Omitted fields keep what `now` has.
pub fn submitted_status(form: &Form, now: &OwnPresence) -> Result<Option<OwnPresence>, CommandError> {
    let mut next = now.clone();
    if let Some(f) = form.field("status-priority") {
        if !f.values.is_empty() {
            next.priority = f
                .value()
                .trim()
                .parse::<i8>()
                .map_err(|_| CommandError::BadPayload)?;
        }
    }
    if let Some(f) = form.field("status-message") {
        next.status = f.values.join("\n");
    }
    if let Some(f) = form.field("status") {
        if f.values.len() > 1 {
            return Err(CommandError::BadPayload);
        }
        if let Some(value) = f.values.first() {
            next.invisible = false;
            next.availability = match value.as_str() {
                "chat" => Availability::Chat,
                "online" => Availability::Available,
                "away" => Availability::Away,
                "xa" => Availability::ExtendedAway,
                "dnd" => Availability::DoNotDisturb,
                "invisible" => {
                    next.invisible = true;
                    now.availability
                }
                "offline" => return Ok(None),
                _ => return Err(CommandError::BadPayload),
            };
        }
    }
    Ok(Some(next))
}

pub(super) fn reported(ctx: &SessionContext, device: &str, action: RemoteAction) {
    tracing::info!(%device, ?action, "controlled by another device of ours");
    ctx.emit(Event::RemoteControlled {
        jid: ctx.account.clone(),
        device: device.to_owned(),
        action,
    });
}

fn set_status(ctx: &SessionContext, form: &Form, device: &str) -> Result<StepReply, CommandError> {
    let now = ctx.state::<CurrentPresence>().get();
    let next = submitted_status(form, &now)?;
    if next.as_ref().is_some_and(|p| p.invisible) && ctx.state::<Invisibility>().method().is_none() {
        return Ok(StepReply::done(Note {
            kind: NoteKind::Error,
            text: "This server does not support invisibility; the status was not changed.".into(),
        }));
    }
    ctx.out.set_presence(next.clone());
    reported(ctx, device, RemoteAction::StatusChanged(next.clone()));
    let mut result = base_form(FormKind::Result, "Status Changed", "");
    let shown = next.as_ref().map_or("offline", status_value);
    result.fields.push(field(
        "status",
        FieldKind::ListSingle,
        "Status",
        vec![shown.to_owned()],
    ));
    if let Some(p) = &next {
        result.fields.push(field(
            "status-priority",
            FieldKind::TextSingle,
            "Priority",
            vec![p.priority.to_string()],
        ));
        result.fields.push(field(
            "status-message",
            FieldKind::TextMulti,
            "Message",
            p.status.lines().map(str::to_owned).collect(),
        ));
    }
    Ok(StepReply {
        status: Status::Completed,
        form: Some(result),
        notes: Vec::new(),
        actions: None,
    })
}

fn rooms_form(ctx: &SessionContext) -> Option<Form> {
    let rooms = ctx.state::<Rooms>();
    let mut joined: Vec<(BareJid, String)> = rooms
        .joined()
        .into_iter()
        .filter_map(|r| rooms.nick(&r).map(|n| (r, n)))
        .collect();
    if joined.is_empty() {
        return None;
    }
    joined.sort();
    let mut form = base_form(
        FormKind::Form,
        "Leave Groupchats",
        "Choose the groupchats you want to leave",
    );
    let mut list = field("groupchats", FieldKind::ListMulti, "Groupchats", Vec::new());
    list.required = true;
    list.options = joined
        .iter()
        .map(|(room, nick)| option(&format!("{nick} on {room}"), &format!("{room}/{nick}")))
        .collect();
    form.fields.push(list);
    Some(form)
}

fn leave_groupchats(ctx: &SessionContext, form: &Form, device: &str) -> Result<StepReply, CommandError> {
    let offered = rooms_form(ctx).and_then(|f| f.field("groupchats").cloned());
    let chosen = form
        .field("groupchats")
        .map(|f| f.values.clone())
        .unwrap_or_default();
    let mut rooms = Vec::new();
    for value in &chosen {
        let known = offered
            .as_ref()
            .is_some_and(|f| f.options.iter().any(|o| &o.value == value));
        if !known {
            return Err(CommandError::BadPayload);
        }
        let room = value
            .parse::<Jid>()
            .map_err(|_| CommandError::BadPayload)?
            .to_bare();
        rooms.push(room);
    }
    for room in &rooms {
        x0045_muc::leave(ctx, room);
    }
    reported(ctx, device, RemoteAction::LeftRooms(rooms.clone()));
    Ok(StepReply::done(Note {
        kind: NoteKind::Info,
        text: format!("Left {} group chats.", rooms.len()),
    }))
}

/// The message that carries `m` to `to` (§4.2): its text, the original
/// sender as an `ofrom` address, the original time as a delay, and the
/// original's origin-id so that it is stored once on the other side.
pub fn forwarded(m: &StoredMessage, to: &Jid, us: &Jid) -> Option<Message> {
    let original = match m.message.kind {
        ChatKind::Chat => m.message.sender.parse::<Jid>().ok()?,
        ChatKind::GroupChat => format!("{}/{}", m.message.peer, m.message.sender)
            .parse::<Jid>()
            .ok()?,
    };
    let stamp = chrono::DateTime::from_timestamp_millis(m.message.timestamp_ms)?;
    let mut message = Message::new(Some(to.clone()));
    message.type_ = MessageType::Chat;
    message.bodies.insert(Lang::default(), m.message.body.clone());
    message
        .payloads
        .push(x0033_addresses::to_element(&[Address::ofrom(original)]));
    message.payloads.push(
        Delay {
            from: Some(us.clone()),
            stamp: xmpp_parsers::date::DateTime(stamp.fixed_offset()),
            data: None,
        }
        .into(),
    );
    if let Some(id) = &m.message.origin_id {
        message
            .payloads
            .push(x0359_stanza_ids::origin_id_element(id.clone()).into());
    }
    Some(message)
}

/// Whether a group-chat message mentions `nick`.
fn mentions(body: &str, nick: &str) -> bool {
    !nick.is_empty() && body.to_lowercase().contains(&nick.to_lowercase())
}

async fn forward(ctx: &SessionContext, to: &Jid, device: &str) -> Result<StepReply, CommandError> {
    let account = ctx.account.clone();
    let unread = ctx
        .store
        .run(move |s| s.unread_incoming(&account, MAX_FORWARD))
        .await
        .map_err(|_| CommandError::BadAction)?;
    let rooms = ctx.state::<Rooms>();
    let own_nick = ctx.account.node().map(|n| n.to_string()).unwrap_or_default();
    let chosen: Vec<StoredMessage> = unread
        .into_iter()
        .filter(|m| match m.message.kind {
            ChatKind::Chat => true,
            ChatKind::GroupChat => {
                let nick = rooms.nick(&m.message.peer).unwrap_or_else(|| own_nick.clone());
                mentions(&m.message.body, &nick)
            }
        })
        .collect();
    let us = Jid::from(ctx.account.clone());
    let mut peers: Vec<BareJid> = Vec::new();
    let mut sent = 0;
    for m in &chosen {
        if let Some(message) = forwarded(m, to, &us) {
            ctx.out.send(message);
            sent += 1;
            if !peers.contains(&m.message.peer) {
                peers.push(m.message.peer.clone());
            }
        }
    }
    let (account, read) = (ctx.account.clone(), peers.clone());
    if let Err(e) = ctx
        .store
        .run(move |s| {
            for peer in &read {
                s.mark_read(&account, peer)?;
            }
            Ok(())
        })
        .await
    {
        tracing::warn!(error = %e, "could not mark forwarded messages read");
    }
    reported(ctx, device, RemoteAction::Forwarded { count: sent, peers });
    Ok(StepReply::done(Note {
        kind: NoteKind::Info,
        text: match sent {
            0 => "No unread messages.".to_owned(),
            1 => "Forwarded 1 message.".to_owned(),
            n => format!("Forwarded {n} messages."),
        },
    }))
}

#[cfg(test)]
#[path = "x0146_remote_control_tests.rs"]
mod tests;
