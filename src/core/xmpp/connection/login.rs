//! Authentication with Balcony's SASL policy: prefer SCRAM, use PLAIN only
//! inside TLS and only when no SCRAM mechanism is offered. Everything we
//! connect is TLS.
//!
//! Channel binding follows XEP-0440's business rules: a `-PLUS` mechanism
//! only with a binding type the server announced and we can compute
//! (`tls-exporter` on TLS 1.3; rustls cannot give `tls-unique`). Without an
//! announcement the binding type is ambiguous, so we use plain SCRAM and say
//! `n` (we cannot use what the server's `-PLUS` expects). A server that
//! announces types we cannot use, or types but no `-PLUS` mechanism, is
//! refused: that is how a stripped announcement (a downgrade) looks. A login
//! that fails after a binding attempt is reported as such, never as a wrong
//! password, and is not retried without the binding.

use std::{borrow::Cow, collections::BTreeSet, time::Duration};

use sasl::common::{ChannelBinding, Credentials};
use tokio_xmpp::{
    connect::ServerConnector,
    jid::Jid,
    parsers::{ns, sasl_cb, stream_features::StreamFeatures},
    stanzastream::XmppStream,
    xmlstream::{StreamHeader, Timeouts},
};

use crate::core::credentials::Password;
use crate::core::xmpp::connection::{
    connector::AccountConnector,
    error::ConnectError,
    login_capture::LoginCapture,
    x0386_bind2,
    x0388_sasl2::{self, Sasl2Login},
    x0484_fast::{self, FastTokens, HashedToken},
};

/// Who logs in, for SASL2 (XEP-0388): the client's identity, stable per
/// profile, and the account's FAST tokens (XEP-0484).
#[derive(Clone, Debug)]
pub struct ClientIdentity {
    /// Sent with every SASL2 login.
    pub user_agent: tokio_xmpp::parsers::sasl2::UserAgent,
    /// The account's token, if any, and where new ones go.
    pub fast: FastTokens,
}

impl ClientIdentity {
    /// An identity with a fresh random id and no stored tokens (tests,
    /// one-off connections).
    pub fn ephemeral() -> Self {
        Self {
            user_agent: user_agent(uuid::Builder::from_random_bytes(rand::random()).into_uuid()),
            fast: FastTokens::default(),
        }
    }
}

/// Balcony's `<user-agent/>` with `id`: the software and this computer's
/// name.
pub fn user_agent(id: uuid::Uuid) -> tokio_xmpp::parsers::sasl2::UserAgent {
    let device = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().chars().take(64).collect::<String>())
        .filter(|h| !h.is_empty());
    tokio_xmpp::parsers::sasl2::UserAgent {
        id,
        software: Some("Balcony".to_owned()),
        device,
    }
}

/// How long a whole login (TCP, TLS, SASL) may take.
pub const LOGIN_TIMEOUT: Duration = Duration::new(20, 0);

const SCRAM_PLUS: &[&str] = &["SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS"];
const SCRAM: &[&str] = &["SCRAM-SHA-256", "SCRAM-SHA-1"];

/// How the chosen mechanism uses channel binding (the SCRAM GS2 flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingUse {
    /// `p=tls-exporter`: a `-PLUS` mechanism bound to this TLS session.
    TlsExporter,
    /// `y`: we could bind, but the server offers no `-PLUS` mechanism.
    ServerLacks,
    /// `n`: no binding (none available to us, or none we can use safely).
    No,
}

/// The mechanism to authenticate with, and how it binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaslChoice {
    /// The SASL mechanism's name.
    pub mechanism: &'static str,
    /// Its channel binding.
    pub binding: BindingUse,
}

impl SaslChoice {
    /// What the SASL layer gets for this choice, from the TLS session's
    /// `binding`.
    fn channel_binding(self, binding: ChannelBinding) -> ChannelBinding {
        match self.binding {
            BindingUse::TlsExporter => binding,
            BindingUse::ServerLacks => ChannelBinding::Unsupported,
            BindingUse::No => ChannelBinding::None,
        }
    }

