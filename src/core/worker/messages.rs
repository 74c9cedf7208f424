//! Sending messages: into the outbox first, then to the session.

use xmpp_parsers::jid::BareJid;
use xmpp_parsers::minidom::Element;

use crate::core::{
    bridge::{Event, RequestKind},
    message::{ChatKind, Correction, DeliveryState, MessageEncryption, NewMessage, StoredMessage},
    xmpp::{
        modules::chat, modules::x0359_stanza_ids, modules::x0384_omemo_send,
        session::session_loop::SessionCommand,
    },
};

use super::Worker;

impl Worker {
    /// Whether messages to `peer` are encrypted: the user's choice for
    /// the conversation, or by default when the contact uses OMEMO.
    async fn encrypts_to(&self, jid: &BareJid, peer: &BareJid) -> bool {
        let (account, peer) = (jid.clone(), peer.clone());
        self.store
            .run(move |s| s.encrypts_to(&account, &peer))
            .await
            .unwrap_or_else(|e| {
                // Unreadable: encrypting (or failing) is safer than plain.
                tracing::warn!(error = %e, "could not read a conversation's encryption choice");
                true
            })
    }

    /// Stores an outgoing message (or correction) in the outbox, shows it,
    /// and lets the session send it when it can.
    pub(super) async fn queue_message(
        &mut self,
        jid: BareJid,
        kind: ChatKind,
        to: BareJid,
        body: String,
        replaces: Option<String>,
    ) {
        if !self.accounts.contains_key(&jid) {
            tracing::warn!(%jid, "message for an unknown account dropped");
            return;
        }
        let origin_id = x0359_stanza_ids::new_origin_id();
        let mut stanza = chat::outgoing(kind, to.clone(), &body, &origin_id, replaces.as_deref());
        // Rooms only by the user's choice (offered where the room allows it).
        let encrypted = self.encrypts_to(&jid, &to).await;
        if encrypted {
            // The session encrypts it before it leaves, or does not send it.
            x0384_omemo_send::mark(&mut stanza, true);
        }
        let xml = String::from(&Element::from(stanza));
        let account = jid.clone();
        let result = match replaces {
            None => {
                let message = NewMessage {
                    peer: to,
                    kind,
                    outgoing: true,
                    sender: jid.to_string(),
                    body,
                    origin_id: Some(origin_id),
                    stanza_id: None,
                    timestamp_ms: chrono::Utc::now().timestamp_millis(),
                    state: DeliveryState::Pending,
                    // Encrypted when it leaves, or never sent.
                    encryption: if encrypted {
                        MessageEncryption::Omemo
                    } else {
                        MessageEncryption::None
                    },
                };
                self.store
                    .run(move |s| {
                        let id = s.queue_outgoing(&account, &message, &xml)?;
                        Ok(vec![Event::MessagesAdded {
                            jid: account.clone(),
                            live: false,
                            read_before: 0,
                            messages: vec![StoredMessage {
                                id,
                                message,
                                corrected: false,
                                file: None,
                                forwarded_by: None,
                            }],
                        }])
                    })
                    .await
            }
            Some(replaces) => {
                let correction = Correction {
                    peer: to,
                    outgoing: true,
                    replaces,
                    body,
                };
                self.store
                    .run(move |s| {
                        s.queue_stanza(&account, &origin_id, &xml)?;
                        s.apply_correction(&account, &correction)?;
                        Ok(vec![Event::MessageCorrected {
                            jid: account.clone(),
                            correction,
                        }])
                    })
                    .await
            }
        };
        match result {
            Ok(events) => events.into_iter().for_each(|e| self.emit(e)),
            Err(e) => {
                tracing::error!(error = %e, "could not queue a message");
                self.emit(Event::RequestFailed {
                    jid: jid.clone(),
                    request: RequestKind::Message,
                    detail: e.to_string(),
                });
                return;
            }
        }
        if let Some(s) = self.accounts.get(&jid).and_then(|e| e.session.as_ref()) {
            let _ = s.commands.send(SessionCommand::FlushOutbox);
        }
    }
}
