//! Going offline when idle (the `auto-offline` option, which remote
//! control may set too), and coming back when the user returns.
//!
//! Idle time comes from GNOME's idle monitor (`org.gnome.Mutter.IdleMonitor`
//! on the session bus) where there is one; elsewhere from the last key
//! press, click or pointer move in Balcony's own windows.

use std::{cell::RefCell, rc::Rc, time::Duration, time::Instant};

use adw::prelude::*;
use gtk::{gio, glib};

use super::Window;
use crate::model::{Account, Client, ConnectionStatus};

/// How often idleness is checked.
const CHECK_EVERY: Duration = Duration::from_secs(1);

#[derive(Default)]
struct State {
    /// The last input seen in our windows.
    last_input: Option<Instant>,
    /// Accounts we took offline for idleness, to bring back.
    taken_offline: Vec<Account>,
    /// Whether GNOME's idle monitor is there (`None`: not asked yet). Once
    /// it did not answer it is not asked again, so that no session bus
    /// call blocks the main loop every second for nothing.
    desktop_monitor: Option<bool>,
}

/// Idle time from GNOME's idle monitor, if there is one.
fn desktop_idle(bus: &gio::DBusConnection) -> Option<Duration> {
    let reply = bus
        .call_sync(
            Some("org.gnome.Mutter.IdleMonitor"),
            "/org/gnome/Mutter/IdleMonitor/Core",
            "org.gnome.Mutter.IdleMonitor",
            "GetIdletime",
            None,
            Some(glib::VariantTy::new("(t)").ok()?),
            gio::DBusCallFlags::NONE,
            200,
            gio::Cancellable::NONE,
        )
        .ok()?;
    let (ms,): (u64,) = reply.get()?;
    Some(Duration::from_millis(ms))
}

/// Watches idleness for `window` while `settings` say so.
pub fn watch(window: &Window, client: &Client, settings: &gio::Settings) {
    let state = Rc::new(RefCell::new(State {
        last_input: Some(Instant::now()),
        ..State::default()
    }));
    // Any input in the window counts as activity.
    let input = gtk::EventControllerLegacy::new();
    input.set_propagation_phase(gtk::PropagationPhase::Capture);
    let seen = state.clone();
    input.connect_event(move |_, event| {
        use gtk::gdk::EventType as T;
        if matches!(
            event.event_type(),
            T::KeyPress | T::ButtonPress | T::MotionNotify | T::Scroll | T::TouchBegin
        ) {
            seen.borrow_mut().last_input = Some(Instant::now());
        }
        glib::Propagation::Proceed
    });
    window.add_controller(input);
    let bus = gio::bus_get_sync(gio::BusType::Session, gio::Cancellable::NONE).ok();
    let (client, settings) = (client.downgrade(), settings.clone());
    glib::timeout_add_local(CHECK_EVERY, move || {
        let Some(client) = client.upgrade() else {
            return glib::ControlFlow::Break;
        };
        let mut s = state.borrow_mut();
        if !settings.boolean("auto-offline") && s.taken_offline.is_empty() {
            return glib::ControlFlow::Continue;
        }
        let desktop = match s.desktop_monitor {
            Some(false) => None,
            _ => bus.as_ref().and_then(desktop_idle),
        };
        s.desktop_monitor = Some(desktop.is_some());
        let idle = desktop.unwrap_or_else(|| s.last_input.map_or(Duration::ZERO, |t| t.elapsed()));
        let limit = Duration::from_secs(settings.int("auto-offline-seconds").max(1) as u64);
        if settings.boolean("auto-offline") && idle >= limit && s.taken_offline.is_empty() {
            for account in client.accounts().iter::<Account>().flatten() {
                if account.saved() && account.status() == ConnectionStatus::Online {
                    tracing::info!(account = %account.jid(), "idle: going offline");
                    client.disconnect(&account);
                    s.taken_offline.push(account);
                }
            }
        } else if idle < limit && !s.taken_offline.is_empty() {
            for account in std::mem::take(&mut s.taken_offline) {
                tracing::info!(account = %account.jid(), "back from idle: connecting");
                client.connect_account(&account);
            }
        }
        glib::ControlFlow::Continue
    });
}
