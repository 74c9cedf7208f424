//! Who sees our presence: invisibility, being visible to one contact,
//! and presence decloaking (asking, answering, remembered decisions).

use gio::prelude::*;
use glib::subclass::prelude::*;
use tokio::sync::oneshot;
use xmpp_parsers::jid::{BareJid, Jid};

use crate::core::{
    bridge::{Command, Event, RequestKind},
    privacy::{
        DecloakAnswer, DecloakPolicy, DecloakReason, DecloakRule, PresenceAnswer, PresenceRequestError,
    },
};
use crate::model::{Account, DecloakRequestObject};

use super::Client;

/// Most decloak questions queued for the user; the worker already joins
/// repeated requests and bounds open ones per account.
const MAX_QUEUED: usize = 32;

impl Client {
    /// Applies the privacy events; gives back any other event.
    pub(super) fn apply_privacy_event(&self, event: Event) -> Option<Event> {
        match event {
            Event::InvisibilitySupport { jid, method } => {
                self.account_or_insert(&jid, false)
                    .set_invisibility(method.is_some());
            }
            Event::VisibleTo { jid, to } => {
                let to = to.iter().map(Jid::to_string).collect();
                self.account_or_insert(&jid, false).set_visible_to(to);
            }
            Event::DecloakRequested { jid, request } => {
                let account = self.account_or_insert(&jid, false);
                let mut queue = self.imp().decloak_queue.borrow_mut();
                if queue.len() >= MAX_QUEUED {
                    tracing::info!(from = %request.from, "too many decloak questions queued; dropped");
                    return None;
                }
                queue.push_back(DecloakRequestObject::new(&account, request));
                let first = (queue.len() == 1).then(|| queue[0].clone());
                drop(queue);
                if let Some(first) = first {
                    self.emit_by_name::<()>("decloak-requested", &[&first]);
                }
            }
            Event::DecloakShared { jid, with, automatic } => {
                let account = self.account_or_insert(&jid, false);
                let with = with.to_string();
                self.emit_by_name::<()>("decloak-shared", &[&account, &with, &automatic]);
            }
            Event::RequestFailed {
                jid,
                request: RequestKind::Invisibility,
                detail,
            } => {
                let account = self.account_or_insert(&jid, false);
                self.emit_by_name::<()>("invisibility-failed", &[&account, &detail]);
            }
            other => return Some(other),
        }
        None
    }

    /// The decloak question the user is asked now, if any.
    pub fn current_decloak_request(&self) -> Option<DecloakRequestObject> {
        self.imp().decloak_queue.borrow().front().cloned()
    }

    /// How many decloak questions wait behind the current one.
    pub fn decloak_requests_waiting(&self) -> usize {
        self.imp().decloak_queue.borrow().len().saturating_sub(1)
    }

    /// Answers `request`; the next waiting one, if any, is asked then.
    pub fn answer_decloak(&self, request: &DecloakRequestObject, answer: DecloakAnswer) {
        let next = {
            let mut queue = self.imp().decloak_queue.borrow_mut();
            queue.retain(|r| r != request);
            queue.front().cloned()
        };
        if let (Some(account), Some(question)) = (request.account(), request.request()) {
            if let Ok(jid) = account.jid().parse::<BareJid>() {
                self.send(Command::AnswerDecloak {
                    jid,
                    from: question.from,
                    answer,
                });
            }
        }
        if let Some(next) = next {
            self.emit_by_name::<()>("decloak-requested", &[&next]);
        }
    }

    /// Shows our presence to `peer` while invisible, or ends that.
    pub fn set_visible_to(&self, account: &Account, peer: &str, visible: bool) {
        let (Ok(jid), Ok(to)) = (account.jid().parse::<BareJid>(), peer.parse::<Jid>()) else {
            return;
        };
        self.send(Command::SendDirectedPresence {
            jid,
            to,
            available: visible,
        });
    }

    /// Stops sharing presence with `peer` (their conversation closed).
    pub fn withdraw_presence(&self, account: &Account, peer: &str) {
        let (Ok(jid), Ok(peer)) = (account.jid().parse::<BareJid>(), peer.parse::<BareJid>()) else {
            return;
        };
        self.send(Command::WithdrawPresence { jid, peer });
    }

    /// Asks `to` to share their presence for `reason`; the resources that
    /// answered.
    pub async fn request_presence(
        &self,
        account: &Account,
        to: &str,
        reason: DecloakReason,
    ) -> Result<Vec<PresenceAnswer>, PresenceRequestError> {
        let (Ok(jid), Ok(to)) = (account.jid().parse::<BareJid>(), to.parse::<BareJid>()) else {
            return Ok(Vec::new());
        };
        let (reply, rx) = oneshot::channel();
        self.send(Command::RequestPresence {
            jid,
            to,
            reason,
            reply,
        });
        rx.await.unwrap_or(Err(PresenceRequestError::Offline))
    }

    /// `account`'s remembered decisions.
    pub async fn decloak_rules(&self, account: &Account) -> Result<Vec<DecloakRule>, String> {
        let jid: BareJid = account.jid().parse().map_err(|e| format!("{e}"))?;
        let (reply, rx) = oneshot::channel();
        self.send(Command::ListDecloakRules { jid, reply });
        rx.await.unwrap_or_else(|_| Err("the worker stopped".into()))
    }

    /// Forgets one of `account`'s decisions; the ones left.
    pub async fn revoke_decloak_rule(
        &self,
        account: &Account,
        rule: DecloakRule,
    ) -> Result<Vec<DecloakRule>, String> {
        let jid: BareJid = account.jid().parse().map_err(|e| format!("{e}"))?;
        let (reply, rx) = oneshot::channel();
        self.send(Command::RevokeDecloakRule { jid, rule, reply });
        rx.await.unwrap_or_else(|_| Err("the worker stopped".into()))
    }

    /// What to do with requests no decision covers (from the preference).
    pub fn set_decloak_policy(&self, policy: DecloakPolicy) {
        self.send(Command::SetDecloakPolicy { policy });
    }
}
