//! Kontalk's upload discovery (`http://kontalk.org/extensions/message#upload`),
//! used when the server offers no XEP-0363: the disco#info feature, then
//! disco#items on that node, then the `<upload node=…/>` IQ whose answer
//! names the service's `<uri>`. The file is POSTed there and the service
//! answers with the address to share ([`crate::core::files::http`]).

use xmpp_parsers::{
    disco::{DiscoInfoQuery, DiscoInfoResult, DiscoItemsQuery, DiscoItemsResult},
    jid::Jid,
    minidom::Element,
};

use crate::core::xmpp::{modules::Module, session::context::SessionContext};

/// The namespace: the feature, the items node and the IQ payload.
pub const NS: &str = "http://kontalk.org/extensions/message#upload";

/// The module entry: nothing to announce (a client uses the service).
pub const MODULE: Module = Module {
    name: "Kontalk upload discovery",
    ..Module::NONE
};

/// The `<upload/>` request for the service on `node`.
pub fn request(node: &str) -> Element {
    Element::builder("upload", NS)
        .attr(xmpp_parsers::minidom::rxml::xml_ncname!("node").to_owned(), node)
        .build()
}

/// The service's URI in an `<upload/>` answer: an http or https address.
pub fn uri_of(answer: &Element) -> Option<String> {
    if !answer.is("upload", NS) {
        return None;
    }
    let uri = answer.get_child("uri", NS)?.text().trim().to_owned();
    let lower = uri.to_ascii_lowercase();
    ((lower.starts_with("https://") || lower.starts_with("http://"))
        && uri.len() <= 4096
        && !uri.chars().any(char::is_whitespace))
    .then_some(uri)
}

/// The upload URI the server's Kontalk service offers, if it has one.
pub async fn service(ctx: &SessionContext) -> Option<String> {
    let server = Jid::from(ctx.account.domain().to_owned());
    let info = match ctx
        .out
        .get(Some(server.clone()), DiscoInfoQuery { node: None })
        .await
    {
        Ok(info) => info?,
        Err(e) => {
            tracing::warn!(error = %e, "no disco#info from the server for Kontalk's upload service");
            return None;
        }
    };
    if !DiscoInfoResult::try_from(info)
        .ok()?
        .features
        .iter()
        .any(|f| f == NS)
    {
        return None;
    }
    let items = ctx
        .out
        .get(
            Some(server.clone()),
            DiscoItemsQuery {
                node: Some(NS.to_owned()),
                rsm: None,
            },
        )
        .await;
    let items = match items {
        Ok(items) => items?,
        Err(e) => {
            tracing::warn!(error = %e, "no list of Kontalk upload services");
            return None;
        }
    };
    let items = DiscoItemsResult::try_from(items).ok()?;
    // The first service that answers with a usable URI.
    for item in items.items.iter().take(8) {
        let Some(node) = item.node.as_deref() else {
            continue;
        };
        match ctx.out.get(Some(server.clone()), request(node)).await {
            Ok(Some(answer)) => {
                if let Some(uri) = uri_of(&answer) {
                    return Some(uri);
                }
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(node, error = %e, "a Kontalk upload service did not answer"),
        }
    }
    tracing::warn!(
        services = items.items.len(),
        "no Kontalk upload service answered with a usable address"
    );
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uri_comes_from_the_answer_and_must_be_a_web_address() {
        let ok: Element = "<upload xmlns='http://kontalk.org/extensions/message#upload' node='kontalkbox'>
            <uri>http://prime.kontalk.net:5280/upload</uri></upload>"
            .parse()
            .expect("xml");
        assert_eq!(
            uri_of(&ok).as_deref(),
            Some("http://prime.kontalk.net:5280/upload")
        );
        for bad in [
            "<upload xmlns='http://kontalk.org/extensions/message#upload'/>",
            "<upload xmlns='http://kontalk.org/extensions/message#upload'><uri>file:///etc/passwd</uri></upload>",
            "<upload xmlns='http://kontalk.org/extensions/message#upload'><uri>http://a b</uri></upload>",
            "<other xmlns='urn:x'><uri>http://a</uri></other>",
        ] {
            assert_eq!(uri_of(&bad.parse().expect("xml")), None, "{bad}");
        }
        let r = request("kontalkbox");
        assert_eq!(r.attr("node"), Some("kontalkbox"));
        assert!(r.is("upload", NS));
    }
}
