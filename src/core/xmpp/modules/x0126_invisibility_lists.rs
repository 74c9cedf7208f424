//! XEP-0126 Invisibility: the fallback for servers without XEP-0186 but
//! with privacy lists (XEP-0016, `jabber:iq:privacy`).
//!
//! Being invisible is an active list that denies outgoing presence to
//! everyone but the entities we chose to be visible to; being visible
//! again is declining the active list. The list is only ever made active
//! for this session, never the default list (XEP-0126 §4).

use xmpp_parsers::{
    jid::Jid,
    minidom::{rxml::xml_ncname, Element},
};

use crate::core::xmpp::{modules::Module, session::context::SessionContext, session::outgoing::IqError};

/// The privacy-list namespace.
pub const NS: &str = "jabber:iq:privacy";

/// Our list's name, as XEP-0126 §4 recommends ("invisible"), with a prefix
/// so that a list of the same name made by another client is not ours to
/// overwrite.
pub const LIST: &str = "balcony-invisible";

/// The module entry. The fallback announces and routes nothing.
pub const MODULE: Module = Module {
    name: "XEP-0126 invisibility (privacy lists)",
    ..Module::NONE
};

/// The list: allow presence out to each of `visible_to`, deny to the rest.
pub fn invisible_list(visible_to: &[Jid]) -> Element {
    let mut list = Element::builder("list", NS).attr(xml_ncname!("name").to_owned(), LIST);
    let mut order = 1u32;
    for jid in visible_to {
        list = list.append(
            Element::builder("item", NS)
                .attr(xml_ncname!("type").to_owned(), "jid")
                .attr(xml_ncname!("value").to_owned(), jid.to_string())
                .attr(xml_ncname!("action").to_owned(), "allow")
                .attr(xml_ncname!("order").to_owned(), order.to_string())
                .append(Element::builder("presence-out", NS).build())
                .build(),
        );
        order += 1;
    }
    list = list.append(
        Element::builder("item", NS)
            .attr(xml_ncname!("action").to_owned(), "deny")
            .attr(xml_ncname!("order").to_owned(), order.to_string())
            .append(Element::builder("presence-out", NS).build())
            .build(),
    );
    Element::builder("query", NS).append(list.build()).build()
}

/// Makes `name` the session's active list, or declines any (`None`).
pub fn active(name: Option<&str>) -> Element {
    let mut active = Element::builder("active", NS);
    if let Some(name) = name {
        active = active.attr(xml_ncname!("name").to_owned(), name);
    }
    Element::builder("query", NS).append(active.build()).build()
}

/// Stores our list (visible to `visible_to` only) and makes it active.
pub async fn activate(ctx: &SessionContext, visible_to: &[Jid]) -> Result<(), IqError> {
    ctx.out.set(None, invisible_list(visible_to)).await?;
    ctx.out.set(None, active(Some(LIST))).await?;
    Ok(())
}

/// Declines the active list: presence goes out as usual again.
pub async fn deactivate(ctx: &SessionContext) -> Result<(), IqError> {
    ctx.out.set(None, active(None)).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_allows_the_chosen_and_then_denies_presence_out() {
        let frodo: Jid = "frodo@tolkien.lit".parse().expect("jid");
        let query = invisible_list(std::slice::from_ref(&frodo));
        let list = query.get_child("list", NS).expect("list");
        assert_eq!(list.attr("name"), Some(LIST));
        let items: Vec<&Element> = list.children().collect();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].attr("action"), Some("allow"));
        assert_eq!(items[0].attr("value"), Some("frodo@tolkien.lit"));
        assert_eq!(items[0].attr("order"), Some("1"));
        assert_eq!(items[1].attr("action"), Some("deny"));
        assert_eq!(items[1].attr("order"), Some("2"));
        assert_eq!(items[1].attr("type"), None);
        assert!(items.iter().all(|i| i.has_child("presence-out", NS)));
        let declined = active(None);
        let a = declined.get_child("active", NS).expect("active");
        assert_eq!(a.attr("name"), None);
    }
}
