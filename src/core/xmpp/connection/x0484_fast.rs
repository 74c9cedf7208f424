//! XEP-0484 Fast Authentication Streamlining Tokens: after one login with
//! the password over SASL2, the server hands out a token; later logins
//! (reconnections, the next start) prove it with one HMAC in a single
//! round trip, and need no password.
//!
//! A token is a secret: it lives where the account's password lives (the
//! keyring or the profile's private file; only in memory when the password
//! is not remembered), never in SQLite, logs or `Debug` output.

use std::sync::{Arc, Mutex};

use hmac::{Hmac, Mac};
use sasl::{
    client::{Mechanism, MechanismError},
    common::{ChannelBinding, Credentials},
};
use sha2::Sha256;

/// The mechanism bound to the TLS session (`tls-exporter`, TLS 1.3).
pub const BOUND: &str = "HT-SHA-256-EXPR";
/// The mechanism without channel binding.
pub const UNBOUND: &str = "HT-SHA-256-NONE";

/// A token the server issued, for one mechanism.
#[derive(Clone, PartialEq, Eq)]
pub struct FastToken {
    /// The mechanism it was issued for.
    pub mechanism: String,
    secret: String,
    /// When it stops working (ms since the epoch).
    pub expires_ms: i64,
}

impl std::fmt::Debug for FastToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FastToken")
            .field("mechanism", &self.mechanism)
            .field("secret", &"•••")
            .field("expires_ms", &self.expires_ms)
            .finish()
    }
}

impl FastToken {
    /// A token for `mechanism`.
    pub fn new(mechanism: impl Into<String>, secret: impl Into<String>, expires_ms: i64) -> Self {
        Self {
            mechanism: mechanism.into(),
            secret: secret.into(),
            expires_ms,
        }
    }

    /// The secret itself (to store it).
    pub fn expose(&self) -> &str {
        &self.secret
    }

    /// How it is kept: `mechanism expiry secret` on one line.
    pub fn to_stored(&self) -> String {
        format!("{} {} {}", self.mechanism, self.expires_ms, self.secret)
    }

    /// Reads [`Self::to_stored`]'s form.
    pub fn from_stored(text: &str) -> Option<Self> {
        let mut parts = text.trim().splitn(3, ' ');
        let mechanism = parts.next()?;
        let expires_ms = parts.next()?.parse().ok()?;
        let secret = parts.next()?;
        (!mechanism.is_empty() && !secret.is_empty()).then(|| Self::new(mechanism, secret, expires_ms))
    }

    /// Whether it may still work at `now_ms`.
    pub fn is_valid_at(&self, now_ms: i64) -> bool {
        self.expires_ms > now_ms
    }
}

/// The FAST mechanism to ask a token for, among the `offered` ones: the
/// one bound to the TLS session when this session can be bound
/// (`have_exporter`), else the unbound one.
pub fn choose(offered: &[String], have_exporter: bool) -> Option<&'static str> {
    let has = |m: &str| offered.iter().any(|o| o == m);
    if have_exporter && has(BOUND) {
        Some(BOUND)
    } else if has(UNBOUND) {
        Some(UNBOUND)
    } else {
        None
    }
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // An HMAC takes keys of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// The HT-SHA-256 mechanisms: the client proves the token with
/// `HMAC(token, "Initiator" || cb)`, the server answers with
/// `HMAC(token, "Responder" || cb)`, which is checked.
pub struct HashedToken {
    name: String,
    username: String,
    token: String,
    binding: Vec<u8>,
}

impl HashedToken {
    /// For `token`, logging in as `username`; `binding` is the TLS
    /// session's channel binding (what the bound mechanism needs).
    pub fn new(token: &FastToken, username: &str, binding: &ChannelBinding) -> Result<Self, MechanismError> {
        let binding = match (token.mechanism.as_str(), binding) {
            (BOUND, ChannelBinding::TlsExporter(data)) => data.clone(),
            (BOUND, _) => return Err(MechanismError::InvalidState),
            (UNBOUND, _) => Vec::new(),
            _ => return Err(MechanismError::InvalidState),
        };
        Ok(Self {
            name: token.mechanism.clone(),
            username: username.to_owned(),
            token: token.secret.clone(),
            binding,
        })
    }
}

impl Mechanism for HashedToken {
    fn name(&self) -> &str {
        &self.name
    }

    fn from_credentials(_: Credentials) -> Result<Self, MechanismError> {
        Err(MechanismError::CannotGenerateNonce)
    }

