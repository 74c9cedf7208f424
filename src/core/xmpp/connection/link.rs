//! The reconnector handed to tokio-xmpp's `StanzaStream`. It closes two gaps
//! of tokio-xmpp 6: failures are reported (not only logged), and fatal ones
//! (wrong password, untrusted certificate) stop the retries instead of
//! looping forever. Transient failures back off exponentially with jitter.

use std::{
    panic::AssertUnwindSafe,
    sync::{
        atomic::{AtomicBool, AtomicU32, Ordering},
        Arc,
    },
    time::Duration,
};

use futures::FutureExt;
use tokio::sync::{mpsc, oneshot};
use tokio_xmpp::{
    jid::Jid,
    stanzastream::{Connection, StanzaStream, StanzaToken},
    xmlstream::Timeouts,
    Stanza,
};

use crate::core::credentials::Password;
use crate::core::xmpp::{
    connection::connector::AccountConnector, connection::error::ConnectError, connection::login,
};

/// What the reconnector reports to its session.
#[derive(Debug)]
pub enum LinkEvent {
    /// An attempt starts.
    Attempt {
        /// 1-based attempt number within this outage.
        attempt: u32,
    },
    /// Authenticated; the stream goes on to resource binding.
    Authenticated {
        /// The SASL mechanism used.
        mechanism: &'static str,
    },
    /// Logins keep failing in stream negotiation (say, a resumption the
    /// server answers in a way tokio-xmpp cannot read, which it retries for
    /// ever): this stream is given up, and the session starts a fresh one.
    FreshStreamNeeded,
    /// An attempt failed. `retry_in` is `None` when it will not retry.
    Failed {
        /// Why.
        error: ConnectError,
        /// Delay before the next attempt.
        retry_in: Option<Duration>,
    },
}

/// Reconnection policy.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// First delay.
    pub initial: Duration,
    /// Largest delay.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(60),
        }
    }
}

impl Backoff {
    /// The delay after failed attempt number `attempt` (1-based), with
    /// ±25 % jitter so that many clients do not come back in step.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self
            .initial
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let base = exp.min(self.max);
        let jitter: f64 = rand::random_range(0.75..1.25);
        base.mul_f64(jitter)
    }
}

/// Stream timeouts. After 1 s without data from the server we ask for an
/// ack (XEP-0198, or a ping without it); no answer within 0.8 s more means
/// the socket is dead. So the UI learns of a dead link within 2 s, at the
/// cost of one tiny request a second while idle.
pub fn keepalive_timeouts() -> Timeouts {
    Timeouts {
        read_timeout: Duration::from_millis(1_000),
        response_timeout: Duration::from_millis(800),
    }
}

/// Settings of one link.
#[derive(Clone)]
pub struct LinkSpec {
    /// How to connect.
    pub connector: AccountConnector,
    /// Who logs in.
    pub jid: Jid,
    /// The password.
    pub password: Password,
    /// The client's SASL2 identity and the account's FAST tokens.
    pub client: login::ClientIdentity,
    /// Stream timeouts.
    pub timeouts: Timeouts,
    /// Backoff policy.
    pub backoff: Backoff,
    /// Give up at the first failure of any kind until one login succeeded
    /// (used while setting up an account, where an error must show at once).
    pub give_up_before_first_login: bool,
}

type Reconnector = Box<dyn FnMut(Option<String>, oneshot::Sender<Connection>) + Send + 'static>;

/// Logins handed to the stream that did not prove to work since the
/// stream last did. A stream proves itself when the server answers a
/// request sent on it after it came up (reset or resumed): a resumption
/// the server accepts but then never hears is lost as well.
#[derive(Clone, Debug, Default)]
pub struct NegotiationWatch(Arc<WatchCounts>);

#[derive(Debug, Default)]
struct WatchCounts {
    lost: AtomicU32,
    handed: AtomicU32,
}

impl NegotiationWatch {
    /// A new stream starts: nothing lost yet.
    pub fn fresh_stream(&self) {
        self.0.lost.store(0, Ordering::SeqCst);
    }

    /// Which login the stream runs on now; for [`Self::proven`].
    pub fn current_login(&self) -> u32 {
        self.0.handed.load(Ordering::SeqCst)
    }

    /// The server answered on the stream of `login`. An answer that comes
    /// after a newer login was handed over proves nothing about that one.
    pub fn proven(&self, login: u32) {
        if self.current_login() == login {
            self.0.lost.store(0, Ordering::SeqCst);
        }
    }

    fn login_handed_over(&self) {
        self.0.handed.fetch_add(1, Ordering::SeqCst);
        self.0.lost.fetch_add(1, Ordering::SeqCst);
    }

    fn logins_lost(&self) -> u32 {
        self.0.lost.load(Ordering::SeqCst)
    }
}

