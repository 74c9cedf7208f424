//! Account configuration: who we log in as and how we reach the server.

use std::{fmt, str::FromStr};

use thiserror::Error;
use xmpp_parsers::jid::BareJid;

/// How TLS is started on the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Plain TCP upgraded with `<starttls/>` (port 5222).
    #[default]
    StartTls,
    /// TLS from the first byte (XEP-0368, port 5223).
    DirectTls,
}

impl TlsMode {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StartTls => "starttls",
            Self::DirectTls => "direct-tls",
        }
    }

    /// Parses the stored name.
    pub fn from_stored(s: &str) -> Option<Self> {
        match s {
            "starttls" => Some(Self::StartTls),
            "direct-tls" => Some(Self::DirectTls),
            _ => None,
        }
    }
}

/// A host and port that override DNS SRV lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAddress {
    /// Host name or IP address.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl fmt::Display for ServerAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Why a `host:port` string was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ServerAddressError {
    /// The host part is empty.
    #[error("the host is empty")]
    EmptyHost,
    /// No `:port` part.
    #[error("the port is missing")]
    MissingPort,
    /// The port is not a number from 1 to 65535.
    #[error("the port is not a number from 1 to 65535")]
    BadPort,
}

impl FromStr for ServerAddress {
    type Err = ServerAddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (host, tail) = rest.split_once(']').ok_or(ServerAddressError::MissingPort)?;
            let port = tail.strip_prefix(':').ok_or(ServerAddressError::MissingPort)?;
            (host, port)
        } else {
            s.rsplit_once(':').ok_or(ServerAddressError::MissingPort)?
        };
        if host.is_empty() {
            return Err(ServerAddressError::EmptyHost);
        }
        let port: u16 = port.parse().map_err(|_| ServerAddressError::BadPort)?;
        if port == 0 {
            return Err(ServerAddressError::BadPort);
        }
        Ok(Self {
            host: host.to_owned(),
            port,
        })
    }
}

/// Everything needed to log in, except the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountConfig {
    /// The account's bare JID.
    pub jid: BareJid,
    /// Overrides SRV lookup when set.
    pub server: Option<ServerAddress>,
    /// STARTTLS or direct TLS.
    pub tls: TlsMode,
    /// Extra trust anchors (PEM) for this account, e.g. a private CA.
    pub extra_ca_pem: Option<String>,
}

impl AccountConfig {
    /// A config with defaults for `jid`.
    pub fn new(jid: BareJid) -> Self {
        Self {
            jid,
            server: None,
            tls: TlsMode::default(),
            extra_ca_pem: None,
        }
    }
}

/// Why a JID was refused for an account.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum AccountJidError {
    /// Not a valid JID at all.
    #[error("not a valid address: {0}")]
    Invalid(String),
    /// A JID without a local part (`user@`).
    #[error("the address has no user name")]
    NoLocalPart,
}

/// Parses the address a user typed for their account (`user@domain`).
pub fn parse_account_jid(input: &str) -> Result<BareJid, AccountJidError> {
    let jid = BareJid::from_str(input.trim()).map_err(|e| AccountJidError::Invalid(e.to_string()))?;
    if jid.node().is_none() {
        return Err(AccountJidError::NoLocalPart);
    }
    Ok(jid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_address_parses_host_port_and_ipv6() {
        let a: ServerAddress = "example.org:5222".parse().expect("valid");
        assert_eq!((a.host.as_str(), a.port), ("example.org", 5222));
        let b: ServerAddress = "[::1]:5223".parse().expect("valid");
        assert_eq!((b.host.as_str(), b.port), ("::1", 5223));
        assert_eq!(b.to_string(), "[::1]:5223");
    }

    #[test]
    fn server_address_rejects_bad_input() {
        assert_eq!(
            "example.org".parse::<ServerAddress>(),
            Err(ServerAddressError::MissingPort)
        );
        assert_eq!(
            ":5222".parse::<ServerAddress>(),
            Err(ServerAddressError::EmptyHost)
        );
        assert_eq!("h:0".parse::<ServerAddress>(), Err(ServerAddressError::BadPort));
        assert_eq!(
            "h:70000".parse::<ServerAddress>(),
            Err(ServerAddressError::BadPort)
        );
    }

    #[test]
    fn account_jid_needs_a_local_part() {
        assert!(parse_account_jid("juliet@capulet.lit").is_ok());
        assert_eq!(
            parse_account_jid("capulet.lit"),
            Err(AccountJidError::NoLocalPart)
        );
        assert!(matches!(
            parse_account_jid("a@b@c"),
            Err(AccountJidError::Invalid(_))
        ));
    }
}
