//! What XEP-0084 and XEP-0153 share: a contact announces the SHA-1 of its
//! avatar; an image we have is shown at once, another is fetched once,
//! checked against the hash, stored, then shown.

use std::{
    collections::HashSet,
    future::Future,
    sync::{Arc, Mutex},
};

use xmpp_parsers::jid::BareJid;

use crate::core::xmpp::{modules::Module, session::context::SessionContext};

/// The module entry: keeps the fetches in progress for a session.
pub const MODULE: Module = Module {
    name: "avatar updates (XEP-0084, XEP-0153)",
    state: Some(|| Box::new(AvatarFetches::default())),
    ..Module::NONE
};
use crate::core::{bridge::Event, store::AvatarImage};

/// Fetches in progress, by contact and hash, so that a hash repeated in
/// every presence is fetched once.
#[derive(Clone, Debug, Default)]
pub struct AvatarFetches(Arc<Mutex<HashSet<(BareJid, String)>>>);

impl AvatarFetches {
    fn begin(&self, key: &(BareJid, String)) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone())
    }

    fn end(&self, key: &(BareJid, String)) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

/// `contact` now shows the image with `hash` (or none). `fetch` gets the
/// image's MIME type and bytes when the store does not have it.
pub async fn learn<F, Fut>(ctx: &SessionContext, contact: BareJid, hash: Option<String>, fetch: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Option<(String, Vec<u8>)>>,
{
    let account = ctx.account.clone();
    let hash = hash.map(|h| h.to_ascii_lowercase());
    let (a, c) = (account.clone(), contact.clone());
    let current = ctx
        .store
        .run(move |s| s.contact_avatar_hash(&a, &c))
        .await
        .ok()
        .flatten();
    if current == hash {
        return;
    }
    let Some(hash) = hash else {
        let (a, c) = (account.clone(), contact.clone());
        if let Err(e) = ctx.store.run(move |s| s.set_contact_avatar(&a, &c, None)).await {
            tracing::error!(error = %e, "could not forget an avatar");
        }
        ctx.emit(Event::ContactAvatar {
            jid: account,
            contact,
            image: None,
        });
        return;
    };
    let h = hash.clone();
    let image = match ctx.store.run(move |s| s.avatar(&h)).await {
        Ok(Some(image)) => image,
        _ => {
            let key = (contact.clone(), hash.clone());
            if !ctx.state::<AvatarFetches>().begin(&key) {
                return;
            }
            let fetched = fetch(hash.clone()).await;
            ctx.state::<AvatarFetches>().end(&key);
            let Some(image) = fetched.and_then(|(mime, data)| AvatarImage::checked(&hash, &mime, data))
            else {
                tracing::info!(%contact, %hash, "avatar missing, too large, or not matching its hash");
                return;
            };
            let saved = image.clone();
            if let Err(e) = ctx.store.run(move |s| s.save_avatar(&saved)).await {
                tracing::error!(error = %e, "could not store an avatar");
            }
            image
        }
    };
    let (a, c, h) = (account.clone(), contact.clone(), image.hash.clone());
    if let Err(e) = ctx
        .store
        .run(move |s| s.set_contact_avatar(&a, &c, Some(&h)))
        .await
    {
        tracing::error!(error = %e, "could not assign an avatar");
    }
    ctx.emit(Event::ContactAvatar {
        jid: account,
        contact,
        image: Some(image),
    });
}
