//! An account registration as the UI drives it: connect and show the
//! server's form, then submit answers until the server accepts one (a taken
//! username or a missing field can be corrected on the same connection).

use tokio::sync::mpsc;

use crate::core::xmpp::{
    connection::connector::AccountConnector,
    connection::error::ConnectError,
    connection::tls::AccountTls,
    modules::x0077_registration::{Answers, Registration, RegistrationError},
};
use crate::core::{account::AccountConfig, bridge::Event};

/// Starts registering `config.jid` on its server. Answers sent to the
/// returned channel are submitted in turn; dropping it cancels.
pub fn spawn(config: AccountConfig, events: async_channel::Sender<Event>) -> mpsc::UnboundedSender<Answers> {
    let (tx, mut answers) = mpsc::unbounded_channel::<Answers>();
    tokio::spawn(async move {
        let jid = config.jid.clone();
        let failed = |error: RegistrationError| Event::RegistrationFailed {
            jid: jid.clone(),
            error,
        };
        let tls = match AccountTls::new(config.extra_ca_pem.as_deref(), vec![]) {
            Ok(tls) => tls,
            Err(e) => {
                let error = RegistrationError::Connect(ConnectError::Configuration {
                    detail: e.to_string(),
                });
                let _ = events.try_send(failed(error));
                return;
            }
        };
        let connector = AccountConnector::new(&config, tls);
        let mut registration = match Registration::start(&config, &connector).await {
            Ok(r) => r,
            Err(error) => {
                let _ = events.try_send(failed(error));
                return;
            }
        };
        let _ = events.try_send(Event::RegistrationForm {
            jid: jid.clone(),
            form: registration.form().clone(),
        });
        while let Some(answer) = answers.recv().await {
            match registration.submit(&answer).await {
                Ok(Some(next)) => {
                    tracing::info!(%jid, "the server asks for a further registration stage");
                    let _ = events.try_send(Event::RegistrationForm {
                        jid: jid.clone(),
                        form: next,
                    });
                }
                Ok(None) => {
                    tracing::info!(%jid, "account registered");
                    let _ = events.try_send(Event::Registered { jid: jid.clone() });
                    return;
                }
                Err(error @ (RegistrationError::Connect(_) | RegistrationError::Timeout)) => {
                    let _ = events.try_send(failed(error));
                    return;
                }
                Err(error) => {
                    let _ = events.try_send(failed(error));
                }
            }
        }
        tracing::debug!(%jid, "registration cancelled");
    });
    tx
}