/// Logins lost in negotiation after which the stream is given up.
const LOGINS_LOST_LIMIT: u32 = 2;

/// Builds the reconnector closure for `StanzaStream::new`.
pub fn reconnector(
    spec: LinkSpec,
    watch: NegotiationWatch,
    events: mpsc::UnboundedSender<LinkEvent>,
) -> Reconnector {
    let spec = Arc::new(spec);
    let logged_in_once = Arc::new(AtomicBool::new(false));
    Box::new(move |_preferred_location, slot| {
        if watch.logins_lost() >= LOGINS_LOST_LIMIT {
            tracing::warn!(jid = %spec.jid, "stream negotiation failed after every login; starting a fresh stream");
            let _ = events.send(LinkEvent::FreshStreamNeeded);
            // Dropping the slot ends this stream.
            return;
        }
        let spec = spec.clone();
        let events = events.clone();
        let logged_in_once = logged_in_once.clone();
        let watch = watch.clone();
        tokio::spawn(async move {
            let mut attempt = 0u32;
            loop {
                attempt += 1;
                if events.send(LinkEvent::Attempt { attempt }).is_err() {
                    return; // session gone: dropping the slot ends the stream
                }
                match login::login(
                    &spec.connector,
                    &spec.jid,
                    &spec.password,
                    &spec.client,
                    spec.timeouts,
                    // Bind2 only where nothing can be resumed.
                    !logged_in_once.load(Ordering::SeqCst),
                )
                .await
                {
                    Ok(done) => {
                        logged_in_once.store(true, Ordering::SeqCst);
                        let _ = events.send(LinkEvent::Authenticated {
                            mechanism: done.mechanism,
                        });
                        let conn = Connection {
                            stream: done.stream,
                            features: done.features,
                            identity: done.bound.clone().unwrap_or_else(|| spec.jid.clone()),
                        };
                        watch.login_handed_over();
                        if slot.send(conn).is_err() {
                            tracing::debug!("stanza stream gone before the connection arrived");
                        }
                        return;
                    }
                    // The token was forgotten: the password, at once.
                    Err(ConnectError::FastTokenRefused { condition }) => {
                        tracing::info!(jid = %spec.jid, %condition, "FAST token refused; logging in with the password");
                    }
                    Err(error) => {
                        let give_up = error.is_fatal()
                            || (spec.give_up_before_first_login && !logged_in_once.load(Ordering::SeqCst));
                        let retry_in = (!give_up).then(|| spec.backoff.delay(attempt));
                        tracing::warn!(jid = %spec.jid, %error, ?retry_in, "connection attempt failed");
                        if events.send(LinkEvent::Failed { error, retry_in }).is_err() {
                            return;
                        }
                        match retry_in {
                            Some(delay) => tokio::time::sleep(delay).await,
                            None => {
                                // Hold the slot until the session has read the
                                // failure: tokio-xmpp ends the stream when the
                                // slot is dropped, which would race with it.
                                let mut slot = slot;
                                tokio::select! {
                                    _ = slot.closed() => {}
                                    _ = events.closed() => {}
                                }
                                return;
                            }
                        }
                    }
                }
            }
        });
    })
}

/// `StanzaStream::send`, except that a stream whose worker has ended (its
/// reconnector gave up, see [`quiet_expected_stream_panic`]) gives `None`
/// instead of a panic that would end the session too. The session learns
/// of the end from the stream itself right after.
pub async fn send_on(stream: &StanzaStream, stanza: Box<Stanza>) -> Option<StanzaToken> {
    AssertUnwindSafe(stream.send(stanza)).catch_unwind().await.ok()
}

/// tokio-xmpp ends a stream whose reconnector gave up (wrong password,
/// untrusted certificate) by letting its worker task panic; tokio catches
/// it. That is expected, so it goes to the debug log, not to stderr with a
/// backtrace. Every other panic is reported as usual.
pub fn quiet_expected_stream_panic() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let from_tokio_xmpp = info.location().is_some_and(|l| l.file().contains("tokio-xmpp"));
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
            .unwrap_or_default();
        if from_tokio_xmpp && message.contains("unable to handle reconnect request") {
            tracing::debug!("stream ended after a fatal connection error");
        } else if from_tokio_xmpp && message.contains("background workers have crashed") {
            tracing::debug!("nothing sent on a stream that has ended (caught by send_on)");
        } else {
            default(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let b = Backoff::default();
        for _ in 0..50 {
            let d1 = b.delay(1);
            assert!(
                d1 >= Duration::from_millis(750) && d1 <= Duration::from_millis(1250),
                "{d1:?}"
            );
            let d3 = b.delay(3);
            assert!(
                d3 >= Duration::from_secs(3) && d3 <= Duration::from_secs(5),
                "{d3:?}"
            );
            assert!(b.delay(40) <= Duration::from_secs(75));
        }
    }
}