    /// A refusal after a binding attempt is the binding's, never a wrong
    /// password.
    fn explain_refusal(self, e: ConnectError) -> ConnectError {
        match (e, self.binding) {
            (ConnectError::AuthenticationFailed { condition }, BindingUse::TlsExporter) => {
                ConnectError::ChannelBindingRefused {
                    mechanism: self.mechanism.to_owned(),
                    binding: "tls-exporter".to_owned(),
                    condition,
                }
            }
            (other, _) => other,
        }
    }
}

fn type_name(t: &sasl_cb::Type) -> &'static str {
    match t {
        sasl_cb::Type::TlsUnique => "tls-unique",
        sasl_cb::Type::TlsServerEndPoint => "tls-server-end-point",
        sasl_cb::Type::TlsUniqueForTelnet => "tls-unique-for-telnet",
        sasl_cb::Type::TlsExporter => "tls-exporter",
    }
}

/// Picks the mechanism from the `offered` ones.
///
/// `announced` are the channel-binding types of the server's XEP-0440
/// announcement, if it made one; `have_exporter` says whether this TLS
/// session gives `tls-exporter` data (TLS 1.3).
pub fn choose_mechanism(
    offered: &BTreeSet<String>,
    announced: Option<&[sasl_cb::Type]>,
    have_exporter: bool,
) -> Result<SaslChoice, ConnectError> {
    let plus = SCRAM_PLUS.iter().find(|m| offered.contains(**m)).copied();
    let scram = SCRAM.iter().find(|m| offered.contains(**m)).copied();
    let names = |types: &[sasl_cb::Type]| types.iter().map(type_name).collect::<Vec<_>>().join(" ");
    let binding = match (announced, plus) {
        // XEP-0440 rule 5: types announced, but the -PLUS mechanisms are gone.
        (Some(types), None) if offered.iter().any(|m| m.starts_with("SCRAM-")) => {
            return Err(ConnectError::ChannelBindingUnusable {
                announced: names(types),
                reason: "announced without a mechanism that uses it".into(),
            })
        }
        (Some(types), Some(mechanism)) => {
            if have_exporter && types.contains(&sasl_cb::Type::TlsExporter) {
                return Ok(SaslChoice {
                    mechanism,
                    binding: BindingUse::TlsExporter,
                });
            }
            // Rule 6: none of the announced types is ours. Only when the
            // server also has tls-server-end-point (which every server must
            // support, and a stripping attacker would not leave) may we
            // authenticate without binding.
            if !types.contains(&sasl_cb::Type::TlsServerEndPoint) {
                return Err(ConnectError::ChannelBindingUnusable {
                    announced: names(types),
                    reason: "none of the announced types is supported".into(),
                });
            }
            tracing::info!(
                announced = %names(types),
                "channel binding not used: Balcony cannot compute the announced types"
            );
            BindingUse::No
        }
        // -PLUS offered without an announcement: the binding type is
        // ambiguous (tls-unique is all a server could mean on TLS 1.2, and
        // rustls cannot give it). We cannot use what it offers: say `n`.
        (None, Some(mechanism)) => {
            tracing::info!(
                mechanism,
                "channel binding not used: the server announced no binding types (XEP-0440)"
            );
            BindingUse::No
        }
        (_, None) if have_exporter => BindingUse::ServerLacks,
        (_, None) => BindingUse::No,
    };
    if let Some(mechanism) = scram {
        return Ok(SaslChoice { mechanism, binding });
    }
    let any_scram = offered.iter().any(|m| m.starts_with("SCRAM-"));
    if !any_scram && offered.contains("PLAIN") {
        return Ok(SaslChoice {
            mechanism: "PLAIN",
            binding: BindingUse::No,
        });
    }
    Err(ConnectError::NoAcceptableMechanism {
        offered: offered.iter().cloned().collect::<Vec<_>>().join(" "),
    })
}

