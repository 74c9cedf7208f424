//! Waiting for worker events with a deadline.

use std::time::{Duration, Instant};

use balcony::core::{
    bridge::{ConnectionState, Event},
    xmpp::connection::error::ConnectError,
};

/// Receives events until one matches, failing after `timeout`.
/// Returns the match and every event seen before it.
pub async fn wait_for<T>(
    events: &async_channel::Receiver<Event>,
    timeout: Duration,
    mut pick: impl FnMut(&Event) -> Option<T>,
) -> (T, Vec<Event>) {
    let deadline = Instant::now() + timeout;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, events.recv()).await {
            Ok(Ok(ev)) => {
                if let Some(t) = pick(&ev) {
                    return (t, seen);
                }
                seen.push(ev);
            }
            Ok(Err(_)) => panic!("worker event channel closed; seen: {seen:#?}"),
            Err(_) => panic!("no matching event within {timeout:?}; seen: {seen:#?}"),
        }
    }
}

/// Collects whatever arrives within `window`.
pub async fn drain_for(events: &async_channel::Receiver<Event>, window: Duration) -> Vec<Event> {
    let deadline = Instant::now() + window;
    let mut seen = Vec::new();
    while let Ok(Ok(ev)) =
        tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), events.recv()).await
    {
        seen.push(ev);
    }
    seen
}

/// The error of an `Offline` connection state, for [`wait_for`].
pub fn offline_error(ev: &Event) -> Option<ConnectError> {
    match ev {
        Event::ConnectionChanged {
            state: ConnectionState::Offline { error: Some(e) },
            ..
        } => Some(e.clone()),
        _ => None,
    }
}

/// The SASL mechanism of an `Online` connection state, for [`wait_for`].
pub fn online_mechanism(ev: &Event) -> Option<&'static str> {
    match ev {
        Event::ConnectionChanged {
            state: ConnectionState::Online { mechanism, .. },
            ..
        } => Some(*mechanism),
        _ => None,
    }
}

/// The path of a file downloaded (`FileChanged` to downloaded); a failed
/// download panics with its reason.
pub fn downloaded_path(ev: &Event) -> Option<std::path::PathBuf> {
    use balcony::core::files::{FileState, TransferId};
    match ev {
        Event::FileChanged { file, .. } if file.state == FileState::Downloaded => file.path.clone(),
        Event::TransferFailed {
            transfer: TransferId::Download(_),
            error,
            ..
        } => panic!("download failed: {error}"),
        _ => None,
    }
}
