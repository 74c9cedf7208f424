//! XEP-0045 Multi-User Chat basics: joining (retrying with another
//! nickname on a conflict), leaving, occupants and the subject. Group
//! messages are read in [`crate::core::xmpp::modules::x0045_muc_messages`].

use std::{
    collections::{BTreeMap, HashMap},
    fmt,
    sync::{Arc, Mutex, MutexGuard},
};

use chrono::TimeZone;
use xmpp_parsers::{
    date::DateTime,
    jid::{BareJid, FullJid, Jid, ResourcePart},
    message::{Lang, Message},
    muc::{
        muc::{History, Muc},
        user::{self, MucUser, Status},
    },
    ns,
    presence::{Presence, Type as PresenceType},
    stanza_error::{DefinedCondition, StanzaError},
};

use crate::core::xmpp::{
    modules::{contact_presence, Flow, Module},
    session::context::SessionContext,
};
use crate::core::{
    bridge::Event,
    credentials::Password,
    rooms::{Affiliation, Occupant, Role, RoomExit, RoomJoinError},
};

/// The module entry.
pub const MODULE: Module = Module {
    name: "XEP-0045 multi-user chat",
    features: &[ns::MUC],
    presence: Some(|ctx, p| Box::pin(async move { route_presence(ctx, p) })),
    state: Some(|| Box::new(Rooms::default())),
    ..Module::NONE
};

/// A room's presence is handled here; anything else goes on.
fn route_presence(ctx: &SessionContext, presence: Presence) -> Flow<Presence> {
    match on_presence(ctx, presence) {
        Some(other) => Flow::Next(other),
        None => Flow::Handled,
    }
}

/// Nicknames tried before a join fails with a conflict: the one asked for,
/// then with one to three underscores appended.
const NICK_ATTEMPTS: u32 = 4;

/// Messages of history asked for when a room was never joined before.
const FIRST_HISTORY: u32 = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    Joining { attempt: u32, requested: String },
    Joined,
    Leaving,
}

struct Room {
    nick: String,
    password: Option<Password>,
    phase: Phase,
    occupants: BTreeMap<String, Occupant>,
    subject: Option<String>,
    /// Newest stored message (ms), so that a rejoin asks only for newer history.
    since_ms: Option<i64>,
    /// Joined (or being left) on a stream the server has since forgotten:
    /// [`rejoin_all`] joins it again. A room joined on the current stream,
    /// even while its login steps still run, is not joined twice.
    stale: bool,
}

/// The rooms of one session, shared by its flows.
#[derive(Clone, Default)]
pub struct Rooms(Arc<Mutex<HashMap<BareJid, Room>>>);

impl fmt::Debug for Rooms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rooms")
            .field("count", &self.lock().len())
            .finish()
    }
}

impl Rooms {
    fn lock(&self) -> MutexGuard<'_, HashMap<BareJid, Room>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Our nickname in `room`, when we are in it or joining it.
    pub fn nick(&self, room: &BareJid) -> Option<String> {
        self.lock().get(room).map(|r| r.nick.clone())
    }

    /// Whether `room` is one we are in, joining or leaving.
    pub fn knows(&self, room: &BareJid) -> bool {
        self.lock().contains_key(room)
    }

    /// The rooms we are in.
    pub fn joined(&self) -> Vec<BareJid> {
        self.lock()
            .iter()
            .filter(|(_, r)| r.phase == Phase::Joined)
            .map(|(jid, _)| jid.clone())
            .collect()
    }

    /// The real address of `nick` in `room`, when the room shows it.
    pub fn real_jid(&self, room: &BareJid, nick: &str) -> Option<BareJid> {
        self.lock()
            .get(room)?
            .occupants
            .get(nick)?
            .real_jid
            .as_ref()
            .map(|j| j.to_bare())
    }

    /// The real addresses of `room`'s occupants, each once (ours too);
    /// `None` when an occupant's is hidden from us.
    pub fn real_jids(&self, room: &BareJid) -> Option<Vec<BareJid>> {
        let rooms = self.lock();
        let mut out: Vec<BareJid> = Vec::new();
        for occupant in rooms.get(room)?.occupants.values() {
            let jid = occupant.real_jid.as_ref()?.to_bare();
            if !out.contains(&jid) {
                out.push(jid);
            }
        }
        Some(out)
    }

    /// Remembers a new subject.
    pub fn set_subject(&self, room: &BareJid, subject: Option<String>) {
        if let Some(r) = self.lock().get_mut(room) {
            r.subject = subject;
        }
    }

