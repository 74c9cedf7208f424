//! XEP-0153 vCard-Based Avatars: a contact's presence carries the SHA-1
//! of its vCard photo; an unknown one is fetched with the vCard.

use xmpp_parsers::{
    jid::{BareJid, Jid},
    minidom::Element,
    ns,
    presence::Presence,
    vcard::{VCard, VCardQuery},
    vcard_update::VCardUpdate,
};

use crate::core::xmpp::{modules::avatar_updates, session::context::SessionContext};

/// What a presence says of its sender's avatar: `None` if it does not
/// say; `Some(None)` for no avatar; `Some(Some(hash))` for an image.
pub fn announced(p: &Presence) -> Option<Option<String>> {
    let update = p.payloads.iter().find(|e| e.is("x", ns::VCARD_UPDATE))?;
    let update = VCardUpdate::try_from(update.clone()).ok()?;
    // An empty <x/> means "not ready to say"; an empty <photo/> means none.
    let photo = update.photo?;
    Some(photo.data.map(hex::encode))
}

/// The photo in `contact`'s vCard: its type and bytes.
async fn fetch(ctx: &SessionContext, contact: &BareJid) -> Option<(String, Vec<u8>)> {
    let answer = ctx.out.get(Some(Jid::from(contact.clone())), VCardQuery).await;
    let payload: Element = match answer {
        Ok(Some(payload)) => payload,
        other => {
            tracing::debug!(%contact, ?other, "no vCard");
            return None;
        }
    };
    let photo = VCard::try_from(payload).ok()?.photo?;
    Some((photo.type_.data, photo.binval.data))
}

/// Follows the avatar hash in a contact's presence, if it has one.
pub fn on_presence(ctx: &SessionContext, p: &Presence) {
    let (Some(from), Some(hash)) = (p.from.as_ref(), announced(p)) else {
        return;
    };
    let ctx = ctx.clone();
    let contact = from.to_bare();
    tokio::spawn(async move {
        let from = contact.clone();
        let ctx2 = ctx.clone();
        avatar_updates::learn(&ctx, contact, hash, |_| async move { fetch(&ctx2, &from).await }).await;
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn presence(payload: &str) -> Presence {
        let xml =
            format!("<presence xmlns='jabber:client' from='romeo@example.org/phone'>{payload}</presence>");
        Presence::try_from(xml.parse::<Element>().expect("xml")).expect("presence")
    }

    #[test]
    fn presence_says_image_none_or_nothing() {
        let hash = "01b87fcd030b72895ff8e88db57ec525450f000d";
        assert_eq!(
            announced(&presence(&format!(
                "<x xmlns='vcard-temp:x:update'><photo>{hash}</photo></x>"
            ))),
            Some(Some(hash.to_owned()))
        );
        assert_eq!(
            announced(&presence("<x xmlns='vcard-temp:x:update'><photo/></x>")),
            Some(None)
        );
        assert_eq!(announced(&presence("<x xmlns='vcard-temp:x:update'/>")), None);
        assert_eq!(announced(&presence("")), None);
        assert_eq!(
            announced(&presence("<x xmlns='vcard-temp:x:update'><photo>zz</photo></x>")),
            None,
            "a malformed hash is ignored"
        );
    }
}
