//! A bare tokio-xmpp client used as "the other side" in protocol tests, so
//! that tests check what another entity observes, not only what we sent.

use std::{str::FromStr, time::Duration};

use balcony::core::{
    account::{AccountConfig, ServerAddress, TlsMode},
    xmpp::{connector::AccountConnector, tls::AccountTls},
};
use futures::StreamExt;
use tokio_xmpp::{
    jid::{BareJid, FullJid, Jid},
    minidom::Element,
    parsers::{presence::Presence, stanza_error::StanzaError},
    xmlstream::Timeouts,
    Client, Event, IqRequest, IqResponse, Stanza,
};

use super::prosody::{Prosody, DOMAIN};

/// A logged-in peer.
pub struct Peer {
    /// The client.
    pub client: Client,
    /// Its bound JID.
    pub jid: FullJid,
}

impl Peer {
    /// Logs `user` in to `server`.
    pub async fn login(server: &Prosody, user: &str, password: &str) -> Self {
        let config = AccountConfig {
            jid: BareJid::from_str(&format!("{user}@{DOMAIN}")).expect("jid"),
            server: Some(ServerAddress::from_str(&server.c2s_addr()).expect("addr")),
            tls: TlsMode::StartTls,
            extra_ca_pem: Some(server.ca_pem.clone()),
        };
        let tls = AccountTls::new(config.extra_ca_pem.as_deref(), vec![]).expect("tls");
        let connector = AccountConnector::new(&config, tls);
        let mut client = Client::new_with_connector(
            Jid::from(config.jid.clone()),
            password,
            connector,
            Timeouts::tight(),
        );
        let jid = loop {
            match tokio::time::timeout(Duration::from_secs(15), client.next()).await {
                Ok(Some(Event::Online { bound_jid, .. })) => {
                    break bound_jid.try_into_full().expect("full jid")
                }
                Ok(Some(_)) => continue,
                other => panic!("peer {user} did not come online: {other:?}"),
            }
        };
        Peer { client, jid }
    }

    /// Sends an IQ get and waits for the answer.
    pub async fn get(&mut self, to: &Jid, payload: Element) -> Result<Option<Element>, StanzaError> {
        let token = self
            .client
            .send_iq(Some(to.clone()), IqRequest::Get(payload))
            .await;
        match tokio::time::timeout(Duration::from_secs(10), token).await {
            Ok(Ok(IqResponse::Result(payload))) => Ok(payload),
            Ok(Ok(IqResponse::Error(e))) => Err(e),
            other => panic!("no IQ answer: {other:?}"),
        }
    }

    /// Waits for a presence stanza matching `pick`.
    pub async fn presence_where(&mut self, mut pick: impl FnMut(&Presence) -> bool) -> Presence {
        loop {
            match tokio::time::timeout(Duration::from_secs(10), self.client.next()).await {
                Ok(Some(Event::Stanza(Stanza::Presence(p)))) if pick(&p) => return p,
                Ok(Some(_)) => continue,
                other => panic!("no matching presence: {other:?}"),
            }
        }
    }
}

impl Peer {
    /// Sends a stanza.
    pub async fn send(&mut self, stanza: impl Into<Stanza>) {
        self.client.send_stanza(stanza.into()).await.expect("send");
    }

    /// Waits for a message stanza matching `pick`.
    pub async fn message_where(
        &mut self,
        mut pick: impl FnMut(&xmpp_parsers::message::Message) -> bool,
    ) -> xmpp_parsers::message::Message {
        loop {
            match tokio::time::timeout(Duration::from_secs(15), self.client.next()).await {
                Ok(Some(Event::Stanza(Stanza::Message(m)))) if pick(&m) => return m,
                Ok(Some(_)) => continue,
                other => panic!("no matching message: {other:?}"),
            }
        }
    }

    /// Sends an IQ set and waits for the answer.
    pub async fn set(&mut self, to: Option<Jid>, payload: Element) -> Result<Option<Element>, StanzaError> {
        let token = self.client.send_iq(to, IqRequest::Set(payload)).await;
        match tokio::time::timeout(Duration::from_secs(10), token).await {
            Ok(Ok(IqResponse::Result(payload))) => Ok(payload),
            Ok(Ok(IqResponse::Error(e))) => Err(e),
            other => panic!("no IQ answer: {other:?}"),
        }
    }

    /// Sends an IQ get to our own account and waits for the answer.
    pub async fn get_own(&mut self, payload: Element) -> Result<Option<Element>, StanzaError> {
        let token = self.client.send_iq(None, IqRequest::Get(payload)).await;
        match tokio::time::timeout(Duration::from_secs(10), token).await {
            Ok(Ok(IqResponse::Result(payload))) => Ok(payload),
            Ok(Ok(IqResponse::Error(e))) => Err(e),
            other => panic!("no IQ answer: {other:?}"),
        }
    }

    /// Announces availability (so that carbons and presence reach it).
    pub async fn available(&mut self) {
        self.send(Presence::available()).await;
    }
}
