//! What session flows send through the session loop: plain stanzas, IQ
//! requests whose answers come back on a oneshot, and MAM queries whose
//! result messages are collected for them. [`IqTracker`] matches answers.

use std::{collections::HashMap, time::Duration};

use thiserror::Error;
use tokio::sync::{mpsc, oneshot};
use tokio_xmpp::{stanzastream::StanzaToken, Stanza};
use xmpp_parsers::{
    iq::Iq,
    jid::{BareJid, Jid},
    mam,
    message::Message,
    minidom::Element,
    stanza_error::StanzaError,
};

/// How long an IQ may go unanswered.
pub const IQ_TIMEOUT: Duration = Duration::from_secs(30);

/// Why an IQ request did not get a result.
#[derive(Debug, Clone, Error, PartialEq)]
pub enum IqError {
    /// The entity answered with an error.
    #[error("{}", error_text(.0))]
    Stanza(Box<StanzaError>),
    /// No answer in time.
    #[error("no answer within {} s", IQ_TIMEOUT.as_secs())]
    Timeout,
    /// The stream was reset or closed before an answer came.
    #[error("the connection was lost before an answer came")]
    Disconnected,
    /// The answer could not be understood.
    #[error("malformed answer: {0}")]
    Malformed(String),
}

/// What an error says for people: its text, else its condition.
pub fn error_text(error: &StanzaError) -> String {
    error
        .texts
        .values()
        .next()
        .cloned()
        .unwrap_or_else(|| format!("{:?}", error.defined_condition))
}

/// A MAM page: the `<fin/>` and the result messages, in arrival order.
pub type MamPage = (mam::Fin, Vec<mam::Result_>);

type IqReply = oneshot::Sender<Result<Option<Element>, IqError>>;

/// A request to the session loop.
pub enum Outgoing {
    /// Send a stanza; optionally hand back its transmission token.
    Stanza {
        /// The stanza.
        stanza: Box<Stanza>,
        /// Where to put the token.
        token: Option<oneshot::Sender<StanzaToken>>,
    },
    /// Send an IQ get or set and route its answer back.
    Iq {
        /// Recipient; `None` is our own account.
        to: Option<Jid>,
        /// Get (false) or set (true).
        is_set: bool,
        /// The payload.
        payload: Element,
        /// Where the answer goes.
        reply: IqReply,
    },
    /// Run one MAM query, collecting its result messages.
    Mam {
        /// The archive; `None` is our own.
        to: Option<Jid>,
        /// The query (its `queryid` is set by the loop).
        query: mam::Query,
        /// Where the page goes.
        reply: oneshot::Sender<Result<MamPage, IqError>>,
    },
    /// Send what waits in the outbox and was not handed to the stream yet.
    FlushOutbox,
    /// An outbox entry's transmission failed; send it again.
    HandOverFailed {
        /// The entry.
        origin_id: String,
        /// Which hand-over failed.
        serial: u64,
    },
    /// An outbox entry was acked on a later connection than the one it was
    /// sent on: by a resumption, or by a server that forgot the stream
    /// (`<failed h='…'/>`, which Prosody 0.12 overcounts on shutdown).
    /// It leaves the outbox only if no fresh stream follows.
    AckedAcrossReconnect {
        /// The entry.
        origin_id: String,
        /// Which hand-over was acked.
        serial: u64,
    },
    /// Held acks are due for a decision (see `OutboxState::settle`).
    SettleAcks,
}

/// The flows' way to the session loop. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Outbound {
    tx: mpsc::UnboundedSender<Outgoing>,
}

impl Outbound {
    /// Wraps the loop's channel.
    pub fn new(tx: mpsc::UnboundedSender<Outgoing>) -> Self {
        Self { tx }
    }

    /// Sends a stanza, fire and forget.
    pub fn send(&self, stanza: impl Into<Stanza>) {
        let _ = self.tx.send(Outgoing::Stanza {
            stanza: Box::new(stanza.into()),
            token: None,
        });
    }

    /// Reports that an outbox entry did not get through.
    pub fn hand_over_failed(&self, origin_id: String, serial: u64) {
        let _ = self.tx.send(Outgoing::HandOverFailed { origin_id, serial });
    }

