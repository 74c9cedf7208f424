//! GObject models fed by the worker's events. No widgets here.

mod account;
mod client;
mod connection_status;
mod dispatcher;

pub use self::{account::Account, client::Client, connection_status::ConnectionStatus};