    /// Remembers the newest message time of a room.
    pub fn saw_message(&self, room: &BareJid, ms: i64) {
        if let Some(r) = self.lock().get_mut(room) {
            r.since_ms = Some(r.since_ms.map_or(ms, |s| s.max(ms)));
        }
    }
}

/// The presence that joins `room` as `nick`, asking for the history after
/// `since_ms` (or the last few messages of a room never seen).
pub fn join_presence(
    room: &BareJid,
    nick: &str,
    password: Option<&str>,
    since_ms: Option<i64>,
) -> Option<Presence> {
    let occupant = FullJid::from_parts(room.node(), room.domain(), &ResourcePart::new(nick).ok()?);
    let history = match since_ms.and_then(|ms| chrono::Utc.timestamp_millis_opt(ms + 1).single()) {
        Some(t) => History::new().with_since(DateTime(t.fixed_offset())),
        None => History::new().with_maxstanzas(FIRST_HISTORY),
    };
    let mut muc = Muc::new().with_history(history);
    if let Some(p) = password {
        muc = muc.with_password(p.to_owned());
    }
    Some(
        Presence::available()
            .with_to(occupant)
            .with_payloads(vec![muc.into()]),
    )
}

fn occupant_jid(room: &BareJid, nick: &str) -> Option<Jid> {
    let nick = ResourcePart::new(nick).ok()?;
    Some(Jid::from(FullJid::from_parts(room.node(), room.domain(), &nick)))
}

/// Joins `room` as `nick`. Asking again for a room we are in repeats the
/// [`Event::RoomJoined`] with what we know.
pub async fn join(ctx: &SessionContext, room: BareJid, nick: String, password: Option<Password>) {
    if let Some(joined) = joined_event(ctx, &room) {
        return ctx.emit(joined);
    }
    let (account, peer) = (ctx.account.clone(), room.clone());
    let since_ms = ctx
        .store
        .run(move |s| s.recent_messages(&account, &peer, 1))
        .await
        .ok()
        .and_then(|m| m.first().map(|m| m.message.timestamp_ms));
    let Some(presence) = join_presence(&room, &nick, password.as_ref().map(Password::expose), since_ms)
    else {
        return ctx.emit(Event::RoomJoinFailed {
            jid: ctx.account.clone(),
            room,
            error: RoomJoinError::Other(format!("“{nick}” cannot be a nickname")),
        });
    };
    ctx.state::<Rooms>().lock().insert(
        room,
        Room {
            nick: nick.clone(),
            password,
            phase: Phase::Joining {
                attempt: 1,
                requested: nick,
            },
            occupants: BTreeMap::new(),
            subject: None,
            since_ms,
            stale: false,
        },
    );
    ctx.out.send(presence);
}

fn joined_event(ctx: &SessionContext, room: &BareJid) -> Option<Event> {
    let rooms = ctx.state::<Rooms>().lock();
    let r = rooms.get(room).filter(|r| r.phase == Phase::Joined)?;
    Some(Event::RoomJoined {
        jid: ctx.account.clone(),
        room: room.clone(),
        nick: r.nick.clone(),
        occupants: r.occupants.values().cloned().collect(),
        subject: r.subject.clone(),
    })
}

/// Leaves `room`; [`Event::RoomLeft`] follows when the room confirms.
pub fn leave(ctx: &SessionContext, room: &BareJid) {
    let nick = {
        let mut rooms = ctx.state::<Rooms>().lock();
        let Some(r) = rooms.get_mut(room) else {
            tracing::debug!(%room, "leaving a room we are not in");
            return;
        };
        r.phase = Phase::Leaving;
        r.nick.clone()
    };
    if let Some(to) = occupant_jid(room, &nick) {
        ctx.out.send(Presence::unavailable().with_to(to));
    }
}

/// The message that sets a room's subject (empty clears it).
pub fn subject_message(room: BareJid, subject: String) -> Message {
    let mut m = Message::groupchat(Some(Jid::from(room)));
    m.subjects.insert(Lang::default(), subject);
    m
}

/// A new stream (not a resumption) began: the server has forgotten the
/// rooms we know so far. Called before that stream's login steps start.
pub fn stream_restarted(ctx: &SessionContext) {
    ctx.state::<Rooms>()
        .lock()
        .values_mut()
        .for_each(|r| r.stale = true);
}