/// A logged-in stream, ready for resource binding.
pub struct LoggedIn {
    /// Features of the authenticated stream.
    pub features: StreamFeatures,
    /// The stream.
    pub stream: XmppStream,
    /// The SASL mechanism that was used.
    pub mechanism: &'static str,
    /// The full JID bound with Bind2 during the login, if it was.
    pub bound: Option<Jid>,
}

/// After a Bind2 login, the bound JID; the stanza stream's bind request
/// is answered by the capture.
fn hand_over_bound(done: &mut x0388_sasl2::Sasl2Done, capture: &LoginCapture) -> Option<Jid> {
    if !done.bound {
        return None;
    }
    x0386_bind2::hand_over(&mut done.features, &done.identity, capture);
    Some(done.identity.clone())
}

/// The SASL mechanism `choice` for SASL2, from `creds`.
fn password_mechanism(
    choice: SaslChoice,
    creds: Credentials,
) -> Result<Box<dyn sasl::client::Mechanism + Send>, ConnectError> {
    use sasl::client::mechanisms::{Plain, Scram};
    use sasl::client::Mechanism;
    use sasl::common::scram::{Sha1, Sha256};
    let made: Result<Box<dyn Mechanism + Send>, _> = if choice.mechanism.starts_with("SCRAM-SHA-256") {
        Scram::<Sha256>::from_credentials(creds).map(|m| Box::new(m) as _)
    } else if choice.mechanism.starts_with("SCRAM-SHA-1") {
        Scram::<Sha1>::from_credentials(creds).map(|m| Box::new(m) as _)
    } else {
        Plain::from_credentials(creds).map(|m| Box::new(m) as _)
    };
    made.map_err(|e| ConnectError::Protocol {
        detail: format!("{e:?}"),
    })
}

/// Logs in over SASL2: with the account's FAST token when the server
/// takes its mechanism, else with the password (asking for a token).
#[allow(clippy::too_many_arguments)]
async fn login_sasl2(
    mut stream: tokio_xmpp::xmlstream::XmppStream<<AccountConnector as ServerConnector>::Stream>,
    features: &StreamFeatures,
    capture: &LoginCapture,
    binding: ChannelBinding,
    jid: &Jid,
    password: &Password,
    client: &ClientIdentity,
    inline_bind: bool,
) -> Result<LoggedIn, ConnectError> {
    let Some(offer) = features.sasl2.as_ref() else {
        return Err(ConnectError::Protocol {
            detail: "no SASL2 offer".into(),
        });
    };
    let fast_offered: Vec<String> = offer
        .inline
        .iter()
        .flat_map(|i| i.payloads.iter())
        .filter_map(|p| tokio_xmpp::parsers::fast::FastQuery::try_from(p.clone()).ok())
        .flat_map(|q| q.mechanisms.into_iter().map(|m| m.0))
        .collect();
    let bind = inline_bind && x0386_bind2::offered(features);
    let username = jid.node().map(|n| n.as_str()).unwrap_or_default();
    let have_exporter = matches!(binding, ChannelBinding::TlsExporter(_));
    let usable_token = client.fast.current().filter(|t| {
        t.is_valid_at(chrono::Utc::now().timestamp_millis()) && fast_offered.contains(&t.mechanism)
    });
    if let Some(token) = usable_token {
        if let Ok(mechanism) = HashedToken::new(&token, username, &binding) {
            let name = if token.mechanism == x0484_fast::BOUND {
                x0484_fast::BOUND
            } else {
                x0484_fast::UNBOUND
            };
            let login = Sasl2Login {
                mechanism: Box::new(mechanism),
                user_agent: client.user_agent.clone(),
                request_token: None,
                with_token: true,
                bind,
            };
            return match x0388_sasl2::authenticate(&mut stream, capture, login).await {
                Ok(mut done) => {
                    if let Some(new) = done.token.take() {
                        client.fast.replace(new);
                    }
                    let bound = hand_over_bound(&mut done, capture);
                    tracing::info!(%jid, mechanism = name, bind2 = bound.is_some(), "authenticated with a FAST token (SASL2)");
                    Ok(LoggedIn {
                        features: done.features,
                        stream: stream.box_stream(),
                        mechanism: name,
                        bound,
                    })
                }
                Err(e @ ConnectError::FastTokenRefused { .. }) => {
                    client.fast.forget();
                    Err(e)
                }
                Err(e) => Err(e),
            };
        }
    }
    let offered: BTreeSet<String> = offer.mechanisms.iter().cloned().collect();
    let announced = features.sasl_cb.as_ref().map(|cb| cb.types.as_slice());
    let choice = choose_mechanism(&offered, announced, have_exporter)?;
    let creds = Credentials::default()
        .with_username(username)
        .with_password(password.expose())
        .with_channel_binding(choice.channel_binding(binding));
    let login = Sasl2Login {
        mechanism: password_mechanism(choice, creds)?,
        user_agent: client.user_agent.clone(),
        request_token: x0484_fast::choose(&fast_offered, have_exporter),
        with_token: false,
        bind,
    };
    let mut done = x0388_sasl2::authenticate(&mut stream, capture, login)
        .await
        .map_err(|e| choice.explain_refusal(e))?;
    if let Some(token) = done.token.take() {
        client.fast.replace(token);
    }
    let bound = hand_over_bound(&mut done, capture);
    tracing::info!(%jid, mechanism = choice.mechanism, binding = ?choice.binding, bind2 = bound.is_some(), "authenticated (SASL2)");
    Ok(LoggedIn {
        features: done.features,
        stream: stream.box_stream(),
        mechanism: choice.mechanism,
        bound,
    })
}

