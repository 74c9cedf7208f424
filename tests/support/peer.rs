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
    /// Events that arrived while an IQ answer was awaited, oldest first.
    stash: std::collections::VecDeque<Event>,
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
        Peer {
            client,
            jid,
            stash: Default::default(),
        }
    }

    /// Sends an IQ and waits for the answer. Events that arrive meanwhile
    /// are stashed, so that tokio-xmpp's bounded event queue never fills
    /// (a full queue stalls its IQ matching).
    pub async fn iq(&mut self, to: Option<Jid>, request: IqRequest) -> Result<Option<Element>, StanzaError> {
        let mut token = self.client.send_iq(to, request).await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            tokio::select! {
                answer = &mut token => match answer {
                    Ok(IqResponse::Result(payload)) => return Ok(payload),
                    Ok(IqResponse::Error(e)) => return Err(e),
                    Err(e) => panic!("IQ failed: {e:?}"),
                },
                Some(ev) = self.client.next() => self.stash.push_back(ev),
                _ = tokio::time::sleep_until(deadline) => panic!("no IQ answer within 10 s"),
            }
        }
    }

    /// The next event: stashed ones first.
    pub async fn next_event(&mut self, timeout: Duration) -> Option<Event> {
        if let Some(ev) = self.stash.pop_front() {
            return Some(ev);
        }
        tokio::time::timeout(timeout, self.client.next())
            .await
            .ok()
            .flatten()
    }

    /// Sends an IQ get and waits for the answer.
    pub async fn get(&mut self, to: &Jid, payload: Element) -> Result<Option<Element>, StanzaError> {
        self.iq(Some(to.clone()), IqRequest::Get(payload)).await
    }

    /// Waits for a presence stanza matching `pick`.
    pub async fn presence_where(&mut self, mut pick: impl FnMut(&Presence) -> bool) -> Presence {
        loop {
            match self.next_event(Duration::from_secs(10)).await {
                Some(Event::Stanza(Stanza::Presence(p))) if pick(&p) => return p,
                Some(_) => continue,
                None => panic!("no matching presence"),
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
            match self.next_event(Duration::from_secs(15)).await {
                Some(Event::Stanza(Stanza::Message(m))) if pick(&m) => return m,
                Some(_) => continue,
                None => panic!("no matching message"),
            }
        }
    }

    /// Sends an IQ set and waits for the answer.
    pub async fn set(&mut self, to: Option<Jid>, payload: Element) -> Result<Option<Element>, StanzaError> {
        self.iq(to, IqRequest::Set(payload)).await
    }

    /// Sends an IQ get to our own account and waits for the answer.
    pub async fn get_own(&mut self, payload: Element) -> Result<Option<Element>, StanzaError> {
        self.iq(None, IqRequest::Get(payload)).await
    }

    /// Announces availability (so that carbons and presence reach it).
    pub async fn available(&mut self) {
        self.send(Presence::available()).await;
    }
}
