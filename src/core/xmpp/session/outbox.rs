//! Sending the outbox: each stored stanza is handed to the stream once per
//! stream-management session, and leaves the outbox when the server acks
//! it (XEP-0198). After a stream reset everything left is sent again;
//! receivers deduplicate by origin-id.

use std::{collections::HashMap, time::Duration};

use tokio_xmpp::{
    stanzastream::{StanzaStage, StanzaState, StanzaStream, StanzaToken},
    Stanza,
};
use xmpp_parsers::{message::Message, minidom::Element};

use crate::core::xmpp::{
    connection::link::{self, NegotiationWatch},
    modules::{x0384_omemo::Omemo, x0384_omemo_send},
    session::context::SessionContext,
};
use crate::core::{bridge::Event, message::DeliveryState};

/// Which outbox entries the current stream already has, each with the
/// serial number of its hand-over.
#[derive(Debug, Default)]
pub struct OutboxState {
    handed: HashMap<String, u64>,
    serial: u64,
    /// Whether the stream acks stanzas (XEP-0198 enabled).
    pub acks: bool,
    /// Acks that came across a reconnection, waiting for [`Self::settle`].
    held: Vec<(String, u64)>,
    /// Which login of the stream each entry went out on.
    watch: NegotiationWatch,
}

/// How long an ack that came across a reconnection is held. A fresh stream
/// in the meantime (its `Reset` clears the hand-overs) shows that the
/// server forgot the old one, whose count cannot be trusted.
pub const HOLD_ACK: Duration = Duration::from_secs(3);

impl OutboxState {
    /// Tracks hand-overs for the stream that `watch` follows.
    pub fn new(watch: NegotiationWatch) -> Self {
        Self {
            watch,
            ..Self::default()
        }
    }

    /// The stream lost its state: nothing it had is known to arrive, and
    /// acks held from the forgotten stream are void.
    pub fn reset(&mut self, acks: bool) {
        self.handed.clear();
        self.held.clear();
        self.acks = acks;
    }

    /// Hand-over `serial` of `origin_id` failed (a write error cut it off,
    /// or it was dropped): the next flush sends it again. A later
    /// hand-over of the same entry is left alone.
    pub fn failed(&mut self, origin_id: &str, serial: u64) {
        if self.handed.get(origin_id) == Some(&serial) {
            self.handed.remove(origin_id);
        }
    }

    /// Holds an ack that came across a reconnection.
    pub fn hold(&mut self, origin_id: String, serial: u64) {
        self.held.push((origin_id, serial));
    }

    /// The held acks whose hand-over is still the current one: no fresh
    /// stream came since. Called [`HOLD_ACK`] after holding, while online.
    pub fn settle(&mut self) -> Vec<String> {
        let handed = &self.handed;
        std::mem::take(&mut self.held)
            .into_iter()
            .filter(|(origin_id, serial)| handed.get(origin_id) == Some(serial))
            .map(|(origin_id, _)| origin_id)
            .collect()
    }

    /// Whether acks are held.
    pub fn holds_acks(&self) -> bool {
        !self.held.is_empty()
    }
}

pub async fn raise(ctx: &SessionContext, origin_id: &str, state: DeliveryState, done: bool) {
    let (account, id) = (ctx.account.clone(), origin_id.to_owned());
    let result = ctx
        .store
        .run(move |s| {
            if done {
                s.remove_from_outbox(&account, &id)?;
            }
            s.raise_delivery_state(&account, &id, state)
        })
        .await;
    match result {
        Ok(Some(peer)) => ctx.emit(Event::MessageStateChanged {
            jid: ctx.account.clone(),
            peer,
            origin_id: origin_id.to_owned(),
            state,
        }),
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "could not record a delivery state"),
    }
}

/// Follows one stanza: sent, then acked (and out of the outbox). If its
/// transmission fails, the session is told so that it is sent again. An
/// ack on a later login than the one it went out on goes to the session,
/// which holds it (see [`OutboxState::hold`]).
fn track(
    ctx: SessionContext,
    origin_id: String,
    serial: u64,
    mut token: StanzaToken,
    acks: bool,
    watch: NegotiationWatch,
) {
    let sent_on = watch.current_login();
    tokio::spawn(async move {
        match token.wait_for(StanzaStage::Sent).await {
            Some(StanzaState::Sent { .. }) | Some(StanzaState::Acked { .. }) => {
                raise(&ctx, &origin_id, DeliveryState::Sent, !acks).await;
            }
            _ => return ctx.out.hand_over_failed(origin_id, serial),
        }
        if !acks {
            return;
        }
        match token.wait_for(StanzaStage::Acked).await {
            Some(StanzaState::Acked { .. }) if watch.current_login() == sent_on => {
                raise(&ctx, &origin_id, DeliveryState::Acked, true).await
            }
            Some(StanzaState::Acked { .. }) => ctx.out.acked_across_reconnect(origin_id, serial),
            _ => ctx.out.hand_over_failed(origin_id, serial),
        }
    });
}

/// Hands every outbox entry the stream does not have yet to the stream.
pub async fn flush(ctx: &SessionContext, stream: &StanzaStream, state: &mut OutboxState) {
    let account = ctx.account.clone();
    let entries = match ctx.store.run(move |s| s.outbox(&account)).await {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(error = %e, "outbox unreadable");
            return;
        }
    };
    for entry in entries {
        if state.handed.contains_key(&entry.origin_id) {
            continue;
        }
        let message = entry
            .stanza
            .parse::<Element>()
            .map_err(|e| e.to_string())
            .and_then(|e| Message::try_from(e).map_err(|e| e.to_string()));
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                // Keep it (nothing is lost) but do not retry it forever.
                tracing::error!(origin_id = %entry.origin_id, error = %e, "unreadable outbox entry skipped");
                state.handed.insert(entry.origin_id, 0);
                continue;
            }
        };
        // Encrypted first, by a task of its own (it may fetch keys, which
        // needs this loop running); it puts the result in the outbox and
        // flushes again.
        if let Some(required) = x0384_omemo_send::marked(&message) {
            if ctx.state::<Omemo>().start_preparing(&entry.origin_id) {
                tokio::spawn(x0384_omemo_send::prepare(
                    ctx.clone(),
                    entry.origin_id,
                    message,
                    required,
                ));
            }
            continue;
        }
        let Some(token) = link::send_on(stream, Box::new(Stanza::Message(message))).await else {
            return; // the stream has ended; its successor sends the rest
        };
        state.serial += 1;
        state.handed.insert(entry.origin_id.clone(), state.serial);
        track(
            ctx.clone(),
            entry.origin_id,
            state.serial,
            token,
            state.acks,
            state.watch.clone(),
        );
    }
}
