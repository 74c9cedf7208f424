//! Creating an account (XEP-0077) as the UI follows it: connecting, the
//! server's form, submitting, and the outcome. Emits `changed` on each step.

use std::{cell::RefCell, sync::OnceLock};

use glib::{prelude::*, subclass::prelude::*, subclass::Signal};
use xmpp_parsers::jid::BareJid;

use super::Client;
use crate::core::{
    bridge::Command,
    forms::Form,
    xmpp::modules::x0077_registration::{Answers, RegistrationError},
};

/// Where a registration stands.
#[derive(Debug, Clone, Default)]
pub enum RegistrationState {
    /// Connecting and asking for the form.
    #[default]
    Connecting,
    /// The server's form, to fill in.
    Form(Form),
    /// Answers sent; waiting.
    Submitting,
    /// The account exists now.
    Registered,
    /// It failed; with a form shown, corrected answers may be sent again.
    Failed(RegistrationError),
}

mod imp {
    use super::*;

    #[derive(Default)]
    pub struct Registration {
        pub client: glib::WeakRef<Client>,
        pub jid: RefCell<Option<BareJid>>,
        pub state: RefCell<RegistrationState>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for Registration {
        const NAME: &'static str = "BalconyRegistration";
        type Type = super::Registration;
    }

    impl ObjectImpl for Registration {
        fn signals() -> &'static [Signal] {
            static SIGNALS: OnceLock<Vec<Signal>> = OnceLock::new();
            SIGNALS.get_or_init(|| vec![Signal::builder("changed").build()])
        }
    }
}

glib::wrapper! {
    /// One account being created.
    pub struct Registration(ObjectSubclass<imp::Registration>);
}

impl Registration {
    pub(super) fn new(client: &Client, jid: BareJid) -> Self {
        let r: Self = glib::Object::new();
        r.imp().client.set(Some(client));
        r.imp().jid.replace(Some(jid));
        r
    }

    /// The account being created.
    pub fn jid(&self) -> Option<BareJid> {
        self.imp().jid.borrow().clone()
    }

    /// Where it stands.
    pub fn state(&self) -> RegistrationState {
        self.imp().state.borrow().clone()
    }

    pub(super) fn set_state(&self, state: RegistrationState) {
        self.imp().state.replace(state);
        self.emit_by_name::<()>("changed", &[]);
    }

    /// Sends the filled-in `form`.
    pub fn submit(&self, form: &Form) {
        let (Some(client), Some(jid)) = (self.imp().client.upgrade(), self.jid()) else {
            return;
        };
        self.set_state(RegistrationState::Submitting);
        client.send(Command::SubmitRegistration {
            jid,
            answers: Answers::from_form(form),
        });
    }

    /// Gives up (closes the connection).
    pub fn cancel(&self) {
        if let (Some(client), Some(jid)) = (self.imp().client.upgrade(), self.jid()) {
            client.send(Command::CancelRegistration { jid });
        }
    }
}
