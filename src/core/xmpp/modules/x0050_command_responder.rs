//! Answering ad-hoc commands (XEP-0050 §2–§4) for others: our command
//! registry, disco#items and disco#info on the commands node, sessions with
//! a timeout and cancel, and an access-policy hook per command.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use futures::future::BoxFuture;
use xmpp_parsers::{
    disco::{DiscoInfoQuery, DiscoInfoResult, DiscoItemsQuery, DiscoItemsResult, Identity, Item},
    iq::Iq,
    jid::{BareJid, Jid},
    minidom::Element,
    ns,
    stanza_error::{DefinedCondition, ErrorType, StanzaError},
};

use crate::core::forms::{self, Form};
use crate::core::xmpp::{
    modules::x0050_commands::{Action, Actions, CommandError, CommandPayload, Note, Status, NS},
    modules::{reply, request_parts, stanza_error, Answer, Module},
    session::context::SessionContext,
};

/// How long a session may wait for its next step.
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// How many ended sessions are remembered, to tell "expired" from "unknown".
const REMEMBERED_ENDS: usize = 256;

/// The module entry: we answer ad-hoc commands.
pub const MODULE: Module = Module {
    name: "XEP-0050 ad-hoc commands",
    features: &[NS],
    request: Some(|ctx, iq| Box::pin(answer_request(ctx, iq))),
    state: Some(|| Box::new(registry())),
    ..Module::NONE
};

/// Command execution, and disco on the command nodes, for this session.
async fn answer_request(ctx: &SessionContext, iq: &Iq) -> Option<Iq> {
    let us = match iq {
        Iq::Get { to: Some(to), .. } | Iq::Set { to: Some(to), .. } => to.clone(),
        _ => ctx.account.clone().into(),
    };
    let responder = ctx.state::<CommandResponder>().clone();
    responder.answer(ctx, iq, &us).await
}

/// The commands this version of Balcony offers, with the default session
/// timeout. Each command's own policy decides who sees it.
pub fn registry() -> CommandResponder {
    CommandResponder::new(
        crate::core::xmpp::modules::x0146_remote_control::commands(),
        SESSION_TIMEOUT,
    )
}

/// What a command answers to one step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepReply {
    /// Executing (another stage follows), completed or canceled.
    pub status: Status,
    /// The next stage's form, or a result form.
    pub form: Option<Form>,
    /// Notes for people.
    pub notes: Vec<Note>,
    /// What the next stage allows; `None` for a single-stage command.
    pub actions: Option<Actions>,
}

impl StepReply {
    /// A stage that asks for `form` and can only be completed.
    pub fn ask(form: Form) -> Self {
        StepReply {
            status: Status::Executing,
            form: Some(form),
            notes: Vec::new(),
            actions: Some(Actions {
                default: Some(Action::Complete),
                allowed: vec![Action::Complete],
            }),
        }
    }

    /// Done, with a note.
    pub fn done(note: Note) -> Self {
        StepReply {
            status: Status::Completed,
            form: None,
            notes: vec![note],
            actions: None,
        }
    }
}

/// What a command may keep between its stages.
#[derive(Debug, Default, Clone)]
pub struct CommandState {
    /// The stage reached (0 before the first answer).
    pub stage: usize,
    /// Values gathered so far.
    pub values: HashMap<String, Vec<String>>,
}

/// Who asks: the requester's full address and the account answering.
#[derive(Debug, Clone, Copy)]
pub struct Requester<'a> {
    /// The entity that sent the request.
    pub from: &'a Jid,
    /// Our account.
    pub account: &'a BareJid,
}

impl Requester<'_> {
    /// Whether the requester is another resource of our own account.
    pub fn is_own_resource(&self) -> bool {
        self.from.to_bare() == *self.account
    }
}

/// One command we offer.
pub trait AdhocCommand: Send + Sync {
    /// Its node.
    fn node(&self) -> &str;
    /// Its name for people.
    fn name(&self) -> String;
    /// The access policy: whether `requester` may see and run it now.
    fn allowed<'a>(&'a self, ctx: &'a SessionContext, requester: Requester<'a>) -> BoxFuture<'a, bool>;
    /// Carries out one step, with the session to act on. `action` is
    /// `Execute` only for the first step (later ones are resolved to the
    /// stage's default first) and never `Cancel` (the responder ends the
    /// session itself). `form` is the submitted form, if any.
    fn step<'a>(
        &'a self,
        ctx: &'a SessionContext,
        requester: Requester<'a>,
        state: &'a mut CommandState,
        action: Action,
        form: Option<Form>,
    ) -> BoxFuture<'a, Result<StepReply, CommandError>>;
}

/// A session taken out of the table for its step, or ended by a cancel.
enum Taken {
    Run(String, Session, Action),
    Canceled(CommandPayload),
}

struct Session {
    node: String,
    requester: Jid,
    state: CommandState,
    actions: Option<Actions>,
    touched: Instant,
}

