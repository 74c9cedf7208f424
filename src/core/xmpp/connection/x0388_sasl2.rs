//! XEP-0388 Extensible SASL Profile: one SASL exchange without the stream
//! restart, the client's identity (`<user-agent/>`) with it, and the
//! stream's features right after `<success/>`. Used where the server offers
//! it; a FAST token (XEP-0484) is asked for with a password login and used
//! by the next one.
//!
//! tokio-xmpp 6's stream cannot read SASL2 nonzas: the connection's
//! [`LoginCapture`] keeps them and hands the reader a stand-in for each.
//!
//! Where the server offers Bind2 ([`x0386_bind2`]) the resource is bound
//! in the same step.

use futures::{SinkExt, StreamExt};
use sasl::client::Mechanism;
use tokio::io::{AsyncBufRead, AsyncWrite};
use tokio_xmpp::{
    minidom::Element,
    parsers::{fast, jid::Jid, sasl2, sm, stream_features::StreamFeatures},
    xmlstream::{FallibleStreamElement, ReadError, XmlStream, XmppStreamElement},
};

use crate::core::xmpp::connection::{
    error::ConnectError, login_capture::LoginCapture, x0386_bind2, x0484_fast::FastToken,
};

/// SASL2 steps a login takes at most (SCRAM needs two).
const MAX_STEPS: usize = 8;

/// What a SASL2 login asks for besides authentication.
pub struct Sasl2Login {
    /// The mechanism, ready to start.
    pub mechanism: Box<dyn Mechanism + Send>,
    /// Who we are (stable per profile and account).
    pub user_agent: sasl2::UserAgent,
    /// Ask for a FAST token for this mechanism.
    pub request_token: Option<&'static str>,
    /// Authenticating with a FAST token (its mechanism is `mechanism`).
    pub with_token: bool,
    /// Bind a resource in the same step (XEP-0386).
    pub bind: bool,
}

/// What a successful SASL2 login gave.
#[derive(Debug)]
pub struct Sasl2Done {
    /// The authenticated stream's features (sent right after success).
    pub features: StreamFeatures,
    /// The identity the server assigned.
    pub identity: Jid,
    /// A new FAST token, when one was asked for or rotated.
    pub token: Option<FastToken>,
    /// The server bound a resource with Bind2: `identity` is the full JID.
    pub bound: bool,
}

/// Reads an element the capture kept: its text is a top-level child of
/// the stream, whose namespace declarations it may rely on.
fn parse_captured(xml: &str) -> Result<Element, ConnectError> {
    let wrapped =
        format!("<w xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>{xml}</w>");
    let outer: Element = wrapped
        .parse()
        .map_err(|e: tokio_xmpp::minidom::Error| ConnectError::Protocol {
            detail: format!("unreadable SASL2 element: {e}"),
        })?;
    outer
        .children()
        .next()
        .cloned()
        .ok_or_else(|| ConnectError::Protocol {
            detail: "empty SASL2 element".into(),
        })
}

fn protocol(detail: impl Into<String>) -> ConnectError {
    ConnectError::Protocol {
        detail: detail.into(),
    }
}

/// The condition of a SASL2 failure (`not-authorized`, …).
fn failure_condition(failure: &sasl2::Failure) -> String {
    failure
        .payloads
        .iter()
        .find(|p| p.name() != "text")
        .map(|p| p.name().to_owned())
        .unwrap_or_else(|| "not-authorized".to_owned())
}

/// The next element the server sends during the login: a captured SASL2
/// element or the features after success.
async fn next_captured<S>(
    stream: &mut XmlStream<S, FallibleStreamElement>,
    capture: &LoginCapture,
) -> Result<Element, ConnectError>
where
    S: AsyncBufRead + AsyncWrite + Unpin,
{
    loop {
        match stream.next().await {
            // The stand-in for an element the capture kept.
            Some(Ok(FallibleStreamElement::Ok(XmppStreamElement::SM(sm::Nonza::Req(_))))) => {
                let xml = capture
                    .take_next()
                    .ok_or_else(|| protocol("the login lost track of the server's answer"))?;
                return parse_captured(&xml);
            }
            Some(Ok(FallibleStreamElement::Ok(XmppStreamElement::StreamError(e)))) => {
                return Err(protocol(format!("stream error during login: {e:?}")))
            }
            Some(Ok(other)) => return Err(protocol(format!("unexpected element during login: {other:?}"))),
            Some(Err(ReadError::SoftTimeout)) => {}
            Some(Err(ReadError::ParseError(e))) => return Err(protocol(format!("unreadable element: {e}"))),
            Some(Err(ReadError::HardError(e))) => return Err(ConnectError::from_io(e)),
            Some(Err(ReadError::StreamFooterReceived)) | None => {
                return Err(protocol("the server closed the stream during login"))
            }
        }
    }
}

