//! Kontalk's push capability (`http://kontalk.org/extensions/presence#push`):
//! the server's push providers, from disco#items on that node. A desktop
//! client does not register for push; the account details say so.

use xmpp_parsers::{
    disco::{DiscoItemsQuery, DiscoItemsResult},
    jid::Jid,
};

use crate::core::xmpp::{modules::Module, session::context::SessionContext};

/// The namespace: the server's disco#info feature and the items node.
pub const NS: &str = "http://kontalk.org/extensions/presence#push";

/// The most providers listed.
const MAX_PROVIDERS: usize = 32;

/// The module entry: nothing to announce (a client does not offer push).
pub const MODULE: Module = Module {
    name: "Kontalk push capability",
    ..Module::NONE
};

/// A push provider the server offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushProvider {
    /// Its address (`gcm.push.kontalk.net`).
    pub jid: String,
    /// Its name, when given.
    pub name: Option<String>,
    /// Its node (for GCM, the sender id a phone registers with).
    pub node: Option<String>,
}

/// The providers in a disco#items result on the push node.
pub fn from_items(items: &DiscoItemsResult) -> Vec<PushProvider> {
    items
        .items
        .iter()
        .take(MAX_PROVIDERS)
        .map(|i| PushProvider {
            jid: i.jid.to_string(),
            name: i.name.clone().filter(|n| !n.trim().is_empty()),
            node: i.node.clone(),
        })
        .collect()
}

/// The server's push providers (empty when it lists none or does not
/// answer).
pub async fn providers(ctx: &SessionContext) -> Vec<PushProvider> {
    let server = Jid::from(ctx.account.domain().to_owned());
    let query = DiscoItemsQuery {
        node: Some(NS.to_owned()),
        rsm: None,
    };
    match ctx.out.get(Some(server), query).await {
        Ok(Some(payload)) => match DiscoItemsResult::try_from(payload) {
            Ok(items) => from_items(&items),
            Err(e) => {
                tracing::info!(error = %e, "the push providers did not parse");
                Vec::new()
            }
        },
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xmpp_parsers::minidom::Element;

    #[test]
    fn providers_come_from_the_push_node_as_kontalk_lists_them() {
        let xml = "<query xmlns='http://jabber.org/protocol/disco#items' node='http://kontalk.org/extensions/presence#push'>
            <item node='SENDER-ID' jid='gcm.push.kontalk.net' name='Google Cloud Messaging push notifications'/>
            <item jid='push.example.org'/></query>";
        let items = DiscoItemsResult::try_from(xml.parse::<Element>().expect("xml")).expect("items");
        assert_eq!(
            from_items(&items),
            vec![
                PushProvider {
                    jid: "gcm.push.kontalk.net".into(),
                    name: Some("Google Cloud Messaging push notifications".into()),
                    node: Some("SENDER-ID".into()),
                },
                PushProvider {
                    jid: "push.example.org".into(),
                    name: None,
                    node: None,
                },
            ]
        );
    }

    #[test]
    fn a_malformed_item_list_is_refused_by_the_parser() {
        let bad = "<query xmlns='http://jabber.org/protocol/disco#items'><item/></query>";
        assert!(DiscoItemsResult::try_from(bad.parse::<Element>().expect("xml")).is_err());
    }
}