    /// Reports an ack that came across a reconnection.
    pub fn acked_across_reconnect(&self, origin_id: String, serial: u64) {
        let _ = self.tx.send(Outgoing::AckedAcrossReconnect { origin_id, serial });
    }

    /// Asks the loop to decide on held acks.
    pub fn settle_acks(&self) {
        let _ = self.tx.send(Outgoing::SettleAcks);
    }

    /// Asks the loop to send the outbox.
    pub fn flush_outbox(&self) {
        let _ = self.tx.send(Outgoing::FlushOutbox);
    }

    /// Sends a stanza and returns its token, or `None` if the session ended.
    pub async fn send_tracked(&self, stanza: impl Into<Stanza>) -> Option<StanzaToken> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Outgoing::Stanza {
                stanza: Box::new(stanza.into()),
                token: Some(tx),
            })
            .ok()?;
        rx.await.ok()
    }

    async fn iq(&self, to: Option<Jid>, is_set: bool, payload: Element) -> Result<Option<Element>, IqError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Outgoing::Iq {
                to,
                is_set,
                payload,
                reply,
            })
            .map_err(|_| IqError::Disconnected)?;
        match tokio::time::timeout(IQ_TIMEOUT, rx).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err(IqError::Disconnected),
            Err(_) => Err(IqError::Timeout),
        }
    }

    /// IQ get.
    pub async fn get(
        &self,
        to: Option<Jid>,
        payload: impl Into<Element>,
    ) -> Result<Option<Element>, IqError> {
        self.iq(to, false, payload.into()).await
    }

    /// IQ set.
    pub async fn set(
        &self,
        to: Option<Jid>,
        payload: impl Into<Element>,
    ) -> Result<Option<Element>, IqError> {
        self.iq(to, true, payload.into()).await
    }

    /// One MAM page. The query is sent at once, so the next page can be
    /// requested while the previous one is being stored.
    pub fn mam(
        &self,
        to: Option<Jid>,
        query: mam::Query,
    ) -> impl std::future::Future<Output = Result<MamPage, IqError>> + Send + 'static {
        let (reply, rx) = oneshot::channel();
        let sent = self.tx.send(Outgoing::Mam { to, query, reply }).is_ok();
        async move {
            if !sent {
                return Err(IqError::Disconnected);
            }
            match tokio::time::timeout(IQ_TIMEOUT, rx).await {
                Ok(Ok(answer)) => answer,
                Ok(Err(_)) => Err(IqError::Disconnected),
                Err(_) => Err(IqError::Timeout),
            }
        }
    }
}

enum Waiter {
    Iq(IqReply),
    Mam {
        queryid: String,
        results: Vec<mam::Result_>,
        reply: oneshot::Sender<Result<MamPage, IqError>>,
    },
}

impl Waiter {
    fn is_closed(&self) -> bool {
        match self {
            Waiter::Iq(r) => r.is_closed(),
            Waiter::Mam { reply, .. } => reply.is_closed(),
        }
    }

    fn fail(self, error: IqError) {
        match self {
            Waiter::Iq(r) => {
                let _ = r.send(Err(error));
            }
            Waiter::Mam { reply, .. } => {
                let _ = reply.send(Err(error));
            }
        }
    }
}

struct Pending {
    /// Who must answer; `None` means our own account (bare JID or no `from`).
    to: Option<Jid>,
    waiter: Waiter,
}

/// Matches IQ answers (and MAM results) to what we asked.
pub struct IqTracker {
    account: BareJid,
    next: u64,
    prefix: String,
    pending: HashMap<String, Pending>,
}

impl IqTracker {
    /// A tracker for `account`.
    pub fn new(account: BareJid) -> Self {
        Self {
            account,
            next: 0,
            prefix: format!("b{:08x}", rand::random::<u32>()),
            pending: HashMap::new(),
        }
    }

    fn next_id(&mut self) -> String {
        self.next += 1;
        format!("{}-{}", self.prefix, self.next)
    }

