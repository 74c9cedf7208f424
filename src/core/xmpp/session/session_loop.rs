//! One account's live session: drives the `StanzaStream`, turns stream and
//! link events into [`ConnectionState`]s, sends our presence, and answers
//! what it must.

use super::file_transfers::FileTransfers;
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_xmpp::{
    jid::Jid,
    parsers::presence::Presence,
    stanzastream::{Event as StreamEventOrStanza, StanzaStream, StreamEvent},
    Stanza,
};
use xmpp_parsers::jid::BareJid;

use crate::core::xmpp::{
    connection::connector::AccountConnector,
    connection::error::ConnectError,
    connection::link::{self, reconnector, Backoff, LinkEvent, LinkSpec, NegotiationWatch},
    connection::tls::AccountTls,
    modules,
    modules::own_presence::{self, own_presence_stanza},
    modules::x0045_muc,
    modules::x0146_devices,
    modules::x0186_invisible::{self, Shown},
    modules::x0276_decloak,
    modules::x0352_csi,
    session::after_login,
    session::context::SessionContext,
    session::incoming,
    session::iq_tracker::IqTracker,
    session::outbox::{self, OutboxState},
    session::outgoing::{IqError, Outbound, Outgoing},
    session::requests::{self, SessionRequest},
};
use crate::core::{
    account::AccountConfig,
    bridge::{ConnectionState, Event, OwnPresence},
    credentials::Password,
    message::DeliveryState,
    store::StoreHandle,
};

/// Requests to a running session.
#[derive(Debug)]
pub enum SessionCommand {
    /// Send this presence now and after every reconnect.
    SetPresence(OwnPresence),
    /// Send presence to one entity only (available with our caps, or unavailable).
    DirectedPresence {
        /// The recipient.
        to: Jid,
        /// Available or unavailable.
        available: bool,
    },
    /// New entries wait in the outbox.
    FlushOutbox,
    /// No window of ours has focus (true), or one has (XEP-0352).
    SetInactive(bool),
    /// Carry out a request on its own task.
    Request(SessionRequest),
    /// Send unavailable presence and close the stream.
    Close,
}

/// What a session reports to the worker (besides UI events).
#[derive(Debug)]
pub enum SessionNote {
    /// The first login of this session succeeded.
    LoggedIn {
        /// The account.
        jid: BareJid,
    },
    /// A device of ours changed our presence (remote control).
    PresenceChanged {
        /// The account.
        jid: BareJid,
        /// The new presence.
        presence: OwnPresence,
    },
    /// The session ended.
    Ended {
        /// The account.
        jid: BareJid,
        /// The session's generation, so stale notes can be ignored.
        generation: u64,
    },
}

/// Everything a session needs.
pub struct SessionSpec {
    /// How to connect.
    pub config: AccountConfig,
    /// The password.
    pub password: Password,
    /// SHA-256 digests of pinned certificates.
    pub pins: Vec<[u8; 32]>,
    /// Presence to send once online.
    pub presence: OwnPresence,
    /// See [`LinkSpec::give_up_before_first_login`].
    pub give_up_before_first_login: bool,
    /// Distinguishes successive sessions of one account.
    pub generation: u64,
    /// Backoff policy.
    pub backoff: Backoff,
    /// The store.
    pub store: StoreHandle,
    /// The account's XML console tap.
    pub tap: crate::core::xmpp::connection::stream_tap::StreamTap,
    /// Start as inactive (no window focused).
    pub inactive: bool,
    /// The client's SASL2 identity and the account's FAST tokens.
    pub client: crate::core::xmpp::connection::login::ClientIdentity,
    /// Where the key of the account's OMEMO state is kept; `None`: nowhere
    /// (OMEMO stays off).
    pub omemo_keys: Option<crate::core::credentials::OmemoKeySource>,
}

/// Handle to a running session.
#[derive(Debug)]
pub struct SessionHandle {
    /// Commands to the session.
    pub commands: mpsc::UnboundedSender<SessionCommand>,
    /// The session's generation.
    pub generation: u64,
}

