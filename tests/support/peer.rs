//! A bare XMPP client used as "the other side" in protocol tests, so that
//! tests check what another entity observes, not only what we sent.
//!
//! It owns its XML stream and reads it only when a test asks: no background
//! task, no queue, no stream management. Every stanza the server writes is
//! either returned or stashed, so nothing can go missing between the socket
//! and the test (tokio-xmpp's `Client` occasionally lost one).

use std::{collections::VecDeque, str::FromStr, time::Duration};

use balcony::core::{
    account::{AccountConfig, ServerAddress, TlsMode},
    credentials::Password,
    xmpp::{connection::connector::AccountConnector, connection::login, connection::tls::AccountTls},
};
use futures::{SinkExt, StreamExt};
use tokio_xmpp::{
    jid::{BareJid, FullJid, Jid},
    minidom::Element,
    parsers::{bind::BindQuery, iq::Iq, presence::Presence, sm, stanza_error::StanzaError},
    stanzastream::XmppStream,
    xmlstream::{FallibleStreamElement, ReadError, Timeouts, XmppStreamElement},
    IqRequest, Stanza,
};

use super::prosody::DOMAIN;

const TIMEOUTS: Timeouts = Timeouts {
    read_timeout: Duration::from_secs(600),
    response_timeout: Duration::from_secs(600),
};

/// A logged-in peer.
pub struct Peer {
    stream: XmppStream,
    /// Its bound JID.
    pub jid: FullJid,
    /// Stanzas read while something else was awaited, oldest first.
    stash: VecDeque<Stanza>,
    next_id: u64,
    /// Stanzas handled since stream management was enabled, if it was.
    sm_handled: Option<u32>,
}

impl Peer {
    /// Logs `user` in to `server` and binds a resource.
    pub async fn login(server: &impl super::TestServer, user: &str, password: &str) -> Self {
        let config = AccountConfig {
            jid: BareJid::from_str(&format!("{user}@{DOMAIN}")).expect("jid"),
            server: Some(ServerAddress::from_str(&server.c2s_addr()).expect("addr")),
            tls: TlsMode::StartTls,
            extra_ca_pem: Some(server.ca_pem().to_owned()),
        };
        let tls = AccountTls::new(config.extra_ca_pem.as_deref(), vec![]).expect("tls");
        let connector = AccountConnector::new(&config, tls);
        let jid = Jid::from(config.jid.clone());
        let done = login::login(
            &connector,
            &jid,
            &Password::new(password),
            &login::ClientIdentity::ephemeral(),
            TIMEOUTS,
            false,
        )
        .await
        .unwrap_or_else(|e| panic!("peer {user} could not log in: {e}"));
        let mut peer = Peer {
            stream: done.stream,
            jid: FullJid::from_str(&format!("{user}@{DOMAIN}/unbound")).expect("jid"),
            stash: VecDeque::new(),
            next_id: 0,
            sm_handled: None,
        };
        let bound = peer
            .set(None, BindQuery::new(None).into())
            .await
            .unwrap_or_else(|e| panic!("peer {user} could not bind: {e:?}"))
            .expect("bind answer");
        let jid = bound
            .get_child("jid", tokio_xmpp::parsers::ns::BIND)
            .map(|j| j.text())
            .expect("bound jid");
        peer.jid = FullJid::from_str(&jid).expect("full jid");
        peer
    }

    /// Logs `user` in, asks for the roster (Prosody sends presence to
    /// resources that did) and sends initial presence.
    pub async fn online(server: &impl super::TestServer, user: &str, password: &str) -> Self {
        let mut peer = Self::login(server, user, password).await;
        peer.get_own(
            tokio_xmpp::parsers::roster::Roster {
                ver: None,
                items: vec![],
            }
            .into(),
        )
        .await
        .expect("roster");
        peer.available().await;
        peer
    }

