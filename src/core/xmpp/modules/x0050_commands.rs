//! XEP-0050 Ad-Hoc Commands: the `<command/>` element (which xmpp-parsers
//! lacks), its actions and notes, and the error conditions, read and
//! written by hand so that a malformed reply gets a clear error.

use xmpp_parsers::{
    minidom::{rxml::xml_ncname, Element},
    stanza_error::{DefinedCondition, StanzaError},
};

use crate::core::forms::{self, Form, FormError};
use crate::core::xmpp::session::outgoing::{error_text, IqError};

/// The namespace, and the disco node that lists commands.
pub const NS: &str = "http://jabber.org/protocol/commands";

/// Where a command's execution stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// More stages follow.
    Executing,
    /// Done.
    Completed,
    /// Given up.
    Canceled,
}

/// What the requester asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Start, or the stage's default.
    Execute,
    /// Give up.
    Cancel,
    /// Back one stage.
    Prev,
    /// On to the next stage.
    Next,
    /// Finish.
    Complete,
}

impl Action {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Execute => "execute",
            Action::Cancel => "cancel",
            Action::Prev => "prev",
            Action::Next => "next",
            Action::Complete => "complete",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "execute" => Action::Execute,
            "cancel" => Action::Cancel,
            "prev" => Action::Prev,
            "next" => Action::Next,
            "complete" => Action::Complete,
            _ => return None,
        })
    }
}

/// The actions a stage allows (XEP-0050 §3.4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Actions {
    /// The `execute` attribute: the default button, if any.
    pub default: Option<Action>,
    /// The allowed actions among prev, next and complete.
    pub allowed: Vec<Action>,
}

/// How serious a note is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    /// Information.
    Info,
    /// A warning.
    Warn,
    /// An error.
    Error,
}

/// A note for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// How serious.
    pub kind: NoteKind,
    /// What it says.
    pub text: String,
}

/// The most notes one command stage may carry.
pub const MAX_NOTES: usize = 32;

/// A `<command/>` element, sent or received. `Debug` leaves the form's
/// values out.
#[derive(Clone, PartialEq)]
pub struct CommandPayload {
    /// The command's node.
    pub node: String,
    /// The session, once the responder started one.
    pub sessionid: Option<String>,
    /// Where execution stands (responder only).
    pub status: Option<Status>,
    /// What is asked for (requester only).
    pub action: Option<Action>,
    /// What the next stage allows (responder only).
    pub actions: Option<Actions>,
    /// Notes for people.
    pub notes: Vec<Note>,
    /// The data form, if any, as XML (read it with [`CommandPayload::form`]).
    pub form: Option<Element>,
}

impl std::fmt::Debug for CommandPayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandPayload")
            .field("node", &self.node)
            .field("sessionid", &self.sessionid)
            .field("status", &self.status)
            .field("action", &self.action)
            .field("actions", &self.actions)
            .field("notes", &self.notes)
            .field("form", &crate::core::redact::outline(&self.form))
            .finish()
    }
}

/// Why a command could not be run, listed or continued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The responder does not understand the action.
    #[error("the device did not understand the requested step")]
    MalformedAction,
    /// The responder does not allow that action at this stage.
    #[error("this step is not possible at this stage")]
    BadAction,
    /// The responder does not know the session.
    #[error("the device does not know this command session")]
    BadSessionId,
    /// The session ended (completed, canceled or timed out).
    #[error("the command session has expired")]
    SessionExpired,
    /// The submitted data was refused.
    #[error("the submitted data was refused")]
    BadPayload,
    /// The language is not supported.
    #[error("the requested language is not supported")]
    BadLocale,
    /// Not allowed to run it.
    #[error("you are not allowed to run this command")]
    Forbidden,
    /// No such command.
    #[error("there is no such command")]
    ItemNotFound,
    /// The entity does not do ad-hoc commands.
    #[error("this entity does not support commands")]
    FeatureNotImplemented,
    /// The entity offers no such command (it answered service-unavailable).
    #[error("the command is not available here")]
    Unavailable,
    /// No answer in time.
    #[error("no answer in time")]
    Timeout,
    /// The connection was lost, or the account is offline.
    #[error("the account is not connected")]
    Offline,
    /// Another refusal, with the responder's words.
    #[error("{0}")]
    Refused(String),
    /// The reply made no sense.
    #[error("the reply could not be read: {0}")]
    Malformed(String),
}

