//! XEP-0084 User Avatar: contacts' avatar metadata arrives as PEP
//! notifications (we ask for them with `+notify`); the image itself is
//! fetched from their data node by its hash.

use xmpp_parsers::{
    avatar::{Data, Metadata},
    jid::{BareJid, Jid},
    message::Message,
    minidom::Element,
    ns,
    pubsub::{
        event::{Event as PubSubEvent, Payload},
        pubsub::{Item, Items, PubSub},
        ItemId,
    },
};

use crate::core::xmpp::{
    modules::{avatar_updates, Flow, Module},
    session::context::SessionContext,
};

/// `urn:xmpp:avatar:metadata+notify`: the server sends us avatar changes.
const NOTIFY: &str = "urn:xmpp:avatar:metadata+notify";

/// The module entry.
pub const MODULE: Module = Module {
    name: "XEP-0084 user avatar",
    features: &[NOTIFY],
    iq: None,
    message: Some(|ctx, incoming| {
        Box::pin(async move {
            match on_message(ctx, &incoming.message) {
                true => Flow::Handled,
                false => Flow::Next(incoming),
            }
        })
    }),
    ..Module::NONE
};

/// What a metadata notification says: the hash and type of the image to
/// show, or `None` when the contact turned their avatar off.
#[derive(Debug, PartialEq, Eq)]
pub struct Announced {
    pub contact: BareJid,
    pub image: Option<(String, String)>,
}

/// Reads a metadata notification; `None` for anything else. A PNG is
/// preferred (every client must publish one); images offered only by URL
/// are not fetched.
pub fn parse_event(message: &Message) -> Option<Announced> {
    let element = message
        .payloads
        .iter()
        .find(|p| p.is("event", ns::PUBSUB_EVENT))?;
    let event = PubSubEvent::try_from(element.clone()).ok()?;
    let Payload::Items { node, published, .. } = event.payload else {
        return None;
    };
    if node.0 != ns::AVATAR_METADATA {
        return None;
    }
    let contact = message.from.as_ref()?.to_bare();
    let payload = published.iter().find_map(|i| i.payload.clone())?;
    // xmpp-parsers 0.23 decodes `<info id=…>` with `Hash::from_hex`, which
    // slices the string two bytes at a time and panics inside a multi-byte
    // character: only ids of ASCII hex digits reach it.
    if let Some(bad) = payload
        .children()
        .filter_map(|info| info.attr("id"))
        .find(|id| !id.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        tracing::debug!(%contact, id = %bad.escape_debug(), "avatar metadata with an id that is not hex");
        return None;
    }
    let metadata = match Metadata::try_from(payload) {
        Ok(m) => m,
        Err(e) => {
            tracing::debug!(%contact, error = %e, "unreadable avatar metadata");
            return None;
        }
    };
    let hosted = metadata.infos.iter().filter(|i| i.url.is_none());
    let chosen = hosted
        .clone()
        .find(|i| i.type_ == "image/png")
        .or_else(|| hosted.clone().next());
    let image = match (metadata.infos.is_empty(), chosen) {
        (true, _) => None,
        (false, Some(info)) => Some((info.id.to_hex(), info.type_.clone())),
        (false, None) => return None,
    };
    Some(Announced { contact, image })
}

/// The image with `hash` from `contact`'s data node.
async fn fetch(ctx: &SessionContext, contact: &BareJid, hash: &str) -> Option<Vec<u8>> {
    let mut request = Items::new(ns::AVATAR_DATA);
    request.items = vec![Item {
        id: Some(ItemId(hash.to_owned())),
        publisher: None,
        payload: None,
    }];
    let answer = ctx
        .out
        .get(Some(Jid::from(contact.clone())), PubSub::Items(request))
        .await;
    let payload = match answer {
        Ok(Some(payload)) => payload,
        other => {
            tracing::debug!(%contact, ?other, "no avatar data");
            return None;
        }
    };
    let Ok(PubSub::Items(items)) = PubSub::try_from(payload) else {
        return None;
    };
    items
        .items
        .into_iter()
        .filter(|i| i.id.as_ref().is_some_and(|id| id.0.eq_ignore_ascii_case(hash)))
        .find_map(|i| i.payload)
        .and_then(|p: Element| Data::try_from(p).ok())
        .map(|d| d.data)
}

