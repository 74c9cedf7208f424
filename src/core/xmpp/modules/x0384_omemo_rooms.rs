//! OMEMO in group chats (XEP-0384's group chat section), as Conversations
//! and Dino do it: only in rooms that admit members only and show every
//! occupant's real address to everyone (non-anonymous), since a message
//! is encrypted to the devices of each occupant's real address and read
//! by finding the sender's real address from its nickname. Whether a room
//! is such a room is asked as we join it.

use xmpp_parsers::{
    disco::{DiscoInfoQuery, DiscoInfoResult},
    jid::{BareJid, Jid},
    message::{Message, MessageType},
};

use crate::core::{
    bridge::Event,
    xmpp::{
        modules::{x0045_muc::Rooms, x0384_omemo::Omemo},
        session::context::SessionContext,
    },
};

/// What a room must announce (XEP-0045 §15.5.3).
const NON_ANONYMOUS: &str = "muc_nonanonymous";
const MEMBERS_ONLY: &str = "muc_membersonly";

/// Most occupants a message is encrypted to.
pub const MAX_MEMBERS: usize = 64;

/// Asks `room` what it is, remembers whether messages there can be
/// encrypted, and tells the UI (which shows the lock only there).
pub async fn check_room(ctx: &SessionContext, room: &BareJid) {
    let info = ctx
        .out
        .get(Some(Jid::from(room.clone())), DiscoInfoQuery { node: None })
        .await;
    let private = match info {
        Ok(Some(info)) => DiscoInfoResult::try_from(info).is_ok_and(|info| {
            let has = |f: &str| info.features.iter().any(|x| x == f);
            has(NON_ANONYMOUS) && has(MEMBERS_ONLY)
        }),
        _ => false,
    };
    ctx.state::<Omemo>().set_room_private(room, private);
    ctx.emit(Event::RoomEncryption {
        jid: ctx.account.clone(),
        room: room.clone(),
        possible: private,
    });
}

/// Who sent a message, for decrypting it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// A contact (or our own account), one to one.
    Contact(BareJid),
    /// An occupant of a room, by its real address.
    Occupant(BareJid),
    /// Our own message, reflected by the room: we have it already.
    OwnEcho,
    /// An occupant whose real address the room did not show.
    Unknown,
}

/// The sender of `message` whose key decrypts it.
pub fn sender_of(ctx: &SessionContext, message: &Message) -> Option<Sender> {
    let from = message.from.as_ref()?;
    if message.type_ != MessageType::Groupchat {
        return Some(Sender::Contact(from.to_bare()));
    }
    let room = from.to_bare();
    let nick = from.resource()?.as_str().to_owned();
    let rooms = ctx.state::<Rooms>();
    if rooms.nick(&room).as_deref() == Some(nick.as_str()) {
        return Some(Sender::OwnEcho);
    }
    Some(match rooms.real_jid(&room, &nick) {
        Some(jid) => Sender::Occupant(jid),
        None => Sender::Unknown,
    })
}

/// The real addresses a message to `room` is encrypted to (without our
/// own, whose other devices are added anyway); an error naming why the
/// room cannot have encrypted messages.
pub fn recipients(ctx: &SessionContext, room: &BareJid) -> Result<Vec<BareJid>, String> {
    if ctx.state::<Omemo>().room_private(room) != Some(true) {
        return Err("the room is not members-only and non-anonymous".into());
    }
    let mut members = ctx
        .state::<Rooms>()
        .real_jids(room)
        .ok_or("the room hides an occupant's address")?;
    members.retain(|m| *m != ctx.account);
    members.truncate(MAX_MEMBERS);
    Ok(members)
}