    fn forget_abandoned(&mut self) {
        self.pending.retain(|_, p| !p.waiter.is_closed());
    }

    /// Registers an IQ request; the stanza to send.
    pub fn request(&mut self, to: Option<Jid>, is_set: bool, payload: Element, reply: IqReply) -> Iq {
        self.forget_abandoned();
        let id = self.next_id();
        self.pending.insert(
            id.clone(),
            Pending {
                to: to.clone(),
                waiter: Waiter::Iq(reply),
            },
        );
        if is_set {
            Iq::Set {
                from: None,
                to,
                id,
                payload,
            }
        } else {
            Iq::Get {
                from: None,
                to,
                id,
                payload,
            }
        }
    }

    /// Registers a MAM query; the stanza to send.
    pub fn mam(
        &mut self,
        to: Option<Jid>,
        mut query: mam::Query,
        reply: oneshot::Sender<Result<MamPage, IqError>>,
    ) -> Iq {
        self.forget_abandoned();
        let id = self.next_id();
        let queryid = format!("q{id}");
        query.queryid = Some(mam::QueryId(queryid.clone()));
        self.pending.insert(
            id.clone(),
            Pending {
                to: to.clone(),
                waiter: Waiter::Mam {
                    queryid,
                    results: Vec::new(),
                    reply,
                },
            },
        );
        Iq::Set {
            from: None,
            to,
            id,
            payload: query.into(),
        }
    }

    fn answered_by_asked(&self, expected: &Option<Jid>, from: &Option<Jid>) -> bool {
        match (expected, from) {
            (None, None) => true,
            (None, Some(f)) => f.to_bare() == self.account && f.resource().is_none(),
            (Some(e), Some(f)) => e == f,
            // Servers answer for the account's own bare JID without `from`.
            (Some(e), None) => e.resource().is_none() && e.to_bare() == self.account,
        }
    }

    /// Takes an IQ result or error; false if it answered nothing we asked.
    pub fn on_answer(&mut self, iq: Iq) -> bool {
        let (from, id) = match &iq {
            Iq::Result { from, id, .. } | Iq::Error { from, id, .. } => (from.clone(), id.clone()),
            _ => return false,
        };
        let Some(pending) = self.pending.get(&id) else {
            return false;
        };
        if !self.answered_by_asked(&pending.to, &from) {
            tracing::warn!(%id, ?from, expected = ?pending.to, "IQ answer from the wrong entity ignored");
            return false;
        }
        let Some(pending) = self.pending.remove(&id) else {
            return false;
        };
        match (pending.waiter, iq) {
            (Waiter::Iq(reply), Iq::Result { payload, .. }) => {
                let _ = reply.send(Ok(payload));
            }
            (waiter, Iq::Error { error, .. }) => waiter.fail(IqError::Stanza(Box::new(error))),
            (Waiter::Mam { results, reply, .. }, Iq::Result { payload, .. }) => {
                let fin = payload
                    .ok_or_else(|| IqError::Malformed("MAM result without <fin/>".into()))
                    .and_then(|p| mam::Fin::try_from(p).map_err(|e| IqError::Malformed(e.to_string())));
                let _ = reply.send(fin.map(|fin| (fin, results)));
            }
            (_, _) => {}
        }
        true
    }

