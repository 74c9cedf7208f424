//! XEP-0280 Message Carbons: copies of our other resources' conversations.

use xmpp_parsers::{
    carbons::{Enable, Received, Sent},
    jid::{BareJid, Jid},
    message::Message,
    ns,
};

use crate::core::xmpp::{
    modules::{chat::Source, Flow, Incoming, Module},
    session::{context::SessionContext, outgoing::IqError},
};

/// The module entry.
pub const MODULE: Module = Module {
    name: "XEP-0280 message carbons",
    features: &[ns::CARBONS],
    iq: None,
    message: Some(|ctx, incoming| Box::pin(async move { route(ctx, incoming) })),
    ..Module::NONE
};

/// A carbon is unwrapped and its message passed on; a forged one ends here.
fn route(ctx: &SessionContext, incoming: Incoming) -> Flow<Incoming> {
    match unwrap(&ctx.account, incoming.message) {
        Unwrapped::Plain(message) => Flow::Next(Incoming {
            message,
            source: incoming.source,
        }),
        Unwrapped::Carbon(message, direction) => Flow::Next(Incoming {
            message,
            source: Source::Carbon(direction),
        }),
        Unwrapped::Forged => Flow::Handled,
    }
}

/// Which way a carbon copy went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carbon {
    /// Someone sent it to another resource of ours.
    Received,
    /// Another resource of ours sent it.
    Sent,
}

/// Asks the server for carbons.
pub async fn enable(ctx: &SessionContext) -> Result<(), IqError> {
    ctx.out.set(None, Enable).await.map(|_| ())
}

/// What [`unwrap`] found.
#[derive(Debug)]
pub enum Unwrapped {
    /// Not a carbon: the message as it came.
    Plain(Message),
    /// A genuine carbon: the inner message and its direction.
    Carbon(Message, Carbon),
    /// A carbon that did not come from our own account: a forgery.
    Forged,
}

/// Unwraps a carbon. Only our own bare JID may send carbons (XEP-0280 §11).
pub fn unwrap(own: &BareJid, message: Message) -> Unwrapped {
    let received = message.payloads.iter().find(|p| p.is("received", ns::CARBONS));
    let sent = message.payloads.iter().find(|p| p.is("sent", ns::CARBONS));
    let (element, direction) = match (received, sent) {
        (Some(e), None) => (e.clone(), Carbon::Received),
        (None, Some(e)) => (e.clone(), Carbon::Sent),
        (None, None) => return Unwrapped::Plain(message),
        (Some(_), Some(_)) => return Unwrapped::Forged,
    };
    if message.from.as_ref() != Some(&Jid::from(own.clone())) {
        tracing::warn!(from = ?message.from, "forged carbon dropped");
        return Unwrapped::Forged;
    }
    let inner = match direction {
        Carbon::Received => Received::try_from(element).map(|r| r.forwarded.message),
        Carbon::Sent => Sent::try_from(element).map(|s| s.forwarded.message),
    };
    match inner {
        Ok(m) => Unwrapped::Carbon(m, direction),
        Err(e) => {
            tracing::warn!(error = %e, "malformed carbon dropped");
            Unwrapped::Forged
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use xmpp_parsers::minidom::Element;

    fn carbon(from: &str) -> Message {
        let xml = format!(
            "<message xmlns='jabber:client' from='{from}' to='juliet@example.org/balcony'>
             <sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>
             <message xmlns='jabber:client' from='juliet@example.org/phone' to='romeo@example.org' type='chat'>
             <body>hi</body></message></forwarded></sent></message>"
        );
        Message::try_from(xml.parse::<Element>().expect("xml")).expect("message")
    }

    #[test]
    fn only_our_account_may_send_carbons() {
        let own = BareJid::from_str("juliet@example.org").expect("jid");
        match unwrap(&own, carbon("juliet@example.org")) {
            Unwrapped::Carbon(inner, Carbon::Sent) => {
                assert_eq!(
                    inner.to.map(|j| j.to_string()).as_deref(),
                    Some("romeo@example.org")
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            unwrap(&own, carbon("mallory@example.org")),
            Unwrapped::Forged
        ));
        assert!(matches!(
            unwrap(&own, carbon("juliet@example.org/phone")),
            Unwrapped::Forged
        ));
    }
}