impl CommandError {
    /// The general and specific conditions to send back for this error.
    pub fn conditions(&self) -> (DefinedCondition, Option<&'static str>) {
        match self {
            CommandError::MalformedAction => (DefinedCondition::BadRequest, Some("malformed-action")),
            CommandError::BadAction => (DefinedCondition::BadRequest, Some("bad-action")),
            CommandError::BadSessionId => (DefinedCondition::BadRequest, Some("bad-sessionid")),
            CommandError::SessionExpired => (DefinedCondition::NotAllowed, Some("session-expired")),
            CommandError::BadPayload => (DefinedCondition::BadRequest, Some("bad-payload")),
            CommandError::BadLocale => (DefinedCondition::BadRequest, Some("bad-locale")),
            CommandError::Forbidden => (DefinedCondition::Forbidden, None),
            CommandError::ItemNotFound => (DefinedCondition::ItemNotFound, None),
            CommandError::FeatureNotImplemented => (DefinedCondition::FeatureNotImplemented, None),
            _ => (DefinedCondition::InternalServerError, None),
        }
    }

    fn from_stanza(error: &StanzaError) -> Self {
        let specific = error.other.as_ref().filter(|o| o.ns() == NS).map(|o| o.name());
        match (specific, &error.defined_condition) {
            (Some("malformed-action"), _) => CommandError::MalformedAction,
            (Some("bad-action"), _) => CommandError::BadAction,
            (Some("bad-sessionid"), _) => CommandError::BadSessionId,
            (Some("session-expired"), _) => CommandError::SessionExpired,
            (Some("bad-payload"), _) => CommandError::BadPayload,
            (Some("bad-locale"), _) => CommandError::BadLocale,
            (_, DefinedCondition::Forbidden) => CommandError::Forbidden,
            (_, DefinedCondition::ItemNotFound) => CommandError::ItemNotFound,
            (_, DefinedCondition::FeatureNotImplemented) => CommandError::FeatureNotImplemented,
            (_, DefinedCondition::ServiceUnavailable) => CommandError::Unavailable,
            _ => CommandError::Refused(error_text(error)),
        }
    }
}

impl From<IqError> for CommandError {
    fn from(e: IqError) -> Self {
        match e {
            IqError::Stanza(error) => CommandError::from_stanza(&error),
            IqError::Timeout => CommandError::Timeout,
            IqError::Disconnected => CommandError::Offline,
            IqError::Malformed(m) => CommandError::Malformed(m),
        }
    }
}

impl CommandPayload {
    /// A request to run `node` (or continue its session) with `action`.
    pub fn request(node: &str, sessionid: Option<String>, action: Action, form: Option<Element>) -> Self {
        CommandPayload {
            node: node.to_owned(),
            sessionid,
            status: None,
            action: Some(action),
            actions: None,
            notes: Vec::new(),
            form,
        }
    }

