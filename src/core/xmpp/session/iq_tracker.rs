//! Matches what comes back to what was asked: IQ answers to their
//! askers (only from the entity asked), and MAM result messages to the
//! query that asked for them. The session loop owns one per stream.

use std::collections::HashMap;

use tokio::sync::oneshot;
use xmpp_parsers::{
    iq::Iq,
    jid::{BareJid, Jid},
    mam,
    message::Message,
    minidom::Element,
};

use super::outgoing::{IqError, IqReply, MamPage};

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
    use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType, StanzaError};

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
        let iq = t.mam(
            None,
            crate::core::xmpp::modules::x0313_mam::page_query("", None),
            tx,
        );
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