    /// Takes a message that may be a MAM result. Returns it back when it is
    /// not one. Results for an unknown query or from another archive than
    /// the one asked are dropped (and logged).
    pub fn on_message(&mut self, message: Message) -> Option<Message> {
        let Some(result) = message
            .payloads
            .iter()
            .find(|p| p.is("result", xmpp_parsers::ns::MAM))
        else {
            return Some(message);
        };
        let result = match mam::Result_::try_from(result.clone()) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "malformed MAM result dropped");
                return None;
            }
        };
        let account = self.account.clone();
        let found = self.pending.values_mut().find_map(|p| match &mut p.waiter {
            Waiter::Mam { queryid, results, .. }
                if result.queryid.as_ref().map(|q| q.0.as_str()) == Some(queryid.as_str()) =>
            {
                Some((p.to.clone(), results))
            }
            _ => None,
        });
        match found {
            Some((to, results)) => {
                let archive_ok = match (&to, &message.from) {
                    (None, None) => true,
                    (None, Some(f)) => f.as_str() == account.as_str(),
                    (Some(t), Some(f)) => t == f,
                    (Some(_), None) => false,
                };
                if archive_ok {
                    results.push(result);
                } else {
                    tracing::warn!(from = ?message.from, "MAM result from another archive rejected");
                }
            }
            None => tracing::warn!(from = ?message.from, "MAM result for no query of ours dropped"),
        }
        None
    }

    /// The stream lost its state: nothing pending will be answered.
    pub fn reset(&mut self) {
        for (_, p) in self.pending.drain() {
            p.waiter.fail(IqError::Disconnected);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType};

    fn tracker() -> IqTracker {
        IqTracker::new(BareJid::from_str("juliet@example.org").expect("jid"))
    }

    #[test]
    fn answers_reach_the_asker_only_from_the_asked_entity() {
        let mut t = tracker();
        let romeo = Jid::from_str("romeo@example.org/orchard").expect("jid");
        let (tx, mut rx) = oneshot::channel();
        let iq = t.request(
            Some(romeo.clone()),
            false,
            Element::builder("ping", "urn:xmpp:ping").build(),
            tx,
        );
        let Iq::Get { id, .. } = iq else { panic!("get") };
        let spoofed = Iq::Result {
            from: Some(Jid::from_str("mallory@example.org/x").expect("jid")),
            to: None,
            id: id.clone(),
            payload: None,
        };
        assert!(!t.on_answer(spoofed));
        assert!(rx.try_recv().is_err());
        let error = Iq::Error {
            from: Some(romeo),
            to: None,
            id,
            payload: None,
            error: StanzaError::new(ErrorType::Cancel, DefinedCondition::ItemNotFound, "en", "gone"),
        };
        assert!(t.on_answer(error));
        assert!(matches!(rx.try_recv(), Ok(Err(IqError::Stanza(_)))));
    }

    #[test]
    fn reset_fails_everything_pending() {
        let mut t = tracker();
        let (tx, mut rx) = oneshot::channel();
        t.request(
            None,
            true,
            Element::builder("enable", "urn:xmpp:carbons:2").build(),
            tx,
        );
        t.reset();
        assert!(matches!(rx.try_recv(), Ok(Err(IqError::Disconnected))));
    }

    #[test]
    fn mam_results_from_another_archive_are_rejected() {
        let mut t = tracker();
        let (tx, mut rx) = oneshot::channel();
        let iq = t.mam(None, crate::core::xmpp::modules::x0313_mam::page_query("", None), tx);
        let Iq::Set { id, payload, .. } = iq else {
            panic!("set")
        };
        let queryid = mam::Query::try_from(payload)
            .expect("query")
            .queryid
            .expect("queryid")
            .0;
        let result = |from: &str, rid: &str| -> Message {
            let xml = format!(
                "<message xmlns='jabber:client' from='{from}'><result xmlns='urn:xmpp:mam:2' queryid='{queryid}' id='{rid}'>
                 <forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2024-01-01T00:00:00Z'/>
                 <message xmlns='jabber:client' from='romeo@example.org/o' to='juliet@example.org'><body>hi</body></message>
                 </forwarded></result></message>"
            );
            Message::try_from(xml.parse::<Element>().expect("xml")).expect("message")
        };
        assert!(t.on_message(result("juliet@example.org", "a1")).is_none());
        assert!(t.on_message(result("mallory@evil.example", "a2")).is_none());
        let fin: Element =
            "<fin xmlns='urn:xmpp:mam:2' complete='true'><set xmlns='http://jabber.org/protocol/rsm'/></fin>"
                .parse()
                .expect("fin");
        assert!(t.on_answer(Iq::Result {
            from: None,
            to: None,
            id,
            payload: Some(fin)
        }));
        let (fin, results) = rx.try_recv().expect("answered").expect("page");
        assert!(fin.complete);
        assert_eq!(
            results.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            vec!["a1"]
        );
    }
}