    fn initial(&mut self) -> Vec<u8> {
        let mut out = self.username.as_bytes().to_vec();
        out.push(0);
        out.extend(hmac(self.token.as_bytes(), &[b"Initiator", &self.binding]));
        out
    }

    fn success(&mut self, data: &[u8]) -> Result<(), MechanismError> {
        let expected = hmac(self.token.as_bytes(), &[b"Responder", &self.binding]);
        // Both sides are public once sent; a plain comparison leaks nothing.
        if data == expected.as_slice() {
            Ok(())
        } else {
            Err(MechanismError::InvalidSignatureInSuccessResponse)
        }
    }
}

/// Where a token is kept once issued, or forgotten once refused.
pub type TokenKeeper = Arc<dyn Fn(Option<FastToken>) + Send + Sync>;

/// The account's current token, shared by its connections, and what keeps
/// it beyond the session. Cheap to clone.
#[derive(Clone, Default)]
pub struct FastTokens {
    slot: Arc<Mutex<Option<FastToken>>>,
    keeper: Option<TokenKeeper>,
}

impl std::fmt::Debug for FastTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FastTokens")
            .field("holds", &self.current().is_some())
            .finish_non_exhaustive()
    }
}

impl FastTokens {
    /// Starting with `initial`; `keeper` is told of every change.
    pub fn new(initial: Option<FastToken>, keeper: TokenKeeper) -> Self {
        Self {
            slot: Arc::new(Mutex::new(initial)),
            keeper: Some(keeper),
        }
    }

    /// The token, if one is held.
    pub fn current(&self) -> Option<FastToken> {
        self.slot.lock().ok().and_then(|t| t.clone())
    }

    /// Holds (and keeps) a newly issued token.
    pub fn replace(&self, token: FastToken) {
        if let Ok(mut slot) = self.slot.lock() {
            *slot = Some(token.clone());
        }
        if let Some(keep) = &self.keeper {
            keep(Some(token));
        }
    }

    /// Drops the token (the server refused it).
    pub fn forget(&self) {
        if let Ok(mut slot) = self.slot.lock() {
            *slot = None;
        }
        if let Some(keep) = &self.keeper {
            keep(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_kept_and_read_back_and_never_printed() {
        let token = FastToken::new(BOUND, "secret-token:fast-abc def", 1_700_000_000_000);
        let stored = token.to_stored();
        assert_eq!(FastToken::from_stored(&stored), Some(token.clone()));
        assert!(!format!("{token:?}").contains("secret-token"));
        assert_eq!(FastToken::from_stored("HT-SHA-256-NONE"), None);
        assert_eq!(FastToken::from_stored("HT-SHA-256-NONE soon x"), None);
        assert!(token.is_valid_at(1_600_000_000_000));
        assert!(!token.is_valid_at(1_700_000_000_000));
    }

    #[test]
    fn the_bound_mechanism_is_chosen_when_the_session_can_be_bound() {
        let offered: Vec<String> = [UNBOUND, "HT-SHA-256-ENDP", BOUND].map(String::from).to_vec();
        assert_eq!(choose(&offered, true), Some(BOUND));
        assert_eq!(choose(&offered, false), Some(UNBOUND));
        assert_eq!(choose(&["HT-SHA-256-UNIQ".to_owned()], true), None);
    }

    #[test]
    fn the_proof_and_the_answer_follow_the_spec() {
        let token = FastToken::new(UNBOUND, "secret-token:fast-x", i64::MAX);
        let mut m = HashedToken::new(&token, "juliet", &ChannelBinding::None).expect("mechanism");
        let initial = m.initial();
        let (user, proof) = initial.split_at(7);
        assert_eq!(user, b"juliet\0");
        assert_eq!(proof, hmac(b"secret-token:fast-x", &[b"Initiator"]).as_slice());
        let answer = hmac(b"secret-token:fast-x", &[b"Responder"]);
        assert!(m.success(&answer).is_ok());
        assert!(m.success(b"forged").is_err());
        let bound = FastToken::new(BOUND, "t", i64::MAX);
        assert!(HashedToken::new(&bound, "juliet", &ChannelBinding::None).is_err());
        let mut b =
            HashedToken::new(&bound, "juliet", &ChannelBinding::TlsExporter(vec![7; 32])).expect("bound");
        assert_ne!(
            b.initial(),
            HashedToken::new(&FastToken::new(UNBOUND, "t", 0), "juliet", &ChannelBinding::None)
                .expect("m")
                .initial()
        );
    }
}