/// Starts a session task on the current tokio runtime.
pub fn spawn(
    spec: SessionSpec,
    events: async_channel::Sender<Event>,
    notes: mpsc::UnboundedSender<SessionNote>,
) -> SessionHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    let generation = spec.generation;
    tokio::spawn(run(spec, rx, events, notes));
    SessionHandle {
        commands: tx,
        generation,
    }
}

struct Session {
    jid: BareJid,
    events: async_channel::Sender<Event>,
    state: ConnectionState,
    presence: OwnPresence,
    mechanism: &'static str,
    ever_online: bool,
    /// The JID bound by the current stream-management session.
    bound: Option<tokio_xmpp::jid::FullJid>,
    /// The link gave up on the current stream; start a fresh one.
    wants_fresh_stream: bool,
}

impl Session {
    fn set_state(&mut self, state: ConnectionState) {
        if state != self.state {
            self.state = state.clone();
            let _ = self.events.try_send(Event::ConnectionChanged {
                jid: self.jid.clone(),
                state,
            });
        }
    }

    fn on_link(&mut self, ev: LinkEvent) -> Option<ConnectError> {
        match ev {
            LinkEvent::Attempt { attempt } => {
                if !self.ever_online {
                    self.set_state(ConnectionState::Connecting { attempt });
                }
                None
            }
            LinkEvent::Authenticated { mechanism } => {
                self.mechanism = mechanism;
                None
            }
            LinkEvent::FreshStreamNeeded => {
                self.wants_fresh_stream = true;
                None
            }
            LinkEvent::Failed {
                error,
                retry_in: Some(retry_in),
            } => {
                let attempt = match &self.state {
                    ConnectionState::Connecting { attempt } => attempt + 1,
                    ConnectionState::Reconnecting { attempt, .. } => attempt + 1,
                    _ => 1,
                };
                self.set_state(ConnectionState::Reconnecting {
                    attempt,
                    retry_in,
                    error: Some(error),
                });
                None
            }
            LinkEvent::Failed {
                error,
                retry_in: None,
            } => Some(error),
        }
    }
}

impl Session {
    /// Our presence is now `p`: sent at once, or through invisibility when
    /// either side of the change is invisible (that waits for the server).
    async fn set_presence(&mut self, ctx: &SessionContext, stream: &StanzaStream, p: OwnPresence) {
        let before = std::mem::replace(&mut self.presence, p.clone());
        own_presence::remember(ctx, &p);
        if !matches!(self.state, ConnectionState::Online { .. }) {
            return;
        }
        if before.invisible || p.invisible {
            tokio::spawn(x0186_invisible::change(ctx.clone(), before, p));
        } else {
            link::send_on(stream, Box::new(own_presence_stanza(&p).into())).await;
            let _ = self.events.try_send(Event::PresenceChanged {
                jid: self.jid.clone(),
                presence: p,
            });
        }
    }
}

/// Asks the loop to decide on held acks once a fresh stream, if one is
/// coming, has had time to void them.
fn settle_acks_later(ctx: &SessionContext) {
    let out = ctx.out.clone();
    tokio::spawn(async move {
        tokio::time::sleep(outbox::HOLD_ACK).await;
        out.settle_acks();
    });
}

/// Pings the server on a stream that just came up. Any answer shows that
/// the stream carries our data; until then its login counts as lost, so
/// that a resumption the server takes but never hears is not repeated for
/// ever (see [`NegotiationWatch`]).
fn prove_stream(ctx: &SessionContext, watch: &NegotiationWatch) {
    let (ctx, watch) = (ctx.clone(), watch.clone());
    let login = watch.current_login();
    tokio::spawn(async move {
        match ctx.out.get(None, xmpp_parsers::ping::Ping).await {
            Ok(_) | Err(IqError::Stanza(_) | IqError::Malformed(_)) => watch.proven(login),
            Err(error) => tracing::debug!(%error, "the stream did not answer"),
        }
    });
}

/// Depth of tokio-xmpp's queues between this loop and its stream worker.
/// This loop awaits `send`; the worker, to report a lost link, awaits this
/// loop reading its events. With both queues full while the link is down
/// they would wait for each other for ever (an outbox flush of a few
/// hundred messages as the link drops could fill them at 64). Tokio's
/// channels allocate as they fill, so a depth no session reaches costs
/// nothing until used.
const STREAM_QUEUE_DEPTH: usize = 1 << 20;

