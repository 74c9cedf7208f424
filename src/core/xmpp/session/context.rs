//! What every session flow needs: the account, the way out, the UI's
//! event channel, the store, and the state each protocol module keeps for
//! the session. The context knows no module: the module list creates their
//! state ([`crate::core::xmpp::modules::Module::state`]) and a module finds
//! its own by type.

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    sync::Arc,
};

use xmpp_parsers::jid::BareJid;

use crate::core::{bridge::Event, store::StoreHandle, xmpp::session::outgoing::Outbound};

/// Creates one module's state for a new session.
pub type StateMaker = fn() -> Box<dyn Any + Send + Sync>;

/// The modules' state for one session, by type; made once, when the
/// session starts, from the makers the module list gives.
#[derive(Clone, Default)]
pub struct ModuleState(Arc<HashMap<TypeId, Box<dyn Any + Send + Sync>>>);

impl ModuleState {
    /// The state of every maker in `makers`.
    pub fn new(makers: impl IntoIterator<Item = StateMaker>) -> Self {
        let mut map = HashMap::new();
        for make in makers {
            let state = make();
            map.insert((*state).type_id(), state);
        }
        Self(Arc::new(map))
    }

    /// The state of type `T`, if a module made one.
    pub fn get<T: 'static>(&self) -> Option<&T> {
        self.0.get(&TypeId::of::<T>()).and_then(|s| s.downcast_ref())
    }
}

impl std::fmt::Debug for ModuleState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ModuleState({} kinds)", self.0.len())
    }
}

/// Shared by the session loop and the tasks it starts. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SessionContext {
    /// The account.
    pub account: BareJid,
    /// Stanzas and IQs out.
    pub out: Outbound,
    /// Events to the UI.
    pub events: async_channel::Sender<Event>,
    /// The store.
    pub store: StoreHandle,
    /// What the modules keep for this session.
    pub modules: ModuleState,
    /// File uploads and downloads, over the account's TLS trust.
    pub files: Arc<crate::core::xmpp::session::file_transfers::FileTransfers>,
    /// The server's address and certificate on the current connection.
    pub connection: crate::core::xmpp::connection::connector::ConnectionFacts,
}

impl SessionContext {
    /// A context whose stanzas and events go nowhere, with every module's
    /// state, over `store`: for driving handlers directly (fuzzing).
    pub fn detached(account: BareJid, store: crate::core::store::Store) -> Self {
        let (out, _) = tokio::sync::mpsc::unbounded_channel();
        let (events, _) = async_channel::unbounded();
        SessionContext {
            account,
            out: Outbound::new(out),
            events,
            store: StoreHandle::new(store),
            modules: crate::core::xmpp::modules::session_state(crate::core::xmpp::modules::REGISTERED),
            files: Default::default(),
            connection: Default::default(),
        }
    }

    /// Emits an event to the UI (dropped if the UI is gone).
    pub fn emit(&self, event: Event) {
        let _ = self.events.try_send(event);
    }

    /// The session state of type `T`. Every module that keeps state
    /// declares its maker in the module list, so this is there for every
    /// registered module (a unit test of the list checks it).
    pub fn state<T: 'static>(&self) -> &T {
        match self.modules.get::<T>() {
            Some(state) => state,
            None => panic!(
                "{} has no maker in modules::REGISTERED",
                std::any::type_name::<T>()
            ),
        }
    }
}
