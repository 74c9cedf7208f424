//! XEP-0045 §10.2 room configuration: the owner fetches the room's
//! configuration form (`muc#owner`) and submits it back filled in. The
//! form is shown by the same renderer as every other data form.

use xmpp_parsers::{
    jid::{BareJid, Jid},
    minidom::Element,
    stanza_error::DefinedCondition,
};

use crate::core::forms::{self, Form};
use crate::core::xmpp::{
    session::context::SessionContext,
    session::outgoing::{error_text, IqError},
};

/// The owner namespace.
pub const NS_OWNER: &str = "http://jabber.org/protocol/muc#owner";

/// Why the configuration could not be read or saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoomConfigError {
    /// Only owners may configure the room.
    #[error("only the room's owners may change its settings")]
    Forbidden,
    /// No such room.
    #[error("the room does not exist")]
    NotFound,
    /// The room refused the settings.
    #[error("the room refused the settings: {0}")]
    Refused(String),
    /// No answer in time.
    #[error("the room did not answer in time")]
    Timeout,
    /// The account is not connected.
    #[error("the account is not connected")]
    Offline,
    /// The answer made no sense.
    #[error("the answer could not be read: {0}")]
    Malformed(String),
}

impl From<IqError> for RoomConfigError {
    fn from(e: IqError) -> Self {
        match e {
            IqError::Stanza(error) => match error.defined_condition {
                DefinedCondition::Forbidden | DefinedCondition::NotAuthorized => RoomConfigError::Forbidden,
                DefinedCondition::ItemNotFound => RoomConfigError::NotFound,
                _ => RoomConfigError::Refused(error_text(&error)),
            },
            IqError::Timeout => RoomConfigError::Timeout,
            IqError::Disconnected => RoomConfigError::Offline,
            IqError::Malformed(m) => RoomConfigError::Malformed(m),
        }
    }
}

fn query(form: Option<Element>) -> Element {
    let builder = Element::builder("query", NS_OWNER);
    match form {
        Some(x) => builder.append(x).build(),
        None => builder.build(),
    }
}

/// Reads the configuration form out of the owner query answer.
pub fn parse_config(answer: Option<Element>) -> Result<Form, RoomConfigError> {
    let answer = answer.ok_or_else(|| RoomConfigError::Malformed("the answer is empty".into()))?;
    if !answer.is("query", NS_OWNER) {
        return Err(RoomConfigError::Malformed(format!(
            "<{}/> is not an owner query",
            answer.name()
        )));
    }
    let x = answer
        .get_child("x", forms::NS)
        .ok_or_else(|| RoomConfigError::Malformed("the room sent no form".into()))?;
    forms::parse(x).map_err(|e| RoomConfigError::Malformed(e.to_string()))
}

/// The room's configuration form.
pub async fn fetch(ctx: &SessionContext, room: BareJid) -> Result<Form, RoomConfigError> {
    let answer = ctx.out.get(Some(Jid::from(room)), query(None)).await?;
    parse_config(answer)
}

/// Submits `submission` (`<x type='submit'/>`) as the room's configuration.
pub async fn submit(ctx: &SessionContext, room: BareJid, submission: Element) -> Result<(), RoomConfigError> {
    ctx.out
        .set(Some(Jid::from(room)), query(Some(submission)))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_form_is_read_from_the_owner_query() {
        let answer: Element = "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roomconfig</value></field><field var='muc#roomconfig_roomname' type='text-single'/></x></query>"
            .parse()
            .expect("xml");
        let form = parse_config(Some(answer)).expect("form");
        assert_eq!(
            form.form_type(),
            Some("http://jabber.org/protocol/muc#roomconfig")
        );
        assert!(matches!(parse_config(None), Err(RoomConfigError::Malformed(_))));
        let empty: Element = "<query xmlns='http://jabber.org/protocol/muc#owner'/>"
            .parse()
            .expect("xml");
        assert!(matches!(
            parse_config(Some(empty)),
            Err(RoomConfigError::Malformed(_))
        ));
    }
}