async fn run(
    spec: SessionSpec,
    mut commands: mpsc::UnboundedReceiver<SessionCommand>,
    events: async_channel::Sender<Event>,
    notes: mpsc::UnboundedSender<SessionNote>,
) {
    let jid = spec.config.jid.clone();
    let mut session = Session {
        jid: jid.clone(),
        events,
        state: ConnectionState::Offline { error: None },
        presence: spec.presence.clone(),
        mechanism: "",
        ever_online: false,
        bound: None,
        wants_fresh_stream: false,
    };
    let ended = |session: &mut Session, error: Option<ConnectError>| {
        session.set_state(ConnectionState::Offline { error });
        let _ = notes.send(SessionNote::Ended {
            jid: jid.clone(),
            generation: spec.generation,
        });
    };

    let tls = match AccountTls::new(spec.config.extra_ca_pem.as_deref(), spec.pins.clone()) {
        Ok(tls) => tls,
        Err(e) => {
            ended(
                &mut session,
                Some(ConnectError::Configuration {
                    detail: e.to_string(),
                }),
            );
            return;
        }
    };
    let files = std::sync::Arc::new(FileTransfers::new(&tls));
    let (link_tx, mut link_rx) = mpsc::unbounded_channel();
    let link = LinkSpec {
        connector: AccountConnector::new(&spec.config, tls).with_tap(spec.tap.clone()),
        jid: Jid::from(jid.clone()),
        password: spec.password.clone(),
        client: spec.client.clone(),
        timeouts: link::keepalive_timeouts(),
        backoff: spec.backoff,
        give_up_before_first_login: spec.give_up_before_first_login,
    };
    let csi = link.connector.csi().clone();
    csi.set_inactive(spec.inactive);
    let watch = NegotiationWatch::default();
    let mut stream = StanzaStream::new(
        reconnector(link.clone(), watch.clone(), link_tx.clone()),
        STREAM_QUEUE_DEPTH,
    );
    session.set_state(ConnectionState::Connecting { attempt: 1 });
    let (out_tx, mut out_rx) = mpsc::unbounded_channel();
    let ctx = SessionContext {
        account: jid.clone(),
        out: Outbound::new(out_tx),
        events: session.events.clone(),
        store: spec.store.clone(),
        modules: modules::session_state(modules::REGISTERED),
        files,
        connection: link.connector.facts(),
    };
    if let Some(source) = spec.omemo_keys.clone() {
        ctx.state::<crate::core::xmpp::modules::x0384_omemo::Omemo>()
            .set_key_source(source);
    }
    let mut tracker = IqTracker::new(jid.clone());
    let mut outbox_state = OutboxState::new(watch.clone());
    let mut login_flow: Option<tokio::task::JoinHandle<()>> = None;

    let outcome: Option<ConnectError> = loop {
        tokio::select! {
            ev = stream.next() => match ev {
                Some(StreamEventOrStanza::Stream(StreamEvent::Reset { bound_jid, features })) => {
                    let Ok(full) = bound_jid.clone().try_into_full() else {
                        tracing::warn!(%bound_jid, "server bound a bare JID");
                        continue;
                    };
                    if !session.ever_online {
                        session.ever_online = true;
                        let _ = notes.send(SessionNote::LoggedIn { jid: jid.clone() });
                    }
                    tracker.reset();
                    prove_stream(&ctx, &watch);
                    outbox_state.reset(features.stream_management.is_some());
                    csi.stream_ready();
                    if csi.is_inactive() {
                        x0352_csi::kick(&ctx);
                    }
                    session.bound = Some(full.clone());
                    x0146_devices::stream_restarted(&ctx, &full);
                    session.set_state(ConnectionState::Online {
                        bound_jid: full,
                        mechanism: session.mechanism,
                        resumed: false,
                    });
                    if let Some(flow) = login_flow.take() {
                        flow.abort();
                    }
                    x0045_muc::stream_restarted(&ctx);
                    x0186_invisible::stream_restarted(&ctx);
                    login_flow = Some(tokio::spawn(after_login::run(ctx.clone(), session.presence.clone())));
                }
                Some(StreamEventOrStanza::Stream(StreamEvent::Resumed)) => {
                    prove_stream(&ctx, &watch);
                    if let Some(bound_jid) = session.bound.clone() {
                        let mechanism = session.mechanism;
                        session.set_state(ConnectionState::Online { bound_jid, mechanism, resumed: true });
                    }
                    csi.stream_ready();
                    if csi.is_inactive() {
                        x0352_csi::kick(&ctx);
                    }
                    outbox::flush(&ctx, &stream, &mut outbox_state).await;
                }
                Some(StreamEventOrStanza::Stream(StreamEvent::Suspended)) => {
                    session.set_state(ConnectionState::Reconnecting {
                        attempt: 1,
                        retry_in: std::time::Duration::ZERO,
                        error: None,
                    });
                }
                Some(StreamEventOrStanza::Stanza(Stanza::Iq(iq))) => {
                    let handled = isolated("IQ", incoming::on_iq(&ctx, &mut tracker, iq)).await;
                    if let Some(reply) = handled.flatten() {
                        link::send_on(&stream, Box::new(reply.into())).await;
                    }
                }
                Some(StreamEventOrStanza::Stanza(Stanza::Message(message))) => {
                    if let Some(message) = tracker.on_message(message) {
                        isolated("message", incoming::on_message(&ctx, message)).await;
                    }
                }
                Some(StreamEventOrStanza::Stanza(Stanza::Presence(presence))) => {
                    isolated("presence", incoming::on_presence(&ctx, presence)).await;
                }
                None => {
                    // The stream ended: a fatal link failure may be queued.
                    let mut fatal = None;
                    while let Ok(link) = link_rx.try_recv() {
                        fatal = session.on_link(link).or(fatal);
                    }
                    if fatal.is_some() || !std::mem::take(&mut session.wants_fresh_stream) {
                        break fatal;
                    }
                    // A fresh stream (no stream-management state) after a
                    // login was accepted: it may not give up early.
                    let fresh = LinkSpec { give_up_before_first_login: false, ..link.clone() };
                    watch.fresh_stream();
                    stream = StanzaStream::new(reconnector(fresh, watch.clone(), link_tx.clone()), STREAM_QUEUE_DEPTH);
                }
            },
            Some(link) = link_rx.recv() => {
                if let Some(fatal) = session.on_link(link) {
                    break Some(fatal);
                }
            }
            Some(out) = out_rx.recv() => match out {
                Outgoing::Stanza { stanza, token } => {
                    let t = link::send_on(&stream, stanza).await;
                    if let (Some(tx), Some(t)) = (token, t) {
                        let _ = tx.send(t);
                    }
                }
                Outgoing::Iq { to, is_set, payload, reply } => {
                    let iq = tracker.request(to, is_set, payload, reply);
                    link::send_on(&stream, Box::new(iq.into())).await;
                }
                Outgoing::Mam { to, query, reply } => {
                    let iq = tracker.mam(to, query, reply);
                    link::send_on(&stream, Box::new(iq.into())).await;
                }
                Outgoing::SetPresence(Some(p)) => {
                    // A device of ours chose it: the worker keeps it for reconnects.
                    let _ = notes.send(SessionNote::PresenceChanged { jid: jid.clone(), presence: p.clone() });
                    session.set_presence(&ctx, &stream, p).await;
                }
                Outgoing::SetPresence(None) => {
                    if matches!(session.state, ConnectionState::Online { .. }) {
                        for withdrawn in x0276_decloak::withdraw_all(&ctx) {
                            link::send_on(&stream, Box::new(withdrawn.into())).await;
                        }
                        link::send_on(&stream, Box::new(Presence::unavailable().into())).await;
                    }
                    break None;
                }
                Outgoing::FlushOutbox => {
                    if matches!(session.state, ConnectionState::Online { .. }) {
                        outbox::flush(&ctx, &stream, &mut outbox_state).await;
                    }
                }
                Outgoing::AckedAcrossReconnect { origin_id, serial } => {
                    outbox_state.hold(origin_id, serial);
                    settle_acks_later(&ctx);
                }
                Outgoing::SettleAcks => {
                    if matches!(session.state, ConnectionState::Online { .. }) {
                        for origin_id in outbox_state.settle() {
                            let ctx = ctx.clone();
                            tokio::spawn(async move {
                                outbox::raise(&ctx, &origin_id, DeliveryState::Acked, true).await;
                            });
                        }
                    } else if outbox_state.holds_acks() {
                        settle_acks_later(&ctx);
                    }
                }
                Outgoing::HandOverFailed { origin_id, serial } => {
                    tracing::debug!(%origin_id, "outbox entry not transmitted; sending it again");
                    outbox_state.failed(&origin_id, serial);
                    if matches!(session.state, ConnectionState::Online { .. }) {
                        outbox::flush(&ctx, &stream, &mut outbox_state).await;
                    }
                }
            },
            cmd = commands.recv() => match cmd {
                Some(SessionCommand::SetPresence(p)) => session.set_presence(&ctx, &stream, p).await,
                Some(SessionCommand::DirectedPresence { to, available }) => {
                    if matches!(session.state, ConnectionState::Online { .. }) {
                        tokio::spawn(directed_presence(ctx.clone(), session.presence.clone(), to, available));
                    }
                }
                Some(SessionCommand::FlushOutbox) => {
                    if matches!(session.state, ConnectionState::Online { .. }) {
                        outbox::flush(&ctx, &stream, &mut outbox_state).await;
                    }
                }
                Some(SessionCommand::Request(request)) => requests::spawn(&ctx, request),
                Some(SessionCommand::SetInactive(inactive)) => {
                    if csi.set_inactive(inactive) && matches!(session.state, ConnectionState::Online { .. }) {
                        x0352_csi::kick(&ctx);
                    }
                }
                Some(SessionCommand::Close) | None => {
                    if matches!(session.state, ConnectionState::Online { .. }) {
                        for withdrawn in x0276_decloak::withdraw_all(&ctx) {
                            link::send_on(&stream, Box::new(withdrawn.into())).await;
                        }
                        link::send_on(&stream, Box::new(Presence::unavailable().into())).await;
                    }
                    break None;
                }
            }
        }
    };
    if let Some(flow) = login_flow.take() {
        flow.abort();
    }
    tracker.reset();
    // Tell the UI at once; closing the stream may take a moment.
    session.set_state(ConnectionState::Offline {
        error: outcome.clone(),
    });
    // After a fatal failure the reconnector still holds the stream's slot;
    // releasing it makes tokio-xmpp end the stream (by design, its worker
    // task panics: see `main.rs`), so the close below is quick.
    drop(link_rx);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(3), stream.close()).await;
    ended(&mut session, outcome);
}

