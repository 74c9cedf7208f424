//! What every session flow needs: the account, the way out, the UI's
//! event channel and the store.

use xmpp_parsers::jid::BareJid;

use crate::core::xmpp::{
    modules::avatar_updates::AvatarFetches, modules::x0045_muc::Rooms,
    modules::x0050_command_responder::CommandResponder, session::outgoing::Outbound,
};
use crate::core::{bridge::Event, store::StoreHandle};

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
    /// Rooms we are in, joining or leaving.
    pub rooms: Rooms,
    /// The ad-hoc commands we answer.
    pub commands: CommandResponder,
    /// Avatar images being fetched.
    pub avatars: AvatarFetches,
}

impl SessionContext {
    /// Emits an event to the UI (dropped if the UI is gone).
    pub fn emit(&self, event: Event) {
        let _ = self.events.try_send(event);
    }
}