/// Handles a metadata notification; false if `message` is not one. The
/// image is fetched in a task of its own: the answer comes through the
/// session loop that called this.
pub fn on_message(ctx: &SessionContext, message: &Message) -> bool {
    let Some(announced) = parse_event(message) else {
        return false;
    };
    let (contact, image) = (announced.contact, announced.image);
    let mime = image.as_ref().map(|(_, m)| m.clone()).unwrap_or_default();
    let ctx = ctx.clone();
    tokio::spawn(async move {
        let from = contact.clone();
        let asker = ctx.clone();
        avatar_updates::learn(&ctx, contact, image.map(|(h, _)| h), |hash| async move {
            fetch(&asker, &from, &hash).await.map(|data| (mime, data))
        })
        .await;
    });
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(xml: &str) -> Message {
        Message::try_from(xml.parse::<Element>().expect("xml")).expect("message")
    }

    fn event(items: &str) -> String {
        format!(
            "<message xmlns='jabber:client' from='romeo@example.org' to='juliet@example.org/a' type='headline'>\
             <event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='urn:xmpp:avatar:metadata'>{items}</items></event></message>"
        )
    }

    const HASH: &str = "111f4b3c50d7b0df729d299bc6f8e9ef9066971f";

    #[test]
    fn metadata_prefers_png_and_an_empty_one_turns_the_avatar_off() {
        let both = event(&format!(
            "<item id='{HASH}'><metadata xmlns='urn:xmpp:avatar:metadata'>\
             <info bytes='100' id='222f4b3c50d7b0df729d299bc6f8e9ef9066971f' type='image/jpeg'/>\
             <info bytes='200' id='{HASH}' type='image/png' height='64' width='64'/>\
             </metadata></item>"
        ));
        let announced = parse_event(&message(&both)).expect("metadata");
        assert_eq!(announced.contact.as_str(), "romeo@example.org");
        assert_eq!(announced.image, Some((HASH.to_owned(), "image/png".to_owned())));

        let off = event("<item id='current'><metadata xmlns='urn:xmpp:avatar:metadata'/></item>");
        assert_eq!(parse_event(&message(&off)).expect("metadata").image, None);
    }

    #[test]
    fn url_only_malformed_and_other_nodes_are_not_avatars() {
        let url_only = event(&format!(
            "<item id='{HASH}'><metadata xmlns='urn:xmpp:avatar:metadata'>\
             <info bytes='200' id='{HASH}' type='image/png' url='http://example.org/a.png'/>\
             </metadata></item>"
        ));
        assert_eq!(parse_event(&message(&url_only)), None);
        let bad_hash = event(
            "<item id='x'><metadata xmlns='urn:xmpp:avatar:metadata'>\
             <info bytes='200' id='not-hex' type='image/png'/></metadata></item>",
        );
        assert_eq!(parse_event(&message(&bad_hash)), None);
        // Made xmpp-parsers panic (a slice inside 'ä') before the check.
        for id in ["aä", "ää", "111f4b3c50d7b0df729d299bc6f8e9ef9066971é"] {
            let non_ascii = event(&format!(
                "<item id='x'><metadata xmlns='urn:xmpp:avatar:metadata'>\
                 <info bytes='200' id='{id}' type='image/png'/></metadata></item>"
            ));
            assert_eq!(parse_event(&message(&non_ascii)), None, "{id}");
        }
        let other = "<message xmlns='jabber:client' from='romeo@example.org' type='headline'>\
             <event xmlns='http://jabber.org/protocol/pubsub#event'>\
             <items node='urn:xmpp:bookmarks:1'/></event></message>";
        assert_eq!(parse_event(&message(other)), None);
    }
}