#[derive(Default)]
struct Sessions {
    open: HashMap<String, Session>,
    ended: VecDeque<String>,
}

impl Sessions {
    fn end(&mut self, id: String) {
        self.open.remove(&id);
        if self.ended.len() == REMEMBERED_ENDS {
            self.ended.pop_front();
        }
        self.ended.push_back(id);
    }

    fn sweep(&mut self, timeout: Duration) {
        let expired: Vec<String> = self
            .open
            .iter()
            .filter(|(_, s)| s.touched.elapsed() > timeout)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            tracing::debug!(%id, "command session expired");
            self.end(id);
        }
    }
}

/// Our command registry and its sessions. Cheap to clone.
#[derive(Clone)]
pub struct CommandResponder {
    commands: Arc<Vec<Arc<dyn AdhocCommand>>>,
    sessions: Arc<Mutex<Sessions>>,
    timeout: Duration,
}

impl std::fmt::Debug for CommandResponder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let nodes: Vec<&str> = self.commands.iter().map(|c| c.node()).collect();
        f.debug_struct("CommandResponder")
            .field("commands", &nodes)
            .finish()
    }
}

fn new_session_id() -> String {
    format!("balcony-{}", hex::encode(rand::random::<[u8; 12]>()))
}

impl CommandResponder {
    /// A registry of `commands` whose sessions end after `timeout` idle.
    pub fn new(commands: Vec<Arc<dyn AdhocCommand>>, timeout: Duration) -> Self {
        CommandResponder {
            commands: Arc::new(commands),
            sessions: Arc::default(),
            timeout,
        }
    }

    async fn visible(&self, ctx: &SessionContext, requester: Requester<'_>) -> Vec<Arc<dyn AdhocCommand>> {
        let mut out = Vec::new();
        for command in self.commands.iter() {
            if command.allowed(ctx, requester).await {
                out.push(command.clone());
            }
        }
        out
    }

    /// The disco#items answer on the commands node: what `requester` may run.
    pub async fn items(&self, ctx: &SessionContext, requester: Requester<'_>, us: &Jid) -> DiscoItemsResult {
        DiscoItemsResult {
            node: Some(NS.to_owned()),
            items: self
                .visible(ctx, requester)
                .await
                .iter()
                .map(|c| Item {
                    jid: us.clone(),
                    node: Some(c.node().to_owned()),
                    name: Some(c.name()),
                })
                .collect(),
            rsm: None,
        }
    }

    /// The disco#info answer for a command's node, if `requester` may see it.
    pub async fn info(
        &self,
        ctx: &SessionContext,
        requester: Requester<'_>,
        node: &str,
    ) -> Option<DiscoInfoResult> {
        let visible = self.visible(ctx, requester).await;
        let command = visible.iter().find(|c| c.node() == node)?;
        Some(DiscoInfoResult {
            node: Some(node.to_owned()),
            identities: vec![Identity::new("automation", "command-node", "en", command.name())],
            features: [NS, forms::NS].iter().map(|f| (*f).to_owned()).collect(),
            extensions: Vec::new(),
        })
    }