/// Sends our presence to one entity, or ends it, through invisibility's
/// bookkeeping (while invisible, the entity is remembered as one who sees
/// us, and a privacy list lets the presence out).
async fn directed_presence(ctx: SessionContext, own: OwnPresence, to: Jid, available: bool) {
    let outcome = if available {
        x0186_invisible::reveal(&ctx, to, own_presence_stanza(&own), Shown::Presence).await
    } else {
        x0186_invisible::conceal(&ctx, to).await
    };
    if let Err(e) = outcome {
        tracing::warn!(error = %e, "directed presence failed");
        ctx.emit(Event::RequestFailed {
            jid: ctx.account.clone(),
            request: crate::core::bridge::RequestKind::Invisibility,
            detail: e.to_string(),
        });
    }
}

/// Runs the handling of one incoming stanza so that a panic in it (a bug,
/// or a dependency's parser meeting input it cannot take) loses that
/// stanza, logged, instead of the whole session. Known panics are guarded
/// where they are called; this is the net under them.
async fn isolated<T>(kind: &'static str, handling: impl std::future::Future<Output = T>) -> Option<T> {
    use futures::FutureExt;
    match std::panic::AssertUnwindSafe(handling).catch_unwind().await {
        Ok(done) => Some(done),
        Err(_) => {
            tracing::error!(kind, "handling an incoming stanza panicked; it was dropped");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::isolated;

    #[tokio::test]
    async fn a_panicking_handler_loses_its_stanza_not_the_session() {
        assert_eq!(isolated("IQ", async { 7 }).await, Some(7));
        let quiet = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let lost: Option<()> = isolated("message", async { panic!("a parser bug") }).await;
        std::panic::set_hook(quiet);
        assert_eq!(lost, None);
    }
}
