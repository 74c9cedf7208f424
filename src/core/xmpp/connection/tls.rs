//! TLS client configuration: system roots plus an account's extra CA, and
//! certificates the user pinned. A certificate that fails verification is
//! captured so that the UI can show its fingerprint and offer to pin it.

use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest, Sha256};
use tokio_rustls::rustls::{
    self,
    client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier},
    client::WebPkiServerVerifier,
    crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider},
    pki_types::{pem::PemObject, CertificateDer, ServerName, UnixTime},
    DigitallySignedStruct, RootCertStore, SignatureScheme,
};

/// SHA-256 of DER bytes.
pub fn sha256(der: &[u8]) -> [u8; 32] {
    Sha256::digest(der).into()
}

/// `AB:CD:…` form of a digest, as certificate viewers show it.
pub fn fingerprint_hex(digest: &[u8]) -> String {
    digest
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Why a server certificate did not verify, as people can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateProblem {
    /// It is for another server name.
    WrongName,
    /// It has expired.
    Expired,
    /// It is not valid yet.
    NotYetValid,
    /// No trusted authority signed it (self-signed, or a private CA).
    UnknownIssuer,
    /// The user trusted (pinned) another certificate for this account, and
    /// this one is new and does not verify either.
    ChangedSincePinned,
    /// Anything else (a bad signature, a revoked or malformed certificate).
    Other,
}

impl CertificateProblem {
    fn of(error: &rustls::Error) -> Self {
        use rustls::CertificateError as C;
        match error {
            rustls::Error::InvalidCertificate(c) => match c {
                C::NotValidForName | C::NotValidForNameContext { .. } => Self::WrongName,
                C::Expired | C::ExpiredContext { .. } => Self::Expired,
                C::NotValidYet | C::NotValidYetContext { .. } => Self::NotYetValid,
                C::UnknownIssuer => Self::UnknownIssuer,
                _ => Self::Other,
            },
            _ => Self::Other,
        }
    }
}

/// A server certificate that did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UntrustedCertificate {
    /// The end-entity certificate, DER.
    pub der: Vec<u8>,
    /// Its SHA-256 digest.
    pub sha256: [u8; 32],
    /// Why, for people.
    pub problem: CertificateProblem,
    /// Why verification failed (rustls' words, for logs and details).
    pub reason: String,
}

impl UntrustedCertificate {
    /// `AB:CD:…` fingerprint.
    pub fn fingerprint(&self) -> String {
        fingerprint_hex(&self.sha256)
    }
}

/// The certificate the server presented and Balcony accepted on the
/// current connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerCertificate {
    /// The end-entity certificate, DER (public: the server sends it to all).
    pub der: Vec<u8>,
    /// Its SHA-256 digest.
    pub sha256: [u8; 32],
    /// Accepted because the user pinned it (or gave it with
    /// `--trust-cert`), not because a trusted authority signed it.
    pub pinned: bool,
}

impl ServerCertificate {
    /// `AB:CD:…` fingerprint.
    pub fn fingerprint(&self) -> String {
        fingerprint_hex(&self.sha256)
    }

    /// Whom it names and who signed it, and until when it is valid; `None`
    /// when the DER does not parse as X.509.
    pub fn summary(&self) -> Option<CertificateSummary> {
        use x509_cert::der::Decode;
        let cert = x509_cert::Certificate::from_der(&self.der).ok()?;
        let tbs = cert.tbs_certificate;
        Some(CertificateSummary {
            subject: tbs.subject.to_string(),
            issuer: tbs.issuer.to_string(),
            not_after_unix: i64::try_from(tbs.validity.not_after.to_unix_duration().as_secs()).ok(),
        })
    }
}

/// What a certificate says about itself, for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateSummary {
    /// The subject's distinguished name (RFC 4514).
    pub subject: String,
    /// The issuer's distinguished name.
    pub issuer: String,
    /// The end of its validity, in seconds since 1970.
    pub not_after_unix: Option<i64>,
}

/// Where the handshake leaves the certificate it accepted.
pub type CertificateInUse = Arc<Mutex<Option<ServerCertificate>>>;

/// Why TLS could not be configured.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    /// The extra CA PEM could not be read.
    #[error("the trusted certificate is not valid PEM: {0}")]
    BadPem(String),
    /// rustls refused the configuration (e.g. no protocol version usable).
    #[error("TLS configuration error: {0}")]
    Config(String),
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The system's trust roots, read and parsed once per process (a few
/// milliseconds for Debian's 140 roots).
fn system_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let loaded = rustls_native_certs::load_native_certs();
        for e in &loaded.errors {
            tracing::warn!(error = %e, "could not load a system certificate");
        }
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(loaded.certs);
        roots
    })
}

/// Reads the system's trust roots now, so that the first connection does
/// not wait for them (the worker calls it on a spare thread as it starts).
pub fn prepare_system_roots() {
    system_roots();
}

/// Parses every certificate in a PEM bundle.
pub fn parse_pem_certificates(pem: &str) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(pem.as_bytes()).collect();
    let certs = certs.map_err(|e| TlsSetupError::BadPem(e.to_string()))?;
    if certs.is_empty() {
        return Err(TlsSetupError::BadPem("no certificate found".into()));
    }
    Ok(certs)
}