    /// Enables stream management (XEP-0198, resumable) the way a real client
    /// does, so that the server queues and acks what it sends us; requests
    /// for acks are answered while reading.
    pub async fn enable_stream_management(&mut self) {
        let enable = XmppStreamElement::SM(sm::Nonza::Enable(sm::Enable::new().with_resume()));
        self.stream.send(&enable).await.expect("send enable");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while self.sm_handled.is_none() {
            match self.read_element(deadline).await {
                Ok(Some(stanza)) => self.stash.push_back(stanza),
                Ok(None) => {}
                Err(()) => panic!("peer {}: stream management not enabled within 10 s", self.jid),
            }
        }
    }

    /// Reads one element off the wire before `deadline`: `Err` when the
    /// time ran out, `Ok(None)` for a stream-management nonza it handled.
    async fn read_element(&mut self, deadline: tokio::time::Instant) -> Result<Option<Stanza>, ()> {
        use FallibleStreamElement::Ok as Parsed;
        loop {
            let element = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .map_err(|_| ())?;
            return Ok(match element {
                Some(Ok(Parsed(XmppStreamElement::Stanza(stanza)))) => {
                    if let Some(h) = self.sm_handled.as_mut() {
                        *h = h.wrapping_add(1);
                    }
                    Some(stanza)
                }
                Some(Ok(Parsed(XmppStreamElement::SM(sm::Nonza::Req(_))))) => {
                    let h = self.sm_handled.expect("ack requested before SM was enabled");
                    let ack = XmppStreamElement::SM(sm::Nonza::Ack(sm::A::new(h)));
                    self.stream.send(&ack).await.expect("send ack");
                    None
                }
                Some(Ok(Parsed(XmppStreamElement::SM(sm::Nonza::Enabled(_))))) => {
                    self.sm_handled = Some(0);
                    None
                }
                Some(Ok(other)) => panic!("peer {}: unexpected element {other:?}", self.jid),
                Some(Err(ReadError::SoftTimeout)) => continue,
                Some(Err(ReadError::ParseError(e))) => panic!("peer {}: unparsable stanza: {e}", self.jid),
                Some(Err(e)) => panic!("peer {}: stream failed: {e}", self.jid),
                None => panic!("peer {}: stream ended", self.jid),
            });
        }
    }