    /// Reads a `<command/>`.
    pub fn parse(element: &Element) -> Result<Self, CommandError> {
        if !element.is("command", NS) {
            return Err(CommandError::Malformed(format!(
                "<{}/> is not a command",
                element.name()
            )));
        }
        let node = element
            .attr("node")
            .ok_or_else(|| CommandError::Malformed("the command has no node".into()))?;
        let status = match element.attr("status") {
            None => None,
            Some("executing") => Some(Status::Executing),
            Some("completed") => Some(Status::Completed),
            Some("canceled") => Some(Status::Canceled),
            Some(other) => return Err(CommandError::Malformed(format!("unknown status “{other}”"))),
        };
        let action = match element.attr("action") {
            None => None,
            Some(a) => Some(Action::parse(a).ok_or(CommandError::MalformedAction)?),
        };
        let actions = match element.get_child("actions", NS) {
            None => None,
            Some(a) => Some(Actions {
                default: match a.attr("execute") {
                    None => None,
                    Some(d) => Some(Action::parse(d).ok_or(CommandError::MalformedAction)?),
                },
                allowed: a
                    .children()
                    .filter(|c| c.ns() == NS)
                    .filter_map(|c| Action::parse(c.name()))
                    .filter(|a| matches!(a, Action::Prev | Action::Next | Action::Complete))
                    .collect(),
            }),
        };
        let count = element.children().filter(|c| c.is("note", NS)).count();
        crate::core::limits::at_most("notes", count, MAX_NOTES).map_err(CommandError::Malformed)?;
        let notes = element
            .children()
            .filter(|c| c.is("note", NS))
            .map(|n| Note {
                kind: match n.attr("type") {
                    Some("warn") => NoteKind::Warn,
                    Some("error") => NoteKind::Error,
                    _ => NoteKind::Info,
                },
                text: n.text(),
            })
            .collect();
        Ok(CommandPayload {
            node: node.to_owned(),
            sessionid: element.attr("sessionid").map(str::to_owned),
            status,
            action,
            actions,
            notes,
            form: element.get_child("x", forms::NS).cloned(),
        })
    }

    /// The data form, if any.
    pub fn form(&self) -> Option<Result<Form, FormError>> {
        self.form.as_ref().map(forms::parse)
    }

    /// Whether another stage follows.
    pub fn is_executing(&self) -> bool {
        self.status == Some(Status::Executing)
    }

    /// What "execute" (the default button) means at this stage: the
    /// `execute` attribute, else next with `<actions/>`, else complete
    /// (XEP-0050 §3.4). `None` when that action is not allowed.
    pub fn default_action(&self) -> Option<Action> {
        match &self.actions {
            None => Some(Action::Complete),
            Some(a) => {
                let d = a.default.unwrap_or(Action::Next);
                a.allowed.contains(&d).then_some(d)
            }
        }
    }

    /// Whether `action` is offered at this stage (cancel always is).
    pub fn allows(&self, action: Action) -> bool {
        match (&self.actions, action) {
            (_, Action::Cancel | Action::Execute) => true,
            (None, a) => a == Action::Complete,
            (Some(actions), a) => actions.allowed.contains(&a),
        }
    }

    /// The element.
    pub fn to_element(&self) -> Element {
        let mut b = Element::builder("command", NS).attr(xml_ncname!("node").to_owned(), self.node.as_str());
        if let Some(s) = &self.sessionid {
            b = b.attr(xml_ncname!("sessionid").to_owned(), s.as_str());
        }
        if let Some(s) = self.status {
            let s = match s {
                Status::Executing => "executing",
                Status::Completed => "completed",
                Status::Canceled => "canceled",
            };
            b = b.attr(xml_ncname!("status").to_owned(), s);
        }
        if let Some(a) = self.action {
            b = b.attr(xml_ncname!("action").to_owned(), a.as_str());
        }
        if let Some(actions) = &self.actions {
            let mut a = Element::builder("actions", NS);
            if let Some(d) = actions.default {
                a = a.attr(xml_ncname!("execute").to_owned(), d.as_str());
            }
            for allowed in &actions.allowed {
                a = a.append(Element::builder(allowed.as_str(), NS).build());
            }
            b = b.append(a.build());
        }
        for note in &self.notes {
            let kind = match note.kind {
                NoteKind::Info => "info",
                NoteKind::Warn => "warn",
                NoteKind::Error => "error",
            };
            b = b.append(
                Element::builder("note", NS)
                    .attr(xml_ncname!("type").to_owned(), kind)
                    .append(note.text.as_str())
                    .build(),
            );
        }
        if let Some(form) = &self.form {
            b = b.append(form.clone());
        }
        b.build()
    }
}
