//! XEP-0402 PEP Native Bookmarks: fetched after login (rooms marked
//! autojoin are joined), kept current by PEP notifications, and edited here.

use xmpp_parsers::{
    bookmarks2::Conference,
    jid::{BareJid, ResourcePart},
    message::Message,
    minidom::Element,
    ns,
    pubsub::{
        self,
        event::{Event as PubSubEvent, Payload},
        pubsub::{Items, PubSub, Retract},
        ItemId, NodeName,
    },
    stanza_error::DefinedCondition,
};

use crate::core::xmpp::{
    modules::x0045_muc::{self, Rooms},
    modules::x0060_pep_publish,
    modules::{pushed_by_own_account, Flow, Module},
    session::context::SessionContext,
    session::outgoing::IqError,
};
use crate::core::{bridge::Event, credentials::Password, rooms::Bookmark};

/// `urn:xmpp:bookmarks:1+notify`: the server sends us changes.
const NOTIFY: &str = "urn:xmpp:bookmarks:1+notify";

/// The module entry.
pub const MODULE: Module = Module {
    name: "XEP-0402 bookmarks",
    features: &[NOTIFY],
    iq: None,
    message: Some(|ctx, incoming| {
        Box::pin(async move {
            match on_message(ctx, &incoming.message).await {
                true => Flow::Handled,
                false => Flow::Next(incoming),
            }
        })
    }),
    ..Module::NONE
};

fn to_bookmark(room: &str, conference: Conference) -> Option<Bookmark> {
    Some(Bookmark {
        room: room.parse().ok()?,
        name: conference.name,
        nick: conference.nick.map(|n| n.to_string()),
        autojoin: conference.autojoin,
        password: conference.password,
    })
}

fn from_item(id: Option<&ItemId>, payload: Option<&Element>) -> Option<Bookmark> {
    let (id, payload) = (id?, payload?);
    let conference = Conference::try_from(payload.clone())
        .map_err(|e| tracing::debug!(room = %id.0, error = %e, "unreadable bookmark"))
        .ok()?;
    to_bookmark(&id.0, conference)
}

/// Fetches every bookmark and emits [`Event::BookmarksReplaced`]. A node
/// that does not exist yet means none.
/// The most bookmarks Balcony reads.
pub const MAX_BOOKMARKS: usize = 1_000;

pub async fn fetch(ctx: &SessionContext) -> Result<Vec<Bookmark>, IqError> {
    let request = PubSub::Items(Items::new(ns::BOOKMARKS2));
    let bookmarks = match ctx.out.get(None, request).await {
        Ok(Some(payload)) => match PubSub::try_from(payload) {
            Ok(PubSub::Items(items)) => {
                crate::core::limits::at_most("bookmarks", items.items.len(), MAX_BOOKMARKS)
                    .map_err(IqError::Malformed)?;
                items
                    .items
                    .iter()
                    .filter_map(|i| from_item(i.id.as_ref(), i.payload.as_ref()))
                    .collect()
            }
            Ok(_) | Err(_) => return Err(IqError::Malformed("unreadable bookmarks".into())),
        },
        Ok(None) => Vec::new(),
        Err(IqError::Stanza(e)) if e.defined_condition == DefinedCondition::ItemNotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    ctx.emit(Event::BookmarksReplaced {
        jid: ctx.account.clone(),
        bookmarks: bookmarks.clone(),
    });
    Ok(bookmarks)
}

fn nick_for(ctx: &SessionContext, bookmark: &Bookmark) -> String {
    bookmark
        .nick
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| ctx.account.node().map(|n| n.to_string()))
        .unwrap_or_else(|| "me".into())
}

/// Joins the rooms of `bookmarks` marked autojoin that we are not in.
pub async fn autojoin(ctx: &SessionContext, bookmarks: &[Bookmark]) {
    for b in bookmarks
        .iter()
        .filter(|b| b.autojoin && !ctx.state::<Rooms>().knows(&b.room))
    {
        x0045_muc::join(
            ctx,
            b.room.clone(),
            nick_for(ctx, b),
            b.password.clone().map(Password::from),
        )
        .await;
    }
}

/// The publish options XEP-0402 §3 asks for. The first two keep the node
/// private and are always sent; the others a server may not know (ejabberd
/// 23.01 refuses both as unknown fields, and its PEP nodes keep many items
/// and send none on subscription anyway), so they can be left out.
const REQUIRED_OPTIONS: &[x0060_pep_publish::Option_] = &[
    ("pubsub#persist_items", "true"),
    ("pubsub#access_model", "whitelist"),
];
const OPTIONAL_OPTIONS: &[x0060_pep_publish::Option_] = &[
    ("pubsub#max_items", "max"),
    ("pubsub#send_last_published_item", "never"),
];