    /// Carries out one `<command/>` request.
    pub async fn execute(
        &self,
        ctx: &SessionContext,
        requester: Requester<'_>,
        request: &Element,
    ) -> Result<CommandPayload, CommandError> {
        let request = CommandPayload::parse(request)?;
        let command = self
            .commands
            .iter()
            .find(|c| c.node() == request.node)
            .cloned()
            .ok_or(CommandError::ItemNotFound)?;
        if !command.allowed(ctx, requester).await {
            tracing::info!(from = %requester.from, node = %request.node, "command refused by policy");
            return Err(CommandError::Forbidden);
        }
        let form = match request.form() {
            Some(Ok(form)) => Some(form),
            Some(Err(e)) => {
                tracing::debug!(error = %e, "unreadable command form");
                return Err(CommandError::BadPayload);
            }
            None => None,
        };
        let action = request.action.unwrap_or(Action::Execute);
        let (id, mut session, action) = match self.take_session(&request, requester, action)? {
            Taken::Run(id, session, action) => (id, session, action),
            Taken::Canceled(reply) => return Ok(reply),
        };
        let result = command
            .step(ctx, requester, &mut session.state, action, form)
            .await;
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(step) if step.status == Status::Executing => {
                session.state.stage += 1;
                session.actions = step.actions.clone();
                session.touched = Instant::now();
                sessions.open.insert(id.clone(), session);
                Ok(reply_payload(
                    &request.node,
                    id,
                    step.status,
                    step.actions,
                    step.notes,
                    step.form,
                ))
            }
            Ok(step) => {
                sessions.end(id.clone());
                Ok(reply_payload(
                    &request.node,
                    id,
                    step.status,
                    None,
                    step.notes,
                    step.form,
                ))
            }
            Err(e) => {
                // A refused step leaves the session where it was.
                session.touched = Instant::now();
                sessions.open.insert(id, session);
                Err(e)
            }
        }
    }

    /// Finds (or opens) the session of `request` and resolves its action;
    /// the session is out of the table while its step runs. A cancel ends
    /// it here, answered as `Err(CommandError::Canceled)`.
    fn take_session(
        &self,
        request: &CommandPayload,
        requester: Requester<'_>,
        action: Action,
    ) -> Result<Taken, CommandError> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.sweep(self.timeout);
        let (id, session) = match request.sessionid.clone() {
            None if action == Action::Execute => (
                new_session_id(),
                Session {
                    node: request.node.clone(),
                    requester: requester.from.clone(),
                    state: CommandState::default(),
                    actions: None,
                    touched: Instant::now(),
                },
            ),
            None => return Err(CommandError::BadSessionId),
            Some(id) => match sessions.open.remove(&id) {
                Some(s) if s.requester == *requester.from && s.node == request.node => (id, s),
                Some(s) => {
                    sessions.open.insert(id, s);
                    return Err(CommandError::BadSessionId);
                }
                None if sessions.ended.contains(&id) => return Err(CommandError::SessionExpired),
                None => return Err(CommandError::BadSessionId),
            },
        };
        let started = session.state.stage == 0;
        let action = match action {
            Action::Cancel => {
                sessions.end(id.clone());
                return Ok(Taken::Canceled(reply_payload(
                    &request.node,
                    id,
                    Status::Canceled,
                    None,
                    Vec::new(),
                    None,
                )));
            }
            // The first step; what the command does with it is its own.
            Action::Execute if started => Action::Execute,
            Action::Execute => match &session.actions {
                None => Action::Complete,
                Some(a) => a.default.unwrap_or(Action::Next),
            },
            other => other,
        };
        let allowed = started
            || match &session.actions {
                None => action == Action::Complete,
                Some(a) => a.allowed.contains(&action),
            };
        if !allowed {
            sessions.open.insert(id, session);
            return Err(CommandError::BadAction);
        }
        Ok(Taken::Run(id, session, action))
    }

    /// Answers an IQ meant for the responder: disco#items and disco#info on
    /// command nodes, and `<command/>` sets. `None` when it is not ours.
    pub async fn answer(&self, ctx: &SessionContext, iq: &Iq, us: &Jid) -> Option<Iq> {
        let account = &ctx.account;
        let (is_set, from, id, payload) = request_parts(iq)?;
        // Without a from, the request comes from our own account (server).
        let sender = from.clone().unwrap_or_else(|| Jid::from(account.clone()));
        let requester = Requester {
            from: &sender,
            account,
        };
        let answer = if is_set && payload.is("command", NS) {
            match self.execute(ctx, requester, payload).await {
                Ok(reply) => Answer::Result(Some(reply.to_element())),
                Err(e) => Answer::Error(error_for(&e)),
            }
        } else if !is_set && payload.is("query", ns::DISCO_ITEMS) {
            let query = DiscoItemsQuery::try_from(payload.clone()).ok()?;
            if query.node.as_deref() != Some(NS) {
                return None;
            }
            Answer::Result(Some(self.items(ctx, requester, us).await.into()))
        } else if !is_set && payload.is("query", ns::DISCO_INFO) {
            let node = DiscoInfoQuery::try_from(payload.clone()).ok()?.node?;
            if node == NS {
                let info = DiscoInfoResult {
                    node: Some(node),
                    identities: vec![Identity::new("automation", "command-list", "en", "Commands")],
                    features: Default::default(),
                    extensions: Vec::new(),
                };
                Answer::Result(Some(info.into()))
            } else if self.commands.iter().any(|c| c.node() == node) {
                match self.info(ctx, requester, &node).await {
                    Some(info) => Answer::Result(Some(info.into())),
                    None => Answer::Error(error_for(&CommandError::ItemNotFound)),
                }
            } else {
                return None;
            }
        } else {
            return None;
        };
        Some(reply(from, id, answer))
    }
}

/// The `<error/>` for a refused command step (XEP-0050 §4.6).
pub fn error_for(e: &CommandError) -> StanzaError {
    let (condition, specific) = e.conditions();
    let type_ = match condition {
        DefinedCondition::BadRequest => ErrorType::Modify,
        _ => ErrorType::Cancel,
    };
    let mut error = stanza_error(type_, condition, &e.to_string());
    error.other = specific.map(|s| Element::builder(s, NS).build());
    error
}

fn reply_payload(
    node: &str,
    id: String,
    status: Status,
    actions: Option<Actions>,
    notes: Vec<Note>,
    form: Option<Form>,
) -> CommandPayload {
    CommandPayload {
        node: node.to_owned(),
        sessionid: Some(id),
        status: Some(status),
        action: None,
        actions,
        notes,
        form: form.map(|f| f.to_element()),
    }
}

#[cfg(test)]
#[path = "x0050_command_responder_tests.rs"]
mod tests;