/// Joins again the rooms the server forgot with the last stream (see
/// [`stream_restarted`]), and forgets those we were leaving.
pub fn rejoin_all(ctx: &SessionContext) {
    let mut left = Vec::new();
    let mut joins = Vec::new();
    {
        let mut rooms = ctx.state::<Rooms>().lock();
        rooms.retain(|jid, r| {
            if !r.stale {
                return true;
            }
            r.stale = false;
            if r.phase == Phase::Leaving {
                left.push(jid.clone());
                return false;
            }
            r.phase = Phase::Joining {
                attempt: 1,
                requested: r.nick.clone(),
            };
            r.occupants.clear();
            joins.extend(join_presence(
                jid,
                &r.nick,
                r.password.as_ref().map(Password::expose),
                r.since_ms,
            ));
            true
        });
    }
    for room in left {
        ctx.emit(Event::RoomLeft {
            jid: ctx.account.clone(),
            room,
            exit: RoomExit::Left,
        });
    }
    joins.into_iter().for_each(|p| ctx.out.send(p));
}

fn role(r: &user::Role) -> Role {
    match r {
        user::Role::Moderator => Role::Moderator,
        user::Role::Participant => Role::Participant,
        user::Role::Visitor => Role::Visitor,
        user::Role::None => Role::None,
    }
}

fn affiliation(a: &user::Affiliation) -> Affiliation {
    match a {
        user::Affiliation::Owner => Affiliation::Owner,
        user::Affiliation::Admin => Affiliation::Admin,
        user::Affiliation::Member => Affiliation::Member,
        user::Affiliation::Outcast => Affiliation::Outcast,
        user::Affiliation::None => Affiliation::None,
    }
}

fn join_error(error: &StanzaError, nick: &str) -> RoomJoinError {
    match error.defined_condition {
        DefinedCondition::Conflict => RoomJoinError::NicknameConflict {
            nick: nick.to_owned(),
        },
        DefinedCondition::NotAuthorized => RoomJoinError::PasswordRequired,
        DefinedCondition::Forbidden => RoomJoinError::Banned,
        DefinedCondition::RegistrationRequired => RoomJoinError::MembersOnly,
        DefinedCondition::ServiceUnavailable => RoomJoinError::Full,
        DefinedCondition::ItemNotFound | DefinedCondition::RemoteServerNotFound => RoomJoinError::NotFound,
        ref other => {
            let text = error.texts.values().next().cloned().unwrap_or_default();
            RoomJoinError::Other(format!("{other:?} {text}").trim().to_owned())
        }
    }
}

fn exit_of(muc: &MucUser, destroyed: Option<String>) -> RoomExit {
    let reason = muc
        .items
        .iter()
        .find_map(|i| i.reason.as_ref().map(|r| r.0.clone()));
    if let Some(reason) = destroyed {
        return RoomExit::Destroyed {
            reason: Some(reason).filter(|r| !r.is_empty()),
        };
    }
    if muc.status.contains(&Status::Banned) {
        RoomExit::Banned { reason }
    } else if muc.status.contains(&Status::Kicked) || muc.status.contains(&Status::ServiceErrorKick) {
        RoomExit::Kicked { reason }
    } else if muc.status.contains(&Status::RemovalFromRoom) || muc.status.contains(&Status::ConfigMembersOnly)
    {
        RoomExit::MembershipRevoked
    } else if muc.status.contains(&Status::ServiceShutdown) {
        RoomExit::Shutdown
    } else {
        RoomExit::Left
    }
}

/// The reason of a `<destroy/>` in a self-presence, if the room was destroyed.
fn destroyed(presence: &Presence) -> Option<String> {
    let x = presence.payloads.iter().find(|p| p.is("x", ns::MUC_USER))?;
    let destroy = x.get_child("destroy", ns::MUC_USER)?;
    Some(
        destroy
            .get_child("reason", ns::MUC_USER)
            .map(|r| r.text())
            .unwrap_or_default(),
    )
}