/// Runs the SASL2 exchange on `stream`, whose incoming elements `capture`
/// keeps; on success also reads the features that follow.
pub async fn authenticate<S>(
    stream: &mut XmlStream<S, FallibleStreamElement>,
    capture: &LoginCapture,
    mut login: Sasl2Login,
) -> Result<Sasl2Done, ConnectError>
where
    S: AsyncBufRead + AsyncWrite + Unpin,
{
    let mut payloads: Vec<Element> = Vec::new();
    if login.with_token {
        payloads.push(
            fast::FastResponse {
                count: 0,
                invalidate: false,
            }
            .into(),
        );
    }
    if login.bind {
        payloads.push(x0386_bind2::request());
    }
    if let Some(mechanism) = login.request_token {
        payloads.push(
            fast::RequestToken {
                mechanism: mechanism.to_owned(),
            }
            .into(),
        );
    }
    let authenticate = sasl2::Authenticate {
        mechanism: login.mechanism.name().to_owned(),
        initial_response: Some(login.mechanism.initial()),
        user_agent: login.user_agent.clone(),
        payloads,
    };
    let refused = |condition: String| {
        if login.with_token {
            ConnectError::FastTokenRefused { condition }
        } else {
            ConnectError::AuthenticationFailed { condition }
        }
    };
    stream
        .send(&Element::from(authenticate))
        .await
        .map_err(ConnectError::from_io)?;
    for _ in 0..MAX_STEPS {
        let element = next_captured(stream, capture).await?;
        match element.name() {
            "challenge" => {
                let challenge = sasl2::Challenge::try_from(element).map_err(|e| protocol(e.to_string()))?;
                let data = login
                    .mechanism
                    .response(&challenge.sasl_data)
                    .map_err(|e| refused(format!("{e:?}")))?;
                stream
                    .send(&Element::from(sasl2::Response { sasl_data: data }))
                    .await
                    .map_err(ConnectError::from_io)?;
            }
            "success" => {
                let success = sasl2::Success::try_from(element).map_err(|e| protocol(e.to_string()))?;
                // The server proves it knows the secret too.
                login
                    .mechanism
                    .success(success.additional_data.as_deref().unwrap_or_default())
                    .map_err(|e| protocol(format!("the server's proof failed: {e:?}")))?;
                let token = success.payloads.iter().find_map(|p| {
                    let token = fast::Token::try_from(p.clone()).ok()?;
                    let mechanism = login.request_token.unwrap_or(login.mechanism.name()).to_owned();
                    Some(FastToken::new(
                        mechanism,
                        token.token,
                        token.expiry.0.timestamp_millis(),
                    ))
                });
                let bound =
                    login.bind && x0386_bind2::bound(&success.payloads, &success.authorization_identifier);
                if login.bind && !bound {
                    tracing::info!("the server did not bind with Bind2; binding after the login");
                }
                let features = next_captured(stream, capture).await?;
                if features.name() != "features" {
                    return Err(protocol(format!(
                        "<{}/> instead of the features after success",
                        features.name()
                    )));
                }
                let features = StreamFeatures::try_from(features).map_err(|e| protocol(e.to_string()))?;
                return Ok(Sasl2Done {
                    features,
                    identity: success.authorization_identifier,
                    token,
                    bound,
                });
            }
            "failure" => {
                let failure = sasl2::Failure::try_from(element).map_err(|e| protocol(e.to_string()))?;
                return Err(refused(failure_condition(&failure)));
            }
            "continue" => {
                return Err(protocol(
                    "the server asks for steps Balcony does not know (SASL2 tasks)",
                ))
            }
            other => return Err(protocol(format!("unexpected <{other}/> during SASL2"))),
        }
    }
    Err(protocol("the SASL2 exchange did not end"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captured_elements_parse_with_the_stream_prefix() {
        let features = parse_captured(
            "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>",
        )
        .expect("features");
        let features = StreamFeatures::try_from(features).expect("typed");
        assert!(features.can_bind());
        assert!(features.stream_management.is_some());
        let failure = parse_captured(
            "<failure xmlns='urn:xmpp:sasl:2'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/><text>no</text></failure>",
        )
        .expect("failure");
        let failure = sasl2::Failure::try_from(failure).expect("typed");
        assert_eq!(failure_condition(&failure), "not-authorized");
        assert!(parse_captured("<success xmlns='urn:xmpp:sasl:2'>").is_err());
    }
}
