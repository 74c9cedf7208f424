//! XEP-0363 HTTP File Upload, the XMPP half: finding the upload service
//! and its size limit, and asking it for a slot. The HTTP half is
//! [`crate::core::files::http`].

use std::sync::Mutex;

use xmpp_parsers::{
    data_forms::DataForm,
    disco::{DiscoInfoQuery, DiscoInfoResult, DiscoItemsQuery, DiscoItemsResult},
    http_upload::{SlotRequest, SlotResult},
    jid::Jid,
};

use crate::core::{
    files::{http::PutSlot, TransferError},
    xmpp::{modules::Module, session::context::SessionContext},
};

/// The namespace (and the service's disco#info feature).
pub const NS: &str = "urn:xmpp:http:upload:0";

/// The most disco#items entries of our server asked about.
const MAX_ITEMS: usize = 32;

/// The module entry: keeps the service found for the session.
pub const MODULE: Module = Module {
    name: "XEP-0363 HTTP file upload",
    state: Some(|| Box::new(UploadServiceCache::default())),
    ..Module::NONE
};

/// An upload service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadService {
    /// Its address.
    pub jid: Jid,
    /// The largest file it takes, when it says.
    pub max_size: Option<u64>,
}

/// The service found in this session (`Some(None)`: there is none).
#[derive(Debug, Default)]
pub struct UploadServiceCache(Mutex<Option<Option<UploadService>>>);

/// The service `info` describes, if it is an upload service.
pub fn from_info(jid: Jid, info: &DiscoInfoResult) -> Option<UploadService> {
    if !info.features.iter().any(|f| f == NS) {
        return None;
    }
    let max_size = info
        .extensions
        .iter()
        .filter(|form| form.form_type() == Some(NS))
        .flat_map(|form: &DataForm| form.fields.iter())
        .find(|field| field.var.as_deref() == Some("max-file-size"))
        .and_then(|field| field.values.first())
        .and_then(|v| v.trim().parse::<u64>().ok());
    Some(UploadService { jid, max_size })
}

async fn info(ctx: &SessionContext, jid: Jid) -> Option<UploadService> {
    let payload = ctx
        .out
        .get(Some(jid.clone()), DiscoInfoQuery { node: None })
        .await
        .ok()??;
    from_info(jid, &DiscoInfoResult::try_from(payload).ok()?)
}

/// The upload service: our server itself, or one of its items (asked in
/// parallel). Found once per session.
pub async fn service(ctx: &SessionContext) -> Option<UploadService> {
    let cache = ctx.state::<UploadServiceCache>();
    if let Ok(guard) = cache.0.lock() {
        if let Some(found) = guard.as_ref() {
            return found.clone();
        }
    }
    let server = Jid::from(ctx.account.domain().to_owned());
    let found = match info(ctx, server.clone()).await {
        Some(s) => Some(s),
        None => {
            let items = match ctx
                .out
                .get(
                    Some(server),
                    DiscoItemsQuery {
                        node: None,
                        rsm: None,
                    },
                )
                .await
            {
                Ok(Some(payload)) => DiscoItemsResult::try_from(payload)
                    .map(|r| r.items)
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            let asks = items.into_iter().take(MAX_ITEMS).map(|item| info(ctx, item.jid));
            futures::future::join_all(asks).await.into_iter().flatten().next()
        }
    };
    tracing::debug!(?found, "upload service");
    if let Ok(mut guard) = cache.0.lock() {
        *guard = Some(found.clone());
    }
    found
}

/// Asks `service` for a slot for a file: the PUT and the GET URL.
pub async fn slot(
    ctx: &SessionContext,
    service: &UploadService,
    name: &str,
    size: u64,
    mime: &str,
) -> Result<(PutSlot, String), TransferError> {
    if let Some(limit) = service.max_size.filter(|l| size > *l) {
        return Err(TransferError::TooLarge { size, limit });
    }
    let request = SlotRequest {
        filename: name.to_owned(),
        size,
        content_type: Some(mime.to_owned()),
    };
    let payload = ctx
        .out
        .get(Some(service.jid.clone()), request)
        .await
        .map_err(|e| TransferError::SlotRefused(e.to_string()))?
        .ok_or_else(|| TransferError::SlotRefused("no slot in the answer".into()))?;
    let slot = SlotResult::try_from(payload).map_err(|e| TransferError::SlotRefused(e.to_string()))?;
    let put = PutSlot {
        url: slot.put.url,
        headers: slot
            .put
            .headers
            .into_iter()
            .map(|h| (h.name.as_str().to_owned(), h.value))
            .collect(),
    };
    if !slot.get.url.starts_with("https://") && !slot.get.url.starts_with("http://") {
        return Err(TransferError::SlotRefused(
            "the slot's address is not a web address".into(),
        ));
    }
    Ok((put, slot.get.url))
}

#[cfg(test)]
mod tests {
    use super::*;
    use xmpp_parsers::minidom::Element;

    #[test]
    fn the_service_and_its_limit_come_from_disco_info() {
        let xml = "<query xmlns='http://jabber.org/protocol/disco#info'>
            <identity category='store' type='file' name='HTTP File Upload'/>
            <feature var='urn:xmpp:http:upload:0'/>
            <x type='result' xmlns='jabber:x:data'>
              <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:http:upload:0</value></field>
              <field var='max-file-size'><value>5242880</value></field>
            </x></query>";
        let info = DiscoInfoResult::try_from(xml.parse::<Element>().expect("xml")).expect("info");
        let jid = Jid::new("upload.example.org").expect("jid");
        assert_eq!(
            from_info(jid.clone(), &info),
            Some(UploadService {
                jid: jid.clone(),
                max_size: Some(5_242_880)
            })
        );
        let other = "<query xmlns='http://jabber.org/protocol/disco#info'>
            <identity category='conference' type='text'/><feature var='http://jabber.org/protocol/muc'/></query>";
        let info = DiscoInfoResult::try_from(other.parse::<Element>().expect("xml")).expect("info");
        assert_eq!(from_info(jid, &info), None);
    }
}
