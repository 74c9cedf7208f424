//! The one place where worker events enter the GTK main context.

use glib::prelude::*;

use super::Client;
use crate::core::bridge::Event;

/// Drains `events` on the main context and applies them to `client`.
/// The loop ends when the worker is gone or the client is disposed.
pub fn spawn(client: &Client, events: async_channel::Receiver<Event>) -> glib::JoinHandle<()> {
    let weak = client.downgrade();
    glib::spawn_future_local(async move {
        while let Ok(event) = events.recv().await {
            let Some(client) = weak.upgrade() else { break };
            client.apply_event(event);
        }
    })
}