    /// Reads the next stanza off the wire, or `None` after `timeout`.
    async fn read(&mut self, timeout: Duration) -> Option<Stanza> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match self.read_element(deadline).await {
                Ok(Some(stanza)) => return Some(stanza),
                Ok(None) => continue,
                Err(()) => return None,
            }
        }
    }

    /// The next stanza: stashed ones first.
    pub async fn next_stanza(&mut self, timeout: Duration) -> Option<Stanza> {
        match self.stash.pop_front() {
            Some(stanza) => Some(stanza),
            None => self.read(timeout).await,
        }
    }

    /// Sends a stanza.
    pub async fn send(&mut self, stanza: impl Into<Stanza>) {
        let element = XmppStreamElement::Stanza(stanza.into());
        self.stream.send(&element).await.expect("send");
    }

    /// Sends an IQ request without waiting; returns its id.
    pub async fn send_iq(&mut self, to: Option<Jid>, request: IqRequest) -> String {
        self.next_id += 1;
        let id = format!("peer-{}", self.next_id);
        let iq = match request {
            IqRequest::Get(payload) => Iq::Get {
                from: None,
                to,
                id: id.clone(),
                payload,
            },
            IqRequest::Set(payload) => Iq::Set {
                from: None,
                to,
                id: id.clone(),
                payload,
            },
        };
        self.send(iq).await;
        id
    }

    /// Waits up to 10 s for the answer to IQ `id`; other stanzas are stashed.
    pub async fn await_iq(&mut self, id: &str) -> Result<Option<Element>, StanzaError> {
        let answer_of = |stanza: &Stanza| matches!(stanza, Stanza::Iq(Iq::Result { id: got, .. } | Iq::Error { id: got, .. }) if got == id);
        let stanza = match self.stash.iter().position(answer_of) {
            Some(at) => self.stash.remove(at).expect("stashed"),
            None => {
                let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
                loop {
                    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                    match self.read(left).await {
                        Some(stanza) if answer_of(&stanza) => break stanza,
                        Some(stanza) => self.stash.push_back(stanza),
                        None => panic!("peer {}: no answer to IQ {id} within 10 s", self.jid),
                    }
                }
            }
        };
        match stanza {
            Stanza::Iq(Iq::Result { payload, .. }) => Ok(payload),
            Stanza::Iq(Iq::Error { error, .. }) => Err(error),
            _ => unreachable!("matched an IQ answer"),
        }
    }

    /// Sends an IQ and waits for the answer.
    pub async fn iq(&mut self, to: Option<Jid>, request: IqRequest) -> Result<Option<Element>, StanzaError> {
        let id = self.send_iq(to, request).await;
        self.await_iq(&id).await
    }

    /// Sends an IQ get and waits for the answer.
    pub async fn get(&mut self, to: &Jid, payload: Element) -> Result<Option<Element>, StanzaError> {
        self.iq(Some(to.clone()), IqRequest::Get(payload)).await
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

    /// Reads stanzas for `window`; the presences from `who` among them.
    pub async fn presences_from(&mut self, who: &BareJid, window: Duration) -> Vec<Presence> {
        let deadline = tokio::time::Instant::now() + window;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return seen;
            }
            match self.next_stanza(left).await {
                Some(Stanza::Presence(p)) if p.from.as_ref().is_some_and(|f| f.to_bare() == *who) => {
                    seen.push(p)
                }
                Some(_) => {}
                None => return seen,
            }
        }
    }

    /// Waits for a presence stanza matching `pick`.
    pub async fn presence_where(&mut self, mut pick: impl FnMut(&Presence) -> bool) -> Presence {
        loop {
            match self.next_stanza(Duration::from_secs(10)).await {
                Some(Stanza::Presence(p)) if pick(&p) => return p,
                Some(_) => continue,
                None => panic!("peer {}: no matching presence", self.jid),
            }
        }
    }

    /// Waits for a message stanza matching `pick`.
    pub async fn message_where(
        &mut self,
        mut pick: impl FnMut(&xmpp_parsers::message::Message) -> bool,
    ) -> xmpp_parsers::message::Message {
        loop {
            match self.next_stanza(Duration::from_secs(15)).await {
                Some(Stanza::Message(m)) if pick(&m) => return m,
                Some(_) => continue,
                None => panic!("peer {}: no matching message", self.jid),
            }
        }
    }
}

impl Peer {
    /// Joins `room` as `nick` and waits for the room's self-presence.
    pub async fn join_room(&mut self, room: &str, nick: &str) {
        let to: FullJid = format!("{room}/{nick}").parse().expect("occupant jid");
        let join = Presence::available()
            .with_to(to.clone())
            .with_payloads(vec![Element::builder("x", tokio_xmpp::parsers::ns::MUC).build()]);
        self.send(join).await;
        self.presence_where(|p| p.from.as_ref() == Some(&Jid::from(to.clone())) && is_self_presence(p))
            .await;
    }

    /// Leaves `room`, where this peer is `nick`.
    pub async fn leave_room(&mut self, room: &str, nick: &str) {
        let from: Jid = format!("{room}/{nick}").parse().expect("occupant jid");
        self.send(Presence::unavailable().with_to(from)).await;
    }

    /// Sends a groupchat message (or, with `subject`, a subject change).
    pub async fn say_in_room(&mut self, room: &str, body: Option<&str>, subject: Option<&str>) {
        use xmpp_parsers::message::{Lang, Message};
        let mut m = Message::groupchat(Some(room.parse().expect("room")));
        if let Some(b) = body {
            m.bodies.insert(Lang::default(), b.into());
        }
        if let Some(s) = subject {
            m.subjects.insert(Lang::default(), s.into());
        }
        self.send(m).await;
    }
}

/// True for a room's presence about ourselves (status 110).
pub fn is_self_presence(p: &Presence) -> bool {
    p.payloads.iter().any(|x| {
        x.is("x", tokio_xmpp::parsers::ns::MUC_USER)
            && x.children()
                .any(|s| s.is("status", tokio_xmpp::parsers::ns::MUC_USER) && s.attr("code") == Some("110"))
    })
}