async fn login_inner(
    connector: &AccountConnector,
    jid: &Jid,
    password: &Password,
    client: &ClientIdentity,
    timeouts: Timeouts,
    inline_bind: bool,
) -> Result<LoggedIn, ConnectError> {
    let classify = |e: tokio_xmpp::Error| ConnectError::classify(e, connector.tls().take_rejected());
    let (pending, binding) = connector
        .connect(jid, ns::JABBER_CLIENT, timeouts)
        .await
        .map_err(classify)?;
    let capture = connector.take_capture();
    let (features, stream) = pending.recv_features().await.map_err(|e| classify(e.into()))?;
    if let (Some(capture), Some(_)) = (&capture, &features.sasl2) {
        let done = login_sasl2(
            stream,
            &features,
            capture,
            binding,
            jid,
            password,
            client,
            inline_bind,
        )
        .await;
        // After a Bind2 login the capture disarms itself once it answered
        // the bind request.
        if !matches!(done, Ok(LoggedIn { bound: Some(_), .. })) {
            capture.disarm();
        }
        return done;
    }
    if let Some(capture) = &capture {
        capture.disarm();
    }
    let announced = features.sasl_cb.as_ref().map(|cb| cb.types.as_slice());
    let have_exporter = matches!(binding, ChannelBinding::TlsExporter(_));
    let choice = choose_mechanism(&features.sasl_mechanisms, announced, have_exporter)?;
    let binding = choice.channel_binding(binding);
    let username = jid.node().map(|n| n.as_str()).unwrap_or_default();
    let creds = Credentials::default()
        .with_username(username)
        .with_password(password.expose())
        .with_channel_binding(binding);
    let only = BTreeSet::from([choice.mechanism.to_owned()]);
    let stream = tokio_xmpp::client_login(stream, only, creds)
        .await
        .map_err(|e| choice.explain_refusal(classify(e)))?;
    let stream = stream
        .send_header(StreamHeader {
            to: Some(Cow::Borrowed(jid.domain().as_str())),
            from: None,
            id: None,
        })
        .await
        .map_err(|e| classify(e.into()))?;
    let (features, stream) = stream.recv_features().await.map_err(|e| classify(e.into()))?;
    tracing::info!(%jid, mechanism = choice.mechanism, binding = ?choice.binding, "authenticated");
    Ok(LoggedIn {
        features,
        stream: stream.box_stream(),
        mechanism: choice.mechanism,
        bound: None,
    })
}

