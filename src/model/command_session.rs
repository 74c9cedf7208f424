//! Running ad-hoc commands (XEP-0050) on one entity from the UI: listing
//! them, and one command's stages, keeping its session id. Answers come
//! from the worker on oneshot channels, awaited on the main loop.

use std::cell::{Cell, RefCell};

use glib::subclass::prelude::*;
use tokio::sync::oneshot;
use xmpp_parsers::jid::{BareJid, Jid};

use super::Client;
use crate::core::{
    bridge::Command,
    forms::Form,
    xmpp::{
        modules::x0050_command_client::{CommandItem, CommandStep},
        modules::x0050_commands::{Action, CommandError, CommandPayload},
    },
};

mod imp {
    use super::*;

    #[derive(Default)]
    pub struct CommandSession {
        pub client: RefCell<Option<Client>>,
        pub account: RefCell<Option<BareJid>>,
        pub entity: RefCell<Option<Jid>>,
        pub node: RefCell<String>,
        pub sessionid: RefCell<Option<String>>,
        pub open: Cell<bool>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for CommandSession {
        const NAME: &'static str = "BalconyCommandSession";
        type Type = super::CommandSession;
    }

    impl ObjectImpl for CommandSession {}
}

glib::wrapper! {
    /// Commands of one entity, run through one account.
    pub struct CommandSession(ObjectSubclass<imp::CommandSession>);
}

impl CommandSession {
    /// Commands on `entity`, through the account `account`.
    pub fn new(client: &Client, account: BareJid, entity: Jid) -> Self {
        let session: Self = glib::Object::new();
        let imp = session.imp();
        imp.client.replace(Some(client.clone()));
        imp.account.replace(Some(account));
        imp.entity.replace(Some(entity));
        session
    }

    /// Where the commands run.
    pub fn entity(&self) -> Option<Jid> {
        self.imp().entity.borrow().clone()
    }

    /// Runs commands on another entity from now on (ends an open session).
    pub fn set_entity(&self, entity: Jid) {
        self.cancel();
        self.imp().entity.replace(Some(entity));
    }

    /// Whether a command is between stages (so closing should cancel it).
    pub fn is_open(&self) -> bool {
        self.imp().open.get()
    }

    fn parts(&self) -> Result<(Client, BareJid, Jid), CommandError> {
        let imp = self.imp();
        match (
            imp.client.borrow().clone(),
            imp.account.borrow().clone(),
            self.entity(),
        ) {
            (Some(c), Some(a), Some(e)) => Ok((c, a, e)),
            _ => Err(CommandError::Offline),
        }
    }

    /// The commands the entity offers.
    pub async fn list(&self) -> Result<Vec<CommandItem>, CommandError> {
        let (client, jid, entity) = self.parts()?;
        let (reply, rx) = oneshot::channel();
        client.send(Command::ListCommands { jid, entity, reply });
        rx.await.unwrap_or(Err(CommandError::Offline))
    }

    async fn step(&self, action: Action, form: Option<&Form>) -> Result<CommandPayload, CommandError> {
        let (client, jid, entity) = self.parts()?;
        let imp = self.imp();
        let step = CommandStep {
            node: imp.node.borrow().clone(),
            sessionid: imp.sessionid.borrow().clone(),
            action,
            form: form.map(Form::submission),
        };
        let (reply, rx) = oneshot::channel();
        client.send(Command::RunCommand {
            jid,
            entity,
            step,
            reply,
        });
        let answer = rx.await.unwrap_or(Err(CommandError::Offline));
        if let Ok(payload) = &answer {
            imp.sessionid.replace(payload.sessionid.clone());
            imp.open.set(payload.is_executing());
        }
        answer
    }

    /// Starts the command at `node`.
    pub async fn start(&self, node: &str) -> Result<CommandPayload, CommandError> {
        self.cancel();
        self.imp().node.replace(node.to_owned());
        self.imp().sessionid.replace(None);
        self.step(Action::Execute, None).await
    }

    /// Takes the next step: `action`, with the filled-in `form` if any.
    pub async fn act(&self, action: Action, form: Option<&Form>) -> Result<CommandPayload, CommandError> {
        self.step(action, form).await
    }

    /// Cancels the open session, if any, without waiting for the answer.
    pub fn cancel(&self) {
        let imp = self.imp();
        if !imp.open.replace(false) {
            return;
        }
        let Ok((client, jid, entity)) = self.parts() else {
            return;
        };
        let (reply, _) = oneshot::channel();
        client.send(Command::RunCommand {
            jid,
            entity,
            step: CommandStep {
                node: imp.node.borrow().clone(),
                sessionid: imp.sessionid.take(),
                action: Action::Cancel,
                form: None,
            },
            reply,
        });
    }
}
