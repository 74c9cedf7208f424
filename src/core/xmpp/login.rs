//! Authentication with Balcony's SASL policy: prefer SCRAM (with channel
//! binding when the server offers `-PLUS`), use PLAIN only inside TLS and
//! only when no SCRAM mechanism is offered. Everything we connect is TLS.

use std::{borrow::Cow, collections::BTreeSet, time::Duration};

use sasl::common::{ChannelBinding, Credentials};
use tokio_xmpp::{
    connect::ServerConnector,
    jid::Jid,
    parsers::{ns, stream_features::StreamFeatures},
    stanzastream::XmppStream,
    xmlstream::{StreamHeader, Timeouts},
};

use super::{connector::AccountConnector, error::ConnectError};
use crate::core::credentials::Password;

/// How long a whole login (TCP, TLS, SASL) may take.
pub const LOGIN_TIMEOUT: Duration = Duration::new(20, 0);

/// Picks the mechanism to use from the offered ones, or `None`.
///
/// `have_binding` says whether TLS channel binding data is available.
pub fn choose_mechanism(offered: &BTreeSet<String>, have_binding: bool) -> Option<&'static str> {
    const SCRAM_PLUS: &[&str] = &["SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS"];
    const SCRAM: &[&str] = &["SCRAM-SHA-256", "SCRAM-SHA-1"];
    if have_binding {
        if let Some(m) = SCRAM_PLUS.iter().find(|m| offered.contains(**m)) {
            return Some(m);
        }
    }
    if let Some(m) = SCRAM.iter().find(|m| offered.contains(**m)) {
        return Some(m);
    }
    let any_scram = offered.iter().any(|m| m.starts_with("SCRAM-"));
    if !any_scram && offered.contains("PLAIN") {
        return Some("PLAIN");
    }
    None
}

/// A logged-in stream, ready for resource binding.
pub struct LoggedIn {
    /// Features of the authenticated stream.
    pub features: StreamFeatures,
    /// The stream.
    pub stream: XmppStream,
    /// The SASL mechanism that was used.
    pub mechanism: &'static str,
}

async fn login_inner(
    connector: &AccountConnector,
    jid: &Jid,
    password: &Password,
    timeouts: Timeouts,
) -> Result<LoggedIn, ConnectError> {
    let classify = |e: tokio_xmpp::Error| ConnectError::classify(e, connector.tls().take_rejected());
    let (pending, binding) = connector
        .connect(jid, ns::JABBER_CLIENT, timeouts)
        .await
        .map_err(classify)?;
    let (features, stream) = pending.recv_features().await.map_err(|e| classify(e.into()))?;
    let offered = features.sasl_mechanisms.clone();
    let have_binding = !matches!(binding, ChannelBinding::None);
    let mechanism =
        choose_mechanism(&offered, have_binding).ok_or_else(|| ConnectError::NoAcceptableMechanism {
            offered: offered.iter().cloned().collect::<Vec<_>>().join(" "),
        })?;
    let binding = if mechanism.ends_with("-PLUS") {
        binding
    } else if have_binding {
        ChannelBinding::Unsupported
    } else {
        ChannelBinding::None
    };
    let username = jid.node().map(|n| n.as_str()).unwrap_or_default();
    let creds = Credentials::default()
        .with_username(username)
        .with_password(password.expose())
        .with_channel_binding(binding);
    let only = BTreeSet::from([mechanism.to_owned()]);
    let stream = tokio_xmpp::client_login(stream, only, creds)
        .await
        .map_err(classify)?;
    let stream = stream
        .send_header(StreamHeader {
            to: Some(Cow::Borrowed(jid.domain().as_str())),
            from: None,
            id: None,
        })
        .await
        .map_err(|e| classify(e.into()))?;
    let (features, stream) = stream.recv_features().await.map_err(|e| classify(e.into()))?;
    tracing::info!(%jid, mechanism, "authenticated");
    Ok(LoggedIn {
        features,
        stream: stream.box_stream(),
        mechanism,
    })
}

/// Connects and authenticates once, within [`LOGIN_TIMEOUT`].
pub async fn login(
    connector: &AccountConnector,
    jid: &Jid,
    password: &Password,
    timeouts: Timeouts,
) -> Result<LoggedIn, ConnectError> {
    tokio::time::timeout(LOGIN_TIMEOUT, login_inner(connector, jid, password, timeouts))
        .await
        .unwrap_or(Err(ConnectError::Timeout))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn prefers_scram_over_plain() {
        assert_eq!(
            choose_mechanism(&set(&["PLAIN", "SCRAM-SHA-1"]), true),
            Some("SCRAM-SHA-1")
        );
        assert_eq!(
            choose_mechanism(&set(&["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"]), false),
            Some("SCRAM-SHA-256")
        );
    }

    #[test]
    fn uses_plus_only_with_binding() {
        let offered = set(&["SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"]);
        assert_eq!(choose_mechanism(&offered, true), Some("SCRAM-SHA-1-PLUS"));
        assert_eq!(choose_mechanism(&offered, false), Some("SCRAM-SHA-1"));
    }

    #[test]
    fn plain_only_when_no_scram_is_offered() {
        assert_eq!(choose_mechanism(&set(&["PLAIN"]), true), Some("PLAIN"));
        // An unknown SCRAM variant still forbids falling back to PLAIN.
        assert_eq!(choose_mechanism(&set(&["PLAIN", "SCRAM-SHA-512"]), true), None);
        assert_eq!(choose_mechanism(&set(&["DIGEST-MD5"]), true), None);
    }
}
