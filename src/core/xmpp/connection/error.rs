//! Why a connection could not be made or was lost. `core` returns these
//! enums; `ui` turns them into translated sentences.

use crate::core::xmpp::connection::tls::UntrustedCertificate;

/// A failed connection attempt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    /// The server refused the credentials (SASL `<failure/>`).
    #[error("authentication failed: {condition}")]
    AuthenticationFailed {
        /// The SASL defined condition, e.g. `not-authorized`.
        condition: String,
    },
    /// The server refused a login that used channel binding. Not a wrong
    /// password: the server did not accept the binding (it may not support
    /// the type it let us pick, or the connection is intercepted).
    #[error("authentication with channel binding ({binding}, {mechanism}) failed: {condition}")]
    ChannelBindingRefused {
        /// The `-PLUS` mechanism used.
        mechanism: String,
        /// The channel-binding type, e.g. `tls-exporter`.
        binding: String,
        /// The SASL defined condition.
        condition: String,
    },
    /// The server's channel-binding announcement (XEP-0440) cannot be used
    /// safely, so no credentials were sent.
    /// The server refused this device's FAST token (XEP-0484): it is
    /// forgotten, and the next attempt, at once, uses the password.
    #[error("the login token was refused: {condition}")]
    FastTokenRefused {
        /// The SASL condition.
        condition: String,
    },
    #[error("unusable channel binding announcement ({announced}): {reason}")]
    ChannelBindingUnusable {
        /// The announced types, space separated.
        announced: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server certificate did not verify.
    #[error("untrusted certificate {}: {}", .0.fingerprint(), .0.reason)]
    UntrustedCertificate(Box<UntrustedCertificate>),
    /// DNS, TCP or routing failure: the server could not be reached.
    #[error("server unreachable: {detail}")]
    Unreachable {
        /// The operating system's or resolver's words.
        detail: String,
    },
    /// The server does not offer STARTTLS; we never talk in the clear.
    #[error("the server does not offer TLS")]
    NoTls,
    /// No SASL mechanism acceptable under our policy.
    #[error("no acceptable authentication mechanism (offered: {offered})")]
    NoAcceptableMechanism {
        /// What the server offered, space separated.
        offered: String,
    },
    /// TLS failed for another reason.
    #[error("TLS error: {detail}")]
    Tls {
        /// rustls' words.
        detail: String,
    },
    /// The server did not answer in time.
    #[error("the server did not answer in time")]
    Timeout,
    /// The server sent a stream error or something we could not understand.
    #[error("protocol error: {detail}")]
    Protocol {
        /// Details.
        detail: String,
    },
    /// The account's settings are unusable (bad PEM, …).
    #[error("account settings: {detail}")]
    Configuration {
        /// Details.
        detail: String,
    },
    /// No password is stored, or it could not be read.
    #[error("password unavailable: {detail}")]
    PasswordUnavailable {
        /// Details.
        detail: String,
    },
}

impl ConnectError {
    /// True when retrying cannot help until the user acts.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            Self::AuthenticationFailed { .. }
                | Self::ChannelBindingRefused { .. }
                | Self::ChannelBindingUnusable { .. }
                | Self::UntrustedCertificate(_)
                | Self::NoTls
                | Self::NoAcceptableMechanism { .. }
                | Self::Configuration { .. }
                | Self::PasswordUnavailable { .. }
        )
    }

    /// An I/O error of the connection, in these terms.
    pub fn from_io(e: std::io::Error) -> Self {
        classify_io(e)
    }

    /// Classifies a tokio-xmpp error; `rejected` is the certificate the
    /// verifier refused during this attempt, if any.
    pub fn classify(e: tokio_xmpp::Error, rejected: Option<UntrustedCertificate>) -> Self {
        use tokio_xmpp::error::{AuthError, ProtocolError};
        if let Some(cert) = rejected {
            return Self::UntrustedCertificate(Box::new(cert));
        }
        match e {
            tokio_xmpp::Error::Auth(AuthError::Fail(condition)) => Self::AuthenticationFailed {
                condition: format!("{condition:?}"),
            },
            tokio_xmpp::Error::Auth(AuthError::NoMechanism) => Self::NoAcceptableMechanism {
                offered: String::new(),
            },
            tokio_xmpp::Error::Auth(other) => Self::Protocol {
                detail: other.to_string(),
            },
            tokio_xmpp::Error::Protocol(ProtocolError::NoTls) => Self::NoTls,
            tokio_xmpp::Error::Io(io) => classify_io(io),
            tokio_xmpp::Error::Connection(c) => Self::Tls {
                detail: c.to_string(),
            },
            tokio_xmpp::Error::Disconnected => Self::Unreachable {
                detail: "the server closed the connection".into(),
            },
            e @ (tokio_xmpp::Error::DnsProto(_)
            | tokio_xmpp::Error::DnsNet(_)
            | tokio_xmpp::Error::Idna
            | tokio_xmpp::Error::Addr(_)) => Self::Unreachable {
                detail: e.to_string(),
            },
            other => Self::Protocol {
                detail: other.to_string(),
            },
        }
    }
}

fn classify_io(io: std::io::Error) -> ConnectError {
    use std::io::ErrorKind as K;
    if io.kind() == K::TimedOut {
        return ConnectError::Timeout;
    }
    if let Some(tls) = io
        .get_ref()
        .and_then(|e| e.downcast_ref::<tokio_rustls::rustls::Error>())
    {
        return ConnectError::Tls {
            detail: tls.to_string(),
        };
    }
    match io.kind() {
        K::InvalidData => ConnectError::Protocol {
            detail: io.to_string(),
        },
        _ => ConnectError::Unreachable {
            detail: io.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_tcp_is_unreachable_and_not_fatal() {
        let e = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let c = ConnectError::classify(tokio_xmpp::Error::Io(e), None);
        assert!(matches!(c, ConnectError::Unreachable { .. }));
        assert!(!c.is_fatal());
    }

    #[test]
    fn a_rejected_certificate_wins_over_the_io_error() {
        let cert = UntrustedCertificate {
            der: vec![1, 2],
            sha256: [7; 32],
            problem: crate::core::xmpp::connection::tls::CertificateProblem::UnknownIssuer,
            reason: "UnknownIssuer".into(),
        };
        let e = std::io::Error::new(std::io::ErrorKind::InvalidData, "bad cert");
        let c = ConnectError::classify(tokio_xmpp::Error::Io(e), Some(cert));
        assert!(matches!(c, ConnectError::UntrustedCertificate(_)));
        assert!(c.is_fatal());
    }
}
