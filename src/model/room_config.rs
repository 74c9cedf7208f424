//! Room configuration (XEP-0045 §10.2) for the UI: the room's form, and
//! saving it, answered on oneshot channels awaited on the main loop.

use tokio::sync::oneshot;
use xmpp_parsers::jid::BareJid;

use super::{Account, Client};
use crate::core::{bridge::Command, forms::Form, xmpp::modules::x0045_muc_owner::RoomConfigError};

impl Client {
    /// The configuration form of `room` (we must own it).
    pub async fn room_config(&self, account: &Account, room: &BareJid) -> Result<Form, RoomConfigError> {
        let jid: BareJid = account.jid().parse().map_err(|_| RoomConfigError::Offline)?;
        let (reply, rx) = oneshot::channel();
        self.send(Command::FetchRoomConfig {
            jid,
            room: room.clone(),
            reply,
        });
        rx.await.unwrap_or(Err(RoomConfigError::Offline))
    }

    /// Saves `form` as the configuration of `room`.
    pub async fn save_room_config(
        &self,
        account: &Account,
        room: &BareJid,
        form: &Form,
    ) -> Result<(), RoomConfigError> {
        let jid: BareJid = account.jid().parse().map_err(|_| RoomConfigError::Offline)?;
        let (reply, rx) = oneshot::channel();
        self.send(Command::SaveRoomConfig {
            jid,
            room: room.clone(),
            submission: form.submission(),
            reply,
        });
        rx.await.unwrap_or(Err(RoomConfigError::Offline))
    }
}