/// Adds or replaces a bookmark.
pub async fn publish(ctx: &SessionContext, bookmark: &Bookmark) -> Result<(), IqError> {
    let mut conference = Conference::new();
    conference.autojoin = bookmark.autojoin;
    conference.name = bookmark.name.clone();
    conference.nick = match bookmark.nick.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => Some(
            ResourcePart::new(n)
                .map_err(|e| IqError::Malformed(e.to_string()))?
                .into_owned(),
        ),
        None => None,
    };
    conference.password = bookmark.password.clone();
    x0060_pep_publish::publish(
        ctx,
        ns::BOOKMARKS2,
        &bookmark.room.to_string(),
        conference.into(),
        REQUIRED_OPTIONS,
        OPTIONAL_OPTIONS,
    )
    .await
}

/// Removes a bookmark.
pub async fn retract(ctx: &SessionContext, room: &BareJid) -> Result<(), IqError> {
    let request = PubSub::Retract(Retract {
        node: NodeName(ns::BOOKMARKS2.to_owned()),
        notify: true,
        items: vec![pubsub::pubsub::Item {
            id: Some(ItemId(room.to_string())),
            publisher: None,
            payload: None,
        }],
    });
    ctx.out.set(None, request).await.map(|_| ())
}

/// What a bookmarks notification says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Added or changed.
    Set(Bookmark),
    /// Removed.
    Removed(BareJid),
}

/// Reads a bookmarks notification from our own account; `None` for any
/// other message (a stranger's notification included).
pub fn parse_event(own: &BareJid, message: &Message) -> Option<Vec<Change>> {
    let element = message
        .payloads
        .iter()
        .find(|p| p.is("event", ns::PUBSUB_EVENT))?;
    let event = PubSubEvent::try_from(element.clone()).ok()?;
    let Payload::Items {
        node,
        published,
        retracted,
    } = event.payload
    else {
        return None;
    };
    if node.0 != ns::BOOKMARKS2 {
        return None;
    }
    if !pushed_by_own_account(&message.from, own) {
        tracing::warn!(from = ?message.from, "bookmarks notification from a stranger ignored");
        return Some(Vec::new());
    }
    let mut changes: Vec<Change> = published
        .iter()
        .filter_map(|i| from_item(i.id.as_ref(), i.payload.as_ref()))
        .map(Change::Set)
        .collect();
    changes.extend(
        retracted
            .iter()
            .filter_map(|id| id.0.parse().ok())
            .map(Change::Removed),
    );
    Some(changes)
}

/// Handles a message that may be a bookmarks notification; false when it
/// is not one.
pub async fn on_message(ctx: &SessionContext, message: &Message) -> bool {
    let Some(changes) = parse_event(&ctx.account, message) else {
        return false;
    };
    for change in changes {
        apply(ctx, change).await;
    }
    true
}

/// Applies a change the server accepted or told us of: the UI learns of
/// it, and a bookmark to autojoin is joined (once: a room we are in is
/// not joined again). Our own changes are applied when the server accepts
/// them, as well as when its notification comes: ejabberd sends none to a
/// resource whose `+notify` it has not learnt from caps yet.
pub async fn apply(ctx: &SessionContext, change: Change) {
    match change {
        Change::Set(bookmark) => {
            autojoin(ctx, std::slice::from_ref(&bookmark)).await;
            ctx.emit(Event::BookmarkChanged {
                jid: ctx.account.clone(),
                bookmark,
            });
        }
        Change::Removed(room) => ctx.emit(Event::BookmarkRemoved {
            jid: ctx.account.clone(),
            room,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(xml: &str) -> Message {
        Message::try_from(xml.parse::<Element>().expect("xml")).expect("message")
    }

    const EVENT: &str = "<message xmlns='jabber:client' from='juliet@example.org' type='headline'>\
        <event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:bookmarks:1'>\
        <item id='tavern@rooms.example'><conference xmlns='urn:xmpp:bookmarks:1' name='The Tavern' autojoin='true'>\
        <nick>jul</nick></conference></item><retract id='old@rooms.example'/></items></event></message>";

    #[test]
    fn reads_a_notification_from_our_account() {
        let own: BareJid = "juliet@example.org".parse().expect("jid");
        let changes = parse_event(&own, &message(EVENT)).expect("a bookmarks event");
        assert_eq!(changes.len(), 2);
        let Change::Set(b) = &changes[0] else {
            panic!("not a set")
        };
        assert_eq!(b.room.as_str(), "tavern@rooms.example");
        assert_eq!(b.name.as_deref(), Some("The Tavern"));
        assert_eq!(b.nick.as_deref(), Some("jul"));
        assert!(b.autojoin);
        assert_eq!(
            changes[1],
            Change::Removed("old@rooms.example".parse().expect("jid"))
        );
    }

    #[test]
    fn ignores_a_strangers_notification() {
        let own: BareJid = "juliet@example.org".parse().expect("jid");
        let forged = EVENT.replace("from='juliet@example.org'", "from='mallory@example.org'");
        assert_eq!(parse_event(&own, &message(&forged)), Some(Vec::new()));
    }

    #[test]
    fn a_bookmarks_password_is_not_printed() {
        let b = Bookmark {
            room: "tavern@rooms.example".parse().expect("jid"),
            name: None,
            nick: None,
            autojoin: false,
            password: Some("hunter2".into()),
        };
        assert!(!format!("{b:?}").contains("hunter2"));
    }
}