#[derive(Debug)]
struct PinningVerifier {
    /// Built at the first handshake rather than with the configuration:
    /// the system's roots are still being read on a spare thread while the
    /// connection opens and negotiates TLS, so a login does not wait for
    /// them before its first packet.
    webpki: OnceLock<Option<Arc<WebPkiServerVerifier>>>,
    /// The account's own trusted certificates, added to the system roots.
    extra_roots: Vec<CertificateDer<'static>>,
    pins: Vec<[u8; 32]>,
    /// Whether the user pinned a certificate for this account.
    user_pinned: bool,
    provider: Arc<CryptoProvider>,
    rejected: Arc<Mutex<Option<UntrustedCertificate>>>,
    accepted: CertificateInUse,
}

impl PinningVerifier {
    /// The system roots plus the account's own, as a verifier (none when
    /// there is no usable root at all).
    fn webpki(&self) -> Option<&Arc<WebPkiServerVerifier>> {
        self.webpki
            .get_or_init(|| {
                let mut roots = system_roots().clone();
                for cert in &self.extra_roots {
                    if let Err(e) = roots.add(cert.clone()) {
                        tracing::debug!(error = %e, "trusted certificate is not usable as a root");
                    }
                }
                if roots.is_empty() {
                    return None;
                }
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), self.provider.clone())
                    .build()
                    .map_err(|e| tracing::warn!(error = %e, "no usable trust roots"))
                    .ok()
            })
            .as_ref()
    }

    fn accept(&self, end_entity: &CertificateDer<'_>, sha256: [u8; 32], pinned: bool) {
        if let Ok(mut slot) = self.accepted.lock() {
            *slot = Some(ServerCertificate {
                der: end_entity.to_vec(),
                sha256,
                pinned,
            });
        }
    }
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let digest = sha256(end_entity);
        if self.pins.contains(&digest) {
            tracing::debug!(fingerprint = %fingerprint_hex(&digest), "server certificate is pinned");
            self.accept(end_entity, digest, true);
            return Ok(ServerCertVerified::assertion());
        }
        let result = match self.webpki() {
            Some(v) => v.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now),
            None => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            )),
        };
        if result.is_ok() {
            self.accept(end_entity, digest, false);
        }
        if let Err(e) = &result {
            if let Ok(mut slot) = self.rejected.lock() {
                let problem = if self.user_pinned {
                    CertificateProblem::ChangedSincePinned
                } else {
                    CertificateProblem::of(e)
                };
                *slot = Some(UntrustedCertificate {
                    der: end_entity.to_vec(),
                    sha256: digest,
                    problem,
                    reason: e.to_string(),
                });
            }
        }
        result
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A TLS client configuration for one account, plus the slot where a
/// rejected certificate is left for the caller.
#[derive(Debug, Clone)]
pub struct AccountTls {
    /// The rustls configuration.
    pub config: Arc<rustls::ClientConfig>,
    /// The last certificate that failed verification.
    pub rejected: Arc<Mutex<Option<UntrustedCertificate>>>,
    /// The certificate accepted by the last handshake.
    pub accepted: CertificateInUse,
}

impl AccountTls {
    /// System roots plus `extra_ca_pem`, accepting the `pins` as they are.
    pub fn new(extra_ca_pem: Option<&str>, pins: Vec<[u8; 32]>) -> Result<Self, TlsSetupError> {
        let provider = provider();
        let user_pinned = !pins.is_empty();
        let mut pins = pins;
        let mut extra_roots = Vec::new();
        if let Some(pem) = extra_ca_pem {
            for cert in parse_pem_certificates(pem)? {
                // A trusted certificate may be a CA or the server's own leaf.
                pins.push(sha256(&cert));
                extra_roots.push(cert);
            }
        }
        let rejected = Arc::new(Mutex::new(None));
        let accepted = CertificateInUse::default();
        let verifier = PinningVerifier {
            webpki: OnceLock::new(),
            extra_roots,
            pins,
            user_pinned,
            provider: provider.clone(),
            rejected: rejected.clone(),
            accepted: accepted.clone(),
        };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsSetupError::Config(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(Self {
            config: Arc::new(config),
            rejected,
            accepted,
        })
    }

    /// The certificate accepted by the last handshake, if any.
    pub fn certificate_in_use(&self) -> Option<ServerCertificate> {
        self.accepted.lock().ok().and_then(|slot| slot.clone())
    }

    /// Takes the certificate rejected by the last handshake, if any.
    pub fn take_rejected(&self) -> Option<UntrustedCertificate> {
        self.rejected.lock().ok().and_then(|mut slot| slot.take())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_colon_separated_upper_hex() {
        assert_eq!(fingerprint_hex(&[0xab, 0x01, 0xff]), "AB:01:FF");
        assert_eq!(fingerprint_hex(&sha256(b"")).len(), 32 * 3 - 1);
    }

    #[test]
    fn bad_pem_is_an_error() {
        assert!(matches!(
            AccountTls::new(Some("not pem"), vec![]),
            Err(TlsSetupError::BadPem(_))
        ));
    }
}
