//! A coarse, bindable connection status.

use crate::core::bridge::ConnectionState;

/// What the UI shows at a glance; details stay in [`ConnectionState`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, glib::Enum)]
#[enum_type(name = "BalconyConnectionStatus")]
pub enum ConnectionStatus {
    /// Not connected.
    #[default]
    Offline,
    /// First attempt under way.
    Connecting,
    /// Connected.
    Online,
    /// Link lost, retrying.
    Reconnecting,
    /// Stopped by an error that needs the user.
    Failed,
}

impl From<&ConnectionState> for ConnectionStatus {
    fn from(state: &ConnectionState) -> Self {
        match state {
            ConnectionState::Offline { error: None } => Self::Offline,
            ConnectionState::Offline { error: Some(_) } => Self::Failed,
            ConnectionState::Connecting { .. } => Self::Connecting,
            ConnectionState::Online { .. } => Self::Online,
            ConnectionState::Reconnecting { .. } => Self::Reconnecting,
        }
    }
}
