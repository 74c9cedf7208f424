//! Turns core connection states and errors into translated sentences.

use std::time::Instant;

use crate::{
    core::{bridge::ConnectionState, xmpp::connection::error::ConnectError},
    i18n::{gettext, grouped, ngettext_f},
};

/// The sidebar's line while a history download runs.
pub fn history_progress(messages: u64) -> String {
    ngettext_f(
        "Downloading history… {count} message",
        "Downloading history… {count} messages",
        messages.min(u32::MAX as u64) as u32,
        &[("count", &grouped(messages))],
    )
}

/// A sentence for a connection error.
pub fn describe_error(error: &ConnectError) -> String {
    match error {
        ConnectError::AuthenticationFailed { .. } => {
            gettext("The server did not accept this address and password.")
        }
        ConnectError::ChannelBindingRefused { .. } => gettext(
            "The server refused the secure binding of this login to the encrypted connection. This is not a wrong password: the server may not support the kind of binding it announced, or something is intercepting the connection.",
        ),
        ConnectError::ChannelBindingUnusable { .. } => gettext(
            "The server’s announcement of how to secure the login cannot be used safely, so Balcony did not send the password. Something may be intercepting the connection.",
        ),
        ConnectError::UntrustedCertificate(_) => gettext("The server’s certificate is not trusted."),
        ConnectError::Unreachable { .. } => {
            gettext("Cannot reach the server. Check the address and your network connection.")
        }
        ConnectError::NoTls => gettext("The server does not offer encryption, so Balcony did not connect."),
        ConnectError::NoAcceptableMechanism { .. } => gettext("The server offers no secure way to log in."),
        ConnectError::Tls { .. } => gettext("A secure connection to the server could not be made."),
        ConnectError::Timeout => gettext("The server did not answer in time."),
        ConnectError::FastTokenRefused { .. } => {
            gettext("The server no longer accepts this computer’s login token. Balcony logs in with the password instead.")
        }
        ConnectError::Protocol { .. } => gettext("The server sent something Balcony does not understand."),
        ConnectError::Configuration { .. } => gettext("The account settings are not valid."),
        ConnectError::PasswordUnavailable { .. } => {
            gettext("The password for this account could not be found.")
        }
    }
}

/// One or two words for the account row.
pub fn short_state(state: &ConnectionState) -> String {
    match state {
        ConnectionState::Offline { error: None } => gettext("Offline"),
        ConnectionState::Offline { error: Some(_) } => gettext("Not connected"),
        ConnectionState::Connecting { .. } => gettext("Connecting…"),
        ConnectionState::Online { .. } => gettext("Online"),
        ConnectionState::Reconnecting { .. } => gettext("Reconnecting…"),
    }
}

/// A short line for a connection state; `retry_at` is when the next
/// reconnection attempt is due.
pub fn describe_state(state: &ConnectionState, retry_at: Option<Instant>) -> String {
    match state {
        ConnectionState::Offline { error: None } => gettext("Offline"),
        ConnectionState::Offline { error: Some(e) } => {
            // Translators: shown below the account; the reason is a full sentence.
            crate::i18n::gettext_f("Offline. {reason}", &[("reason", &describe_error(e))])
        }
        ConnectionState::Connecting { .. } => gettext("Connecting…"),
        ConnectionState::Online { .. } => gettext("Online"),
        ConnectionState::Reconnecting {
            attempt, retry_in, ..
        } => {
            let left = retry_at
                .map(|t| t.saturating_duration_since(Instant::now()))
                .unwrap_or(*retry_in);
            let secs = left.as_secs_f64().ceil() as u32;
            if secs == 0 {
                gettext("Reconnecting…")
            } else {
                ngettext_f(
                    "Connection lost. Next attempt ({attempt}) in {seconds} second…",
                    "Connection lost. Next attempt ({attempt}) in {seconds} seconds…",
                    secs,
                    &[("attempt", &attempt.to_string()), ("seconds", &secs.to_string())],
                )
            }
        }
    }
}