/// Connects and authenticates once, within [`LOGIN_TIMEOUT`]. With
/// `inline_bind`, a resource is bound during a SASL2 login where the
/// server offers Bind2 (not on a reconnection that may resume the
/// session: a bound session cannot resume another).
pub async fn login(
    connector: &AccountConnector,
    jid: &Jid,
    password: &Password,
    client: &ClientIdentity,
    timeouts: Timeouts,
    inline_bind: bool,
) -> Result<LoggedIn, ConnectError> {
    tokio::time::timeout(
        LOGIN_TIMEOUT,
        login_inner(connector, jid, password, client, timeouts, inline_bind),
    )
    .await
    .unwrap_or(Err(ConnectError::Timeout))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sasl_cb::Type::{TlsExporter, TlsServerEndPoint, TlsUnique};

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn pick(offered: &[&str], announced: Option<&[sasl_cb::Type]>, exporter: bool) -> Option<SaslChoice> {
        choose_mechanism(&set(offered), announced, exporter).ok()
    }

    fn choice(mechanism: &'static str, binding: BindingUse) -> Option<SaslChoice> {
        Some(SaslChoice { mechanism, binding })
    }

    #[test]
    fn prefers_scram_over_plain() {
        assert_eq!(
            pick(&["PLAIN", "SCRAM-SHA-1"], None, true),
            choice("SCRAM-SHA-1", BindingUse::ServerLacks)
        );
        assert_eq!(
            pick(&["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"], None, false),
            choice("SCRAM-SHA-256", BindingUse::No)
        );
    }

    #[test]
    fn plus_only_with_an_announced_type_we_can_compute() {
        let offered = [
            "SCRAM-SHA-1",
            "SCRAM-SHA-1-PLUS",
            "SCRAM-SHA-256-PLUS",
            "SCRAM-SHA-256",
        ];
        assert_eq!(
            pick(&offered, Some(&[TlsServerEndPoint, TlsExporter]), true),
            choice("SCRAM-SHA-256-PLUS", BindingUse::TlsExporter)
        );
        // TLS 1.2: no exporter; tls-server-end-point is announced, so plain
        // SCRAM (flag n) is allowed.
        assert_eq!(
            pick(&offered, Some(&[TlsServerEndPoint, TlsExporter]), false),
            choice("SCRAM-SHA-256", BindingUse::No)
        );
    }

    #[test]
    fn plus_without_an_announcement_is_not_used_and_the_flag_is_n() {
        // ejabberd 23.01 over TLS 1.3: SCRAM-SHA-1-PLUS, no XEP-0440.
        let offered = ["PLAIN", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"];
        assert_eq!(pick(&offered, None, true), choice("SCRAM-SHA-1", BindingUse::No));
        assert_eq!(pick(&offered, None, false), choice("SCRAM-SHA-1", BindingUse::No));
    }

    #[test]
    fn a_stripped_or_unusable_announcement_is_refused() {
        // Rule 6: only tls-unique announced over TLS 1.3, no end-point.
        let offered = set(&["SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"]);
        let e = choose_mechanism(&offered, Some(&[TlsUnique]), true).unwrap_err();
        assert!(
            matches!(e, ConnectError::ChannelBindingUnusable { ref announced, .. } if announced == "tls-unique")
        );
        // Rule 5: types announced, -PLUS mechanisms missing.
        let e = choose_mechanism(&set(&["SCRAM-SHA-1", "PLAIN"]), Some(&[TlsExporter]), true).unwrap_err();
        assert!(matches!(e, ConnectError::ChannelBindingUnusable { .. }));
        assert!(e.is_fatal());
    }

    #[test]
    fn plain_only_when_no_scram_is_offered() {
        assert_eq!(pick(&["PLAIN"], None, true), choice("PLAIN", BindingUse::No));
        assert_eq!(
            pick(&["PLAIN"], Some(&[TlsExporter]), true),
            choice("PLAIN", BindingUse::No)
        );
        // An unknown SCRAM variant still forbids falling back to PLAIN.
        assert_eq!(pick(&["PLAIN", "SCRAM-SHA-512"], None, true), None);
        assert_eq!(pick(&["DIGEST-MD5"], None, true), None);
    }
}
