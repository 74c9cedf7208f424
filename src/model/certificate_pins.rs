//! The certificates an account trusts because the user pinned them: listed
//! with their fingerprints, and removable.

use tokio::sync::oneshot;
use xmpp_parsers::jid::BareJid;

use super::Client;
use crate::core::{bridge::Command, xmpp::connection::tls::fingerprint_hex};

/// One pinned certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedCertificate {
    /// Its SHA-256 digest.
    pub sha256: [u8; 32],
}

impl PinnedCertificate {
    /// `AB:CD:…`, as the certificate prompt showed it.
    pub fn fingerprint(&self) -> String {
        fingerprint_hex(&self.sha256)
    }
}

fn pins(list: Vec<[u8; 32]>) -> Vec<PinnedCertificate> {
    list.into_iter()
        .map(|sha256| PinnedCertificate { sha256 })
        .collect()
}

impl Client {
    /// The certificates pinned for `account`.
    pub async fn certificate_pins(&self, account: &BareJid) -> Result<Vec<PinnedCertificate>, String> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::CertificatePins {
            jid: account.clone(),
            reply,
        });
        rx.await.map_err(|e| e.to_string())?.map(pins)
    }

    /// Stops trusting `pin` for `account`; the pins left.
    pub async fn forget_certificate(
        &self,
        account: &BareJid,
        pin: &PinnedCertificate,
    ) -> Result<Vec<PinnedCertificate>, String> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::ForgetCertificate {
            jid: account.clone(),
            sha256: pin.sha256,
            reply,
        });
        rx.await.map_err(|e| e.to_string())?.map(pins)
    }
}
