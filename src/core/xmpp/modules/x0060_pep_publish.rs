//! Publishing to our own PEP nodes (XEP-0060 §7.1 with XEP-0223 publish
//! options), for the modules that keep data there (bookmarks, OMEMO).
//! Options the server does not know can be left out one at a time.

use xmpp_parsers::{
    data_forms::{DataForm, DataFormType, Field, FieldType},
    minidom::Element,
    pubsub::{
        self,
        pubsub::{Items, PubSub, Publish, PublishOptions},
        ItemId, NodeName,
    },
};

use crate::core::xmpp::{session::context::SessionContext, session::outgoing::IqError};

/// A publish option: the field and its value.
pub type Option_ = (&'static str, &'static str);

fn publish_options(required: &[Option_], optional: &[Option_]) -> PublishOptions {
    let field = |(var, value): &Option_| Field::new(var, FieldType::TextSingle).with_value(value);
    PublishOptions {
        form: Some(DataForm::new(
            DataFormType::Submit,
            "http://jabber.org/protocol/pubsub#publish-options",
            required.iter().chain(optional).map(field).collect(),
        )),
    }
}

/// The optional publish option that `error` says the server does not know.
/// ejabberd answers precondition-not-met, as for a node configured
/// differently, so only its text ("Unknown field 'pubsub#max_items' …")
/// tells the two apart.
fn refused_option(error: &IqError, optional: &[Option_]) -> Option<&'static str> {
    let IqError::Stanza(e) = error else { return None };
    optional
        .iter()
        .map(|(var, _)| *var)
        .find(|var| e.texts.values().any(|t| t.contains(&format!("'{var}'"))))
}

/// Publishes `payload` as item `id` of our node `node`, with the
/// `required` options and as many of the `optional` ones as the server
/// knows.
pub async fn publish(
    ctx: &SessionContext,
    node: &str,
    id: &str,
    payload: Element,
    required: &[Option_],
    optional: &[Option_],
) -> Result<(), IqError> {
    let item = pubsub::pubsub::Item {
        id: Some(ItemId(id.to_owned())),
        publisher: None,
        payload: Some(payload),
    };
    let request = |optional: &[Option_]| PubSub::Publish {
        publish: Publish {
            node: NodeName(node.to_owned()),
            items: vec![item.clone()],
        },
        publish_options: Some(publish_options(required, optional)),
    };
    // Each try leaves out one more option the server refused: bounded.
    let mut optional = optional.to_vec();
    loop {
        match ctx.out.set(None, request(&optional)).await {
            Err(e) => match refused_option(&e, &optional) {
                Some(var) => {
                    tracing::info!(
                        option = var,
                        "the server does not know a publish option; publishing without it"
                    );
                    optional.retain(|(v, _)| *v != var);
                }
                None => return Err(e),
            },
            Ok(_) => return Ok(()),
        }
    }
}

/// The payloads of `node`'s items at `jid` (our own account for `None`),
/// with their ids; `Ok(empty)` when the node does not exist.
pub async fn items(
    ctx: &SessionContext,
    jid: Option<xmpp_parsers::jid::Jid>,
    node: &str,
    max: usize,
) -> Result<Vec<(Option<String>, Element)>, IqError> {
    let request = PubSub::Items(Items::new(node));
    match ctx.out.get(jid, request).await {
        Ok(Some(payload)) => match PubSub::try_from(payload) {
            Ok(PubSub::Items(items)) => Ok(items
                .items
                .into_iter()
                .take(max)
                .filter_map(|i| Some((i.id.map(|id| id.0), i.payload?)))
                .collect()),
            Ok(_) => Err(IqError::Malformed("not an items result".into())),
            Err(e) => Err(IqError::Malformed(e.to_string())),
        },
        Ok(None) => Ok(Vec::new()),
        // No such node; Prosody says forbidden for a node that does not
        // exist when it would not tell a stranger.
        Err(IqError::Stanza(e))
            if matches!(
                e.defined_condition,
                xmpp_parsers::stanza_error::DefinedCondition::ItemNotFound
                    | xmpp_parsers::stanza_error::DefinedCondition::Forbidden
            ) =>
        {
            Ok(Vec::new())
        }
        Err(e) => Err(e),
    }
}
