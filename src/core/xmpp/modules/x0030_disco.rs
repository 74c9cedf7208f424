//! XEP-0030 Service Discovery: our own disco#info (identity client/pc and
//! the registered modules' features).

use xmpp_parsers::{
    disco::{DiscoInfoQuery, DiscoInfoResult, Identity},
    ns,
    stanza_error::{DefinedCondition, ErrorType},
};

use crate::core::xmpp::{
    modules::x0115_caps,
    modules::{advertised_features, stanza_error, Answer, IqRequest, Module},
};

/// The module entry.
pub const MODULE: Module = Module {
    name: "XEP-0030 service discovery",
    features: &[ns::DISCO_INFO],
    iq: Some(answer),
    ..Module::NONE
};

/// Our disco#info, for `node` (`None`, or our caps `node#ver`).
pub fn our_info(node: Option<String>) -> DiscoInfoResult {
    DiscoInfoResult {
        node,
        identities: vec![Identity::new("client", "pc", "en", "Balcony")],
        features: advertised_features(),
        extensions: Vec::new(),
    }
}

fn answer(request: &IqRequest<'_>) -> Option<Answer> {
    if request.payload.is("query", ns::DISCO_INFO) && !request.is_set {
        let query = match DiscoInfoQuery::try_from(request.payload.clone()) {
            Ok(q) => q,
            Err(e) => {
                return Some(Answer::Error(stanza_error(
                    ErrorType::Modify,
                    DefinedCondition::BadRequest,
                    &e.to_string(),
                )))
            }
        };
        return Some(match query.node {
            None => Answer::Result(Some(our_info(None).into())),
            Some(node) if node == x0115_caps::our_node_ver() => {
                Answer::Result(Some(our_info(Some(node)).into()))
            }
            Some(_) => Answer::Error(stanza_error(
                ErrorType::Cancel,
                DefinedCondition::ItemNotFound,
                "No such node",
            )),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_client_pc_and_features_match_the_registry() {
        let info = our_info(None);
        assert_eq!(info.identities.len(), 1);
        assert_eq!(
            (
                info.identities[0].category.as_str(),
                info.identities[0].type_.as_str()
            ),
            ("client", "pc")
        );
        assert_eq!(info.features, advertised_features());
    }
}
