//! What session flows send through the session loop: plain stanzas, IQ
//! requests whose answers come back on a oneshot, and MAM queries whose
//! result messages are collected for them. [`super::iq_tracker::IqTracker`]
//! matches the answers.

use std::time::Duration;

use thiserror::Error;
use tokio::sync::{mpsc, oneshot};
use tokio_xmpp::{stanzastream::StanzaToken, Stanza};
use xmpp_parsers::{jid::Jid, mam, minidom::Element, stanza_error::StanzaError};

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

pub(super) type IqReply = oneshot::Sender<Result<Option<Element>, IqError>>;

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
    /// Change our presence as the user would (remote control): `None`
    /// goes offline.
    SetPresence(Option<crate::core::bridge::OwnPresence>),
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

    /// Asks the loop to change our presence as the user would (remote
    /// control); `None` goes offline.
    pub fn set_presence(&self, presence: Option<crate::core::bridge::OwnPresence>) {
        let _ = self.tx.send(Outgoing::SetPresence(presence));
    }

    /// Asks the loop to send what waits in the outbox.
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