/// Handles a presence from a room we know; any other presence is handed
/// back for contact presence.
pub fn on_presence(ctx: &SessionContext, presence: Presence) -> Option<Presence> {
    let Some(from) = presence.from.clone().and_then(|f| f.try_into_full().ok()) else {
        return Some(presence);
    };
    let room = from.to_bare();
    if !ctx.state::<Rooms>().knows(&room) {
        return Some(presence);
    }
    let nick = from.resource().as_str().to_owned();
    if presence.type_ == PresenceType::Error {
        on_error(ctx, &room, &nick, &presence);
        return None;
    }
    let muc = presence
        .payloads
        .iter()
        .find(|p| p.is("x", ns::MUC_USER))
        .and_then(|p| MucUser::try_from(p.clone()).ok())
        .unwrap_or_default();
    let is_self = muc.status.contains(&Status::SelfPresence);
    let item = muc.items.first();
    let occupant = Occupant {
        nick: nick.clone(),
        real_jid: item.and_then(|i| i.jid.clone()),
        role: item.map(|i| role(&i.role)).unwrap_or(Role::None),
        affiliation: item
            .map(|i| affiliation(&i.affiliation))
            .unwrap_or(Affiliation::None),
        show: contact_presence::show(&presence),
        status: presence.statuses.values().next().cloned().unwrap_or_default(),
    };
    let account = ctx.account.clone();
    let mut events = Vec::new();
    {
        let mut rooms = ctx.state::<Rooms>().lock();
        let r = rooms.get_mut(&room)?;
        let unavailable = presence.type_ == PresenceType::Unavailable;
        let renamed_to = muc
            .status
            .contains(&Status::NewNick)
            .then(|| item.and_then(|i| i.nick.clone()))
            .flatten();
        if unavailable {
            r.occupants.remove(&nick);
            if is_self {
                if let Some(new) = renamed_to {
                    r.nick = new;
                } else {
                    rooms.remove(&room);
                    events.push(Event::RoomLeft {
                        jid: account,
                        room,
                        exit: exit_of(&muc, destroyed(&presence)),
                    });
                }
            } else if r.phase == Phase::Joined {
                events.push(Event::OccupantLeft {
                    jid: account,
                    room,
                    nick,
                });
            }
        } else {
            r.occupants.insert(nick.clone(), occupant.clone());
            match (&r.phase, is_self) {
                (Phase::Joining { .. }, true) => {
                    // The room may have changed our nickname (status 210).
                    r.nick = nick.clone();
                    r.phase = Phase::Joined;
                    // Whether messages here can be encrypted.
                    let (ctx, joined) = (ctx.clone(), room.clone());
                    tokio::spawn(async move { super::x0384_omemo_rooms::check_room(&ctx, &joined).await });
                    events.push(Event::RoomJoined {
                        jid: account,
                        room,
                        nick,
                        occupants: r.occupants.values().cloned().collect(),
                        subject: r.subject.clone(),
                    });
                }
                (Phase::Joined, _) => events.push(Event::OccupantChanged {
                    jid: account,
                    room,
                    occupant,
                }),
                _ => {}
            }
        }
    }
    events.into_iter().for_each(|e| ctx.emit(e));
    None
}

fn on_error(ctx: &SessionContext, room: &BareJid, nick: &str, presence: &Presence) {
    let error = presence
        .payloads
        .iter()
        .find(|p| p.is("error", ns::DEFAULT_NS))
        .and_then(|p| StanzaError::try_from(p.clone()).ok());
    let mut rooms = ctx.state::<Rooms>().lock();
    let Some(r) = rooms.get_mut(room) else { return };
    let Phase::Joining { attempt, requested } = r.phase.clone() else {
        tracing::debug!(%room, ?error, "error presence from a room we are in");
        return;
    };
    let Some(error) = error else {
        tracing::debug!(%room, "error presence without an error");
        return;
    };
    if error.defined_condition == DefinedCondition::Conflict && attempt < NICK_ATTEMPTS {
        let next = format!("{requested}{}", "_".repeat(attempt as usize));
        tracing::info!(%room, tried = nick, next = %next, "nickname taken; trying another");
        r.nick = next.clone();
        r.phase = Phase::Joining {
            attempt: attempt + 1,
            requested,
        };
        if let Some(p) = join_presence(room, &next, r.password.as_ref().map(Password::expose), r.since_ms) {
            ctx.out.send(p);
        }
        return;
    }
    rooms.remove(room);
    drop(rooms);
    ctx.emit(Event::RoomJoinFailed {
        jid: ctx.account.clone(),
        room: room.clone(),
        error: join_error(&error, nick),
    });
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use xmpp_parsers::minidom::Element;

    #[test]
    fn join_presence_asks_for_newer_history_only() {
        let room = BareJid::from_str("tavern@conference.example.org").expect("jid");
        let p = join_presence(&room, "juliet", Some("secret"), Some(1_700_000_000_000)).expect("presence");
        let xml = String::from(&Element::from(p));
        assert!(xml.contains("tavern@conference.example.org/juliet"), "{xml}");
        assert!(xml.contains("<password>secret</password>"), "{xml}");
        assert!(xml.contains("since='2023-11-14T22:13:20.001+00:00'"), "{xml}");
        let first = join_presence(&room, "juliet", None, None).expect("presence");
        assert!(String::from(&Element::from(first)).contains("maxstanzas='50'"));
    }

    #[test]
    fn an_impossible_nickname_is_refused() {
        let room = BareJid::from_str("tavern@conference.example.org").expect("jid");
        assert!(join_presence(&room, "", None, None).is_none());
    }
}
